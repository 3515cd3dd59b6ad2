/**
 * The bot as operators run it: `node --import tsx src/main.ts` (bot and worker roles) in its own process,
 * configured by environment only, its log in a file. kill() is kill -9: nothing gets to clean up.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';

export interface BotProcess {
  readonly pid: number;
  /** SIGKILL: no graceful shutdown, as when the machine or container dies. */
  kill(): Promise<void>;
  /** SIGTERM and wait. */
  stop(): Promise<void>;
}

export function startBot(env: Record<string, string>, logFile: string): BotProcess {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: process.cwd(),
    // Production as operators run it: NODE_ENV=production requires the audit chain's key.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', NODE_ENV: 'production', LOG_LEVEL: 'warn', DEMO_MODE: 'false', AUDIT_KEY: 'faults-audit-key-0123456789abcdef0123456789abcdef', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    pid: child.pid ?? -1,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(t);
    },
  };
}
