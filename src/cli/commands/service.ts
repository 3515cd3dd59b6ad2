/** `kinerja bot|worker|start` (process roles) and `kinerja status` (operations). */
import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { UserFacingError } from '../../setup/problems.js';
import { withDatabase } from '../database.js';
import { say } from '../output.js';

// The service, the queues and the platforms are loaded by the commands that use them: every other command
// (and --help) starts without loading Bolt, grammY, BullMQ and the HTTP server.
const runRoles = async (roles: ('bot' | 'worker')[]) => (await import('../../main.js')).runRoles(roles);
const queuesFor = async (...args: Parameters<typeof import('../../jobs/worker-role.js').createQueues>) => (await import('../../jobs/worker-role.js')).createQueues(...args);

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
        const { collectStatus, formatStatus } = await import('../../jobs/status.js');
        const queues = await queuesFor({ orm: db.orm, config, databaseUrl: db.url });
        try {
          say(formatStatus(await collectStatus(db.em(), queues.all())));
        } finally {
          await queues.close();
        }
      });
    });
  program
    .command('outbox')
    .description('outgoing messages')
    .command('retry')
    .description('send dead messages (gave up on transient errors) again, and with --failed also permanently failed ones')
    .option('--dead', 'messages that gave up on transient errors (the default)')
    .option('--failed', 'messages that failed permanently (e.g. the person has since unblocked the bot)')
    .option('--since <date>', 'only messages written at or after this date (YYYY-MM-DD or an ISO time)')
    .action(async (opts: { dead?: boolean; failed?: boolean; since?: string }) => {
      const since = opts.since !== undefined ? new Date(opts.since) : undefined;
      if (since && Number.isNaN(since.getTime())) throw new UserFacingError(`--since ${opts.since} is not a date; use e.g. 2026-12-01`);
      const config = loadConfig();
      await withDatabase(config, async (db) => {
        const { retryOutbox } = await import('../../jobs/delivery.js');
        const queues = await queuesFor({ orm: db.orm, config, databaseUrl: db.url });
        try {
          const n = await retryOutbox(db.em(), queues.delivery, { dead: opts.dead || !opts.failed, failed: opts.failed, since });
          say(`${n} message(s) queued for delivery again`);
        } finally {
          await queues.close();
        }
      });
    });
}
