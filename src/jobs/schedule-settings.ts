/**
 * What the reminder jobs read besides the rows themselves: the working calendar (library holidays merged
 * with the lists HR loaded into the `holiday` table) and the working hours and send time from config.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { DateTime } from 'luxon';
import { buildCalendar, nationalHolidaysFromLibrary, toCalendarDate, WorkingCalendar, type CalendarDate, type HolidayEntry, type WorkingHours } from '../domain/index.js';
import type { Config } from '../config.js';

/** The part of the configuration the reminder jobs use. */
export type ReminderConfig = Pick<Config, 'WORKING_HOURS' | 'REMINDER_SEND_AT' | 'HOLIDAY_COUNTRY'>;

/** `08:00-16:00` -> { start: '08:00', end: '16:00' }. */
export function workingHoursOf(config: Pick<Config, 'WORKING_HOURS'>): WorkingHours {
  const [start, end] = config.WORKING_HOURS.split('-');
  return { start, end };
}

interface HolidayRow {
  date: string;
  name: string;
  kind: HolidayEntry['kind'];
  working_day: boolean;
}

/** Answers remembered per calendar before the memo is dropped (a plan touches a few dozen dates). */
const MEMO_LIMIT = 10_000;

/**
 * A working calendar that remembers its answers. A calendar is immutable, so an answer never goes stale;
 * planning reminders asks the same dates again for every submission, and each fresh answer walks days
 * with luxon (about a millisecond per plan).
 */
class MemoizedWorkingCalendar extends WorkingCalendar {
  private readonly working = new Map<string, boolean>();
  private readonly added = new Map<string, CalendarDate>();

  override isWorkingDay(date: DateTime | string): boolean {
    const iso = toCalendarDate(date);
    let answer = this.working.get(iso);
    if (answer === undefined) {
      answer = super.isWorkingDay(iso);
      if (this.working.size >= MEMO_LIMIT) this.working.clear();
      this.working.set(iso, answer);
    }
    return answer;
  }

  override addWorkingDays(date: DateTime | string, n: number): CalendarDate {
    const key = `${toCalendarDate(date)}|${n}`;
    let answer = this.added.get(key);
    if (answer === undefined) {
      // Errors (a fractional n, a calendar without working days) are not remembered: they throw again.
      answer = super.addWorkingDays(date, n);
      if (this.added.size >= MEMO_LIMIT) this.added.clear();
      this.added.set(key, answer);
    }
    return answer;
  }
}

/** Calendars built recently, keyed by country, years and HR's rows for them; oldest dropped first. */
const calendars = new Map<string, WorkingCalendar>();
/** Enough for a few countries and year ranges in one process. */
const CALENDAR_CACHE_SIZE = 16;

/**
 * The working calendar for the years `from`..`to` (inclusive): the library's national holidays, replaced by
 * HR's official list for every year HR loaded one.
 *
 * HR's rows are read every time (one indexed query), so a list HR just loaded counts at once; the calendar
 * built from them is reused while they are unchanged, because building and asking a fresh one costs more
 * than the query (it runs in every submission's transaction).
 */
export async function loadWorkingCalendar(em: EntityManager, country: string, fromYear: number, toYear: number): Promise<WorkingCalendar> {
  const rows = await em.execute<HolidayRow[]>(
    `select to_char(date, 'YYYY-MM-DD') as date, name, kind, working_day from holiday where date between ? and ?`,
    [`${fromYear}-01-01`, `${toYear}-12-31`],
  );
  const hr: HolidayEntry[] = rows.map((r) => ({ date: r.date, name: r.name, kind: r.kind, source: 'hr', workingDay: r.working_day }));
  const key = `${country}|${fromYear}|${toYear}|${JSON.stringify(hr)}`;
  const cached = calendars.get(key);
  if (cached) return cached;
  const library: HolidayEntry[] = [];
  for (let y = fromYear; y <= toYear; y++) library.push(...nationalHolidaysFromLibrary(y, country));
  const built = buildCalendar(library, hr);
  const calendar = new MemoizedWorkingCalendar({ weekendDays: built.weekendDays, holidays: built.holidays });
  if (calendars.size >= CALENDAR_CACHE_SIZE) calendars.delete(calendars.keys().next().value as string);
  calendars.set(key, calendar);
  return calendar;
}
