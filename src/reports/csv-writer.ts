/**
 * CSV for spreadsheet programs: UTF-8 with a byte-order mark (so Excel reads Indonesian names right),
 * RFC 4180 quoting, CRLF line ends, text neutralised against formula injection, numbers unquoted.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { safeCsvText } from '../domain/spreadsheet-safe.js';
import { wibDateTimeText, type Column, type ReportWriter, type Row } from './cell.js';

const BOM = '\uFEFF';
const CRLF = '\r\n';

function field(value: Row[number], column: Column): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (value instanceof Date) return column.kind === 'date' ? value.toISOString().slice(0, 10) : wibDateTimeText(value);
  // Calendar dates arrive as YYYY-MM-DD text and are data, not something a reader typed: leave them as they are.
  return safeCsvText(value);
}

/** Writes one CSV table to `out`. Summary sheets are not part of a CSV: they are skipped. */
export class CsvReportWriter implements ReportWriter {
  private columns: readonly Column[] = [];

  constructor(private readonly out: Writable) {}

  private async write(text: string): Promise<void> {
    if (!this.out.write(text)) await once(this.out, 'drain');
  }

  async startRows(_sheetName: string, columns: readonly Column[]): Promise<void> {
    this.columns = columns;
    await this.write(BOM + columns.map((c) => safeCsvText(c.header)).join(',') + CRLF);
  }

  async addRows(rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    let text = '';
    for (const r of rows) text += this.columns.map((c, i) => field(r[i] ?? null, c)).join(',') + CRLF;
    await this.write(text);
  }

  async addSheet(): Promise<void> {}

  async finish(): Promise<void> {
    const out = this.out;
    // stdout must stay open for whatever the process prints next; a file is closed and flushed.
    if (out === (process.stdout as Writable)) return;
    out.end();
    await once(out, 'finish');
  }
}
