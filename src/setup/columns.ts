/**
 * Header mapping for import files: Indonesian names with English aliases, matched case-insensitively, so an
 * officer can use the template in either language. Unknown columns are refused rather than ignored: a typo
 * in a header ("atasan_nipp") would otherwise silently drop a whole column of data.
 */
import { looksLikeFormula } from '../domain/spreadsheet-safe.js';
import type { ProblemList } from './problems.js';
import type { Table, TableRow } from './table-file.js';

/** One column an import understands. The first name is the canonical (Indonesian) one. */
export interface ColumnSpec<K extends string> {
  readonly key: K;
  readonly names: readonly string[];
  /** The header must be present (values may still be checked per row). */
  readonly required?: boolean;
}

/** Where each known column sits in the file. */
export interface ColumnMap<K extends string> {
  /** The cell of `key` in `row`, or '' when the column is absent or the cell empty. */
  get(row: TableRow, key: K): string;
  has(key: K): boolean;
}

/** `Unit Kode`, `UNIT-KODE` and `unit_kode` are the same column. */
function normaliseHeader(header: string): string {
  return header.trim().toLowerCase().replace(/[\s-]+/g, '_');
}

/**
 * Maps the table's headers onto `specs`; header problems (unknown, duplicate, missing required column) are
 * added to `problems` at the header line.
 */
export function mapColumns<K extends string>(table: Table, specs: readonly ColumnSpec<K>[], problems: ProblemList): ColumnMap<K> {
  const byName = new Map<string, ColumnSpec<K>>();
  for (const spec of specs) for (const name of spec.names) byName.set(name, spec);
  const index = new Map<K, number>();
  const line = table.headerLine;
  const allNames = specs.map((s) => s.names.join('|')).join(', ');
  table.headers.forEach((header, i) => {
    const name = normaliseHeader(header);
    if (name === '') {
      problems.add(line, 'unknown_column', `column ${i + 1} has no header; name it or delete the column (known columns: ${allNames})`);
      return;
    }
    const spec = byName.get(name);
    if (!spec) {
      problems.add(line, 'unknown_column', `unknown column "${header}"; known columns: ${allNames}`);
      return;
    }
    if (index.has(spec.key)) {
      problems.add(line, 'duplicate_column', `column "${header}" appears twice (as ${spec.names.join(' or ')}); keep one`);
      return;
    }
    index.set(spec.key, i);
  });
  for (const spec of specs) {
    if (spec.required && !index.has(spec.key)) {
      problems.add(line, 'missing_column', `required column "${spec.names[0]}" is missing (also accepted: ${spec.names.slice(1).join(', ') || 'none'})`);
    }
  }
  return {
    get(row, key) {
      const i = index.get(key);
      return i === undefined ? '' : (row.values[i] ?? '').trim();
    },
    has(key) {
      return index.has(key);
    },
  };
}

/** Adds a problem when `row` carries values beyond the last of the table's `width` headers (a shifted row, usually). */
export function checkValueCount(row: TableRow, width: number, problems: ProblemList): void {
  for (let i = width; i < row.values.length; i++) {
    if (row.values[i]!.trim() !== '') {
      problems.add(row.line, 'wrong_value_count', `the row has ${row.values.length} values but the header has ${width} columns; check for a stray separator`);
      return;
    }
  }
}

/**
 * Adds a problem for each of `keys` whose cell in `row` starts like a spreadsheet formula (`=`, `+`, `-`, `@`).
 * Such text is refused rather than stored: it would run as a formula in every sheet HR later opens.
 * @returns false when any was found
 */
export function checkPlainText<K extends string>(row: TableRow, cols: ColumnMap<K>, keys: readonly { key: K; name: string }[], problems: ProblemList): boolean {
  let ok = true;
  for (const { key, name } of keys) {
    const value = cols.get(row, key);
    if (looksLikeFormula(value)) {
      problems.add(
        row.line,
        'formula_cell',
        `${name} ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '...' : value)} starts with ${JSON.stringify(value[0])}, which a spreadsheet runs as a formula; remove that first character`,
      );
      ok = false;
    }
  }
  return ok;
}
