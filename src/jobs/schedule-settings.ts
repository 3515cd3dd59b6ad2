/**
 * What the reminder jobs read besides the rows themselves: the working calendar (library holidays merged
 * with the lists HR loaded into the `holiday` table) and the working hours and send time from config.
 */
import type { WorkingHours } from '../domain/index.js';
import type { Config } from '../config.js';

/** The part of the configuration the reminder jobs use. */
export type ReminderConfig = Pick<Config, 'WORKING_HOURS' | 'REMINDER_SEND_AT' | 'HOLIDAY_COUNTRY'>;

/** `08:00-16:00` -> { start: '08:00', end: '16:00' }. */
export function workingHoursOf(config: Pick<Config, 'WORKING_HOURS'>): WorkingHours {
  const [start, end] = config.WORKING_HOURS.split('-');
  return { start, end };
}
