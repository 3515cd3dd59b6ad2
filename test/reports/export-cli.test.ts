/**
 * `kinerja export` as HR runs it: through the real entry point in a child process, so exit codes, stderr and
 * a pipe closed early (`| head`) are what a terminal sees.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKinerja } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { seedExportCycle, type ExportSeed } from './seed.js';

let db: TestDatabase;
let seed: ExportSeed;
let dir: string;

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: { ...process.env, DATABASE_URL: db.url, TELEGRAM_BOT_TOKEN: '', SLACK_BOT_TOKEN: '', LOG_LEVEL: 'info' }, timeout: 200_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

const kinerja = (...args: string[]) => runKinerja(db.url, args, { timeoutMs: 200_000 });

beforeAll(async () => {
  db = await createTestDatabase();
  seed = await seedExportCycle(db.orm.em.fork() as EntityManager);
  dir = mkdtempSync(join(tmpdir(), 'kinerja-export-cli-'));
});
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('kinerja export', { timeout: 420_000 }, () => {
  it('a bad cycle id, an unknown unit or an XLSX without --out exits 1 with the reason and no stack', async () => {
    const [cycle, unit, xlsx] = await Promise.all([
      kinerja('export', 'results', '--cycle', '999'),
      kinerja('export', 'monitoring', '--cycle', String(seed.cycleId), '--unit', 'NOPE'),
      kinerja('export', 'results', '--cycle', String(seed.cycleId), '--format', 'xlsx'),
    ]);
    expect(cycle).toMatchObject({ code: 1, stdout: '' });
    expect(cycle.stderr).toBe('error: there is no cycle 999; see the ids with: kinerja cycle list\n');
    expect(unit.code).toBe(1);
    expect(unit.stderr).toContain('error: there is no unit with code NOPE');
    expect(xlsx.code).toBe(1);
    expect(xlsx.stderr).toContain('--out FILE.xlsx');
    for (const r of [cycle, unit, xlsx]) expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('writes CSV to stdout with nothing else in it, and XLSX to --out in English', async () => {
    const file = join(dir, 'results.xlsx');
    const [csv, xlsx] = await Promise.all([
      kinerja('export', 'results', '--cycle', String(seed.cycleId), '--unit', 'DISDIK'),
      kinerja('export', 'results', '--cycle', String(seed.cycleId), '--out', file, '--lang', 'en'),
    ]);
    expect(csv.code).toBe(0);
    expect(csv.stdout.startsWith('\uFEFFNIP,Nama,Jabatan,')).toBe(true);
    expect(csv.stdout.split('\r\n').filter(Boolean)).toHaveLength(3);
    expect(csv.stderr).toContain('exported 2 row(s)');
    expect(xlsx.code).toBe(0);
    expect(xlsx.stdout).toBe('');
    expect(existsSync(`${file}.part`)).toBe(false);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Results', 'Summary']);
    expect((wb.worksheets[0]!.getRow(1).values as unknown[]).slice(1, 4)).toEqual(['NIP', 'Name', 'Position']);
    expect(readFileSync(file).subarray(0, 2).toString()).toBe('PK');
  });

  it('exits 0 without a word on stderr when the reader closes the pipe early (| head)', async () => {
    // Enough rows that the output outlives the pipe buffer, so the write really hits the closed pipe.
    await db.orm.em.fork().getConnection().execute(`
      with unit_bkd as (select id from unit where code = 'BKD'),
      people as (
        insert into employee (nip, name, position, position_kind, unit_id, roles, timezone, locale, active, opt_out_announcements, created_at, updated_at)
        select '9' || lpad(g::text, 17, '0'), 'Pegawai ' || g, 'Pelaksana', 'pelaksana', (select id from unit_bkd), '{pegawai}', 'Asia/Jakarta', 'id', true, false, now(), now()
          from generate_series(1, 4000) g returning id)
      insert into assessment (employee_id, cycle_id, status, round, thread_key, late, version, created_at, updated_at)
      select id, ${seed.cycleId}, 'draft', 1, md5(random()::text || id), false, 1, now(), now() from people`);
    const stderrFile = join(dir, 'pipe-stderr.txt');
    const r = await run('bash', [
      '-c',
      `"${process.execPath}" --import tsx src/cli/index.ts export results --cycle ${seed.cycleId} 2>"${stderrFile}" | head -c 100 >/dev/null; exit \${PIPESTATUS[0]}`,
    ]);
    expect(r.code).toBe(0);
    expect(readFileSync(stderrFile, 'utf8')).toBe('');
  });
});
