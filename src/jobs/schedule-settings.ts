/**
 * What the reminder jobs read besides the rows themselves: the working calendar (library holidays merged
 * with the lists HR loaded into the `holiday` table) and the working hours and send time from config.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { buildCalendar, nationalHolidaysFromLibrary, type HolidayEntry, type WorkingCalendar, type WorkingHours } from '../domain/index.js';
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

/**
 * The working calendar for the years `from`..`to` (inclusive): the library's national holidays, replaced by
 * HR's official list for every year HR loaded one.
 */
export async function loadWorkingCalendar(em: EntityManager, country: string, fromYear: number, toYear: number): Promise<WorkingCalendar> {
  const library: HolidayEntry[] = [];
  for (let y = fromYear; y <= toYear; y++) library.push(...nationalHolidaysFromLibrary(y, country));
  const rows = await em
    .execute<HolidayRow[]>(
      `select to_char(date, 'YYYY-MM-DD') as date, name, kind, working_day from holiday where date between ? and ?`,
      [`${fromYear}-01-01`, `${toYear}-12-31`],
    );
  const hr: HolidayEntry[] = rows.map((r) => ({ date: r.date, name: r.name, kind: r.kind, source: 'hr', workingDay: r.working_day }));
  return buildCalendar(library, hr);
}
