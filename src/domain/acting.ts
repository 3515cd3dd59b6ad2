/**
 * Who rates an employee today (PLT/PLH). DOMAIN.md: an acting official (PLT or PLH) rates in place of a
 * vacant or absent supervisor for a date range. The rule, stated once:
 *
 *   The rater of employee E at instant `now` is, on E's own calendar date (see today.ts), the acting
 *   official of an assignment for E's supervisor of record that covers that date (both ends inclusive),
 *   whose acting official is active and is not E; when several overlap, the one that **starts latest**
 *   wins, and among those the **highest id** (the one entered last). With none, the supervisor of record
 *   if active; else nobody.
 *
 * The review prompt, the pending-review list and the review reminders all follow this rule through the SQL
 * function `rater_of(employee_id, at)` (migration Migration20261202050725_rules), which this function
 * mirrors over plain data; a test runs both on the same cases. Who *may* rate is that rater plus the active
 * supervisor of record (the supervisor keeps authority over their own people).
 */
import type { CalendarDate } from './dates.js';
import { todayIn } from './today.js';

/** PLT (pelaksana tugas) or PLH (pelaksana harian). */
export type ActingKind = 'plt' | 'plh';

/** An acting assignment: `actingEmployeeId` rates in place of `forEmployeeId` from `startsOn` to `endsOn`. */
export interface ActingAssignmentFact {
  readonly id: number;
  readonly kind: ActingKind;
  readonly actingEmployeeId: number;
  readonly forEmployeeId: number;
  readonly startsOn: CalendarDate;
  readonly endsOn: CalendarDate;
  /** Whether the acting official is an active employee. */
  readonly actingEmployeeActive: boolean;
}

/** The employee being rated, as the rule needs them. */
export interface RatedEmployee {
  readonly id: number;
  readonly supervisorId: number | null;
  readonly supervisorActive: boolean;
  /** IANA zone the employee's dates are read in. */
  readonly timezone: string;
}

/** The rater chosen: an acting official (with the kind of their assignment) or the supervisor (`null` kind). */
export interface ChosenRater {
  readonly raterId: number;
  readonly actingKind: ActingKind | null;
}

/** Who rates `employee` at `now`, by the rule above; `null` when nobody can. */
export function actingRaterFor(employee: RatedEmployee, assignments: readonly ActingAssignmentFact[], now: Date): ChosenRater | null {
  if (employee.supervisorId === null) return null;
  const today = todayIn(employee.timezone, now);
  let best: ActingAssignmentFact | null = null;
  for (const a of assignments) {
    if (a.forEmployeeId !== employee.supervisorId || !a.actingEmployeeActive || a.actingEmployeeId === employee.id) continue;
    if (today < a.startsOn || today > a.endsOn) continue;
    if (best === null || a.startsOn > best.startsOn || (a.startsOn === best.startsOn && a.id > best.id)) best = a;
  }
  if (best !== null) return { raterId: best.actingEmployeeId, actingKind: best.kind };
  return employee.supervisorActive ? { raterId: employee.supervisorId, actingKind: null } : null;
}
