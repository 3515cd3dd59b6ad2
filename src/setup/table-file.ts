/**
 * Reads an HR spreadsheet (CSV or XLSX) into plain text cells with the line numbers the officer sees, so
 * every import validates CSV and XLSX rows with exactly the same rules.
 */
import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { ProblemList, UserFacingError } from './problems.js';

/** One data row: its line (CSV) or row number (XLSX), and its cells as trimmed text. */
export interface TableRow {
  readonly line: number;
  readonly values: readonly string[];
}

/** A spreadsheet's header and data rows. Problems found while reading (e.g. a NIP Excel rounded) ride along. */
export interface Table {
  /** The file name as given, for messages and the audit log. */
  readonly file: string;
  readonly headers: readonly string[];
  readonly headerLine: number;
  readonly rows: readonly TableRow[];
  readonly problems: ProblemList;
}

/** The file is neither CSV nor XLSX, or cannot be read at all. */
export class UnreadableFileError extends UserFacingError {}

/** Reads a `.csv` or `.xlsx` file (by extension). */
export async function readTableFile(path: string): Promise<Table> {
  let content: Buffer;
  try {
    content = await readFile(path);
  } catch (err) {
    throw new UnreadableFileError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; check the path.`);
  }
  return readTable(basename(path), content);
}

/** Reads CSV or XLSX content; `file` decides the format by its extension. */
export async function readTable(file: string, content: Buffer): Promise<Table> {
  const ext = extname(file).toLowerCase();
  if (ext === '.csv' || ext === '.txt') return readCsv(file, content.toString('utf8'));
  if (ext === '.xlsx') return readXlsx(file, content);
  throw new UnreadableFileError(`${file}: unsupported file type "${ext || '(none)'}"; save the sheet as .csv (UTF-8) or .xlsx.`);
}

/** Spreadsheets exported with an Indonesian locale separate columns with ";" because "," is the decimal mark. */
function detectDelimiter(text: string): ',' | ';' {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const commas = (firstLine.match(/,/g) ?? []).length;
  const semicolons = (firstLine.match(/;/g) ?? []).length;
  return semicolons > commas ? ';' : ',';
}

function readCsv(file: string, text: string): Table {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      delimiter: detectDelimiter(text),
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (err) {
    throw new UnreadableFileError(`${file}: not a readable CSV file (${(err as Error).message}); save it as CSV UTF-8 and try again.`);
  }
  const problems = new ProblemList();
  const [head, ...body] = records;
  if (!head) return { file, headers: [], headerLine: 1, rows: [], problems };
  return {
    file,
    headers: head.record,
    headerLine: head.info.lines,
    rows: body.filter((r) => r.record.some((v) => v !== '')).map((r) => ({ line: r.info.lines, values: r.record })),
    problems,
  };
}

type CellValue = ExcelJS.CellValue;

/** Text of one XLSX cell; numbers Excel cannot hold exactly (an 18-digit NIP typed as a number) are flagged. */
function cellText(value: CellValue, onLossyNumber: () => void): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number') {
    if (Number.isInteger(value) && !Number.isSafeInteger(value)) onLossyNumber();
    return Number.isInteger(value) ? BigInt(Math.trunc(value)).toString() : String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return value.toISOString().slice(0, 10);
  if ('richText' in value) return value.richText.map((r) => r.text).join('').trim();
  if ('text' in value && typeof value.text === 'string') return value.text.trim();
  if ('result' in value) return cellText((value.result ?? null) as CellValue, onLossyNumber);
  if ('error' in value) return '';
  return String(value).trim();
}

async function readXlsx(file: string, content: Buffer): Promise<Table> {
  const workbook = new ExcelJS.Workbook();
  try {
    // exceljs' typings predate Node's generic Buffer; the runtime accepts any Buffer.
    await workbook.xlsx.load(content as unknown as ExcelJS.Buffer);
  } catch (err) {
    throw new UnreadableFileError(`${file}: not a readable .xlsx workbook (${(err as Error).message}); save it again from Excel or LibreOffice.`);
  }
  const sheet = workbook.worksheets[0];
  const problems = new ProblemList();
  if (!sheet) return { file, headers: [], headerLine: 1, rows: [], problems };
  const raw: TableRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, rowNumber) => {
    const values: string[] = [];
    const count = row.cellCount;
    for (let c = 1; c <= count; c++) {
      values.push(
        cellText(row.getCell(c).value, () =>
          problems.add(
            rowNumber,
            'invalid_number',
            `column ${c} holds a number too long for Excel to keep exactly (digits were lost); format the column as Text and type the value again`,
          ),
        ),
      );
    }
    while (values.length > 0 && values[values.length - 1] === '') values.pop();
    if (values.length > 0) raw.push({ line: rowNumber, values });
  });
  const [head, ...body] = raw;
  if (!head) return { file, headers: [], headerLine: 1, rows: [], problems };
  return { file, headers: head.values, headerLine: head.line, rows: body, problems };
}
