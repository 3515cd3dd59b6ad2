/**
 * HR set-up without SQL through the real `kinerja` entry point: acting (PLT/PLH), unit ratings and channels,
 * and `kinerja audit verify` catching an edited, a deleted and a re-ordered entry.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKinerja, type CliResult } from '../support/cli.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const KEPALA = '197001012000011001';
const STAF = '199003032015031003';
const PLT = '198002022005011004';
let db: TestDatabase;
let dir: string;

function kinerja(...args: string[]): Promise<CliResult> {
  return runKinerja(db.url, args, { timeoutMs: 180_000 });
}
const q = <T>(sql: string, params: unknown[] = []) => db.orm.em.fork().getConnection().execute<T[]>(sql, params);
function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.join('\n'));
  return path;
}

beforeAll(async () => {
  db = await createTestDatabase();
  dir = mkdtempSync(join(tmpdir(), 'kinerja-hr-'));
  const people = file('pegawai.csv', [
    'nip,nama,jenis_jabatan,unit_kode,unit_nama,atasan_nip',
    `${KEPALA},Budi Kepala,jpt,DISHUB,Dinas Perhubungan,`,
    `${STAF},Eko Staf,pelaksana,DISHUB,,${KEPALA}`,
    `${PLT},Gita Sekretaris,administrator,DISHUB,,${KEPALA}`,
  ]);
  const r = await kinerja('import', 'employees', people, '--actor', 'ani.bkd');
  expect(r.stderr).toBe('');
});
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('kinerja acting, unit and audit commands', { timeout: 400_000 }, () => {
  it('acting add / list / end, and a refused import that lists its lines and writes nothing', async () => {
    const add = await kinerja('acting', 'add', '--kind', 'plt', '--acting', PLT, '--unit', 'DISHUB', '--from', '2027-01-04', '--to', '2027-01-31', '--actor', 'ani.bkd');
    expect(add.stdout).toMatch(/^added acting assignment (\d+): PLT NIP 198002022005011004 for NIP 197001012000011001 from 2027-01-04 to 2027-01-31/);
    expect(add.code).toBe(0);
    const id = /assignment (\d+)/.exec(add.stdout)![1]!;
    const [overlap, missing, list] = await Promise.all([
      kinerja('acting', 'add', '--kind', 'plh', '--acting', STAF, '--for', KEPALA, '--from', '2027-01-10', '--to', '2027-01-12'),
      kinerja('acting', 'add', '--acting', STAF, '--for', KEPALA, '--from', '2027-01-10', '--to', '2027-01-12'),
      kinerja('acting', 'list'),
    ]);
    expect(overlap.code).toBe(1);
    expect(overlap.stderr).toContain(`error: cannot add the acting assignment:\n  overlaps assignment ${id}: PLT NIP ${PLT}`);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("required option '--kind <kind>' not specified");
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+PLT\\s+${PLT} Gita Sekretaris\\s+${KEPALA} Budi Kepala\\s+2027-01-04\\s+2027-01-31`));

    const end = await kinerja('acting', 'end', id, '--on', '2027-01-20', '--actor', 'ani.bkd');
    expect(end.stdout).toContain(`acting assignment ${id} now ends on 2027-01-20 (was 2027-01-31)`);
    const endAgain = await kinerja('acting', 'end', id, '--on', '2027-01-25');
    expect(endAgain.code).toBe(1);
    expect(endAgain.stderr).toContain('would lengthen it');

    const bad = file('plt-salah.csv', ['jenis,nip_plt,nip_diganti,mulai,selesai', `plt,${STAF},${KEPALA},2027-01-15,2027-01-18`, `plh,${STAF},${KEPALA},2027-02-01,2027-01-18`]);
    const refused = await kinerja('acting', 'import', bad);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('plt-salah.csv: nothing was imported; 2 lines need fixing');
    expect(refused.stderr).toMatch(/line 2: overlaps assignment \d+/);
    expect(refused.stderr).toContain('line 3: the last day 2027-01-18 is before the first day 2027-02-01');
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    const good = file('plt.csv', ['jenis,nip_plt,nip_diganti,mulai,selesai', `plh,${STAF},${KEPALA},2027-02-01,2027-02-05`]);
    expect((await kinerja('acting', 'import', good)).stdout).toContain('plt.csv: imported 1 acting assignments');
    expect((await q<{ n: string }>('select count(*) as n from acting_assignment'))[0]!.n).toBe('2');
  });

  it('unit rating for one unit and from a file, unit channel; bad input exits 1 with the reason', async () => {
    const created = await kinerja('cycle', 'create', '--name', 'Triwulan I 2027', '--kind', 'triwulan', '--period-start', '2027-01-01', '--period-end', '2027-03-31', '--self-deadline', '2027-04-07', '--review-deadline', '2027-04-14');
    const cycle = /created cycle (\d+)/.exec(created.stdout)![1]!;
    const [one, badRating, noUnit, channel, badChannel, noChannel] = await Promise.all([
      kinerja('unit', 'rating', '--cycle', cycle, '--unit', 'DISHUB', '--rating', 'baik'),
      kinerja('unit', 'rating', '--cycle', cycle, '--unit', 'DISHUB', '--rating', 'hebat'),
      kinerja('unit', 'rating', '--cycle', cycle, '--rating', 'baik'),
      kinerja('unit', 'channel', '--unit', 'DISHUB', '--telegram', '-1001234567890', '--slack', 'C0123ABCD'),
      kinerja('unit', 'channel', '--unit', 'DISHUB', '--telegram', '@dishub'),
      kinerja('unit', 'channel', '--unit', 'DISHUB'),
    ]);
    expect(one.stdout).toContain(`unit DISHUB, cycle ${cycle}: organisational rating baik`);
    expect(badRating.code).toBe(1);
    expect(badRating.stderr).toContain('--rating "hebat" is not one of istimewa, baik, butuh_perbaikan, kurang, sangat_kurang');
    expect(noUnit.code).toBe(1);
    expect(noUnit.stderr).toContain('missing --unit <code>');
    expect(channel.stdout).toContain('unit DISHUB: announcements on telegram go to -1001234567890');
    expect(channel.stdout).toContain('unit DISHUB: announcements on slack go to C0123ABCD');
    expect(badChannel.code).toBe(1);
    expect(badChannel.stderr).toContain('--telegram "@dishub" is not a group chat id');
    expect(noChannel.code).toBe(1);
    expect(noChannel.stderr).toContain('give the channel: --telegram CHAT_ID or --slack CHANNEL_ID');

    const ratings = file('capaian.csv', ['unit_kode,capaian', 'DISHUB,istimewa', 'DINKES,baik']);
    const refused = await kinerja('unit', 'rating', 'import', ratings, '--cycle', cycle);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('line 3: no unit with code "DINKES"');
    const ok = await kinerja('unit', 'rating', 'import', file('capaian-ok.csv', ['unit_kode,capaian', 'DISHUB,istimewa']), '--cycle', cycle);
    expect(ok.stdout).toContain(`capaian-ok.csv: set the organisational rating of 1 units for cycle ${cycle} (1 changed)`);
  });

  it('audit verify: intact -> "N entries verified"; an edited, a deleted and a re-ordered entry each exit 1 naming the entry', async () => {
    const [{ n }] = await q<{ n: string }>('select count(*) as n from audit_event');
    const actions = (await q<{ action: string }>('select action from audit_event order by id')).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['employees.imported', 'acting.added', 'acting.ended', 'acting.imported', 'cycle.created', 'unit.rating_set', 'unit.channel_registered', 'unit.ratings_imported']));
    const intact = await kinerja('audit', 'verify');
    expect(intact.code).toBe(0);
    expect(intact.stdout).toContain(`${n} entries verified`);
    const since = await kinerja('audit', 'verify', '--from', '2000-01-01');
    expect(since.stdout).toContain(`${n} entries verified since`);
    const future = await kinerja('audit', 'verify', '--from', '2999-01-01');
    expect(future.stdout).toContain('0 entries verified');
    const badDate = await kinerja('audit', 'verify', '--from', 'kemarin');
    expect(badDate.code).toBe(1);
    expect(badDate.stderr).toContain('"kemarin" is not a date as YYYY-MM-DD');

    const rows = await q<{ id: string; data: unknown; subject: string; hash: string }>('select id, data, subject, hash from audit_event order by id');
    const id = (i: number) => rows[i]!.id;
    // 1. Edit: one field of entry 3.
    await q(`update audit_event set subject = 'unit:LAIN' where id = ?`, [id(2)]);
    const edited = await kinerja('audit', 'verify');
    expect(edited.code).toBe(1);
    expect(edited.stderr).toContain(`audit chain broken at entry ${id(2)}: its content does not match its hash (edited): expected hash `);
    expect(edited.stderr).toContain('2 entries before it verified');
    await q(`update audit_event set subject = ? where id = ?`, [rows[2]!.subject, id(2)]);
    expect((await kinerja('audit', 'verify')).code).toBe(0);

    // 2. Delete entry 4: entry 5 no longer follows its predecessor.
    const deleted = await q<Record<string, unknown>>(`delete from audit_event where id = ? returning *`, [id(3)]);
    const afterDelete = await kinerja('audit', 'verify');
    expect(afterDelete.code).toBe(1);
    expect(afterDelete.stderr).toContain(`audit chain broken at entry ${id(4)}: it does not follow the entry before it (an entry was deleted, inserted or moved): expected prev_hash ${rows[2]!.hash}`);
    // --from past the deletion still checks the link to the entry before it.
    const [at4] = await q<{ at: Date }>('select at from audit_event where id = ?', [id(4)]);
    expect((await kinerja('audit', 'verify', '--from', new Date(at4!.at).toISOString())).code).toBe(1);
    const d = deleted[0]!;
    await q(`insert into audit_event (id, at, actor, action, subject, data, prev_hash, hash) values (?, ?, ?, ?, ?, ?::jsonb, ?, ?)`, [d.id, d.at, d.actor, d.action, d.subject, JSON.stringify(d.data), d.prev_hash, d.hash]);
    expect((await kinerja('audit', 'verify')).code).toBe(0);

    // 3. Re-order: entries 5 and 6 swap places in the chain (ids and places swapped, content kept).
    await q(`update audit_event set id = -1, pos = -1 where id = ?`, [id(4)]);
    await q(`update audit_event set id = ?, pos = ? where id = ?`, [id(4), id(4), id(5)]);
    await q(`update audit_event set id = ?, pos = ? where id = -1`, [id(5), id(5)]);
    const reordered = await kinerja('audit', 'verify');
    expect(reordered.code).toBe(1);
    expect(reordered.stderr).toContain(`audit chain broken at entry ${id(4)}: it does not follow the entry before it`);
  });
});
