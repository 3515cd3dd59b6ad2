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

/**
 * Why a new acting assignment cannot be recorded, by the rules HR enters them under (the rating rule above
 * tolerates overlaps; entering one is refused so that who rates is never decided by entry order):
 * - `ends_before_start`: the last day is before the first;
 * - `acts_for_self`: the acting official is the person replaced;
 * - `acting_inactive`: the acting official is not an active employee;
 * - `overlap`: another assignment for the same person replaced covers one of the same days (`with`: it).
 */
export type ActingConflict =
  | { readonly code: 'ends_before_start' }
  | { readonly code: 'acts_for_self' }
  | { readonly code: 'acting_inactive' }
  | { readonly code: 'overlap'; readonly with: Pick<ActingAssignmentFact, 'id' | 'kind' | 'actingEmployeeId' | 'startsOn' | 'endsOn'> };

/** A proposed assignment (no id yet). */
export type NewActingAssignment = Omit<ActingAssignmentFact, 'id'>;

/** Every reason `proposed` cannot be recorded next to `existing` (empty: it can). */
export function actingConflicts(proposed: NewActingAssignment, existing: readonly ActingAssignmentFact[]): ActingConflict[] {
  const out: ActingConflict[] = [];
  if (proposed.endsOn < proposed.startsOn) out.push({ code: 'ends_before_start' });
  if (proposed.actingEmployeeId === proposed.forEmployeeId) out.push({ code: 'acts_for_self' });
  if (!proposed.actingEmployeeActive) out.push({ code: 'acting_inactive' });
  for (const a of existing) {
    if (a.forEmployeeId !== proposed.forEmployeeId) continue;
    if (a.startsOn <= proposed.endsOn && proposed.startsOn <= a.endsOn) out.push({ code: 'overlap', with: a });
  }
  return out;
}

/** An employee as the head-of-unit rule reads them. */
export interface UnitMember {
  readonly id: number;
  readonly unitId: number;
  readonly supervisorId: number | null;
}

/**
 * The head of unit `unitId` (the person an acting official named by unit replaces): the member of the unit
 * who supervises someone (in the unit or a sub-unit) and whose own supervisor is outside the unit (or who has
 * none). A vacant head (deactivated, still the supervisor of record) is still the head. `people`: the unit's
 * members, their supervisors and the people they supervise. Several candidates or none: the list, so the
 * caller can say whom to name instead.
 */
export function unitHeads(unitId: number, people: readonly UnitMember[]): number[] {
  const unitOf = new Map(people.map((p) => [p.id, p.unitId]));
  const supervisors = new Set(people.filter((p) => p.supervisorId !== null).map((p) => p.supervisorId!));
  return people
    .filter((p) => p.unitId === unitId && supervisors.has(p.id) && (p.supervisorId === null || unitOf.get(p.supervisorId) !== unitId))
    .map((p) => p.id)
    .sort((a, b) => a - b);
}
