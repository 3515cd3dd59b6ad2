/**
 * Calendar-date helpers shared by the domain modules.
 *
 * Deadlines and holidays are calendar dates ("2025-03-31"), not instants: the same deadline means a
 * different UTC instant in WIB and WIT. Keeping them as plain `YYYY-MM-DD` strings, and doing date
 * arithmetic in UTC where no offset can shift the day, keeps them zone-independent.
 */
import { DateTime } from 'luxon';
import { InvalidCalendarDateError } from './errors.js';

/** A calendar date as `YYYY-MM-DD`, without a time or a zone. */
export type CalendarDate = string;

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Reads a strict `YYYY-MM-DD` string as midnight UTC, or returns `null` when it is not a real date.
 * Strict because luxon's `fromISO` also accepts week dates and times, which are never meant here.
 */
export function parseCalendarDate(value: string): DateTime | null {
  if (!ISO_DATE.test(value)) return null;
  const parsed = DateTime.fromFormat(value, 'yyyy-MM-dd', { zone: 'utc' });
  return parsed.isValid ? parsed : null;
}

/**
 * The calendar date of a `DateTime` (in its own zone) or of a `YYYY-MM-DD` string.
 * @throws InvalidCalendarDateError when the string is not a real date or the DateTime is invalid
 */
export function toCalendarDate(value: DateTime | string, what = 'date'): CalendarDate {
  if (typeof value === 'string') {
    if (parseCalendarDate(value) === null) throw new InvalidCalendarDateError(value, what);
    return value;
  }
  const iso = value.isValid ? value.toISODate() : null;
  if (iso === null) throw new InvalidCalendarDateError(String(value.invalidReason ?? 'invalid DateTime'), what);
  return iso;
}

/** Midnight UTC of a calendar date, for arithmetic that must not be moved by a time-zone offset. */
export function calendarDateToUtc(value: DateTime | string, what = 'date'): DateTime {
  return DateTime.fromFormat(toCalendarDate(value, what), 'yyyy-MM-dd', { zone: 'utc' });
}
