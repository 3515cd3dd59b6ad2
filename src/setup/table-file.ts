/**
 * Reads an HR spreadsheet (CSV or XLSX) into plain text cells with the line numbers the officer sees, so
 * every import validates CSV and XLSX rows with exactly the same rules.
 *
 * Files are streamed, never loaded whole: a 200,000-row file must not cost gigabytes, and a file that is
 * too big, has too many rows or is not text in the expected encoding is refused as early as possible.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import ExcelJS from 'exceljs';
import { checkedDecoder, normaliseEncoding } from './encoding.js';
import { ProblemList, UserFacingError } from './problems.js';

/** One data row: its line (CSV) or row number (XLSX), and its cells as trimmed text. */
export interface TableRow {
  readonly line: number;
  readonly values: readonly string[];
}

/**
 * A spreadsheet's header and its data rows. The rows are read from the file while they are iterated (once);
 * problems found while reading (e.g. a NIP Excel rounded) are added to `problems` as rows go by.
 */
export interface Table {
  /** The file name as given, for messages and the audit log. */
  readonly file: string;
  readonly headers: readonly string[];
  readonly headerLine: number;
  /**
   * The data rows (blank rows skipped) in file order, streamed from the file in batches (one await per batch,
   * not per row): iterate once. Throws ImportRejectedError at the first line that is not text in the file's
   * encoding, and FileTooLargeError past the row limit.
   */
  readonly rowBatches: AsyncIterable<readonly TableRow[]>;
  readonly problems: ProblemList;
  /** sha256 of the header and every row's cells, so the audit log shows which version was imported; final once `rows` is read. */
  digest(): string;
}

/** How a file is read. Limits are off unless given; the CLI passes IMPORT_MAX_MB and IMPORT_MAX_ROWS. */
export interface ReadTableOptions {
  /** Encoding of a CSV file (any WHATWG label, e.g. `windows-1252`); UTF-8 with or without BOM by default. */
  readonly encoding?: string;
  /** Files larger than this many megabytes are refused before reading. */
  readonly maxMb?: number;
  /** Files with more data rows than this are refused; reading stops at the first row past the limit. */
  readonly maxRows?: number;
}

/** The file is neither CSV nor XLSX, or cannot be read at all. */
export class UnreadableFileError extends UserFacingError {}

/** The file is above IMPORT_MAX_MB or IMPORT_MAX_ROWS; nothing was imported. */
export class FileTooLargeError extends UserFacingError {}

/** The bytes of a file, readable more than once: its start (to sniff) and then as a stream. */
interface ByteSource {
  readonly size: number;
  head(bytes: number): Promise<Buffer>;
  stream(): Readable;
}

const MB = 1024 * 1024;

/** Reads a `.csv` or `.xlsx` file (by extension); the size limit is checked before a byte is read. */
export async function readTableFile(path: string, options: ReadTableOptions = {}): Promise<Table> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    size = s.size;
  } catch (err) {
    throw new UnreadableFileError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}; check the path.`);
  }
  const source: ByteSource = {
    size,
    async head(bytes) {
      const fh = await open(path, 'r');
      try {
        const buf = Buffer.alloc(Math.min(bytes, size));
        const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
        return buf.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    },
    stream: () => createReadStream(path, { highWaterMark: 64 * 1024 }),
  };
  return openTable(basename(path), source, options);
}

/** Reads CSV or XLSX content held in memory; `file` decides the format by its extension. */
export async function readTable(file: string, content: Buffer, options: ReadTableOptions = {}): Promise<Table> {
  const source: ByteSource = {
    size: content.length,
    head: async (bytes) => content.subarray(0, bytes),
    // In slices, as a file is read: one chunk of the whole content would be parsed into every record at once.
    stream: () => Readable.from(slices(content, 64 * 1024), { objectMode: false }),
  };
  return openTable(file, source, options);
}

function* slices(content: Buffer, size: number): Generator<Buffer> {
  for (let i = 0; i < content.length; i += size) yield content.subarray(i, i + size);
}

async function openTable(file: string, source: ByteSource, options: ReadTableOptions): Promise<Table> {
  const ext = extname(file).toLowerCase();
  if (ext !== '.csv' && ext !== '.txt' && ext !== '.xlsx') {
    throw new UnreadableFileError(`${file}: unsupported file type "${ext || '(none)'}"; save the sheet as .csv (UTF-8) or .xlsx.`);
  }
  if (options.maxMb !== undefined && source.size > options.maxMb * MB) {
    throw new FileTooLargeError(
      `${file}: nothing was imported; the file is ${(source.size / MB).toFixed(1)} MB and imports take at most ${options.maxMb} MB (IMPORT_MAX_MB). ` +
        'Split it into smaller files, or raise IMPORT_MAX_MB.',
    );
  }
  const problems = new ProblemList();
  const rowsIn = ext === '.xlsx' ? xlsxRows(file, source, problems) : await csvRows(file, source, options.encoding ?? 'utf-8');
  // The header is the first row; the rest of its batch is data.
  let firstBatch: readonly TableRow[] = [];
  for (let next = await rowsIn.next(); !next.done; next = await rowsIn.next()) {
    if (next.value.length > 0) {
      firstBatch = next.value;
      break;
    }
  }
  const hash = createHash('sha256');
  const headers = firstBatch[0]?.values ?? [];
  const headerLine = firstBatch[0]?.line ?? 1;
  async function* prepend(): AsyncGenerator<readonly TableRow[]> {
    if (firstBatch.length > 1) yield firstBatch.slice(1);
    yield* rowsIn;
  }
  const all = prepend();
  hash.update(JSON.stringify(headers));
  let started = false;
  async function* dataRows(): AsyncGenerator<readonly TableRow[]> {
    if (started) throw new Error(`${file}: the rows of a table can be read once`);
    started = true;
    let count = 0;
    for await (const batch of all) {
      const rows: TableRow[] = [];
      for (const row of batch) {
        if (!row.values.some((v) => v !== '')) continue;
        count += 1;
        if (options.maxRows !== undefined && count > options.maxRows) {
          throw new FileTooLargeError(
            `${file}: nothing was imported; line ${row.line} is data row ${count.toLocaleString('en')} and imports take at most ` +
              `${options.maxRows.toLocaleString('en')} rows (IMPORT_MAX_ROWS). Split the file, or raise IMPORT_MAX_ROWS.`,
          );
        }
        hash.update(JSON.stringify(row.values));
        rows.push(row);
      }
      if (rows.length > 0) yield rows;
    }
  }
  return { file, headers, headerLine, rowBatches: { [Symbol.asyncIterator]: dataRows }, problems, digest: () => hash.copy().digest('hex') };
}

/** Spreadsheets exported with an Indonesian locale separate columns with ";" because "," is the decimal mark. */
function detectDelimiter(text: string): ',' | ';' {
  const firstLine = text.split(/\r?\n/, 1)[0] ?? '';
  const commas = (firstLine.match(/,/g) ?? []).length;
  const semicolons = (firstLine.match(/;/g) ?? []).length;
  return semicolons > commas ? ';' : ',';
}

interface CsvRecord {
  record: string[];
  info: { lines: number };
}

/**
 * What `stream` (object mode) has buffered, batch by batch: one await per batch instead of one per record,
 * which the row-by-row async iterator of a Readable costs.
 */
async function* bufferedBatches<T>(stream: Readable): AsyncGenerator<T[]> {
  let ended = false;
  let failure: { error: unknown } | null = null;
  let wake: (() => void) | null = null;
  const onReadable = () => wake?.();
  const onEnd = () => {
    ended = true;
    wake?.();
  };
  const onError = (error: unknown) => {
    failure = { error };
    wake?.();
  };
  stream.on('readable', onReadable).on('end', onEnd).on('error', onError);
  try {
    for (;;) {
      const batch: T[] = [];
      for (let item = stream.read() as T | null; item !== null; item = stream.read() as T | null) batch.push(item);
      if (batch.length > 0) {
        yield batch;
        continue;
      }
      if (failure) throw (failure as { error: unknown }).error;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
    }
  } finally {
    stream.off('readable', onReadable).off('end', onEnd).off('error', onError);
  }
}

async function csvRows(file: string, source: ByteSource, encoding: string): Promise<AsyncGenerator<TableRow[]>> {
  const label = normaliseEncoding(encoding);
  // The delimiter is chosen from the header line; a replacement character in the sniffed text is harmless.
  const delimiter = detectDelimiter(new TextDecoder(label).decode(await source.head(64 * 1024)));
  return (async function* () {
    const input = source.stream();
    const parser = parse({ bom: true, delimiter, info: true, relax_column_count: true, skip_empty_lines: true, trim: true });
    // Errors (an undecodable line, a broken quote) reach the loop below through the parser, which pipeline destroys with them.
    const flowing = pipeline(input, checkedDecoder(file, label), parser).catch(() => undefined);
    try {
      for await (const batch of bufferedBatches<CsvRecord>(parser)) yield batch.map((r) => ({ line: r.info.lines, values: r.record }));
    } catch (err) {
      if (err instanceof UserFacingError) throw err;
      throw new UnreadableFileError(`${file}: not a readable CSV file (${(err as Error).message}); save it as CSV UTF-8 and try again.`);
    } finally {
      // Stopped early (a refusal, the row limit): close the file.
      input.destroy();
      parser.destroy();
      await flowing;
    }
  })();
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

/**
 * The first worksheet's non-empty rows, with exceljs' streaming reader: memory stays flat however large the
 * sheet (the whole-workbook reader took 4.1 GB for an 18 MB file).
 */
async function* xlsxRows(file: string, source: ByteSource, problems: ProblemList): AsyncGenerator<TableRow[]> {
  const input = source.stream();
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, { worksheets: 'emit', sharedStrings: 'cache', styles: 'cache', hyperlinks: 'ignore', entries: 'ignore' });
  try {
    for await (const sheet of reader) {
      let pending: TableRow[] = [];
      for await (const row of sheet) {
        const rowNumber = row.number;
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
        if (values.length > 0) pending.push({ line: rowNumber, values });
        if (pending.length >= 500) {
          yield pending;
          pending = [];
        }
      }
      if (pending.length > 0) yield pending;
      break; // the first worksheet only
    }
  } catch (err) {
    if (err instanceof UserFacingError) throw err;
    throw new UnreadableFileError(`${file}: not a readable .xlsx workbook (${(err as Error).message}); save it again from Excel or LibreOffice.`);
  } finally {
    input.destroy();
  }
}
