/**
 * Holiday rows (HR's official lists, loaded with `kinerja import holidays`) and the working calendar built
 * from them and the library's national holidays.
 */
import type { DateTime } from 'luxon';
import { buildCalendar, nationalHolidaysFromLibrary, toCalendarDate, WorkingCalendar, type CalendarDate, type HolidayEntry } from '../domain/index.js';
import { asJson, type Tx } from './sql.js';

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

/** HR's holiday rows of the years `from`..`to` as they are read (`holidayRowsJsonSql` yields the same fields). */
export interface HolidayRow {
  date: string;
  name: string;
  kind: HolidayEntry['kind'];
  working_day: boolean;
}

/**
 * A scalar subquery yielding HR's holiday rows between SQL dates `from` and `to` (inclusive) as a JSON array
 * of `HolidayRow`, so a statement that reads something else can carry the calendar too (the submit's read).
 */
export function holidayRowsJsonSql(from: string, to: string): string {
  return `(select coalesce(json_agg(json_build_object('date', to_char(h.date, 'YYYY-MM-DD'), 'name', h.name, 'kind', h.kind, 'working_day', h.working_day) order by h.date), '[]'::json)
             from holiday h where h.date between ${from} and ${to})`;
}

/**
 * The working calendar for the years `from`..`to` (inclusive): the library's national holidays, replaced by
 * HR's official list for every year HR loaded one.
 *
 * HR's rows are read every time (one indexed query), so a list HR just loaded counts at once; the calendar
 * built from them is reused while they are unchanged, because building and asking a fresh one costs more
 * than the query (it runs in every submission's transaction).
 */
export async function loadWorkingCalendar(tx: Tx, country: string, fromYear: number, toYear: number): Promise<WorkingCalendar> {
  const rows = await tx.query<HolidayRow>(
    `select to_char(date, 'YYYY-MM-DD') as date, name, kind, working_day from holiday where date between $1 and $2 order by date`,
    [`${fromYear}-01-01`, `${toYear}-12-31`],
  );
  return workingCalendarOf(rows, country, fromYear, toYear);
}

/** The working calendar of the years `from`..`to` from HR's rows for them (read by the caller), reused while they are unchanged. */
export function workingCalendarOf(rows: readonly HolidayRow[], country: string, fromYear: number, toYear: number): WorkingCalendar {
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

/** One day of HR's list, as imported. */
export interface HolidayImportRow {
  date: string;
  name: string;
  kind: string;
  working_day: boolean;
}

/** How many of `dates` (`YYYY-MM-DD`) already have a row. */
export async function countHolidays(tx: Tx, dates: readonly string[]): Promise<number> {
  const rows = await tx.query<{ n: string }>(`select count(*) as n from holiday where to_char(date, 'YYYY-MM-DD') in (select jsonb_array_elements_text($1::jsonb))`, [
    JSON.stringify(dates),
  ]);
  return Number(rows[0]?.n ?? 0);
}

/** Writes HR's days, replacing what was stored for the same dates. */
export async function upsertHolidays(tx: Tx, rows: readonly HolidayImportRow[]): Promise<void> {
  await tx.exec(
    `insert into holiday (date, name, kind, working_day)
     select x.date, x.name, x.kind, x.working_day from jsonb_to_recordset($1::jsonb) as x(date date, name text, kind text, working_day boolean)
     on conflict (date) do update set name = excluded.name, kind = excluded.kind, working_day = excluded.working_day`,
    [asJson(rows)],
  );
}
