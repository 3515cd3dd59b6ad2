/**
 * Objection (keberatan), DOMAIN.md "Follow-up rules": within a window after the predikat is announced
 * (default 14 days, a cycle may set `objectionWindowDays`) the employee may object once per assessment with
 * a reason; the rater's superior (atasan pejabat penilai) decides within a time (default 14 days), else HR is
 * told. Days are calendar days counted on the employee's own dates (today.ts): announced on 1 December WIB,
 * a 14-day window takes objections up to and including 15 December WIB.
 */
import { calendarDateToUtc, type CalendarDate } from './dates.js';
import { todayIn } from './today.js';

/** Days after the announcement an objection may be filed, when neither the cycle nor the configuration says. */
export const DEFAULT_OBJECTION_WINDOW_DAYS = 14;

/** Days the decider has to decide an objection before HR is told. */
export const DEFAULT_OBJECTION_DECISION_DAYS = 14;

/** What became of an objection. */
export type ObjectionDecision = 'upheld' | 'changed';

/** `date` plus `days` calendar days. */
function plusDays(date: CalendarDate, days: number): CalendarDate {
  return calendarDateToUtc(date).plus({ days }).toISODate() as CalendarDate;
}

/** The last date (in `zone`, the employee's) an objection to a result announced at `announcedAt` may be filed. */
export function objectionLastDay(announcedAt: Date, days: number, zone: string): CalendarDate {
  return plusDays(todayIn(zone, announcedAt), days);
}

/** Where `now` stands against the objection window of a result announced at `announcedAt` (null: not announced). */
export type ObjectionWindow = { readonly open: true; readonly lastDay: CalendarDate } | { readonly open: false; readonly why: 'not_announced' } | { readonly open: false; readonly why: 'closed'; readonly lastDay: CalendarDate };

/** Whether an objection may be filed at `now`: from the announcement to its last day, both inclusive. */
export function objectionWindow(announcedAt: Date | null, days: number, zone: string, now: Date): ObjectionWindow {
  if (announcedAt === null || now.getTime() < announcedAt.getTime()) return { open: false, why: 'not_announced' };
  const lastDay = objectionLastDay(announcedAt, days, zone);
  return todayIn(zone, now) <= lastDay ? { open: true, lastDay } : { open: false, why: 'closed', lastDay };
}

/** The date (in the decider's `zone`) an objection filed at `filedAt` is to be decided by. */
export function objectionDecisionDue(filedAt: Date, days: number, zone: string): CalendarDate {
  return plusDays(todayIn(zone, filedAt), days);
}
