/** `kinerja bot|worker|start` (process roles) and `kinerja status` (operations). */
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { collectStatus, formatStatus } from '../../jobs/status.js';
import { createQueues } from '../../jobs/worker-role.js';
import { runRoles } from '../../main.js';
import { withDatabase } from '../database.js';
import { say } from '../output.js';

export function registerServiceCommands(program: Command): void {
  program
    .command('bot')
    .description('run the ingress role: HTTP server (health, webhooks, admin), Telegram/Slack adapters, or the console chat')
    .action(async () => runRoles(['bot']));
  program
    .command('worker')
    .description('run the worker role: message delivery, reminder sweep, outbox relay, cycle close')
    .action(async () => runRoles(['worker']));
  program
    .command('start')
    .description('run both roles in one process (what `npm start` does)')
    .action(async () => runRoles(['bot', 'worker']));
  program
    .command('status')
    .description('queue depths, failed and dead deliveries (with reasons), cycle progress per unit')
    .action(async () => {
      const config = loadConfig();
      await withDatabase(config, async (db) => {
        const queues = createQueues({ orm: db.orm, config, databaseUrl: db.url });
        try {
          say(formatStatus(await collectStatus(db.em(), queues.all())));
        } finally {
          await queues.close();
        }
      });
    });
}
