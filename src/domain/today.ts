/**
 * "Today" and lateness: which calendar date an instant falls on, in which zone.
 *
 * One rule for every "today" the system reads (DOMAIN.md: deadlines are calendar dates in the employee's
 * own time zone): **a date about an employee's assessment is read in that employee's zone**
 * (`employee.timezone`). So:
 * - the self-assessment deadline (late or not) is the owner's date at the moment of submission;
 * - acting PLT/PLH assignments (who rates employee E today) are read on E's date, in SQL
 *   (`rater_of`) and in the domain twin (`actingRaterFor`) alike;
 * - coaching check-in dates (defaults and "not in the past") are the owner's dates;
 * - someone without a known zone (an unlinked chat user) is shown times in {@link DEFAULT_TIMEZONE}.
 *
 * Zones come from {@link resolveTimezone} (WIB/WITA/WIT or any IANA name).
 */
import { DateTime } from 'luxon';
import type { CalendarDate } from './dates.js';
import { DomainError } from './errors.js';
import { DEFAULT_TIMEZONE, TIMEZONE_ALIASES, resolveTimezone } from './timezones.js';

/**
 * Fixed offsets (minutes) of the Indonesian zones: none has had daylight saving time or an offset change
 * since 1964, so for instants after 1970 the date is plain arithmetic. This runs for every chat message.
 */
const FIXED_OFFSET_MINUTES: ReadonlyMap<string, number> = new Map([
  [TIMEZONE_ALIASES.WIB, 7 * 60],
  ['Asia/Pontianak', 7 * 60],
  [TIMEZONE_ALIASES.WITA, 8 * 60],
  [TIMEZONE_ALIASES.WIT, 9 * 60],
]);

/** A time-zone name that no date can be computed in. */
export class UnknownTimezoneError extends DomainError {
  constructor(zone: string) {
    super('unknown_timezone', `"${zone}" is not a known time zone; use WIB, WITA, WIT or an IANA name such as Asia/Jakarta.`);
  }
}

/**
 * The calendar date (`YYYY-MM-DD`) of instant `now` in IANA zone `zone`, e.g. 2027-01-05T17:30Z is
 * `2027-01-06` in Asia/Jakarta and `2027-01-05` in UTC.
 * @throws UnknownTimezoneError when `zone` is not an IANA zone
 */
export function todayIn(zone: string, now: Date): CalendarDate {
  const offset = FIXED_OFFSET_MINUTES.get(zone);
  if (offset !== undefined && now.getTime() >= 0) return new Date(now.getTime() + offset * 60_000).toISOString().slice(0, 10);
  const local = DateTime.fromJSDate(now, { zone });
  if (!local.isValid) throw new UnknownTimezoneError(zone);
  return local.toISODate() as CalendarDate;
}

/**
 * True when something done at `doneAt` missed `deadline`, a calendar date in `zone` (the employee's):
 * anything up to 23:59:59.999 local time on the deadline day is on time. The cycle close does the same in
 * SQL with `is_late(submitted_at, deadline, zone)` (migration Migration20261202050725_rules).
 */
export function isLate(doneAt: Date, deadline: CalendarDate, zone: string): boolean {
  return todayIn(zone, doneAt) > deadline;
}

/**
 * The IANA zone for a configured or imported zone name (`WIB`, `wita`, `Asia/Jayapura`); no name at all
 * means {@link DEFAULT_TIMEZONE}.
 * @throws UnknownTimezoneError when the name is neither an Indonesian abbreviation nor an IANA zone
 */
export function zoneFor(name: string | null | undefined): string {
  if (name === null || name === undefined || name.trim() === '') return DEFAULT_TIMEZONE;
  const resolved = resolveTimezone(name);
  if (!resolved.ok) throw new UnknownTimezoneError(name);
  return resolved.timezone;
}
