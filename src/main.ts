/**
 * `npm start`: runs the bot and the worker roles in one process. Reads `.env` when present; an invalid
 * configuration stops start-up with a message naming the variable.
 */
import { existsSync } from 'node:fs';
import { ConfigError, loadConfig } from './config.js';
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
  // Installed before anything starts: a signal during start-up stops the service as soon as it can be stopped.
  let service: Awaited<ReturnType<typeof startService>> | undefined;
  let stopRequested = false;
  const stop = () => {
    stopRequested = true;
    void service?.stop();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    service = await startService({ config, roles: new Set(roles) });
  } catch (err) {
    // One line, not a stack trace: what could not start and why.
    process.stderr.write(`kinerja could not start: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
  if (stopRequested) void service.stop();
  await service.stopped;
  process.exit(0);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runRoles(['bot', 'worker']);
}
