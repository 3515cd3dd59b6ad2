/**
 * XLSX through exceljs's streaming writer: rows are committed as they come, so a 100,000-row export never
 * holds a workbook in memory. Every sheet has a frozen, bold header row and an auto filter; numbers are
 * numbers, dates are dates (shown in WIB), and text is neutralised against formula injection as in the CSV.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { neutraliseFormula } from '../domain/spreadsheet-safe.js';
import { wibWallClock, type Column, type ReportWriter, type Row } from './cell.js';

/**
 * One style object per kind of cell, shared by every cell of that kind: exceljs caches a style's id by
 * object identity, while a fresh style per cell would be serialised and looked up a hundred thousand times.
 */
const STYLES: Readonly<Record<Column['kind'] | 'header', Partial<ExcelJS.Style>>> = {
  text: {},
  number: {},
  date: { numFmt: 'yyyy-mm-dd' },
  datetime: { numFmt: 'yyyy-mm-dd hh:mm' },
  header: { font: { bold: true } },
};

function cellValue(value: Row[number], column: Column): ExcelJS.CellValue {
  if (value === null) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value instanceof Date) return column.kind === 'date' ? new Date(Date.UTC(value.getUTCFullYear(), value.getUTCMonth(), value.getUTCDate())) : wibWallClock(value); // Excel stores wall-clock time without a zone
  if (column.kind === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(value)) return new Date(`${value}T00:00:00Z`);
  return neutraliseFormula(value);
}

function columnLetter(n: number): string {
  let s = '';
  for (let i = n; i > 0; i = Math.floor((i - 1) / 26)) s = String.fromCharCode(65 + ((i - 1) % 26)) + s;
  return s;
}

/**
 * What exceljs's sheet buffer (its internal StreamBuf) exposes: the streams it writes into (readable-stream
 * PassThroughs feeding the zip, whose queue length sits in `_writableState`) and the chunks it still holds.
 */
interface SheetBuffer {
  pipes?: { writableLength?: number; _writableState?: { length?: number } }[];
  buffers?: unknown[];
}

/** Bytes of sheet XML allowed to wait for the zip before the next page is written. */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until the zip has taken the rows written so far. exceljs hands sheet XML to the zip without looking
 * at backpressure, so a writer faster than deflate would pile up buffers (hundreds of MB at 100,000 rows):
 * the page loop waits here, between pages, while the zip's input is full or nothing has been taken yet.
 */
async function drained(sheet: ExcelJS.Worksheet): Promise<void> {
  const buffer = (sheet as unknown as { stream?: SheetBuffer }).stream;
  for (;;) {
    const full = buffer?.pipes?.some((p) => (p._writableState?.length ?? p.writableLength ?? 0) > MAX_QUEUED_BYTES) ?? false;
    const waiting = (buffer?.buffers?.length ?? 0) > 4;
    if (!full && !waiting) return;
    await pause(2);
  }
}

/** Writes a workbook to `out`; the stream is ended by `finish`. */
export class XlsxReportWriter implements ReportWriter {
  private readonly workbook: ExcelJS.stream.xlsx.WorkbookWriter;
  private sheet: ExcelJS.Worksheet | null = null;
  private columns: readonly Column[] = [];
  private sheets = 0;

  constructor(private readonly out: Writable) {
    // Inline strings (no shared-string table) keep memory flat; styles are needed for date formats.
    // Fast deflate: a third larger file for far less CPU than the default level.
    this.workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false, zip: { zlib: { level: 1 } } });
  }

  private openSheet(name: string, columns: readonly Column[]): ExcelJS.Worksheet {
    const sheet = this.workbook.addWorksheet(name.slice(0, 31), { views: [{ state: 'frozen', xSplit: 0, ySplit: 1 }] });
    this.sheets++;
    sheet.columns = columns.map((c) => ({ width: c.width ?? (c.kind === 'text' ? 24 : c.kind === 'number' ? 12 : 18) }));
    sheet.autoFilter = `A1:${columnLetter(Math.max(columns.length, 1))}1`;
    const header = sheet.addRow(columns.map((c) => neutraliseFormula(c.header)));
    header.eachCell((cell) => {
      cell.style = STYLES.header;
    });
    header.commit();
    return sheet;
  }

  private writeRow(sheet: ExcelJS.Worksheet, columns: readonly Column[], row: Row): void {
    const r = sheet.addRow(columns.map((c, i) => cellValue(row[i] ?? null, c)));
    // Only dates need a style (their number format); text and numbers keep the default, which costs nothing,
    // while assigning even an empty style makes exceljs look it up once per cell (a tenth of the export's CPU).
    r.eachCell((cell, n) => {
      const kind = columns[n - 1]!.kind;
      if (kind === 'date' || kind === 'datetime') cell.style = STYLES[kind];
    });
    r.commit();
  }

  async startRows(sheetName: string, columns: readonly Column[]): Promise<void> {
    this.sheet = this.openSheet(sheetName, columns);
    this.columns = columns;
  }

  async addRows(rows: readonly Row[]): Promise<void> {
    const sheet = this.sheet;
    if (!sheet) throw new Error('addRows before startRows');
    for (const row of rows) this.writeRow(sheet, this.columns, row);
    await drained(sheet);
    if (this.out.writableNeedDrain) await once(this.out, 'drain');
  }

  async addSheet(sheetName: string, columns: readonly Column[], rows: readonly Row[], opts: { active?: boolean } = {}): Promise<void> {
    // exceljs streams sheets one after another into the zip: the rows sheet is finished first.
    this.sheet?.commit();
    this.sheet = null;
    const sheet = this.openSheet(sheetName, columns);
    if (opts.active) this.workbook.views = [{ x: 0, y: 0, width: 20000, height: 12000, firstSheet: 0, activeTab: this.sheets - 1, visibility: 'visible' }];
    for (const row of rows) this.writeRow(sheet, columns, row);
    sheet.commit();
  }

  async finish(): Promise<void> {
    this.sheet?.commit();
    this.sheet = null;
    const done = once(this.out, 'finish');
    await this.workbook.commit();
    await done;
  }
}
