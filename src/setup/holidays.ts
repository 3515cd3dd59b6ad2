/**
 * Holidays import: the official list of national holidays, cuti bersama and regional days for a year. HR's
 * list wins over the date-holidays default (DOMAIN.md, "Time"), so reminders skip exactly the decreed days.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { systemClock, type Clock } from '../clock.js';
import { HOLIDAY_KINDS } from '../db/entities/organisation.js';
import { appendAudit } from '../db/audit.js';
import { parseDayDate, parseYesNo } from './cell-values.js';
import { checkPlainText, checkValueCount, mapColumns, type ColumnSpec } from './columns.js';
import { ImportRejectedError, ProblemList } from './problems.js';
import { countHolidays, upsertHolidays } from '../db/calendar.js';
import { txOf } from '../db/sql.js';
import { readTableFile, type ReadTableOptions, type Table } from './table-file.js';

/** The holidays file's columns. `hari_kerja` marks a day that is a working day despite the list (rare). */
export const HOLIDAY_COLUMNS = [
  { key: 'date', names: ['tanggal', 'date'], required: true },
  { key: 'name', names: ['nama', 'name'], required: true },
  { key: 'kind', names: ['jenis', 'kind'], required: true },
  { key: 'workingDay', names: ['hari_kerja', 'working_day'] },
] as const satisfies readonly ColumnSpec<string>[];
type HolidayColumn = (typeof HOLIDAY_COLUMNS)[number]['key'];

/** What a holidays import wrote. */
export interface HolidayImportResult {
  readonly file: string;
  readonly rows: number;
  readonly created: number;
  readonly updated: number;
}

/** Reads `path` (CSV or XLSX) and imports it. */
export async function importHolidaysFile(em: EntityManager, path: string, opts: { actor: string; clock?: Clock; read?: ReadTableOptions }): Promise<HolidayImportResult> {
  return importHolidays(em, await readTableFile(path, opts.read), opts);
}

/**
 * Validates every row (a real date, once in the file; a name; kind nasional|cuti_bersama|daerah), then
 * upserts by date.
 * @throws ImportRejectedError listing every bad line; nothing is written
 */
export async function importHolidays(em: EntityManager, table: Table, opts: { actor: string; clock?: Clock }): Promise<HolidayImportResult> {
  const problems = new ProblemList();
  problems.items.push(...table.problems.items);
  if (table.headers.length === 0) problems.add(1, 'empty_file', 'the file is empty; the first line must be the header row (tanggal, nama, jenis)');
  const cols = mapColumns<HolidayColumn>(table, HOLIDAY_COLUMNS, problems);
  if (!problems.empty) throw new ImportRejectedError(table.file, problems.items);
  const readingProblems = table.problems.items.length;
  let rowCount = 0;
  const rows: { date: string; name: string; kind: string; working_day: boolean }[] = [];
  const lineOfDate = new Map<string, number>();
  for await (const batch of table.rowBatches) for (const row of batch) {
    rowCount += 1;
    const get = (k: HolidayColumn) => cols.get(row, k);
    const before = problems.items.length;
    checkValueCount(row, table.headers.length, problems);
    checkPlainText(row, cols, [{ key: 'name', name: 'nama' }], problems);
    const date = parseDayDate(get('date'));
    if (get('date') === '') problems.add(row.line, 'missing_field', 'tanggal is empty');
    else if (!date) problems.add(row.line, 'invalid_date', `tanggal "${get('date')}" is not a real date; use YYYY-MM-DD, e.g. 2027-08-17`);
    else if (lineOfDate.has(date)) problems.add(row.line, 'duplicate_row', `${date} is already on line ${lineOfDate.get(date)}; list each day once`);
    else lineOfDate.set(date, row.line);
    const name = get('name');
    if (name === '') problems.add(row.line, 'missing_field', 'nama is empty');
    else if (name.length > 255) problems.add(row.line, 'bad_value', 'nama is longer than 255 characters');
    const kind = get('kind').toLowerCase().replace(/[\s-]+/g, '_');
    if (kind === '') problems.add(row.line, 'missing_field', `jenis is empty; use one of ${HOLIDAY_KINDS.join(', ')}`);
    else if (!(HOLIDAY_KINDS as readonly string[]).includes(kind)) problems.add(row.line, 'bad_value', `jenis "${get('kind')}" is not one of ${HOLIDAY_KINDS.join(', ')}`);
    const workingDay = parseYesNo(get('workingDay'));
    if (workingDay === null) problems.add(row.line, 'bad_value', `hari_kerja "${get('workingDay')}" must be ya or tidak`);
    if (problems.items.length === before && date && workingDay !== null) rows.push({ date, name, kind, working_day: workingDay });
  }
  problems.items.push(...table.problems.items.slice(readingProblems));
  if (rowCount === 0 && table.headers.length > 0) problems.add(table.headerLine, 'empty_file', 'the file has a header but no days');
  if (!problems.empty) throw new ImportRejectedError(table.file, problems.items);

  return em.transactional(async (tx) => {
    const db = txOf(tx);
    const updated = await countHolidays(db, rows.map((r) => r.date));
    await upsertHolidays(db, rows);
    const result = { file: table.file, rows: rows.length, created: rows.length - updated, updated };
    await appendAudit(db, { actor: opts.actor, action: 'holidays.imported', subject: table.file, data: { ...result, from: rows.map((r) => r.date).sort()[0], to: rows.map((r) => r.date).sort().at(-1) } }, (opts.clock ?? systemClock).now());
    return result;
  });
}
