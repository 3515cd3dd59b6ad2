/**
 * The one query both exports read: one row per assessment of the cycle (one per employee taking part), with
 * everything hanging off it gathered per row, sorted by unit and name. Rows are read through a cursor.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { forEachPage, instant, reportQuery, type SqlParam } from './cursor.js';
import { gatheredCountsSql } from '../db/gathered.js';
import type { ExportScope } from './scope.js';

/** `[realisasi, supervisor rating, narrative]` of one answered item. */
export type AnswerCells = [string | number | null, string | null, string | null];

/** One employee's assessment as the exports see it. */
export interface AssessmentRow {
  id: number;
  status: string;
  round: number;
  nip: string;
  name: string;
  position: string;
  unit_id: number;
  unit_code: string;
  unit_name: string;
  org_rating: string | null;
  supervisor_nip: string | null;
  supervisor_name: string | null;
  acting_kind: string | null;
  acting_nip: string | null;
  acting_name: string | null;
  submitted_at: Date | null;
  reviewed_at: Date | null;
  self_late: boolean;
  review_late: boolean;
  self_deadline_passed: boolean;
  answered: number;
  /** Item key (`ind:<id>` or `tgt:<id>`) -> answer; null when nothing is answered. */
  answers: Record<string, AnswerCells> | null;
  /** The employee's own targets (RHK/IKI): `[id, rhk, iki, target, unit of measure]`, in position order. */
  targets: [number, string, string, string | number, string][] | null;
  hasil_kerja: string | null;
  perilaku: string | null;
  predicate: string | null;
  reviewer_nip: string | null;
  reviewer_name: string | null;
  reviewer_acting_kind: string | null;
  feedback: string | null;
  perilaku_note: string | null;
  return_note: string | null;
  follow_up_kind: string | null;
  coaching_plan: string | null;
  /** `[due date, employee rating 1-5 or null]` per check-in, by date. */
  check_ins: [string, number | null, number | null][] | null;
  objection_reason: string | null;
  objection_status: string | null;
  objection_decision: string | null;
  /** The predikat objected to (the one announced); null for an objection filed before this was recorded. */
  objection_original_predicate: string | null;
  objection_new_predicate: string | null;
  objection_decision_reason: string | null;
  objection_decided_at: Date | null;
  /** Supervisor feedback and (not hidden) recognitions the person gathered in the cycle (db/gathered.ts). */
  feedback_count: number;
  recognition_count: number;
}

/** A cycle indicator that carries a target (a work result; behaviour values are rated as a whole). */
export interface ResultIndicator {
  id: number;
  code: string;
  nameId: string;
  nameEn: string;
  target: number | null;
  unitOfMeasure: string | null;
}

/** The cycle's hasil kerja indicators in position order. */
export async function resultIndicators(em: EntityManager, cycleId: number): Promise<ResultIndicator[]> {
  const rows = await reportQuery<{ id: number; code: string; name_id: string; name_en: string; target: string | null; unit_of_measure: string | null }>(
    em,
    `select id, code, name_id, name_en, target, unit_of_measure from indicator where cycle_id = ? and kind = 'hasil_kerja' order by position, id`,
    [cycleId],
  );
  return rows.map((r) => ({ id: r.id, code: r.code, nameId: r.name_id, nameEn: r.name_en, target: r.target === null ? null : Number(r.target), unitOfMeasure: r.unit_of_measure }));
}

/** The largest number of own targets any employee in scope has: the number of RHK column groups. */
export async function maxTargetsPerEmployee(em: EntityManager, scope: ExportScope): Promise<number> {
  const [r] = await reportQuery<{ n: number | null }>(
    em,
    `select max(n)::int as n from (select count(*) as n from employee_target t join employee e on e.id = t.employee_id
      where t.cycle_id = ? ${scope.unitIds ? 'and e.unit_id = any(?::int[])' : ''} group by t.employee_id) x`,
    scope.unitIds ? [scope.cycle.id, `{${scope.unitIds.join(',')}}`] : [scope.cycle.id],
  );
  return r?.n ?? 0;
}

/** The statement and its parameters (exported for EXPLAIN in benchmarks). */
export function assessmentRowsQuery(scope: ExportScope, opts: { now: Date }): { sql: string; params: SqlParam[] } {
  const unitFilter = scope.unitIds ? 'and e.unit_id = any(?::int[])' : '';
  // In the order the placeholders appear in the text below.
  const params: SqlParam[] = [scope.cycle.id, ...(scope.unitIds ? [`{${scope.unitIds.join(',')}}`] : []), scope.cycle.id, scope.cycle.id, scope.cycle.id, opts.now, opts.now, opts.now];
  // Everything hanging off an assessment is gathered set-based per table (hash joins over the cycle), not
  // looked up row by row: at 100,000 people that is the difference between seconds and minutes.
  const sql = `
    with sa as materialized (
      select a.id, a.employee_id from assessment a join employee e on e.id = a.employee_id where a.cycle_id = ? ${unitFilter}),
    ans as (
      select x.assessment_id, count(*) as answered, json_object_agg(x.item_key, json_build_array(x.realisasi, x.supervisor_rating, x.narrative)) as items
        from answer x join sa on sa.id = x.assessment_id group by x.assessment_id),
    tg as (
      select t.employee_id, json_agg(json_build_array(t.id, t.rhk, t.iki, t.target, t.unit_of_measure) order by t.position, t.id) as items
        from employee_target t join sa on sa.employee_id = t.employee_id where t.cycle_id = ? group by t.employee_id),
    rv as (
      select distinct on (r.assessment_id) r.assessment_id, re.nip as reviewer_nip, re.name as reviewer_name, r.acting_kind, r.feedback, r.perilaku_note
        from review r join sa on sa.id = r.assessment_id join employee re on re.id = r.reviewer_id
       where r.outcome = 'rated' order by r.assessment_id, r.round desc),
    rr as (
      select distinct on (r.assessment_id) r.assessment_id, r.return_note
        from review r join sa on sa.id = r.assessment_id where r.outcome = 'returned' order by r.assessment_id, r.round desc),
    ck as (
      select k.follow_up_id, json_agg(json_build_array(k.due_on, k.employee_rating, k.employee_rating_next) order by k.due_on, k.id) as items
        from check_in k join follow_up f on f.id = k.follow_up_id join sa on sa.id = f.assessment_id group by k.follow_up_id),
    ob as (
      select distinct on (o.assessment_id) o.assessment_id, o.reason, o.status, o.decision, o.original_predicate, o.new_predicate, o.decision_reason, o.decided_at
        from objection o join sa on sa.id = o.assessment_id order by o.assessment_id, o.id desc),
    gc as (${gatheredCountsSql('?::int')})
    select a.id, a.status, a.round, e.nip, e.name, e.position, u.id as unit_id, u.code as unit_code, u.name as unit_name, org_rating_of(u.id, a.cycle_id) as org_rating,
           s.nip as supervisor_nip, s.name as supervisor_name, act.kind as acting_kind, act.nip as acting_nip, act.name as acting_name,
           a.submitted_at, a.reviewed_at,
           -- Late is the SQL twin of domain isLate (migration "rules"): a deadline is a date in the employee's zone.
           (a.late or (a.submitted_at is not null and is_late(a.submitted_at, c.self_deadline, e.timezone))) as self_late,
           (a.submitted_at is not null and is_late(coalesce(a.reviewed_at, ?), c.review_deadline, e.timezone)) as review_late,
           is_late(?, c.self_deadline, e.timezone) as self_deadline_passed,
           coalesce(ans.answered, 0)::int as answered, ans.items as answers, tg.items as targets,
           a.hasil_kerja, a.perilaku, a.predicate,
           rv.reviewer_nip, rv.reviewer_name, rv.acting_kind as reviewer_acting_kind, rv.feedback, rv.perilaku_note, rr.return_note,
           f.kind as follow_up_kind, f.plan as coaching_plan, ck.items as check_ins,
           ob.reason as objection_reason, ob.status as objection_status, ob.decision as objection_decision,
           ob.original_predicate as objection_original_predicate, ob.new_predicate as objection_new_predicate, ob.decision_reason as objection_decision_reason, ob.decided_at as objection_decided_at,
           coalesce(gc.feedback, 0) as feedback_count, coalesce(gc.recognitions, 0) as recognition_count
      from sa
      join assessment a on a.id = sa.id
      join cycle c on c.id = a.cycle_id
      join employee e on e.id = a.employee_id
      join unit u on u.id = e.unit_id
      left join employee s on s.id = e.supervisor_id
      -- The acting rater by rater_of (the one definition of who rates; domain actingRaterFor is its twin),
      -- read now, or at the review deadline's last moment once that has passed.
      left join lateral (
        select ro.acting_kind as kind, ae.nip, ae.name
          from rater_of(e.id, least(?::timestamptz, ((c.review_deadline + 1)::timestamp at time zone e.timezone) - interval '1 microsecond')) ro
          join employee ae on ae.id = ro.rater_id
         where ro.acting_kind is not null) act on true
      left join ans on ans.assessment_id = a.id
      left join tg on tg.employee_id = a.employee_id
      left join rv on rv.assessment_id = a.id
      left join rr on rr.assessment_id = a.id
      left join follow_up f on f.assessment_id = a.id
      left join ck on ck.follow_up_id = f.id
      left join ob on ob.assessment_id = a.id
      left join gc on gc.employee_id = a.employee_id
     order by u.code, e.name, e.nip, a.id`;
  return { sql, params };
}

/**
 * Streams the assessments in scope, page by page. `now` decides what is late already and which PLT/PLH
 * counts as the acting rater (read at the review deadline once that has passed).
 */
export async function forEachAssessmentPage(
  em: EntityManager,
  scope: ExportScope,
  opts: { now: Date; pageSize?: number },
  onPage: (rows: AssessmentRow[]) => Promise<void>,
): Promise<void> {
  const { sql, params } = assessmentRowsQuery(scope, opts);
  await forEachPage<AssessmentRow>(
    em,
    sql,
    params,
    (rows) => {
      for (const r of rows) {
        r.submitted_at = instant(r.submitted_at);
        r.reviewed_at = instant(r.reviewed_at);
        r.objection_decided_at = instant(r.objection_decided_at);
      }
      return onPage(rows);
    },
    opts.pageSize,
  );
}
