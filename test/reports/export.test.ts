/**
 * The HR exports as HR opens them: the CSV parses back to the values in the database (text that would run as
 * a formula prefixed with '), the XLSX has typed cells, a frozen header, filters and a summary per unit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import ExcelJS from 'exceljs';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator } from '../../src/i18n/index.js';
import { CsvReportWriter, exportMonitoring, exportResults, ExportRequestError, XlsxReportWriter, type ExportLanguage } from '../../src/reports/index.js';
import { createWriteStream } from 'node:fs';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { CMD_NAME, COACHING_PLAN, FEEDBACK, HYPERLINK_NAME, NARRATIVE, seedExportCycle, type ExportSeed } from './seed.js';

let db: TestDatabase;
let seed: ExportSeed;
let dir: string;
/** 1 December 2026, 10:00 WIB: before the self-assessment deadline of 7 January 2027. */
const NOW = new Date('2026-12-01T03:00:00Z');

const em = () => db.orm.em.fork() as EntityManager;
const options = (o: { unit?: string; lang?: ExportLanguage; now?: Date } = {}) => ({
  cycleId: seed.cycleId, unitCode: o.unit, t: translator(o.lang ?? 'id'), lang: o.lang ?? 'id', now: o.now ?? NOW, pageSize: 3,
});

async function resultsCsv(o: Parameters<typeof options>[0] = {}, report = exportResults): Promise<string> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await report(em(), options(o), new CsvReportWriter(out));
  return Buffer.concat(chunks).toString('utf8');
}

/** The CSV as records keyed by header. */
function records(text: string): Record<string, string>[] {
  return parse(text, { bom: true, columns: true, skip_empty_lines: false }) as Record<string, string>[];
}

async function resultsXlsx(o: Parameters<typeof options>[0] = {}): Promise<ExcelJS.Workbook> {
  const file = join(dir, `hasil-${Math.random().toString(36).slice(2)}.xlsx`);
  await exportResults(em(), options(o), new XlsxReportWriter(createWriteStream(file)));
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  return wb;
}

function sheetRecords(ws: ExcelJS.Worksheet): Record<string, ExcelJS.CellValue>[] {
  const header = (ws.getRow(1).values as ExcelJS.CellValue[]).slice(1).map(String);
  const out: Record<string, ExcelJS.CellValue>[] = [];
  ws.eachRow((row, n) => {
    if (n === 1) return;
    out.push(Object.fromEntries(header.map((h, i) => [h, row.getCell(i + 1).value])));
  });
  return out;
}

beforeAll(async () => {
  db = await createTestDatabase();
  seed = await seedExportCycle(db.orm.em.fork() as EntityManager);
  dir = mkdtempSync(join(tmpdir(), 'kinerja-export-'));
});
afterAll(async () => {
  await db?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('results export, CSV', () => {
  it('starts with a BOM, ends lines with CRLF, and parses back to the stored values with formulas neutralised', async () => {
    const text = await resultsCsv();
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text.endsWith('\r\n')).toBe(true);
    // Outside quoted fields every line ends in CRLF: 8 employees + the header.
    expect(text.split('\r\n').length - 1).toBeGreaterThanOrEqual(9);
    const rows = records(text);
    expect(rows).toHaveLength(8);
    const byNip = new Map(rows.map((r) => [r['NIP'], r]));
    const h = byNip.get(seed.nip.hyperlink)!;
    expect(h['Nama']).toBe(`'${HYPERLINK_NAME}`);
    expect(byNip.get(seed.nip.cmd)!['Nama']).toBe(`'${CMD_NAME}`);
    expect(h['Kualitas pelayanan: narasi']).toBe(NARRATIVE);
    expect(h['Umpan balik']).toBe(FEEDBACK);
    expect(h['Kualitas pelayanan: target']).toBe('90');
    expect(h['Kualitas pelayanan: realisasi']).toBe('95');
    expect(h['Kualitas pelayanan: capaian (%)']).toBe('105.6');
    expect(h['Kualitas pelayanan: penilaian atasan']).toBe('Di atas ekspektasi');
    // A negative number is a number, not a formula: no prefix.
    expect(h['Kecepatan respons: realisasi']).toBe('-2.5');
    expect(h['RHK 1: RHK']).toBe('Layanan kepegawaian tepat waktu');
    expect(h['RHK 1: capaian (%)']).toBe('80');
    expect(h['RHK 2: RHK']).toBe("'@Sosialisasi aturan baru");
    expect(h['RHK 2: narasi']).toBe("'=1+1");
    expect(h['Predikat kinerja']).toBe('Baik');
    expect(h['Status predikat']).toBe('Sementara');
    expect(h['Hasil Kerja']).toBe('Sesuai ekspektasi');
    expect(h['Atasan langsung']).toBe('Sari Atasan');
    expect(h['Dinilai oleh']).toBe('Sari Atasan');
    expect(h['Dikirim (WIB)']).toBe('2026-11-20 10:00:00');
    expect(h['Alasan keberatan']).toBe('Saya keberatan, karena target berubah');
    expect(h['Status keberatan']).toBe('Menunggu keputusan');
    const eko = byNip.get(seed.nip.eko)!;
    expect(eko['Rencana pembinaan']).toBe(`'${COACHING_PLAN}`);
    expect(eko['Tindak lanjut']).toBe('Pembinaan');
    // Two statements, two scores (didengar / tahu langkah selanjutnya); the average counts both.
    expect(eko['Check-in (tanggal: didengar/langkah selanjutnya)']).toBe('2026-12-10: 4/3; 2026-12-24: -/-');
    expect(eko['Rata-rata nilai check-in']).toBe('3.5');
    expect(eko['Predikat kinerja']).toBe('Butuh Perbaikan');
    const cmd = byNip.get(seed.nip.cmd)!;
    expect(cmd['Status pengisian']).toBe('Dikembalikan');
    expect(cmd['Catatan pengembalian']).toBe('Lengkapi bukti dukung');
    expect(cmd['Pengajuan ke-']).toBe('2');
    expect(cmd['Predikat kinerja']).toBe('');
    expect(byNip.get(seed.nip.budi)!['Status pengisian']).toBe('Belum mengisi');
    expect(byNip.get(seed.nip.dewi)!['Status pengisian']).toBe('Draf');
    // Other people have no own targets: their RHK groups are empty, not missing.
    expect(byNip.get(seed.nip.budi)!['RHK 1: RHK']).toBe('');
  });

  it('--unit includes the sub-units and nothing else', async () => {
    const bkd = records(await resultsCsv({ unit: 'BKD' })).map((r) => r['NIP']);
    expect(bkd.sort()).toEqual([seed.nip.kepalaBkd, seed.nip.sari, seed.nip.hyperlink, seed.nip.cmd, seed.nip.eko, seed.nip.budi].sort());
    const sub = records(await resultsCsv({ unit: 'BKD-UMP' })).map((r) => r['NIP']);
    expect(sub).toHaveLength(5);
    expect(sub).not.toContain(seed.nip.kepalaBkd);
    expect(records(await resultsCsv({ unit: 'DISDIK' })).map((r) => r['NIP']).sort()).toEqual([seed.nip.kepalaDisdik, seed.nip.dewi].sort());
  });

  it('--lang en writes English headers and values', async () => {
    const rows = records(await resultsCsv({ lang: 'en' }));
    const h = rows.find((r) => r['NIP'] === seed.nip.hyperlink)!;
    expect(h['Name']).toBe(`'${HYPERLINK_NAME}`);
    expect(h['Service quality: actual']).toBe('95');
    expect(h['Performance rating']).toBe('Good (Baik)');
    expect(h['Rating status']).toBe('Provisional');
    expect(rows.find((r) => r['NIP'] === seed.nip.budi)!['Completion state']).toBe('Not started');
  });

  it('marks the predikat final once the cycle is announced, and an objection decision replaces it', async () => {
    await em().getConnection().execute(`update cycle set status = 'announced' where id = ?`, [seed.cycleId]);
    await em().getConnection().execute(
      `update objection set status = 'decided', decision = 'changed', new_predicate = 'sangat_baik', decision_reason = 'Target berubah di tengah periode', decided_at = '2026-12-01T02:00:00Z'`,
    );
    try {
      const h = records(await resultsCsv()).find((r) => r['NIP'] === seed.nip.hyperlink)!;
      expect(h['Status predikat']).toBe('Final');
      expect(h['Predikat kinerja']).toBe('Sangat Baik');
      expect(h['Predikat setelah keberatan']).toBe('Sangat Baik');
      expect([h['Status keberatan'], h['Keputusan keberatan']]).toEqual(['Diputuskan', 'Diubah']);
      expect(h['Alasan keputusan']).toBe('Target berubah di tengah periode');
    } finally {
      await em().getConnection().execute(`update cycle set status = 'open' where id = ?`, [seed.cycleId]);
      await em().getConnection().execute(`update objection set status = 'open', decision = null, new_predicate = null, decision_reason = null, decided_at = null`);
    }
  });

  it('an unknown cycle or unit is refused with a message that says where to look', async () => {
    await expect(exportResults(em(), { ...options(), cycleId: 999 }, new CsvReportWriter(new PassThrough()))).rejects.toThrow(new ExportRequestError('there is no cycle 999; see the ids with: kinerja cycle list'));
    await expect(exportResults(em(), options({ unit: 'NOPE' }), new CsvReportWriter(new PassThrough()))).rejects.toThrow(/no unit with code NOPE/);
  });
});

describe('results export, XLSX', () => {
  it('has typed cells, a frozen header with filters, and the rows sheet of every employee', async () => {
    const wb = await resultsXlsx();
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Hasil', 'Ringkasan']);
    const ws = wb.getWorksheet('Hasil')!;
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.autoFilter).toBeTruthy();
    const rows = sheetRecords(ws);
    expect(rows).toHaveLength(8);
    const h = rows.find((r) => r['NIP'] === seed.nip.hyperlink)!;
    expect(h['Nama']).toBe(`'${HYPERLINK_NAME}`);
    expect(h['Kualitas pelayanan: realisasi']).toBe(95);
    expect(h['Kecepatan respons: realisasi']).toBe(-2.5);
    expect(h['Kualitas pelayanan: capaian (%)']).toBe(105.6);
    expect(h['Pengajuan ke-']).toBe(1);
    // Dates are dates, in WIB wall-clock time: 03:00 UTC is 10:00 in Jakarta.
    expect(h['Dikirim (WIB)']).toBeInstanceOf(Date);
    expect((h['Dikirim (WIB)'] as Date).toISOString()).toBe('2026-11-20T10:00:00.000Z');
    expect(h['Kualitas pelayanan: narasi']).toBe(NARRATIVE);
    // XML normalises CRLF inside text to LF (the XML spec, not us): the text is otherwise intact.
    expect(h['Umpan balik']).toBe(FEEDBACK.replace(/\r\n/g, '\n'));
  });

  it('summarises each unit: completion and predikat counts against the curve of its organisational rating', async () => {
    const wb = await resultsXlsx();
    const ws = wb.getWorksheet('Ringkasan')!;
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
    expect(ws.autoFilter).toBeTruthy();
    const units = new Map(sheetRecords(ws).map((r) => [r['Kode unit'], r]));
    expect([...units.keys()]).toEqual(['BKD', 'BKD-UMP', 'DISDIK']);
    expect(units.get('BKD-UMP')).toMatchObject({
      'Jumlah pegawai': 5, 'Belum mengisi': 2, 'Draf': 0, 'Terlambat': 0, 'Terkirim': 0, 'Dikembalikan': 1, 'Dinilai': 2,
      'Sudah mengirim (%)': 60, 'Sudah dinilai (%)': 40,
      'Capaian kinerja organisasi': 'Baik', 'Jumlah Baik': 1, 'Jumlah Butuh Perbaikan': 1, 'Jumlah Sangat Baik': 0, 'Jumlah dinilai': 2, 'Sesuai kurva': 'Ya',
    });
    expect(String(units.get('BKD-UMP')!['Kurva distribusi'])).toContain('Baik paling banyak 70% (maks. 1 orang): 1');
    expect(units.get('DISDIK')).toMatchObject({ 'Jumlah pegawai': 2, 'Belum mengisi': 1, 'Draf': 1, 'Sesuai kurva': 'Belum ada capaian organisasi' });
  });

  it('counts the feedback and recognitions gathered in the period per person and per unit (hidden and between-period ones left out)', async () => {
    const rows = new Map(records(await resultsCsv()).map((r) => [r['NIP'], r]));
    const count = (nip: string) => [rows.get(nip)!['Umpan balik atasan (jumlah)'], rows.get(nip)!['Apresiasi rekan (jumlah)']];
    expect(count(seed.nip.hyperlink)).toEqual(['2', '0']);
    expect(count(seed.nip.eko)).toEqual(['0', '1']);
    expect(count(seed.nip.dewi)).toEqual(['1', '0']);
    expect(count(seed.nip.budi)).toEqual(['0', '0']);
    const units = new Map(sheetRecords((await resultsXlsx()).getWorksheet('Ringkasan')!).map((r) => [r['Kode unit'], r]));
    expect(units.get('BKD-UMP')).toMatchObject({ 'Umpan balik atasan (jumlah)': 2, 'Apresiasi rekan (jumlah)': 1 });
    expect(units.get('DISDIK')).toMatchObject({ 'Umpan balik atasan (jumlah)': 1, 'Apresiasi rekan (jumlah)': 0 });
    const english = records(await resultsCsv({ lang: 'en' }));
    expect(english[0]).toHaveProperty('Supervisor feedback (count)');
    expect(english[0]).toHaveProperty('Recognitions (count)');
  });
});

describe('monitoring export', () => {
  it('gives each person one state, and late once the self-assessment deadline has passed', async () => {
    const before = new Map(records(await resultsCsv({}, exportMonitoring)).map((r) => [r['NIP'], r['Status pengisian']]));
    expect(Object.fromEntries(before)).toEqual({
      [seed.nip.kepalaBkd]: 'Belum mengisi', [seed.nip.sari]: 'Belum mengisi', [seed.nip.hyperlink]: 'Dinilai', [seed.nip.cmd]: 'Dikembalikan',
      [seed.nip.eko]: 'Dinilai', [seed.nip.budi]: 'Belum mengisi', [seed.nip.kepalaDisdik]: 'Belum mengisi', [seed.nip.dewi]: 'Draf',
    });
    const after = new Map(records(await resultsCsv({ now: new Date('2027-01-08T01:00:00Z') }, exportMonitoring)).map((r) => [r['NIP'], r]));
    expect(after.get(seed.nip.budi)!['Status pengisian']).toBe('Terlambat');
    expect(after.get(seed.nip.dewi)!['Status pengisian']).toBe('Terlambat');
    expect(after.get(seed.nip.hyperlink)!['Status pengisian']).toBe('Dinilai');
    expect(after.get(seed.nip.dewi)!['Indikator terisi']).toBe('1');
    expect(after.get(seed.nip.hyperlink)!['Jumlah indikator']).toBe('5');
  });

  it('counts per unit, as CSV with --by unit and as the XLSX unit sheet', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await exportMonitoring(em(), { ...options({ lang: 'en' }), by: 'unit' }, new CsvReportWriter(out));
    const units = records(Buffer.concat(chunks).toString('utf8'));
    expect(units.map((u) => u['Unit code'])).toEqual(['BKD', 'BKD-UMP', 'DISDIK']);
    expect(units[1]).toMatchObject({ 'Employees': '5', 'Not started': '2', 'Returned': '1', 'Reviewed': '2', 'Submitted (%)': '60' });

    const file = join(dir, 'monitoring.xlsx');
    await exportMonitoring(em(), options(), new XlsxReportWriter(createWriteStream(file)));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['Per pegawai', 'Per unit']);
    expect(sheetRecords(wb.getWorksheet('Per pegawai')!)).toHaveLength(8);
    expect(sheetRecords(wb.getWorksheet('Per unit')!).find((r) => r['Kode unit'] === 'DISDIK')).toMatchObject({ 'Jumlah pegawai': 2, 'Draf': 1 });
  });
});
