import ExcelJS from 'exceljs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { importEmployees, type ImportEmployeesOptions } from '../../src/setup/employees.js';
import { ImportRejectedError } from '../../src/setup/problems.js';
import { readTable } from '../../src/setup/table-file.js';
import { verifyAuditChain } from '../../src/db/audit.js';
import { txOf } from '../../src/db/sql.js';
import { generateEmployees } from '../../scripts/gen-employees.js';

const HEAD = 'nip,nama,email,jabatan,jenis_jabatan,unit_kode,unit_nama,unit_induk,atasan_nip,peran,zona_waktu,bahasa';
const KEPALA = '197001012000011001';
const KASI = '198002022005022002';
const STAF = '199003032015031003';
const STAF2 = '199104042016041004';

const base = [
  HEAD,
  `${KEPALA},Budi Santoso,budi@jakarta.go.id,Kepala Badan,jpt,BKD,Badan Kepegawaian Daerah,,,"pegawai,admin",WIB,id`,
  `${KASI},Siti Rahma,siti@jakarta.go.id,Kepala Bidang,administrator,BKD-1,Bidang Mutasi,BKD,${KEPALA},pegawai,WITA,en`,
  `${STAF},Eko Prasetyo,,Analis,pelaksana,BKD-1,Bidang Mutasi,BKD,${KASI},,,`,
];

let db: TestDatabase;
const opts: ImportEmployeesOptions = { actor: 'hr.test' };

async function run(lines: string[], o: Partial<ImportEmployeesOptions> = {}, file = 'pegawai.csv') {
  const em = db.orm.em.fork();
  return importEmployees(em, await readTable(file, Buffer.from(lines.join('\n'))), { ...opts, ...o });
}

async function rejected(lines: string[], o: Partial<ImportEmployeesOptions> = {}): Promise<ImportRejectedError> {
  const err = await run(lines, o).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImportRejectedError);
  return err as ImportRejectedError;
}

async function employees() {
  return db.orm.em.fork().getConnection().execute<{ nip: string; name: string; supervisor_nip: string | null; unit_code: string; roles: string[]; timezone: string; locale: string; active: boolean; email: string | null }[]>(
    `select e.nip, e.name, s.nip as supervisor_nip, u.code as unit_code, e.roles, e.timezone, e.locale, e.active, e.email
       from employee e join unit u on u.id = e.unit_id left join employee s on s.id = e.supervisor_id order by e.nip`,
  );
}

async function count(table: string): Promise<number> {
  const [row] = await db.orm.em.fork().getConnection().execute<{ n: string }[]>(`select count(*) as n from ${table}`);
  return Number(row!.n);
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});
beforeEach(async () => {
  await db.orm.em.fork().getConnection().execute('truncate audit_event, employee, unit restart identity cascade');
});

describe('importing employees', () => {
  it('loads a CSV: units with their parent, supervisors, roles, zones and locales', async () => {
    const result = await run(base);
    expect(result).toMatchObject({ rows: 3, created: 3, updated: 0, deactivated: 0, unitsCreated: 2 });
    const rows = await employees();
    expect(rows).toEqual([
      expect.objectContaining({ nip: KEPALA, supervisor_nip: null, unit_code: 'BKD', roles: ['pegawai', 'admin'], timezone: 'Asia/Jakarta', locale: 'id' }),
      expect.objectContaining({ nip: KASI, supervisor_nip: KEPALA, unit_code: 'BKD-1', timezone: 'Asia/Makassar', locale: 'en' }),
      expect.objectContaining({ nip: STAF, supervisor_nip: KASI, roles: ['pegawai'], timezone: 'Asia/Jakarta', locale: 'id', email: null }),
    ]);
    const [unit] = await db.orm.em.fork().getConnection().execute<{ parent: string }[]>(
      `select p.code as parent from unit u join unit p on p.id = u.parent_id where u.code = 'BKD-1'`,
    );
    expect(unit!.parent).toBe('BKD');
  });

  it('records who imported what in the hash-chained audit log', async () => {
    await run(base, { actor: 'ani.hr' });
    await run(base, { actor: 'ani.hr' });
    const audit = await db.orm.em.fork().getConnection().execute<{ actor: string; action: string; subject: string; data: Record<string, unknown>; prev_hash: string | null }[]>(
      'select actor, action, subject, data, prev_hash from audit_event order by id',
    );
    expect(audit).toHaveLength(2);
    expect(audit[0]).toMatchObject({ actor: 'ani.hr', action: 'employees.imported', subject: 'pegawai.csv', prev_hash: null, data: { rows: 3, created: 3 } });
    expect(audit[1]!.data).toMatchObject({ created: 0, updated: 3 });
    expect(await verifyAuditChain(txOf(db.orm.em.fork()))).toBeNull();
    await db.orm.em.fork().getConnection().execute(`update audit_event set actor = 'someone.else' where id = (select min(id) from audit_event)`);
    expect(await verifyAuditChain(txOf(db.orm.em.fork()))).toMatchObject({ reason: 'hash_mismatch' });
  });

  it('accepts English headers in any case and semicolon-separated files', async () => {
    const english = [
      'NIP;Name;Email;Position;Position_Kind;Unit_Code;Unit_Name;Parent_Unit_Code;Supervisor_NIP;Roles;Timezone;Locale',
      `${KEPALA};Budi Santoso;;Head;JPT;BKD;Badan Kepegawaian Daerah;;;admin;asia/jayapura;EN`,
      `${KASI};Siti Rahma;;Head of division;administrator;BKD;;;${KEPALA};pegawai;WIT;id`,
    ];
    await run(english);
    const rows = await employees();
    expect(rows.map((r) => [r.nip, r.timezone, r.locale, r.supervisor_nip])).toEqual([
      [KEPALA, 'Asia/Jayapura', 'en', null],
      [KASI, 'Asia/Jayapura', 'id', KEPALA],
    ]);
  });

  it('loads an XLSX file with the same rules, including a NIP stored as text', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Pegawai');
    ws.addRow(HEAD.split(','));
    ws.addRow([KEPALA, 'Budi Santoso', 'budi@jakarta.go.id', 'Kepala Badan', 'jpt', 'BKD', 'Badan Kepegawaian Daerah', null, null, 'pegawai,admin', 'WIB', 'id']);
    ws.addRow([KASI, 'Siti Rahma', null, 'Kepala Bidang', 'administrator', 'BKD', null, null, KEPALA, null, 'WITA', 'en']);
    const buffer = Buffer.from(await wb.xlsx.writeBuffer());
    const result = await importEmployees(db.orm.em.fork(), await readTable('pegawai.xlsx', buffer), opts);
    expect(result).toMatchObject({ created: 2 });
    expect((await employees()).map((r) => [r.nip, r.supervisor_nip, r.timezone])).toEqual([
      [KEPALA, null, 'Asia/Jakarta'],
      [KASI, KEPALA, 'Asia/Makassar'],
    ]);
  });

  it('refuses an XLSX row whose NIP Excel stored as a number (digits lost), with its row number', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('Pegawai');
    ws.addRow(HEAD.split(','));
    ws.addRow([KEPALA, 'Budi', null, null, 'jpt', 'BKD', 'BKD', null, null, null, null, null]);
    ws.addRow([Number(KASI), 'Siti', null, null, 'pelaksana', 'BKD', 'BKD', null, KEPALA, null, null, null]);
    const err = await importEmployees(db.orm.em.fork(), await readTable('p.xlsx', Buffer.from(await wb.xlsx.writeBuffer())), opts).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportRejectedError);
    expect((err as ImportRejectedError).problems.map((p) => p.line)).toContain(3);
    expect((err as ImportRejectedError).message).toMatch(/line 3: .*format the column as Text/);
    expect(await count('employee')).toBe(0);
  });

  it('re-import updates people by NIP and never duplicates them', async () => {
    await run(base);
    const changed = [...base];
    changed[3] = `${STAF},Eko Prasetyo S.Kom,eko@jakarta.go.id,Pranata Komputer,fungsional,BKD,Badan Kepegawaian Daerah,,${KEPALA},,WIT,en`;
    const result = await run(changed);
    expect(result).toMatchObject({ created: 0, updated: 3 });
    expect(await count('employee')).toBe(3);
    const staf = (await employees()).find((r) => r.nip === STAF)!;
    expect(staf).toMatchObject({ name: 'Eko Prasetyo S.Kom', supervisor_nip: KEPALA, unit_code: 'BKD', timezone: 'Asia/Jayapura', locale: 'en', email: 'eko@jakarta.go.id' });
  });

  it('marks people missing from the file inactive only with --deactivate-missing, and reactivates them on return', async () => {
    await run([...base, `${STAF2},Dewi Lestari,,Staf,pelaksana,BKD-1,Bidang Mutasi,,${KASI},,,`]);
    expect(await run(base)).toMatchObject({ deactivated: 0 });
    expect((await employees()).every((r) => r.active)).toBe(true);
    expect(await run(base, { deactivateMissing: true })).toMatchObject({ deactivated: 1 });
    expect((await employees()).filter((r) => !r.active).map((r) => r.nip)).toEqual([STAF2]);
    await run([...base, `${STAF2},Dewi Lestari,,Staf,pelaksana,BKD-1,Bidang Mutasi,,${KASI},,,`]);
    expect((await employees()).every((r) => r.active)).toBe(true);
  });

  it('a dry run reports the counts and writes nothing', async () => {
    const result = await run(base, { dryRun: true });
    expect(result).toMatchObject({ dryRun: true, created: 3, unitsCreated: 2 });
    expect(await count('employee')).toBe(0);
    expect(await count('audit_event')).toBe(0);
  });

  it('refuses with --deactivate-missing a supervisor who is only in the database', async () => {
    await run(base);
    const err = await rejected([HEAD, `${STAF},Eko,,,pelaksana,BKD,,,${KASI},,,`], { deactivateMissing: true });
    expect(err.problems).toEqual([expect.objectContaining({ line: 2, code: 'supervisor_deactivated' })]);
  });

  it('accepts a supervisor who is already in the database', async () => {
    await run(base);
    await run([HEAD, `${STAF2},Dewi Lestari,,Staf,pelaksana,BKD-1,,,${KASI},,,`]);
    expect((await employees()).find((r) => r.nip === STAF2)!.supervisor_nip).toBe(KASI);
  });
});

describe('a bad file writes nothing and names every bad line', () => {
  const cases: [string, string, string, RegExp][] = [
    ['invalid NIP (month 13)', `198002022005132002,Siti,,,pelaksana,BKD,BKD,,${KEPALA},,,`, 'invalid_nip', /invalid NIP "198002022005132002".*month 13/],
    ['invalid NIP (too short)', `19800202200502200,Siti,,,pelaksana,BKD,BKD,,${KEPALA},,,`, 'invalid_nip', /18 digits/],
    ['NIP twice in the file', `${KEPALA},Budi Lagi,,,pelaksana,BKD,BKD,,,,,`, 'duplicate_nip', /already on line 2/],
    ['unknown supervisor', `${KASI},Siti,,,pelaksana,BKD,BKD,,199912312020121999,,,`, 'unknown_supervisor', /199912312020121999 is neither in this file nor in the database/],
    ['unknown time zone', `${KASI},Siti,,,pelaksana,BKD,BKD,,${KEPALA},,WIBB,`, 'unknown_timezone', /"WIBB" is not a known time zone/],
    ['missing name', `${KASI},,,,pelaksana,BKD,BKD,,${KEPALA},,,`, 'missing_field', /nama \(name\) is empty/],
    ['missing NIP', `,Siti,,,pelaksana,BKD,BKD,,${KEPALA},,,`, 'missing_field', /nip is empty/],
    ['bad jenis_jabatan', `${KASI},Siti,,,kepala,BKD,BKD,,${KEPALA},,,`, 'bad_value', /jenis_jabatan "kepala" is not one of jpt, administrator/],
    ['bad peran', `${KASI},Siti,,,pelaksana,BKD,BKD,,${KEPALA},"pegawai,boss",,`, 'bad_value', /peran "boss"/],
    ['bad bahasa', `${KASI},Siti,,,pelaksana,BKD,BKD,,${KEPALA},,,jv`, 'bad_value', /bahasa "jv"/],
    ['bad email', `${KASI},Siti,siti-at-jakarta,,pelaksana,BKD,BKD,,${KEPALA},,,`, 'invalid_email', /not an e-mail address/],
    ['unknown parent unit', `${KASI},Siti,,,pelaksana,BKD-9,Bidang 9,XYZ,${KEPALA},,,`, 'unknown_unit', /unit_induk XYZ/],
    ['own supervisor', `${KASI},Siti,,,pelaksana,BKD,BKD,,${KASI},,,`, 'supervisor_loop', /their own atasan_nip/],
  ];
  it.each(cases)('%s', async (_label, badRow, code, message) => {
    const lines = [HEAD, `${KEPALA},Budi,,,jpt,BKD,BKD,,,,,`, `${STAF2},Dewi,,,pelaksana,BKD,BKD,,${KEPALA},,,`, badRow];
    const err = await rejected(lines);
    expect(err.problems).toEqual([expect.objectContaining({ line: 4, code })]);
    expect(err.problems[0]!.message).toMatch(message);
    expect(err.message).toContain('line 4:');
    expect(await count('employee')).toBe(0);
    expect(await count('unit')).toBe(0);
    expect(await count('audit_event')).toBe(0);
  });

  it('reports a supervisor loop of any length on every row in it', async () => {
    const a = '197001012000011001', b = '198002022005022002', c = '199003032015031003';
    const err = await rejected([
      HEAD,
      `${a},A,,,pengawas,BKD,BKD,,${c},,,`,
      `${b},B,,,pelaksana,BKD,BKD,,${a},,,`,
      `${c},C,,,pelaksana,BKD,BKD,,${b},,,`,
      `${STAF2},D,,,pelaksana,BKD,BKD,,${a},,,`,
    ]);
    expect(err.problems.map((p) => [p.line, p.code])).toEqual([[2, 'supervisor_loop'], [3, 'supervisor_loop'], [4, 'supervisor_loop']]);
    expect(err.problems[0]!.message).toContain(`${a} -> ${c} -> ${b} -> ${a}`);
  });

  it('detects a loop closed through people already in the database', async () => {
    await run(base); // KASI reports to KEPALA
    const err = await rejected([HEAD, `${KEPALA},Budi,,,jpt,BKD,,,${KASI},,,`]);
    expect(err.problems).toEqual([expect.objectContaining({ line: 2, code: 'supervisor_loop' })]);
    expect((await employees()).find((r) => r.nip === KEPALA)!.supervisor_nip).toBeNull();
  });

  it('refuses an unknown column and a missing required one at line 1', async () => {
    const err = await rejected([
      'nip,nama,email,jenis_jabatan,unit_kode,unit_nama,atasan_nipp',
      `${KEPALA},Budi,,jpt,BKD,BKD,`,
    ]);
    expect(err.problems).toEqual([expect.objectContaining({ line: 1, code: 'unknown_column' })]);
    expect(err.problems[0]!.message).toContain('unknown column "atasan_nipp"');
    const missing = await rejected(['nip,nama,unit_kode,unit_nama', `${KEPALA},Budi,BKD,BKD`]);
    expect(missing.problems).toEqual([expect.objectContaining({ line: 1, code: 'missing_column', message: expect.stringContaining('jenis_jabatan') })]);
  });

  it('lists every bad line of a generated file at once, and the database is untouched', async () => {
    await run(base);
    const gen = generateEmployees({ count: 300, units: 6, badRows: 6 });
    const err = await rejected(gen.csv.trimEnd().split('\n'));
    expect([...new Set(err.problems.map((p) => p.line))]).toEqual(gen.bad.map((b) => b.line));
    expect(err.problems.map((p) => p.code).sort()).toEqual(gen.bad.map((b) => b.fault).sort());
    expect(await count('employee')).toBe(3);
  });

  it('imports the same generated file once fixed, with a valid supervisor tree', async () => {
    const gen = generateEmployees({ count: 300, units: 6 });
    const result = await run(gen.csv.trimEnd().split('\n'), { batchSize: 64 });
    expect(result).toMatchObject({ rows: 300, created: 300, unitsCreated: 6 });
    const [orphans] = await db.orm.em.fork().getConnection().execute<{ n: string }[]>('select count(*) as n from employee where supervisor_id is null');
    expect(Number(orphans!.n)).toBe(1);
  });
});
