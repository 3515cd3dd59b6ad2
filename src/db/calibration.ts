/**
 * What calibration reads: per unit of a cycle, its organisational rating (capaian kinerja organisasi) and
 * the predicates given so far, with who gave them. The curve check itself is the domain's
 * (`checkDistribution`); close, announce and the chat's calibration view all read the units through here,
 * so where the organisational rating comes from is decided in this one place.
 */
import type { OrgRating, Predicate } from '../domain/index.js';
import { pgArray, type Tx } from './sql.js';

/** One rated assessment of a unit. */
export interface RatedMember {
  assessmentId: number;
  employeeId: number;
  predicate: Predicate;
  /** Who rated it (the latest rated review's reviewer), if anyone did through the bot. */
  reviewerId: number | null;
  supervisorId: number | null;
}

/** A unit's distribution in a cycle. */
export interface UnitDistribution {
  unitId: number;
  unitName: string;
  /** null: not set yet, so the curve cannot be checked. */
  orgRating: OrgRating | null;
  members: RatedMember[];
}

/** The units of cycle `cycleId` with their rated assessments (only `unitIds` when given), by unit id. */
export async function unitDistributions(tx: Tx, cycleId: number, unitIds?: readonly number[]): Promise<UnitDistribution[]> {
  const rows = await tx.query<{ unit_id: number; unit_name: string; org_rating: OrgRating | null; assessment_id: number; employee_id: number; predicate: Predicate; reviewer_id: number | null; supervisor_id: number | null }>(
    `select e.unit_id, u.name as unit_name, org_rating_of(u.id, a.cycle_id) as org_rating, a.id as assessment_id, e.id as employee_id, a.predicate, e.supervisor_id,
            (select r.reviewer_id from review r where r.assessment_id = a.id and r.outcome = 'rated' order by r.round desc limit 1) as reviewer_id
       from assessment a join employee e on e.id = a.employee_id join unit u on u.id = e.unit_id
      where a.cycle_id = $1 and a.predicate is not null ${unitIds ? 'and e.unit_id = any($2::int[])' : ''}
      order by e.unit_id, a.id`,
    unitIds ? [cycleId, pgArray([...unitIds])] : [cycleId],
  );
  const out = new Map<number, UnitDistribution>();
  for (const r of rows) {
    let unit = out.get(r.unit_id);
    if (!unit) {
      unit = { unitId: r.unit_id, unitName: r.unit_name, orgRating: r.org_rating, members: [] };
      out.set(r.unit_id, unit);
    }
    unit.members.push({ assessmentId: r.assessment_id, employeeId: r.employee_id, predicate: r.predicate, reviewerId: r.reviewer_id, supervisorId: r.supervisor_id });
  }
  return [...out.values()];
}
