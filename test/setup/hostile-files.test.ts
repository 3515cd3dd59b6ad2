/**
 * Files that cannot hurt (issue 15, item 6): wrong encodings, formula-looking cells, bad e-mail addresses
 * and oversized files are refused with the line to fix, and nothing is written.
 */
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { importEmployees } from '../../src/setup/employees.js';
import { importHolidays } from '../../src/setup/holidays.js';
import { ImportRejectedError } from '../../src/setup/problems.js';
import { FileTooLargeError, readTable, type ReadTableOptions } from '../../src/setup/table-file.js';
import { emailProblem } from '../../src/domain/email.js';
import { looksLikeFormula } from '../../src/domain/spreadsheet-safe.js';
import { generateEmployees } from '../../scripts/gen-employees.js';

const HEAD = 'nip,nama,email,jabatan,jenis_jabatan,unit_kode,unit_nama,atasan_nip';
const KEPALA = '197001012000011001';
const KASI = '198002022005022002';
const STAF = '199003032015031003';
const rowsOk = [
  HEAD,
  `${KEPALA},Budi Santoso,budi@jakarta.go.id,Kepala Badan,jpt,BKD,Badan Kepegawaian Daerah,`,
  `${KASI},Hans Müller,hans@jakarta.go.id,Kepala Bidang,administrator,BKD,Badan Kepegawaian Daerah,${KEPALA}`,
  `${STAF},Eko Prasetyo,,Analis,pelaksana,BKD,Badan Kepegawaian Daerah,${KASI}`,
];

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});
beforeEach(async () => {
  await db.orm.em.fork().getConnection().execute('truncate audit_event, employee, unit, holiday restart identity cascade');
});

async function count(table: string): Promise<number> {
  const [row] = await db.orm.em.fork().getConnection().execute<{ n: string }[]>(`select count(*) as n from ${table}`);
  return Number(row!.n);
}

async function importBytes(file: string, bytes: Buffer, read: ReadTableOptions = {}) {
  return importEmployees(db.orm.em.fork(), await readTable(file, bytes, read), { actor: 'hr.test' });
}

/** The import's error, asserting nothing was written. */
async function refusal(file: string, bytes: Buffer, read: ReadTableOptions = {}): Promise<Error> {
  const err = await importBytes(file, bytes, read).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(Error);
  expect(await count('employee')).toBe(0);
  expect(await count('unit')).toBe(0);
  expect(await count('audit_event')).toBe(0);
  return err as Error;
}

/** The same lines as Windows-1252 ("ANSI") bytes, as Excel's plain "CSV" saves them. */
function windows1252(lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n') + '\r\n', 'latin1');
}

async function xlsx(rows: (string | null)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('Pegawai');
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('encoding', () => {
  it('refuses a Windows-1252 file naming its first bad line and the --encoding option; nothing is written', async () => {
    const err = await refusal('pegawai.csv', windows1252(rowsOk));
    expect(err).toBeInstanceOf(ImportRejectedError);
    expect((err as ImportRejectedError).problems).toEqual([expect.objectContaining({ line: 3, code: 'bad_encoding' })]);
    expect(err.message).toContain('line 3: this line is not UTF-8 text (byte 0xFC)');
    expect(err.message).toContain('--encoding windows-1252');
  });

  it('imports the same bytes correctly with encoding windows-1252', async () => {
    const result = await importBytes('pegawai.csv', windows1252(rowsOk), { encoding: 'windows-1252' });
    expect(result.created).toBe(3);
    const [row] = await db.orm.em.fork().getConnection().execute<{ name: string }[]>(`select name from employee where nip = '${KASI}'`);
    expect(row!.name).toBe('Hans Müller');
  });

  it('reads UTF-8 with and without a BOM, and a character split across read chunks', async () => {
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(rowsOk.join('\n'))]);
    expect((await importBytes('pegawai.csv', withBom)).created).toBe(3);
    const [row] = await db.orm.em.fork().getConnection().execute<{ name: string }[]>(`select name from employee where nip = '${KASI}'`);
    expect(row!.name).toBe('Hans Müller');

    // Files are read in 64 KiB chunks: put the two bytes of one "ü" on either side of the first boundary.
    await db.orm.em.fork().getConnection().execute('truncate audit_event, employee, unit restart identity cascade');
    const gen = generateEmployees({ count: 600, units: 5 }).csv.split('\n');
    // The last line whose name (after the 18-digit NIP and a comma) starts before the boundary gets a name
    // long enough to reach it.
    let start = 0;
    let i = 0;
    while (start + Buffer.byteLength(gen[i]!) + 1 + 19 <= 65_535) start += Buffer.byteLength(gen[i++]!) + 1;
    const cells = gen[i]!.split(',');
    cells[1] = 'x'.repeat(65_535 - start - 19) + 'ü';
    gen[i] = cells.join(',');
    const bytes = Buffer.from(gen.join('\n'));
    expect(bytes[65_535]).toBe(0xc3);
    expect(bytes[65_536]).toBe(0xbc);
    expect((await importBytes('pegawai.csv', bytes)).created).toBe(600);
  });

  it('names the right line when the bad byte is far into the file, past the first chunks', async () => {
    const gen = generateEmployees({ count: 2000, units: 10 }).csv.split('\n');
    gen[1500] = gen[1500]!.replace(/^(\d+),([A-Za-z]+)/, '$1,$2\u00fc');
    const bytes = Buffer.concat([Buffer.from(gen.slice(0, 1500).join('\n') + '\n'), Buffer.from(gen.slice(1500).join('\n'), 'latin1')]);
    expect(bytes.length).toBeGreaterThan(3 * 65_536);
    const err = await refusal('pegawai.csv', bytes);
    expect((err as ImportRejectedError).problems.map((p) => p.line)).toEqual([1501]);
  });

  it('refuses a file cut inside a character, and a UTF-16 file, with what to do', async () => {
    const cut = Buffer.concat([Buffer.from(rowsOk.slice(0, 2).join('\n') + '\nx,Hans M'), Buffer.from([0xc3])]);
    expect((await refusal('pegawai.csv', cut)).message).toContain('line 3: this line is not UTF-8');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(rowsOk.join('\n'), 'utf16le')]);
    expect((await refusal('pegawai.csv', utf16)).message).toContain('line 1: the file is UTF-16 text');
  });
});

describe('e-mail addresses', () => {
  it('refuses =1+1@x.id and other non-addresses with their line numbers; nothing is written', async () => {
    const bad = ['=1+1@x.id', 'budi@jakarta', 'budi santoso@jakarta.go.id', 'budi@@jakarta.go.id', 'budi@jakarta..go.id', '.budi@jakarta.go.id', '@SUM(A1)@x.id'];
    const lines = [HEAD, `${KEPALA},Budi,budi@jakarta.go.id,Kepala,jpt,BKD,BKD,`];
    const nips = generateEmployees({ count: bad.length, units: 1, variant: 7 }).nips;
    bad.forEach((email, i) => lines.push(`${nips[i]},Staf ${i},"${email}",Analis,pelaksana,BKD,BKD,${KEPALA}`));
    const err = (await refusal('pegawai.csv', Buffer.from(lines.join('\n')))) as ImportRejectedError;
    expect(err.problems.map((p) => [p.line, p.code])).toEqual(bad.map((_, i) => [i + 3, 'invalid_email']));
    expect(err.message).toContain('line 3: email "=1+1@x.id" starts with a character a spreadsheet reads as a formula');
  });

  it('accepts ordinary addresses', () => {
    for (const ok of ['budi@jakarta.go.id', 'siti.rahma+hr@bkd.jatimprov.go.id', 'o\'neil@x.id', 'eko_p@sub-domain.example.com']) expect(emailProblem(ok)).toBeNull();
  });
});

describe('formula-looking names, positions and units', () => {
  const columns = [
    { name: 'nama', index: 1 },
    { name: 'jabatan', index: 3 },
    { name: 'unit_kode', index: 5 },
    { name: 'unit_nama', index: 6 },
  ];
  const prefixes = ['=HYPERLINK("http://x.id","klik")', '+cmd|\' /C calc\'!A0', '-2+3', '@SUM(A1:A2)'];

  it('are refused for every prefix in every column, with the line and the column; nothing is written', async () => {
    const lines = [HEAD, `${KEPALA},Budi,budi@jakarta.go.id,Kepala,jpt,BKD,Badan Kepegawaian Daerah,`];
    const nips = generateEmployees({ count: columns.length * prefixes.length, units: 1, variant: 3 }).nips;
    const expected: [number, string][] = [];
    let n = 0;
    for (const col of columns) {
      for (const value of prefixes) {
        const cells = [nips[n]!, `Staf ${n}`, '', 'Analis', 'pelaksana', 'BKD', 'Badan Kepegawaian Daerah', KEPALA];
        cells[col.index] = value;
        lines.push(cells.map((c) => `"${c.replace(/"/g, '""')}"`).join(','));
        expected.push([lines.length, col.name]);
        n += 1;
      }
    }
    const err = (await refusal('pegawai.csv', Buffer.from(lines.join('\n')))) as ImportRejectedError;
    const formula = err.problems.filter((p) => p.code === 'formula_cell');
    expect(formula.map((p) => [p.line, p.message.split(' ')[0]])).toEqual(expected);
    expect(err.message).toContain(`line 3: nama "=HYPERLINK(\\"http://x.id\\",\\"klik\\")" starts with "=", which a spreadsheet runs as a formula`);
  });

  it('are refused after a leading TAB or CR, which is stripped with the other surrounding blanks', async () => {
    const lines = [HEAD, `${KEPALA},"\t=1+1",,Kepala,jpt,BKD,BKD,`, `${KASI},"\r@cmd",,Kepala,administrator,BKD,BKD,${KEPALA}`, `${STAF},"\tEko",,Analis,pelaksana,BKD,BKD,${KASI}`];
    const err = (await refusal('pegawai.csv', Buffer.from(lines.join('\n')))) as ImportRejectedError;
    // A CR inside quotes starts a new line in editors, and the problem is reported at the record's last line.
    expect(err.problems.map((p) => [p.line, p.code])).toEqual([
      [2, 'formula_cell'],
      [4, 'formula_cell'],
    ]);
    expect(looksLikeFormula('\tEko')).toBe(true);
  });

  it('are refused in XLSX files too, with the row number', async () => {
    const bytes = await xlsx([
      HEAD.split(','),
      [KEPALA, 'Budi', null, 'Kepala', 'jpt', 'BKD', 'Badan Kepegawaian Daerah', null],
      [KASI, 'Siti', null, '=HYPERLINK("http://x.id","klik")', 'administrator', 'BKD', null, KEPALA],
      [STAF, 'Eko', null, 'Analis', 'pelaksana', 'BKD', '\t@SUM(A1)', KASI],
    ]);
    const err = (await refusal('pegawai.xlsx', bytes)) as ImportRejectedError;
    expect(err.problems.filter((p) => p.code === 'formula_cell').map((p) => [p.line, p.code, p.message.split(' ')[0]])).toEqual([
      [3, 'formula_cell', 'jabatan'],
      [4, 'formula_cell', 'unit_nama'],
    ]);
  });

  it('are refused in holiday names', async () => {
    const err = await importHolidays(db.orm.em.fork(), await readTable('libur.csv', Buffer.from('tanggal,nama,jenis\n2027-08-17,Hari Kemerdekaan,nasional\n2027-12-25,=1+1,nasional\n')), { actor: 'hr' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportRejectedError);
    expect((err as ImportRejectedError).problems).toEqual([expect.objectContaining({ line: 3, code: 'formula_cell' })]);
    expect(await count('holiday')).toBe(0);
  });
});

describe('size limits', () => {
  it('refuses a CSV above the megabyte limit before reading it', async () => {
    const bytes = Buffer.from(generateEmployees({ count: 8000, units: 20 }).csv);
    expect(bytes.length).toBeGreaterThan(1024 * 1024);
    const err = await refusal('pegawai.csv', bytes, { maxMb: 1 });
    expect(err).toBeInstanceOf(FileTooLargeError);
    expect(err.message).toMatch(/pegawai\.csv: nothing was imported; the file is 1\.\d MB and imports take at most 1 MB \(IMPORT_MAX_MB\)/);
  });

  it('refuses an XLSX above the megabyte limit before reading it', async () => {
    const rows: (string | null)[][] = [HEAD.split(',')];
    const gen = generateEmployees({ count: 12_000, units: 20 }).csv.split('\n').slice(1, -1);
    for (const line of gen) rows.push(line.split(',').slice(0, 8));
    const bytes = await xlsx(rows);
    expect(bytes.length).toBeGreaterThan(512 * 1024);
    const err = await refusal('pegawai.xlsx', bytes, { maxMb: 0.5 });
    expect(err).toBeInstanceOf(FileTooLargeError);
    expect(err.message).toContain('IMPORT_MAX_MB');
  });

  it('refuses a CSV with more rows than the limit, naming the first line past it', async () => {
    const err = await refusal('pegawai.csv', Buffer.from(generateEmployees({ count: 120, units: 4 }).csv), { maxRows: 100 });
    expect(err).toBeInstanceOf(FileTooLargeError);
    expect(err.message).toBe(
      'pegawai.csv: nothing was imported; line 102 is data row 101 and imports take at most 100 rows (IMPORT_MAX_ROWS). Split the file, or raise IMPORT_MAX_ROWS.',
    );
    // At the limit exactly, the file imports.
    expect((await importBytes('pegawai.csv', Buffer.from(generateEmployees({ count: 100, units: 4 }).csv), { maxRows: 100 })).created).toBe(100);
  });

  it('refuses an XLSX with more rows than the limit', async () => {
    const rows: (string | null)[][] = [HEAD.split(',')];
    for (const line of generateEmployees({ count: 60, units: 2 }).csv.split('\n').slice(1, -1)) rows.push(line.split(',').slice(0, 8));
    const err = await refusal('pegawai.xlsx', await xlsx(rows), { maxRows: 50 });
    expect(err).toBeInstanceOf(FileTooLargeError);
    expect(err.message).toContain('line 52 is data row 51 and imports take at most 50 rows (IMPORT_MAX_ROWS)');
  });

  it('refuses a file that is not a workbook though named .xlsx, without hanging', async () => {
    const err = await refusal('pegawai.xlsx', Buffer.from(rowsOk.join('\n')));
    expect(err.message).toMatch(/pegawai\.xlsx: not a readable \.xlsx workbook/);
  });
});
