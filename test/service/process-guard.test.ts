/**
 * The process guard (src/process-guard.ts) in a process of its own: an unhandled rejection is logged with the
 * process's context and the process goes on; an uncaught exception is logged at fatal and `onFatal` ends it.
 * (Every test file also runs under the guard: test/support/process-guard.setup.ts.)
 */
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';

describe('the process guard', () => {
  it('logs an unhandled rejection with context and goes on; an uncaught exception is fatal', { timeout: 60_000 }, async () => {
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'test/service/fixtures/guard-child.ts'], { timeout: 50_000 }, (err, stdout) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout }),
      );
    });
    const lines = r.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string; roles: string[]; err: { message: string }; pid: number });
    expect(lines[0]).toMatchObject({ level: 50, roles: ['worker'], err: { message: 'a promise nobody awaited' }, msg: expect.stringContaining('unhandled promise rejection') });
    expect(lines[0].pid).toBeGreaterThan(0);
    expect(r.stdout).toContain('still running');
    expect(lines[1]).toMatchObject({ level: 60, roles: ['worker'], err: { message: 'thrown in a timer' }, msg: expect.stringContaining('uncaught exception') });
    expect(r.code).toBe(3);
  });
});
