/**
 * `npm start`: runs the bot and the worker roles in one process. Reads `.env` when present; an invalid
 * configuration stops start-up with a message naming the variable.
 */
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { installProcessGuard } from './process-guard.js';
import { startService, type Role } from './service.js';

export async function runRoles(roles: Role[]): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n');
      process.exit(1);
    }
    throw err;
  }
  // Installed before anything starts: a signal during start-up stops the service as soon as it can be stopped,
  // and a second signal (start-up hanging on a database that does not answer) exits at once.
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  let stopRequested = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopRequested) {
      process.stderr.write(`kinerja: ${signal} again; exiting without waiting\n`);
      process.exit(1);
    }
    stopRequested = true;
    void service?.stop();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  // A bug that escapes (an unhandled rejection, an uncaught exception) is logged with the roles; an uncaught
  // exception then stops the service gracefully and exits 1.
  installProcessGuard(createLogger(config.LOG_LEVEL), { roles }, {
    onFatal: () => {
      stopRequested = true;
      const done = service ? service.stop() : Promise.resolve();
      void done.finally(() => process.exit(1));
    },
  });
  try {
    service = await startService({ config, roles: new Set(roles) });
  } catch (err) {
    // One line, not a stack trace: what could not start and why.
    process.stderr.write(`kinerja could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  if (stopRequested) void service.stop();
  await service.stopped;
  // Non-zero only when no role could run (every platform of a bot-only process stopped for good).
  if (service.failure) process.stderr.write(`kinerja: ${service.failure}\n`);
  process.exit(service.failure ? 1 : 0);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runRoles(['bot', 'worker']);
}
