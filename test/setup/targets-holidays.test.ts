import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { createCycle } from '../../src/setup/cycles.js';
import { importEmployees } from '../../src/setup/employees.js';
import { importHolidays } from '../../src/setup/holidays.js';
import { ImportRejectedError } from '../../src/setup/problems.js';
import { readTable } from '../../src/setup/table-file.js';
import { importTargets } from '../../src/setup/targets.js';

const KEPALA = '197001012000011001';
const STAF = '199003032015031003';
let db: TestDatabase;
let cycleId: number;
const em = () => db.orm.em.fork();
const csv = (name: string, lines: string[]) => readTable(name, Buffer.from(lines.join('\n')));

async function rows<T>(sql: string): Promise<T[]> {
  return em().getConnection().execute<T[]>(sql);
}

beforeAll(async () => {
  db = await createTestDatabase();
  await importEmployees(
    em(),
    await csv('p.csv', [
      'nip,nama,jenis_jabatan,unit_kode,unit_nama,atasan_nip',
      `${KEPALA},Budi,jpt,BKD,Badan Kepegawaian Daerah,`,
      `${STAF},Eko,pelaksana,BKD,,${KEPALA}`,
    ]),
    { actor: 'hr' },
  );
  ({ id: cycleId } = await createCycle(em(), { name: 'Tahunan 2027', kind: 'tahunan', periodStart: '2027-01-01', periodEnd: '2027-12-31', selfDeadline: '2028-01-10', reviewDeadline: '2028-01-20' }));
});
afterAll(async () => {
  await db?.close();
});

describe('targets import', () => {
  const head = 'nip,kode,jenis_rhk,rhk,iki,target,satuan';
  it('loads RHK utama and tambahan with IKI, target and unit; a re-import updates by code', async () => {
    const first = await importTargets(em(), await csv('t.csv', [
      head,
      `${STAF},RHK-1,utama,Terlaksananya layanan mutasi,Persentase usulan mutasi diproses,95,persen`,
      `${STAF},RHK-2,tambahan,"Dokumentasi SOP, revisi 2027",Jumlah SOP direvisi,"2,5",dokumen`,
      `${KEPALA},RHK-1,UTAMA,Kebijakan kepegawaian,Indeks profesionalitas ASN,80,indeks`,
    ]), cycleId, { actor: 'hr' });
    expect(first).toMatchObject({ rows: 3, created: 3, updated: 0, employees: 2 });
    const again = await importTargets(em(), await csv('t.csv', [
      'NIP,Code,RHK_Kind,RHK,IKI,Target,Unit_Of_Measure',
      `${STAF},RHK-2,tambahan,Dokumentasi SOP,Jumlah SOP direvisi,4,dokumen`,
    ]), cycleId, { actor: 'hr' });
    expect(again).toMatchObject({ created: 0, updated: 1 });
    const stored = await rows<{ code: string; rhk_kind: string; rhk: string; target: string; unit_of_measure: string }>(
      `select t.code, t.rhk_kind, t.rhk, t.target, t.unit_of_measure from employee_target t join employee e on e.id = t.employee_id where e.nip = '${STAF}' order by t.code`,
    );
    expect(stored.map((s) => [s.code, s.rhk_kind, s.rhk, Number(s.target), s.unit_of_measure])).toEqual([
      ['RHK-1', 'utama', 'Terlaksananya layanan mutasi', 95, 'persen'],
      ['RHK-2', 'tambahan', 'Dokumentasi SOP', 4, 'dokumen'],
    ]);
  });

  it('refuses a bad file whole, naming each bad line', async () => {
    const before = await rows<{ n: string }>('select count(*) as n from employee_target');
    const err = await importTargets(em(), await csv('t.csv', [
      head,
      `${STAF},RHK-9,utama,Valid row,Valid IKI,10,laporan`,
      `198503122010011099,RHK-1,utama,X,Y,1,laporan`,
      `${STAF},RHK-3,inti,X,Y,1,laporan`,
      `${STAF},RHK-4,utama,X,Y,nol,laporan`,
      `${STAF},RHK-9,utama,X,Y,1,laporan`,
      `${STAF},RHK-5,utama,,Y,1,laporan`,
      `1234,RHK-1,utama,X,Y,1,laporan`,
    ]), cycleId, { actor: 'hr' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportRejectedError);
    expect((err as ImportRejectedError).problems.map((p) => [p.line, p.code])).toEqual([
      [3, 'unknown_employee'],
      [4, 'bad_value'],
      [5, 'invalid_number'],
      [6, 'duplicate_row'],
      [7, 'missing_field'],
      [8, 'invalid_nip'],
    ]);
    expect(await rows<{ n: string }>('select count(*) as n from employee_target')).toEqual(before);
  });

  it('refuses targets for a cycle under review or unknown', async () => {
    const { id } = await createCycle(em(), { name: 'Old', kind: 'bulanan', periodStart: '2026-11-01', periodEnd: '2026-11-30', selfDeadline: '2026-12-05', reviewDeadline: '2026-12-10' });
    await em().getConnection().execute(`update cycle set status = 'reviewing' where id = ${id}`);
    const file = await csv('t.csv', [head, `${STAF},RHK-1,utama,X,Y,1,laporan`]);
    await expect(importTargets(em(), file, id, { actor: 'hr' })).rejects.toThrow(/is reviewing; targets can only be loaded while a cycle is draft or open/);
    await expect(importTargets(em(), file, 424242, { actor: 'hr' })).rejects.toThrow('there is no cycle 424242');
  });
});

describe('holidays import', () => {
  it('loads national days, cuti bersama and regional days, and upserts by date', async () => {
    const first = await importHolidays(em(), await csv('libur.csv', [
      'tanggal,nama,jenis',
      '2027-08-17,Hari Kemerdekaan RI,nasional',
      '16/08/2027,Cuti Bersama Kemerdekaan,cuti bersama',
      '2027-06-22,HUT DKI Jakarta,daerah',
    ]), { actor: 'hr' });
    expect(first).toMatchObject({ rows: 3, created: 3, updated: 0 });
    const second = await importHolidays(em(), await csv('holidays.csv', [
      'Date,Name,Kind,Working_Day',
      '2027-06-22,HUT Kota Jakarta ke-500,daerah,ya',
      '2027-12-25,Hari Raya Natal,nasional,',
    ]), { actor: 'hr' });
    expect(second).toMatchObject({ created: 1, updated: 1 });
    const stored = await rows<{ d: string; name: string; kind: string; working_day: boolean }>(
      `select to_char(date, 'YYYY-MM-DD') as d, name, kind, working_day from holiday order by date`,
    );
    expect(stored.map((s) => [s.d, s.kind, s.working_day])).toEqual([
      ['2027-06-22', 'daerah', true],
      ['2027-08-16', 'cuti_bersama', false],
      ['2027-08-17', 'nasional', false],
      ['2027-12-25', 'nasional', false],
    ]);
    expect(stored[0]!.name).toBe('HUT Kota Jakarta ke-500');
  });

  it('refuses a bad file whole, naming each bad line, and an unknown column', async () => {
    const err = await importHolidays(em(), await csv('libur.csv', [
      'tanggal,nama,jenis',
      '2027-01-01,Tahun Baru,nasional',
      '2027-02-30,Tanggal salah,nasional',
      '2027-01-01,Tahun Baru lagi,nasional',
      '2027-03-10,,nasional',
      '2027-03-11,Libur kantor,kantor',
    ]), { actor: 'hr' }).catch((e: unknown) => e);
    expect((err as ImportRejectedError).problems.map((p) => [p.line, p.code])).toEqual([
      [3, 'invalid_date'],
      [4, 'duplicate_row'],
      [5, 'missing_field'],
      [6, 'bad_value'],
    ]);
    expect(await rows<{ d: string }>(`select to_char(date, 'YYYY-MM-DD') as d from holiday where date = '2027-01-01'`)).toEqual([]);
    const header = await importHolidays(em(), await csv('libur.csv', ['tanggal,nama,jenis,keterangan', '2027-01-01,Tahun Baru,nasional,x']), { actor: 'hr' }).catch((e: unknown) => e);
    expect((header as ImportRejectedError).problems).toEqual([expect.objectContaining({ line: 1, code: 'unknown_column' })]);
  });
});
