/**
 * The working-day calendar: which calendar dates are working days for reminders and deadlines.
 *
 * Weekends and holidays are not working days. Holidays come from two sources: the `date-holidays`
 * package gives a default for Indonesia, and HR can load the official decree (SKB) for a year with cuti
 * bersama and regional days. The decree wins, because Islamic holidays computed by a library can be a
 * day off and cuti bersama are decided each year.
 *
 * Every date here is a calendar date (`YYYY-MM-DD`); a `DateTime` is read as its date in its own zone.
 */
import Holidays from 'date-holidays';
import type { DateTime } from 'luxon';
import { calendarDateToUtc, parseCalendarDate, toCalendarDate, type CalendarDate } from './dates.js';
import { DomainError, InvalidCalendarDateError } from './errors.js';

/** Kind of day off: national holiday, collective leave (cuti bersama), or a regional day. */
export type HolidayKind = 'nasional' | 'cuti_bersama' | 'daerah';

/** Where a holiday entry came from: the holiday library's default, or a list loaded by HR. */
export type HolidaySource = 'library' | 'hr';

/** One day in a holiday list. */
export interface HolidayEntry {
  /** `YYYY-MM-DD`. */
  readonly date: string;
  readonly name: string;
  readonly kind: HolidayKind;
  readonly source: HolidaySource;
  /**
   * True when the entry declares the date a working day despite a holiday or weekend (e.g. a holiday
   * cancelled by decree). Such an entry overrides everything else on that date.
   */
  readonly workingDay?: boolean;
}

/** What a calendar is built from. */
export interface WorkingCalendarConfig {
  /** Luxon weekdays (1 = Monday ... 7 = Sunday) that are not working days; default Saturday and Sunday. */
  readonly weekendDays?: readonly number[];
  readonly holidays: readonly HolidayEntry[];
}

/** Default weekend: Saturday and Sunday (luxon weekdays 6 and 7). */
export const DEFAULT_WEEKEND_DAYS: readonly number[] = [6, 7];

/** The longest stretch of days searched for a working day before the calendar is declared unusable. */
const MAX_SEARCH_DAYS = 366;

/** The calendar cannot produce a working day (e.g. every weekday is a weekend day). */
export class NoWorkingDayError extends DomainError {
  constructor(from: string) {
    super('no_working_day', `no working day found within ${MAX_SEARCH_DAYS} days of ${from}; check the calendar`);
  }
}

/** A weekday number outside 1-7 in a calendar configuration. */
export class InvalidWeekendDayError extends DomainError {
  constructor(day: number) {
    super('invalid_weekend_day', `weekend day ${day} is not a luxon weekday (1 = Monday ... 7 = Sunday)`);
  }
}

/**
 * Which dates are working days. Immutable; build a new one when the holiday list changes.
 */
export class WorkingCalendar {
  /** Weekend weekdays in use. */
  readonly weekendDays: readonly number[];
  /** The holiday entries the calendar was built from. */
  readonly holidays: readonly HolidayEntry[];
  private readonly holidaysByDate = new Map<CalendarDate, HolidayEntry[]>();
  private readonly workingDayOverrides = new Set<CalendarDate>();

  /**
   * @throws InvalidCalendarDateError when an entry's date is not a real `YYYY-MM-DD` date
   * @throws InvalidWeekendDayError when a weekend day is not 1-7
   */
  constructor(config: WorkingCalendarConfig) {
    const weekendDays = config.weekendDays ?? DEFAULT_WEEKEND_DAYS;
    for (const day of weekendDays) {
      if (!Number.isInteger(day) || day < 1 || day > 7) throw new InvalidWeekendDayError(day);
    }
    this.weekendDays = [...weekendDays];
    this.holidays = [...config.holidays];
    for (const entry of this.holidays) {
      if (parseCalendarDate(entry.date) === null) throw new InvalidCalendarDateError(entry.date, `holiday "${entry.name}"`);
      if (entry.workingDay === true) {
        this.workingDayOverrides.add(entry.date);
      } else {
        const list = this.holidaysByDate.get(entry.date) ?? [];
        list.push(entry);
        this.holidaysByDate.set(entry.date, list);
      }
    }
  }

  /** True when the date is neither a weekend day nor a holiday, or HR declared it a working day. */
  isWorkingDay(date: DateTime | string): boolean {
    const iso = toCalendarDate(date);
    if (this.workingDayOverrides.has(iso)) return true;
    if (this.holidaysByDate.has(iso)) return false;
    return !this.weekendDays.includes(calendarDateToUtc(iso).weekday);
  }

  /**
   * The holiday on that date (the first listed when several are), or `null` when there is none or HR
   * declared the date a working day.
   */
  holidayOn(date: DateTime | string): HolidayEntry | null {
    const iso = toCalendarDate(date);
    if (this.workingDayOverrides.has(iso)) return null;
    return this.holidaysByDate.get(iso)?.[0] ?? null;
  }

  /**
   * The date `n` working days after `date` (before it when `n` is negative), skipping non-working days.
   * `n = 0` returns the date itself, working day or not. The start date does not count, so from a
   * Saturday `+1` is the next Monday and `-1` the previous Friday.
   * @throws NoWorkingDayError when no working day can be found (a calendar with no working days)
   */
  addWorkingDays(date: DateTime | string, n: number): CalendarDate {
    if (!Number.isInteger(n)) throw new DomainError('invalid_working_days', `working days must be a whole number, got ${n}`);
    const step = n < 0 ? -1 : 1;
    let cursor = calendarDateToUtc(date);
    let remaining = Math.abs(n);
    let sinceLastWorkingDay = 0;
    while (remaining > 0) {
      cursor = cursor.plus({ days: step });
      if (this.isWorkingDay(cursor)) {
        remaining -= 1;
        sinceLastWorkingDay = 0;
      } else if (++sinceLastWorkingDay > MAX_SEARCH_DAYS) {
        throw new NoWorkingDayError(toCalendarDate(date));
      }
    }
    return isoDate(cursor);
  }

  /**
   * Working days after `a` up to and including `b` (negative when `b` is before `a`), so that
   * `addWorkingDays(a, workingDaysBetween(a, b))` is `b` whenever `b` is a working day.
   * Used e.g. to say how many working days a self-assessment is overdue.
   */
  workingDaysBetween(a: DateTime | string, b: DateTime | string): number {
    const start = calendarDateToUtc(a);
    const end = calendarDateToUtc(b);
    if (end < start) return -this.workingDaysBetween(b, a);
    let count = 0;
    for (let cursor = start.plus({ days: 1 }); cursor <= end; cursor = cursor.plus({ days: 1 })) {
      if (this.isWorkingDay(cursor)) count += 1;
    }
    return count;
  }

  /**
   * The date itself when it is a working day, else the nearest working day in `direction`.
   * @throws NoWorkingDayError when no working day can be found
   */
  nearestWorkingDay(date: DateTime | string, direction: 'forward' | 'backward'): CalendarDate {
    const iso = toCalendarDate(date);
    if (this.isWorkingDay(iso)) return iso;
    return this.addWorkingDays(iso, direction === 'forward' ? 1 : -1);
  }
}

function isoDate(date: DateTime): CalendarDate {
  // A DateTime built by calendarDateToUtc is always valid, so toISODate cannot be null here.
  return date.toISODate() as CalendarDate;
}

/**
 * The default national holidays (type "public" only) for a year, from the `date-holidays` package.
 * Computed, not fetched: the package carries its own rules. Observances and optional days are left
 * out because they are not days off for ASN.
 */
export function nationalHolidaysFromLibrary(year: number, country = 'ID'): HolidayEntry[] {
  // The library computes lunar-calendar dates on every call (~5 ms a year); the answer never changes
  // for a given year and country, so it is computed once per process. Callers get their own copy.
  const key = `${country}:${year}`;
  let cached = libraryHolidayCache.get(key);
  if (!cached) {
    cached = computeLibraryHolidays(year, country);
    libraryHolidayCache.set(key, cached);
  }
  return cached.map((e) => ({ ...e }));
}

const libraryHolidayCache = new Map<string, readonly HolidayEntry[]>();

function computeLibraryHolidays(year: number, country: string): HolidayEntry[] {
  const library = new Holidays(country, { types: ['public'] });
  const seen = new Set<string>();
  const entries: HolidayEntry[] = [];
  for (const holiday of library.getHolidays(year)) {
    if (holiday.type !== 'public') continue;
    // The library's date is "YYYY-MM-DD hh:mm:ss [offset]"; only the calendar date matters.
    const date = holiday.date.slice(0, 10);
    const key = `${date}|${holiday.name}`;
    if (seen.has(key)) continue;
    seen.add(key);
    entries.push({ date, name: holiday.name, kind: 'nasional', source: 'library' });
  }
  return entries;
}

/**
 * Merges the library's holidays with HR's: for every year in which HR loaded at least one holiday,
 * HR's list replaces the library's for that year (the official decree wins). HR working-day overrides
 * (`workingDay: true`) apply on top in any year, but on their own do not discard the library's list,
 * so cancelling one day does not silently remove every other holiday of that year.
 */
export function mergeHolidayEntries(
  libraryEntries: readonly HolidayEntry[],
  hrEntries: readonly HolidayEntry[],
): HolidayEntry[] {
  const yearOf = (entry: HolidayEntry): string => entry.date.slice(0, 4);
  const hrYears = new Set(hrEntries.filter((e) => e.workingDay !== true).map(yearOf));
  const kept = libraryEntries.filter((e) => !hrYears.has(yearOf(e)));
  return [...kept, ...hrEntries].sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
}

/**
 * Builds the working calendar from the library's default holidays and HR's loaded lists
 * (see {@link mergeHolidayEntries} for which wins).
 */
export function buildCalendar(
  libraryEntries: readonly HolidayEntry[],
  hrEntries: readonly HolidayEntry[],
  options: { readonly weekendDays?: readonly number[] } = {},
): WorkingCalendar {
  return new WorkingCalendar({
    weekendDays: options.weekendDays,
    holidays: mergeHolidayEntries(libraryEntries, hrEntries),
  });
}
