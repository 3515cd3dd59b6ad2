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

/** Month names and abbreviations people type, Indonesian and English, lower case, to month numbers. */
const MONTHS: ReadonlyMap<string, number> = new Map(
  [
    ['januari january jan', 1],
    ['februari pebruari february feb peb', 2],
    ['maret march mar', 3],
    ['april apr', 4],
    ['mei may', 5],
    ['juni june jun', 6],
    ['juli july jul', 7],
    ['agustus august agu agt aug', 8],
    ['september sep sept', 9],
    ['oktober october okt oct', 10],
    ['november nopember nov nop', 11],
    ['desember december des dec', 12],
  ].flatMap(([names, month]) => (names as string).split(' ').map((n) => [n, month as number] as const)),
);

/** One typed date: `2026-12-16`, `16-12-2026`, `16/12/2026`, `16 Desember 2026`, `16 Des`, `16 December 2026`. */
const TYPED_DATE = /(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})|(\d{1,2})\s+([a-z]+)\.?(?:\s+(\d{4}))?/gi;
/** What may stand between typed dates: separators and "dan"/"and". */
const BETWEEN_DATES = /^(?:[\s,;]|\bdan\b|\band\b|&)*$/i;

function isoOf(year: number, month: number, day: number): CalendarDate | null {
  const iso = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
  return parseCalendarDate(iso) ? iso : null;
}

/**
 * The dates a person typed, as `YYYY-MM-DD`, in the order typed; null when any part does not read as a date
 * (or text other than separators is left). Day first as Indonesians write it; month names and
 * abbreviations in Indonesian or English. Without a year the date is the next one on or after `today`
 * (without `today` a year is required).
 */
export function parseTypedDates(text: string, today?: CalendarDate): CalendarDate[] | null {
  const dates: CalendarDate[] = [];
  let last = 0;
  for (const m of text.matchAll(TYPED_DATE)) {
    if (!BETWEEN_DATES.test(text.slice(last, m.index))) return null;
    last = m.index + m[0].length;
    let date: CalendarDate | null;
    if (m[1]) date = isoOf(Number(m[1]), Number(m[2]), Number(m[3]));
    else if (m[4]) date = isoOf(Number(m[6]), Number(m[5]), Number(m[4]));
    else {
      const month = MONTHS.get(m[8]!.toLowerCase());
      if (month === undefined) return null;
      const day = Number(m[7]);
      if (m[9]) date = isoOf(Number(m[9]), month, day);
      else {
        if (!today) return null;
        const year = Number(today.slice(0, 4));
        const thisYear = isoOf(year, month, day);
        date = thisYear && thisYear >= today ? thisYear : isoOf(year + 1, month, day);
      }
    }
    if (!date) return null;
    dates.push(date);
  }
  if (dates.length === 0 || !BETWEEN_DATES.test(text.slice(last))) return null;
  return dates;
}

/** One typed date (see `parseTypedDates`); null when the text is not exactly one date. */
export function parseTypedDate(text: string, today?: CalendarDate): CalendarDate | null {
  const dates = parseTypedDates(text, today);
  return dates && dates.length === 1 ? dates[0]! : null;
}
