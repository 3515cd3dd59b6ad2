/**
 * Runs the `kinerja` CLI in a process of its own, as HR runs it, against a test database: the copy the
 * global set-up transpiled (test/support/cli-build.ts), or the TypeScript sources through tsx when a test
 * runs outside that set-up.
 */
import { execFile } from 'node:child_process';
import { inject } from 'vitest';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** Extra environment (after the test defaults). */
  env?: Record<string, string>;
  timeoutMs?: number;
  maxBuffer?: number;
}

/** `node <cli> ...args` with DATABASE_URL=`databaseUrl`, no platform tokens, info logs. */
export function runKinerja(databaseUrl: string, args: readonly string[], opts: CliOptions = {}): Promise<CliResult> {
  const built = inject('kinerjaCli');
  const entry = built ? [built] : ['--import', 'tsx', 'src/cli/index.ts'];
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...entry, ...args],
      {
        env: { ...process.env, DATABASE_URL: databaseUrl, TELEGRAM_BOT_TOKEN: '', SLACK_BOT_TOKEN: '', LOG_LEVEL: 'info', ...opts.env },
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: opts.maxBuffer ?? 64 * 1024 * 1024,
      },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}
