/**
 * Coaching (pembinaan) check-ins: DOMAIN.md's default is two sessions, 2 and 4 weeks out (a cycle may set
 * other weeks). When the rater chose the first date, the later ones keep the same spacing from it.
 */
import { calendarDateToUtc, type CalendarDate } from './dates.js';
import type { Predicate } from './ratings.js';

/** What follows a predikat (DOMAIN.md "Follow-up rules"): an award, thanks, or coaching (pembinaan). */
export type FollowUpKind = 'award' | 'thanks' | 'coaching';

/** Sangat Baik -> award; Baik -> thanks; Butuh Perbaikan, Kurang, Sangat Kurang -> coaching. */
export function followUpFor(predicate: Predicate | string): FollowUpKind {
  return predicate === 'sangat_baik' ? 'award' : predicate === 'baik' ? 'thanks' : 'coaching';
}

/** Default check-ins, in weeks after the plan (or the announcement). */
export const DEFAULT_CHECK_IN_WEEKS: readonly number[] = Object.freeze([2, 4]);

/** Where the check-ins count from: today (the owner's date), or a first date the rater chose. */
export type CheckInStart = { readonly today: CalendarDate } | { readonly first: CalendarDate };

/**
 * The check-in dates, in order. From `today`: today plus each of `weeks`. From a chosen `first` date:
 * that date, then the others at the same distance from it as in `weeks` (first + 2 weeks by default).
 * Moving a date off a weekend or holiday is the caller's choice (the announce job does; a rater's date is kept).
 */
export function checkInDates(start: CheckInStart, weeks: readonly number[] = DEFAULT_CHECK_IN_WEEKS): CalendarDate[] {
  if (weeks.length === 0) return [];
  const plus = (from: CalendarDate, w: number): CalendarDate => calendarDateToUtc(from).plus({ weeks: w }).toISODate() as CalendarDate;
  if ('first' in start) return weeks.map((w) => plus(start.first, w - weeks[0]));
  return weeks.map((w) => plus(start.today, w));
}
