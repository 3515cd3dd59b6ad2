/**
 * The neutral table model every export writes: typed columns and rows of typed values. The CSV and XLSX
 * writers turn it into their format; neither knows what a report means.
 */

/** How a column's values are typed in the file. */
export type ColumnKind = 'text' | 'number' | 'date' | 'datetime';

/** One column: its header (already in the reader's language) and the type of its values. */
export interface Column {
  readonly header: string;
  readonly kind: ColumnKind;
  /** Width in characters for the XLSX sheet; the CSV ignores it. */
  readonly width?: number;
}

/**
 * A value: text, a number, a calendar date (`YYYY-MM-DD`, kind `date`), an instant (kind `datetime`), or
 * empty. Text is neutralised by the writers, never by the reports, so the rule has one home per format.
 */
export type CellValue = string | number | Date | null;

/** One row, in column order. */
export type Row = readonly CellValue[];

/** Datetimes in exports are shown in WIB (Asia/Jakarta), the province's working zone: one zone per file. */
export const EXPORT_ZONE = 'Asia/Jakarta';

/**
 * WIB is UTC+7 without daylight saving (unchanged since 1964), so wall-clock time is plain arithmetic; a
 * time-zone library call per cell would be the single largest cost of a 100,000-row export.
 */
const WIB_OFFSET_MS = 7 * 3_600_000;

/** The instant as WIB wall-clock time, in a Date whose UTC fields carry it (how XLSX stores dates). */
export function wibWallClock(value: Date): Date {
  return new Date(value.getTime() + WIB_OFFSET_MS);
}

/** `YYYY-MM-DD HH:MM:SS` in WIB. */
export function wibDateTimeText(value: Date): string {
  const iso = wibWallClock(value).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** A report's output: one table of rows streamed page by page, plus small summary tables. */
export interface ReportWriter {
  /** Starts the main table (the XLSX sheet of rows; the whole CSV). */
  startRows(sheetName: string, columns: readonly Column[]): Promise<void>;
  /** Appends a page of rows, waiting when the output is full so memory stays flat. */
  addRows(rows: readonly Row[]): Promise<void>;
  /** A small table after the rows (the XLSX summary sheet); `active` makes it the sheet a reader sees first. */
  addSheet(sheetName: string, columns: readonly Column[], rows: readonly Row[], opts?: { active?: boolean }): Promise<void>;
  /** Finishes the file; the output stream is ended. */
  finish(): Promise<void>;
}
