/**
 * The import commands refuse hostile files as HR sees it: exit code 1, the line to fix, no stack trace,
 * nothing written (issue 15, item 6).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKinerja, type CliResult } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { generateEmployees } from '../../scripts/gen-employees.js';

let db: TestDatabase;
let dir: string;

/** Runs the real `kinerja` entry point against the test database, with extra environment. */
function kinerja(env: Record<string, string>, ...args: string[]): Promise<CliResult> {
  return runKinerja(db.url, args, { env, timeoutMs: 300_000 });
}

async function employees(): Promise<{ nip: string; name: string }[]> {
  return db.orm.em.fork().getConnection().execute<{ nip: string; name: string }[]>('select nip, name from employee order by nip');
}

function refusedCleanly(r: { code: number; stderr: string }): void {
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^error: /);
  expect(r.stderr).not.toMatch(/\n\s+at /);
  expect(r.stderr).not.toContain('internal error');
}

const HEAD = 'nip,nama,email,jabatan,jenis_jabatan,unit_kode,unit_nama,atasan_nip';
const KEPALA = '197001012000011001';
const KASI = '198002022005022002';

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'kinerja-cli-hostile-'));
});
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

// Each case starts real Node processes (tsx compiles on start-up): run them side by side.
describe('kinerja import with hostile files', { timeout: 900_000 }, () => {
  it('refuses each hostile file with exit code 1, the line, no stack trace, and writes nothing', async () => {
    const ansi = join(dir, 'ansi.csv');
    writeFileSync(ansi, Buffer.from(`${HEAD}\r\n${KEPALA},Budi,,Kepala,jpt,BKD,Badan,\r\n${KASI},Hans Müller,,Kabid,administrator,BKD,Badan,${KEPALA}\r\n`, 'latin1'));
    const formula = join(dir, 'formula.csv');
    writeFileSync(formula, `${HEAD}\n${KEPALA},Budi,=1+1@x.id,Kepala,jpt,BKD,Badan,\n${KASI},Siti,,"=HYPERLINK(""http://x.id"")",administrator,BKD,Badan,${KEPALA}\n`);
    const rows = join(dir, 'rows.csv');
    writeFileSync(rows, generateEmployees({ count: 30, units: 2 }).csv);
    const big = join(dir, 'big.csv');
    writeFileSync(big, generateEmployees({ count: 8000, units: 20 }).csv);
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Pegawai');
    ws.addRow(HEAD.split(','));
    for (const line of generateEmployees({ count: 30, units: 2 }).csv.split('\n').slice(1, -1)) ws.addRow(line.split(',').slice(0, 8));
    const xlsxRows = join(dir, 'rows.xlsx');
    writeFileSync(xlsxRows, Buffer.from(await wb.xlsx.writeBuffer()));

    // Four processes at a time: the 2-core CI machine is shared.
    const [encoding, cells, tooManyRows, tooBig] = await Promise.all([
      kinerja({}, 'import', 'employees', ansi),
      kinerja({}, 'import', 'employees', formula),
      kinerja({ IMPORT_MAX_ROWS: '25' }, 'import', 'employees', rows),
      kinerja({ IMPORT_MAX_MB: '1' }, 'import', 'employees', big),
    ]);
    const [tooManyXlsxRows, unknownEncoding] = await Promise.all([
      kinerja({ IMPORT_MAX_ROWS: '25' }, 'import', 'employees', xlsxRows),
      kinerja({}, 'holidays', 'import', ansi, '--encoding', 'klingon'),
    ]);
    refusedCleanly(encoding);
    expect(encoding.stderr).toContain('line 3: this line is not UTF-8 text');
    expect(encoding.stderr).toContain('--encoding windows-1252');
    refusedCleanly(cells);
    expect(cells.stderr).toContain('line 2: email "=1+1@x.id" starts with a character a spreadsheet reads as a formula');
    expect(cells.stderr).toContain('line 3: jabatan "=HYPERLINK(\\"http://x.id\\")" starts with "="');
    refusedCleanly(tooManyRows);
    expect(tooManyRows.stderr).toContain('line 27 is data row 26 and imports take at most 25 rows (IMPORT_MAX_ROWS)');
    refusedCleanly(tooBig);
    expect(tooBig.stderr).toMatch(/big\.csv: nothing was imported; the file is 1\.\d MB and imports take at most 1 MB \(IMPORT_MAX_MB\)/);
    refusedCleanly(tooManyXlsxRows);
    expect(tooManyXlsxRows.stderr).toContain('line 27 is data row 26');
    expect(unknownEncoding.code).toBe(1);
    expect(unknownEncoding.stderr).toContain('unknown encoding "klingon"');
    expect(await employees()).toEqual([]);

    // The Windows file imports as it is with --encoding windows-1252, "Müller" intact.
    const ok = await kinerja({}, 'import', 'employees', ansi, '--encoding', 'windows-1252');
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('imported 2 employees (2 new, 0 updated, 0 deactivated)');
    expect(await employees()).toEqual([
      { nip: KEPALA, name: 'Budi' },
      { nip: KASI, name: 'Hans Müller' },
    ]);
  });
});
