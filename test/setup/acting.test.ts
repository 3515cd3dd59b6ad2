import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ActingSetupError, addActing, endActing, importActing, listActing } from '../../src/setup/acting.js';
import { importEmployees } from '../../src/setup/employees.js';
import { ImportRejectedError } from '../../src/setup/problems.js';
import { readTable } from '../../src/setup/table-file.js';
import { ManualClock } from '../../src/clock.js';

const KEPALA = '197001012000011001';
const STAF = '199003032015031003';
const STAF2 = '198805052012032002';
const PLT = '198002022005011004';
const PLT2 = '198104042006041005';
const PENSIUN = '196506062000031006';
const KEPALA_A = '197202022001011007';
const KEPALA_B = '197303032002011008';
const ANGGOTA = '199101012016011009';
let db: TestDatabase;
const em = () => db.orm.em.fork();
const csv = (name: string, lines: string[]) => readTable(name, Buffer.from(lines.join('\n')));
const hr = { actor: 'ani.bkd', clock: new ManualClock(new Date('2027-01-10T03:00:00Z')) };

async function rows<T>(sql: string, params: unknown[] = []): Promise<T[]> {
  return em().getConnection().execute<T[]>(sql, params);
}
/** Who rates `nip` at `at`, by the SQL twin of the domain rule. */
async function raterOf(nip: string, at: string): Promise<string | null> {
  const r = await rows<{ nip: string }>(`select r.nip from employee e cross join lateral rater_of(e.id, ?::timestamptz) x join employee r on r.id = x.rater_id where e.nip = ?`, [at, nip]);
  return r[0]?.nip ?? null;
}
async function auditActions(): Promise<string[]> {
  return (await rows<{ action: string }>('select action from audit_event order by id')).map((r) => r.action);
}

beforeAll(async () => {
  db = await createTestDatabase();
  await importEmployees(
    em(),
    await csv('p.csv', [
      'nip,nama,jenis_jabatan,unit_kode,unit_nama,unit_induk,atasan_nip',
      `${KEPALA},Budi Kepala,jpt,DISHUB,Dinas Perhubungan,,`,
      `${STAF},Eko Staf,pelaksana,DISHUB,,,${KEPALA}`,
      `${STAF2},Fitri Staf,pelaksana,DISHUB,,,${KEPALA}`,
      `${PLT},Gita Sekretaris,administrator,DISHUB-SEK,Sekretariat Dishub,DISHUB,${KEPALA}`,
      `${PLT2},Hadi Kabid,administrator,DISHUB-SEK,,,${KEPALA}`,
      `${PENSIUN},Iwan Pensiun,pelaksana,DISHUB-SEK,,,${PLT}`,
      `${KEPALA_A},Joko Kepala A,administrator,DUA,Unit Dua Kepala,,`,
      `${KEPALA_B},Kiki Kepala B,administrator,DUA,,,`,
      `${ANGGOTA},Lina Anggota,pelaksana,DUA,,,${KEPALA_A}`,
    ]),
    { actor: 'hr' },
  );
  await rows(`update employee set active = false where nip = ?`, [PENSIUN]);
  await rows(`insert into employee (nip, name, position_kind, unit_id, supervisor_id) select '199202022017012010', 'Mita Anggota', 'pelaksana', unit_id, (select id from employee where nip = ?) from employee where nip = ?`, [KEPALA_B, ANGGOTA]);
});
afterAll(async () => {
  await db?.close();
});

describe('kinerja acting add / end', () => {
  it('adds a PLT for a person by NIP, audited; the rater of their staff is the PLT on those days only', async () => {
    const r = await addActing(em(), { kind: 'PLT', actingNip: PLT, forNip: KEPALA, from: '2027-01-04', to: '31/01/2027' }, hr);
    expect(r).toMatchObject({ actingNip: PLT, forNip: KEPALA, startsOn: '2027-01-04', endsOn: '2027-01-31' });
    expect(await raterOf(STAF, '2027-01-15T03:00:00Z')).toBe(PLT);
    expect(await raterOf(STAF, '2027-02-01T03:00:00Z')).toBe(KEPALA);
    const [audit] = await rows<{ actor: string; subject: string; data: Record<string, unknown> }>(`select actor, subject, data from audit_event where action = 'acting.added'`);
    expect(audit).toMatchObject({ actor: 'ani.bkd', subject: `acting:${r.id}`, data: { kind: 'plt', actingNip: PLT, forNip: KEPALA, startsOn: '2027-01-04', endsOn: '2027-01-31' } });
  });

  it('refuses an overlap for the same person replaced, naming the assignment and what to do; nothing written', async () => {
    const before = await rows('select id from acting_assignment');
    const err = await addActing(em(), { kind: 'plh', actingNip: PLT2, forNip: KEPALA, from: '2027-01-31', to: '2027-02-05' }, hr).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActingSetupError);
    expect((err as Error).message).toMatch(/overlaps assignment \d+: PLT NIP 198002022005011004 for NIP 197001012000011001 from 2027-01-04 to 2027-01-31/);
    expect((err as Error).message).toContain('end the other first or choose other dates');
    expect(await rows('select id from acting_assignment')).toEqual(before);
    // The day after it ends is free.
    await addActing(em(), { kind: 'plh', actingNip: PLT2, forNip: KEPALA, from: '2027-02-01', to: '2027-02-05' }, hr);
  });

  it.each([
    ['an invalid NIP', { actingNip: '12345', forNip: KEPALA }, '--acting "12345" is not a valid NIP'],
    ['an unknown acting NIP', { actingNip: '199501012020011099', forNip: KEPALA }, '--acting: no employee with NIP 199501012020011099'],
    ['both a person and a unit', { actingNip: PLT, forNip: KEPALA, unitCode: 'DISHUB' }, 'give either --for (the person replaced) or --unit'],
    ['neither a person nor a unit', { actingNip: PLT }, '--for and --unit are both empty'],
    ['an unknown unit', { actingNip: PLT, unitCode: 'NOPE' }, 'no unit with code "NOPE"'],
    ['a unit with two heads', { actingNip: PLT, unitCode: 'DUA' }, 'unit DUA has 2 heads (NIP 197202022001011007, 197303032002011008); name the person replaced by NIP instead'],
    ['acting for oneself', { actingNip: PLT, forNip: PLT }, 'cannot act for themselves'],
    ['an inactive acting official', { actingNip: PENSIUN, forNip: PLT2 }, 'is not an active employee and cannot act'],
    ['a kind that is not plt or plh', { actingNip: PLT, forNip: PLT2, kind: 'kepala' }, '--kind "kepala" is not plt or plh'],
    ['a date that is not real', { actingNip: PLT, forNip: PLT2, from: '2027-02-30' }, '--from "2027-02-30" is not a real date'],
    ['the end before the start', { actingNip: PLT, forNip: PLT2, from: '2027-03-10', to: '2027-03-01' }, 'the last day 2027-03-01 is before the first day 2027-03-10'],
  ])('refuses %s with the reason', async (_what, input, message) => {
    const err = await addActing(em(), { kind: 'plt', from: '2027-03-01', to: '2027-03-31', ...input }, hr).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ActingSetupError);
    expect((err as Error).message).toContain(message);
  });

  it('names the person replaced by unit: its head (the member who supervises its people and reports outside it)', async () => {
    const r = await addActing(em(), { kind: 'plh', actingNip: PLT2, unitCode: 'DISHUB', from: '2027-04-01', to: '2027-04-10' }, hr);
    expect(r.forNip).toBe(KEPALA);
    const sek = await addActing(em(), { kind: 'plh', actingNip: PLT2, unitCode: 'DISHUB-SEK', from: '2027-04-01', to: '2027-04-10' }, hr);
    expect(sek.forNip).toBe(PLT); // the head of the secretariat supervises the (retired) member and reports to DISHUB
  });

  it('ends an assignment early (audited); refuses an unknown id, a day before it starts, and lengthening it', async () => {
    const [a] = await listActing(em());
    expect(a).toMatchObject({ kind: 'plh', actingNip: PLT2 });
    const r = await endActing(em(), a!.id, '2027-04-05', hr);
    expect(r).toEqual({ id: a!.id, endsOn: '2027-04-05', previousEnd: '2027-04-10' });
    expect(await auditActions()).toContain('acting.ended');
    await expect(endActing(em(), 99999, '2027-04-05', hr)).rejects.toThrow('there is no acting assignment 99999; see kinerja acting list');
    await expect(endActing(em(), a!.id, '2027-03-01', hr)).rejects.toThrow(`assignment ${a!.id} starts on 2027-04-01; it cannot end on 2027-03-01`);
    await expect(endActing(em(), a!.id, '2027-05-01', hr)).rejects.toThrow('already ends on 2027-04-05; ending it on 2027-05-01 would lengthen it');
    await expect(endActing(em(), a!.id, 'kemarin', hr)).rejects.toThrow('--on "kemarin" is not a real date');
    // Without --on it ends today (WIB): 2027-01-10 is before this one starts.
    await expect(endActing(em(), a!.id, undefined, hr)).rejects.toThrow('it cannot end on 2027-01-10');
    expect((await listActing(em(), { current: true, today: '2027-04-06' })).map((x) => x.id)).not.toContain(a!.id);
  });
});

describe('kinerja acting import', () => {
  const head = 'jenis,nip_plt,nip_diganti,unit_kode,mulai,selesai';
  it('refuses the whole file listing every bad line: fields, overlaps with records and with earlier lines', async () => {
    const before = (await rows('select id from acting_assignment')).length;
    const err = await importActing(
      em(),
      await csv('plt.csv', [
        head,
        `plt,${PLT},${PLT2},,2027-05-01,2027-05-31`,
        `plh,${STAF},${PLT2},,2027-05-20,2027-06-10`,
        `plt,${PLT2},${KEPALA},,2027-01-20,2027-01-25`,
        `xx,${PLT},,,2027-05-01,2027-05-31`,
        `plt,${PLT},${KEPALA},DISHUB,2027-05-01,2027-05-31`,
        `plt,,${KEPALA},,2027-13-01,`,
      ]),
      hr,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportRejectedError);
    const problems = (err as ImportRejectedError).problems.map((p) => `${p.line}: ${p.message}`);
    expect(problems).toEqual([
      expect.stringMatching(/^3: overlaps line 2: PLT NIP 198002022005011004 for NIP 198104042006041005 from 2027-05-01 to 2027-05-31/),
      expect.stringMatching(/^4: overlaps assignment \d+: PLT NIP 198002022005011004 for NIP 197001012000011001 from 2027-01-04 to 2027-01-31/),
      expect.stringMatching(/^5: jenis "xx" is not plt or plh/),
      expect.stringMatching(/^5: nip_diganti and unit_kode are both empty/),
      expect.stringMatching(/^6: give either nip_diganti \(the person replaced\) or unit_kode/),
      expect.stringMatching(/^7: nip_plt is empty/),
      expect.stringMatching(/^7: mulai "2027-13-01" is not a real date/),
      expect.stringMatching(/^7: selesai is empty/),
    ]);
    expect((err as Error).message).toContain('plt.csv: nothing was imported; 5 lines need fixing');
    expect((await rows('select id from acting_assignment')).length).toBe(before);
  });

  it('refuses a file without a required column or without rows', async () => {
    await expect(importActing(em(), await csv('a.csv', ['jenis,nip_plt,mulai']), hr)).rejects.toThrow('required column "selesai" is missing');
    await expect(importActing(em(), await csv('b.csv', [head]), hr)).rejects.toThrow('the file has a header but no assignments');
  });

  it('imports a good file in one go (English headers too), audited once with the file digest', async () => {
    const r = await importActing(
      em(),
      await csv('acting.csv', ['kind,acting_nip,for_nip,unit_code,from,to', `plt,${PLT},${PLT2},,2027-05-01,2027-05-31`, `plh,${STAF},${PLT2},,2027-06-01,2027-06-10`, `plh,${PLT2},,DISHUB,2027-07-01,2027-07-05`]),
      hr,
    );
    expect(r).toEqual({ file: 'acting.csv', rows: 3 });
    const [audit] = await rows<{ data: Record<string, unknown> }>(`select data from audit_event where action = 'acting.imported'`);
    expect(audit!.data).toMatchObject({ rows: 3, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(await raterOf(PENSIUN, '2027-05-10T03:00:00Z')).toBe(PLT); // PENSIUN's supervisor is PLT (Gita), not replaced
    expect(await raterOf(ANGGOTA, '2027-05-10T03:00:00Z')).toBe(KEPALA_A);
  });
});
