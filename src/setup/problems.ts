/**
 * What an HR file import reports when it refuses a file: every problem with the line it sits on. A file is
 * imported whole or not at all, so one refusal carries the complete list and the officer fixes it in one go.
 */

/** One problem in an import file. Line 1 is the header row; data starts at line 2. */
export interface ImportProblem {
  /** Line (CSV) or row (XLSX) number as the officer sees it in their editor. */
  readonly line: number;
  /** Stable code for programs and tests, e.g. `invalid_nip`, `supervisor_loop`. */
  readonly code: ImportProblemCode;
  /** What is wrong and what to do, in one sentence. */
  readonly message: string;
}

/** Every reason a row or a header can be refused. */
export type ImportProblemCode =
  | 'unknown_column'
  | 'duplicate_column'
  | 'missing_column'
  | 'missing_field'
  | 'wrong_value_count'
  | 'invalid_nip'
  | 'duplicate_nip'
  | 'duplicate_row'
  | 'unknown_supervisor'
  | 'supervisor_loop'
  | 'supervisor_deactivated'
  | 'unknown_timezone'
  | 'bad_value'
  | 'unknown_unit'
  | 'unit_conflict'
  | 'unit_loop'
  | 'unknown_employee'
  | 'invalid_email'
  | 'invalid_number'
  | 'invalid_date'
  | 'empty_file'
  | 'bad_encoding'
  | 'formula_cell';

/** Base class for mistakes the person at the keyboard can fix; the CLI prints the message, not a stack. */
export class UserFacingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A file was refused; nothing was written. `problems` is sorted by line. */
export class ImportRejectedError extends UserFacingError {
  readonly problems: readonly ImportProblem[];
  readonly file: string;

  constructor(file: string, problems: readonly ImportProblem[]) {
    const sorted = [...problems].sort((a, b) => a.line - b.line);
    const lines = new Set(sorted.map((p) => p.line)).size;
    super(
      `${file}: nothing was imported; ${lines} line${lines === 1 ? '' : 's'} need${lines === 1 ? 's' : ''} fixing:\n` +
        sorted.map((p) => `  line ${p.line}: ${p.message}`).join('\n') +
        '\nFix these lines and run the import again.',
    );
    this.file = file;
    this.problems = sorted;
  }
}

/** Collects problems while a file is validated. */
export class ProblemList {
  readonly items: ImportProblem[] = [];

  add(line: number, code: ImportProblemCode, message: string): void {
    this.items.push({ line, code, message });
  }

  get empty(): boolean {
    return this.items.length === 0;
  }

  /** Throws ImportRejectedError when anything was found. */
  throwIfAny(file: string): void {
    if (!this.empty) throw new ImportRejectedError(file, this.items);
  }
}
