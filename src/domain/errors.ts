/**
 * Errors thrown by the domain rules.
 *
 * Most rules return a result value (`{ ok: false, ... }`) because bad user input is expected; these
 * classes are for programming or configuration mistakes (an unknown matrix version in the database, an
 * illegal status change requested by code) where continuing would record something wrong. Each error
 * carries a stable `code` so the shell can log and map it without parsing the message.
 */

/** Base class of every error thrown by `src/domain`; `code` is stable, the message is for people. */
export class DomainError extends Error {
  /** Stable machine-readable code, e.g. `'unknown_matrix_version'`. */
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A date string was not a real calendar date in `YYYY-MM-DD` form. */
export class InvalidCalendarDateError extends DomainError {
  /** The value that could not be read. */
  readonly value: string;

  constructor(value: string, what = 'date') {
    super('invalid_calendar_date', `${what} "${value}" is not a real calendar date in YYYY-MM-DD form`);
    this.value = value;
  }
}
