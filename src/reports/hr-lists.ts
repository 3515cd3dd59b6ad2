/**
 * The short lists HR reads on the web page next to the counts: who is in coaching, who earned an award, open
 * objections. Each is bounded (`limit`) with its full count, because a province has tens of thousands of
 * people and the export files carry everyone.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { reportQuery } from './cursor.js';
import type { ExportCycle } from './scope.js';

/** Cycles newest first, for the page's cycle choice. */
export async function listCycles(em: EntityManager): Promise<ExportCycle[]> {
  const rows = await reportQuery<{ id: number; name: string; status: string; self_deadline: string; review_deadline: string }>(
    em,
    `select id, name, status, self_deadline::text as self_deadline, review_deadline::text as review_deadline
       from cycle where status <> 'draft' order by period_end desc, id desc limit 50`,
  );
  return rows.map((c) => ({ id: c.id, name: c.name, status: c.status, selfDeadline: c.self_deadline, reviewDeadline: c.review_deadline }));
}

/** A bounded list with how many there are in all. */
export interface Bounded<T> {
  rows: T[];
  total: number;
}

export interface FollowUpRow {
  nip: string;
  name: string;
  unitCode: string;
  supervisor: string | null;
  predicate: string | null;
  plan: string | null;
  checkIns: number;
  rated: number;
}

/** Coaching (`coaching`) or award (`award`) follow-ups of a cycle, by unit and name. */
export async function followUps(em: EntityManager, cycleId: number, kind: 'coaching' | 'award', limit = 100): Promise<Bounded<FollowUpRow>> {
  const rows = await reportQuery<{ nip: string; name: string; unit_code: string; supervisor: string | null; predicate: string | null; plan: string | null; check_ins: number; rated: number }>(
    em,
    `select e.nip, e.name, u.code as unit_code, s.name as supervisor, a.predicate, f.plan,
            (select count(*)::int from check_in k where k.follow_up_id = f.id) as check_ins,
            (select count(*)::int from check_in k where k.follow_up_id = f.id and k.employee_rating is not null) as rated
       from follow_up f join assessment a on a.id = f.assessment_id join employee e on e.id = a.employee_id
       join unit u on u.id = e.unit_id left join employee s on s.id = e.supervisor_id
      where a.cycle_id = ? and f.kind = ? order by u.code, e.name limit ?`,
    [cycleId, kind, limit],
  );
  // Counted apart: the check-in look-ups above run only for the rows shown.
  const [count] = await reportQuery<{ n: number }>(
    em,
    `select count(*)::int as n from follow_up f join assessment a on a.id = f.assessment_id where a.cycle_id = ? and f.kind = ?`,
    [cycleId, kind],
  );
  return {
    total: count?.n ?? 0,
    rows: rows.map((r) => ({ nip: r.nip, name: r.name, unitCode: r.unit_code, supervisor: r.supervisor, predicate: r.predicate, plan: r.plan, checkIns: r.check_ins, rated: r.rated })),
  };
}

export interface ObjectionRow {
  nip: string;
  name: string;
  unitCode: string;
  predicate: string | null;
  reason: string;
  createdAt: Date;
}

/** Objections of a cycle not decided yet, oldest first (the ones waiting longest). */
export async function openObjections(em: EntityManager, cycleId: number, limit = 100): Promise<Bounded<ObjectionRow>> {
  const rows = await reportQuery<{ nip: string; name: string; unit_code: string; predicate: string | null; reason: string; created_at: string | Date; total: number }>(
    em,
    `select e.nip, e.name, u.code as unit_code, a.predicate, o.reason, o.created_at, count(*) over ()::int as total
       from objection o join assessment a on a.id = o.assessment_id join employee e on e.id = a.employee_id join unit u on u.id = e.unit_id
      where a.cycle_id = ? and o.decided_at is null order by o.created_at, o.id limit ?`,
    [cycleId, limit],
  );
  return { total: rows[0]?.total ?? 0, rows: rows.map((r) => ({ nip: r.nip, name: r.name, unitCode: r.unit_code, predicate: r.predicate, reason: r.reason, createdAt: new Date(r.created_at) })) };
}
