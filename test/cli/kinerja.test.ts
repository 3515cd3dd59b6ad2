import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKinerja, type CliResult } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { generateEmployees } from '../../scripts/gen-employees.js';

let db: TestDatabase;
let dir: string;

/** Runs the real `kinerja` entry point as HR would, against the test database. */
function kinerja(...args: string[]): Promise<CliResult> {
  return runKinerja(db.url, args);
}

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'kinerja-cli-'));
});
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

// Each case starts real Node processes (tsx compiles on start-up), which is slow on a loaded 2-core machine.
describe('kinerja CLI', { timeout: 120_000 }, () => {
  it('--help lists every command and exits 0; a missing option exits 1 with the reason', async () => {
    const [top, missing] = await Promise.all([kinerja('--help'), kinerja('targets', 'import', 'file.csv')]);
    expect(top.code).toBe(0);
    for (const cmd of ['db', 'import', 'targets', 'holidays', 'cycle', 'link-code', 'config']) expect(top.stdout).toContain(cmd);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("required option '--cycle <id>' not specified");
  });

  it('a bad employee file exits 1, lists each bad line without a stack trace, and writes nothing; the fixed file imports', async () => {
    const bad = generateEmployees({ count: 120, units: 4, badRows: 3 });
    writeFileSync(join(dir, 'pegawai-salah.csv'), bad.csv);
    const refused = await kinerja('import', 'employees', join(dir, 'pegawai-salah.csv'));
    expect(refused.code).toBe(1);
    for (const b of bad.bad) expect(refused.stderr).toContain(`line ${b.line}:`);
    expect(refused.stderr).toContain('nothing was imported');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    const [row] = await db.orm.em.fork().getConnection().execute<{ n: string }[]>('select count(*) as n from employee');
    expect(Number(row!.n)).toBe(0);

    writeFileSync(join(dir, 'pegawai.csv'), generateEmployees({ count: 120, units: 4 }).csv);
    const ok = await kinerja('import', 'employees', join(dir, 'pegawai.csv'), '--actor', 'ani.bkd');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('imported 120 employees (120 new, 0 updated, 0 deactivated)');
    const audit = await db.orm.em.fork().getConnection().execute<{ actor: string }[]>(`select actor from audit_event where action = 'employees.imported'`);
    expect(audit).toEqual([{ actor: 'ani.bkd' }]);
  });

  it('creates, opens and shows a cycle, and issues link codes as CSV', async () => {
    const created = await kinerja('cycle', 'create', '--name', 'Triwulan I 2027', '--kind', 'triwulan', '--period-start', '2027-01-01', '--period-end', '2027-03-31', '--self-deadline', '2027-04-07', '--review-deadline', '2027-04-14');
    expect(created.code).toBe(0);
    const id = /created cycle (\d+)/.exec(created.stdout)![1]!;
    const [opened, codes] = await Promise.all([kinerja('cycle', 'open', id), kinerja('link-code', '--unit', 'U001', '--format', 'csv', '--bot-username', 'kinerja_dki_bot')]);
    expect(opened.stdout).toContain('opened cycle');
    expect(opened.stdout).toContain('120 assessments created');
    expect(codes.code).toBe(0);
    const lines = codes.stdout.trim().split('\n');
    expect(lines[0]).toBe('nip,nama,email,code,expires_at,telegram_link');
    expect(lines).toHaveLength(1 + 30);
    const show = await kinerja('cycle', 'show', id);
    expect(show.stdout).toMatch(/draft\s+120\s+100\.0%/);
    expect(show.stdout).toContain('Kualitas pelayanan (Service quality)');
  });

  it('closes a cycle with a broken curve; announce is refused (exit 1, the reason) until HR gives a written reason', async () => {
    const conn = db.orm.em.fork().getConnection();
    const [cycle] = await conn.execute<{ id: number }[]>(`select id from cycle order by id desc limit 1`);
    await conn.execute(`update unit set org_rating = 'baik'`);
    await conn.execute(`update assessment set status = 'reviewed', predicate = 'baik', hasil_kerja = 'sesuai', perilaku = 'sesuai' where cycle_id = ?`, [cycle!.id]);
    const closed = await kinerja('cycle', 'close', String(cycle!.id), '--actor', 'hana.bkd');
    expect(closed.code).toBe(0);
    expect(closed.stdout).toMatch(/closed cycle \d+: 0 late submissions flagged, 4 units break their distribution curve/);
    const [refused, short] = await Promise.all([kinerja('cycle', 'announce', String(cycle!.id)), kinerja('cycle', 'announce', String(cycle!.id), '--override-curve', 'karena')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('cannot be announced: 4 unit(s) break their distribution curve');
    expect(refused.stderr).toContain('--override-curve');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(short.code).toBe(1);
    expect(short.stderr).toContain('--override-curve needs a written reason of at least 10 characters (got 6)');
    const ok = await kinerja('cycle', 'announce', String(cycle!.id), '--override-curve', 'Seluruh unit memenuhi target kuartal ini.', '--actor', 'hana.bkd');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('announced over the distribution curve of units');
    const audit = await conn.execute<{ actor: string; data: { overrideCurve: string } }[]>(`select actor, data from audit_event where action = 'cycle.announced'`);
    expect(audit).toEqual([{ actor: 'hana.bkd', data: expect.objectContaining({ overrideCurve: 'Seluruh unit memenuhi target kuartal ini.' }) }]);
  });
});
