/**
 * Reminder rows from the domain reminder plan. A reminder is a row (the database is the source of truth);
 * the sweep (src/jobs/reminder-sweep.ts) turns due rows into outbox messages.
 *
 * Two tracks share the table, told apart by the `kind` prefix:
 * - `self:<plan kind>`: the employee's self-assessment deadline (cycle.self_deadline), planned when the
 *   cycle opens;
 * - `review:<plan kind>`: the rater's review deadline (cycle.review_deadline), planned when the
 *   self-assessment is submitted; the rater is the acting PLT/PLH active that day, else the supervisor.
 * - `objection:<plan kind>`: the decision on an objection (keberatan), planned when it is filed: the
 *   decider is reminded before the decision is due, HR is told the working day after (`objection.ts`).
 * - `fbreq`: a request for feedback (`/mintaumpanbalik`) still unanswered FEEDBACK_REQUEST_DAYS working days
 *   later; one reminder to the rater asked (`feedback_request_id`), planned when the request is made.
 * - `fbnudge`: a supervisor's feedback nudge in an open period (`cycle_id`): when it is due, the sweep lists
 *   the people they have given no feedback for FEEDBACK_NUDGE_DAYS, and plans the next check.
 * `recipient` is always the person who has to act (the employee, or the rater); `audience` is the plan's:
 * `employee` (remind that person), `supervisor` or `hr` (escalations about that person). Escalation targets
 * are resolved when the sweep runs, so a supervisor changed in the meantime gets the digest.
 *
 * The plan is the same for everyone with the same deadline and time zone, so it is computed once per time
 * zone and multiplied out in one INSERT ... SELECT: opening a cycle for 100,000 people is one statement.
 */
import { DateTime } from 'luxon';
import { feedbackRequestReminderDay, planReminders, remindersFrom, type ReminderPlan, type WorkingCalendar, type WorkingHours } from '../domain/index.js';
import { feedbackTargetsSql } from './feedback-targets.js';
import { holidayRowsJsonSql, loadWorkingCalendar, workingCalendarOf, type HolidayRow } from './calendar.js';
import { currentChatJoin } from './identity.js';
import { insertedOutbox, insertOutboxRowsSql, OUTBOX_DRAFT_COLUMNS, outboxDraftJson, pendingOutboxColumnsSql, pendingOutboxRows, type OutboxDraft, type PendingOutboxRow } from './outbox.js';
import { asJson, pgArray, type Tx } from './sql.js';

/** Which deadline a reminder is about. */
export type ReminderTrack = 'self' | 'review' | 'objection';

/** The tracks planned per cycle from its deadlines. */
type CycleTrack = Exclude<ReminderTrack, 'objection'>;

/** The settings reminders are planned and sent with (the configuration's values of the same names). */
export interface ReminderConfig {
  /** Local working hours, `HH:MM-HH:MM`. */
  WORKING_HOURS: string;
  /** Local time of day reminders are planned for, `HH:MM`. */
  REMINDER_SEND_AT: string;
  /** Country of the library's national holidays. */
  HOLIDAY_COUNTRY: string;
  /** Working days an unanswered request for feedback waits before its one reminder; default 5. */
  FEEDBACK_REQUEST_DAYS?: number;
  /** Days without feedback from a supervisor to one of their people before the supervisor is nudged; default 30. */
  FEEDBACK_NUDGE_DAYS?: number;
}

/** FEEDBACK_REQUEST_DAYS when the caller passes none (config.ts has the same default). */
export const DEFAULT_FEEDBACK_REQUEST_DAYS = 5;
/** FEEDBACK_NUDGE_DAYS when the caller passes none (config.ts has the same default). */
export const DEFAULT_FEEDBACK_NUDGE_DAYS = 30;

/** What scheduling needs besides the database. */
export interface ReminderContext {
  clock: { now(): Date };
  config: ReminderConfig;
}

/** `08:00-16:00` -> { start: '08:00', end: '16:00' }. */
export function workingHoursOf(config: Pick<ReminderConfig, 'WORKING_HOURS'>): WorkingHours {
  const [start, end] = config.WORKING_HOURS.split('-');
  return { start, end };
}

interface CycleDeadlines {
  id: number;
  status: string;
  self_deadline: string;
  review_deadline: string;
}

async function cycleDeadlines(tx: Tx, cycleId: number): Promise<CycleDeadlines> {
  const rows = await tx.query<CycleDeadlines>(
    `select id, status, to_char(self_deadline, 'YYYY-MM-DD') as self_deadline, to_char(review_deadline, 'YYYY-MM-DD') as review_deadline from cycle where id = $1`,
    [cycleId],
  );
  if (!rows[0]) throw new Error(`Cycle ${cycleId} does not exist; check the id with \`kinerja cycle list\`.`);
  return rows[0];
}

/** One planned reminder of a time zone, as `jsonb_to_recordset` reads it. */
interface PlanRow {
  tz: string;
  kind: string;
  audience: string;
  due_at: string;
  local_date: string;
}

/** The years whose holidays a plan for `deadline` may touch: a plan reaches about a month around it, so one year either side. */
function planYears(deadline: string): [number, number] {
  const year = Number(deadline.slice(0, 4));
  return [year - 1, year + 1];
}

/** The plan for `deadline` in each of `timezones`, flattened into rows for jsonb_to_recordset. */
async function planRows(tx: Tx, deadline: string, timezones: string[], ctx: ReminderContext, track: CycleTrack): Promise<PlanRow[]> {
  const [from, to] = planYears(deadline);
  return planRowsOn(await loadWorkingCalendar(tx, ctx.config.HOLIDAY_COUNTRY, from, to), deadline, timezones, ctx, track);
}

/**
 * Plans made, per calendar (workingCalendarOf keeps those while HR's days are unchanged), by deadline, zone
 * and settings: every submission of a cycle plans the same review reminders for its rater's zone, and making
 * a plan (Luxon zone arithmetic for each reminder) cost more Node time than the rest of the submit.
 */
const plans = new WeakMap<WorkingCalendar, Map<string, ReminderPlan>>();
const PLANS_PER_CALENDAR = 256;

function planOf(calendar: WorkingCalendar, deadline: string, tz: string, ctx: ReminderContext): ReminderPlan {
  const key = `${deadline}|${tz}|${ctx.config.WORKING_HOURS}|${ctx.config.REMINDER_SEND_AT}`;
  let kept = plans.get(calendar);
  if (!kept) plans.set(calendar, (kept = new Map()));
  let plan = kept.get(key);
  if (!plan) {
    plan = planReminders({ deadline, timezone: tz, calendar, workingHours: workingHoursOf(ctx.config), sendAt: ctx.config.REMINDER_SEND_AT });
    if (kept.size >= PLANS_PER_CALENDAR) kept.delete(kept.keys().next().value as string);
    kept.set(key, plan);
  }
  return plan;
}

function planRowsOn(calendar: WorkingCalendar, deadline: string, timezones: readonly string[], ctx: ReminderContext, track: CycleTrack): PlanRow[] {
  const now = DateTime.fromJSDate(ctx.clock.now());
  const rows: PlanRow[] = [];
  for (const tz of timezones) {
    for (const r of remindersFrom(planOf(calendar, deadline, tz, ctx), now)) {
      rows.push({ tz, kind: `${track}:${r.kind}`, audience: r.audience, due_at: r.sendAt, local_date: r.localDate });
    }
  }
  return rows;
}

/**
 * What planning a submission's review reminders needs from the database, read with the submit itself (the
 * engine's read, load.ts) so the submit writes without asking again: the review deadline and HR's holidays.
 */
export interface ReviewPlanning {
  /** The assessment that may be submitted. */
  assessmentId: number;
  /** Who its review reminders go to, as `scheduleReviewReminders` would choose at the same instant (SQL `rater_of`); null: nobody. */
  rater: { id: number; timezone: string } | null;
  /** The cycle's review deadline, `YYYY-MM-DD`. */
  reviewDeadline: string;
  /** HR's holiday rows of the years around it (`reviewPlanningHolidaysSql`). */
  holidays: HolidayRow[];
}

/** SQL for `ReviewPlanning.holidays` given the SQL date expression of the review deadline (the years `planYears` names). */
export function reviewPlanningHolidaysSql(deadline: string): string {
  const year = `extract(year from ${deadline})::int`;
  return holidayRowsJsonSql(`make_date(${year} - 1, 1, 1)`, `make_date(${year} + 1, 12, 31)`);
}

/**
 * The review reminders of one submission as one INSERT (a CTE of the submit's statement): the plan for the
 * rater's zone is computed here once and multiplied out by `jsonb_to_recordset`, exactly the rows
 * `scheduleReviewReminders` would plan for the same rater and instant. `assessment`, `rater` and `plan` are SQL
 * expressions (parameters); `plan` is the JSON of `reviewReminderPlan`. A kind already pending or sent for the
 * assessment is not planned again.
 */
export function insertReviewRemindersSql(assessment: string, rater: string, plan: string, createdAt: string): string {
  return `insert into reminder (assessment_id, recipient_id, audience, kind, due_at, local_date, status, created_at)
     select ${assessment}, ${rater}, p.audience, p.kind, p.due_at, p.local_date, 'pending', ${createdAt}
       from jsonb_to_recordset(${plan}) as p(kind text, audience text, due_at timestamptz, local_date date)
      where not exists (select 1 from reminder x where x.assessment_id = ${assessment} and x.kind = p.kind and x.status in ('pending', 'sent'))`;
}

/** The review reminder rows for a rater in `timezone` (reminders already due at `ctx.clock.now()` left out), for `insertReviewRemindersSql`. */
export function reviewReminderPlan(planning: ReviewPlanning, timezone: string, ctx: ReminderContext): Omit<PlanRow, 'tz'>[] {
  const [from, to] = planYears(planning.reviewDeadline);
  const calendar = workingCalendarOf(planning.holidays, ctx.config.HOLIDAY_COUNTRY, from, to);
  return planRowsOn(calendar, planning.reviewDeadline, [timezone], ctx, 'review').map(({ tz: _tz, ...r }) => r);
}

/**
 * Creates the self-assessment reminders of every not-yet-submitted assessment of cycle `cycleId` (call it
 * after the cycle's assessments exist). Idempotent: a kind already pending or sent for an assessment is not
 * planned again. Reminders already due at `clock.now()` are left out. Returns the number of rows created.
 */
export async function scheduleSelfAssessmentReminders(tx: Tx, cycleId: number, ctx: ReminderContext): Promise<number> {
  return planTrack(tx, cycleId, 'self', ctx, ['pending', 'sent']);
}

/**
 * The rater `r` of employee `e` at the planning instant (`$1`): SQL `rater_of`, the one definition the
 * engine's review prompt also uses (domain acting.ts states the rule), so the reminders go to the person
 * who was asked to review.
 */
const RATER_JOIN = `cross join lateral rater_of(e.id, $1::timestamptz) ro
     join employee r on r.id = ro.rater_id`;

async function planTrack(
  tx: Tx,
  cycleId: number,
  track: CycleTrack,
  ctx: ReminderContext,
  skipWhenExisting: string[],
  assessmentId?: number,
): Promise<number> {
  const cycle = await cycleDeadlines(tx, cycleId);
  const deadline = track === 'self' ? cycle.self_deadline : cycle.review_deadline;
  // The person who has to act: the employee `e` on the self track, their rater `r` on the review track.
  const actor = track === 'self' ? 'e' : 'r';
  const statuses = track === 'self' ? `('draft','returned')` : `('submitted')`;
  const joins = track === 'self' ? '' : RATER_JOIN;
  const joinParams = track === 'self' ? [] : [ctx.clock.now()];
  // Parameters by position: the planning instant ($1, review track only), then the cycle and the assessment.
  const n0 = joinParams.length;
  const only = assessmentId === undefined ? '' : `and a.id = $${n0 + 2}`;
  const whereParams = [cycleId, ...(assessmentId === undefined ? [] : [assessmentId])];
  const from = `from assessment a join employee e on e.id = a.employee_id ${joins}`;
  const where = `where a.cycle_id = $${n0 + 1} and a.status in ${statuses} ${only}`;
  const zones = await tx.query<{ tz: string }>(`select distinct ${actor}.timezone as tz ${from} ${where}`, [...joinParams, ...whereParams]);
  if (zones.length === 0) return 0;
  const rows = await planRows(tx, deadline, zones.map((z) => z.tz), ctx, track);
  if (rows.length === 0) return 0;
  const n = n0 + whereParams.length;
  // Opening a cycle plans its track for the first time: nothing to skip, so no anti-join. Without it the plan
  // cannot go wrong either: with an empty, freshly analysed reminder table PostgreSQL chose a nested-loop
  // anti-join that read the statement's own new rows for every row (minutes for 700,000 rows).
  const first = assessmentId === undefined && !(await trackPlanned(tx, cycleId, track));
  const skip = first ? '' : `and not exists (select 1 from reminder x where x.assessment_id = a.id and x.kind = p.kind and x.status = any($${n + 3}::text[]))`;
  return tx.exec(
    `insert into reminder (assessment_id, recipient_id, audience, kind, due_at, local_date, status, created_at)
     select a.id, ${actor}.id, p.audience, p.kind, p.due_at, p.local_date, 'pending', $${n + 1}
       ${from}
       join jsonb_to_recordset($${n + 2}::jsonb) as p(tz text, kind text, audience text, due_at timestamptz, local_date date) on p.tz = ${actor}.timezone
       ${where}
       ${skip}`,
    [...joinParams, ...whereParams, ctx.clock.now(), JSON.stringify(rows), ...(first ? [] : [`{${skipWhenExisting.join(',')}}`])],
  );
}

/** Whether any reminder of `track` was ever planned for an assessment of cycle `cycleId` (whatever its status). */
async function trackPlanned(tx: Tx, cycleId: number, track: CycleTrack): Promise<boolean> {
  const rows = await tx.query<{ planned: boolean }>(
    `select exists (select 1 from assessment a join reminder x on x.assessment_id = a.id where a.cycle_id = $1 and x.kind like $2) as planned`,
    [cycleId, `${track}:%`],
  );
  return rows[0]?.planned === true;
}

/**
 * Plans the rater's review reminders for a just-submitted assessment (review deadline of its cycle) and
 * cancels the employee's pending self-assessment reminders. Call it in the transaction that submits.
 * The rater is the acting PLT/PLH for the employee's supervisor when one is active at `ctx.clock.now()`
 * (the one the review prompt went to), else the supervisor of record.
 * Returns the number of review reminders created (0 when the employee has no supervisor of record).
 */
export async function scheduleReviewReminders(tx: Tx, assessmentId: number, ctx: ReminderContext): Promise<number> {
  const rows = await tx.query<{ cycle_id: number }>('select cycle_id from assessment where id = $1', [assessmentId]);
  if (!rows[0]) throw new Error(`Assessment ${assessmentId} does not exist.`);
  await cancelReminders(tx, assessmentId, 'self');
  return planTrack(tx, rows[0].cycle_id, 'review', ctx, ['pending', 'sent'], assessmentId);
}

/** Cancels the pending reminders of one track of an assessment (submitted: 'self'; reviewed: 'review'). */
export async function cancelReminders(tx: Tx, assessmentId: number, track: ReminderTrack): Promise<number> {
  return tx.exec(cancelRemindersSql('$1', track), [assessmentId]);
}

/** The update of `cancelReminders` for the assessment `assessment` (an SQL expression), e.g. for a CTE. */
export function cancelRemindersSql(assessment: string, track: ReminderTrack): string {
  return `update reminder set status = 'cancelled' where assessment_id = ${assessment} and status = 'pending' and kind like '${track}:%'`;
}

/**
 * An objection's decision took the result out of coaching: the check-ins not held yet and their pending
 * reminders go; the follow-up becomes the award's (Sangat Baik) or goes (Baik, unless a check-in was held).
 * Returns the check-ins removed.
 */
export async function endCoaching(tx: Tx, assessmentId: number, kind: string): Promise<number> {
  await tx.exec(`update reminder set status = 'cancelled' where assessment_id = $1 and status = 'pending' and kind like 'checkin:%'`, [assessmentId]);
  const removed = await tx.exec(
    `delete from check_in where done_at is null and follow_up_id in (select id from follow_up where assessment_id = $1)`,
    [assessmentId],
  );
  if (kind === 'award') await tx.exec(`update follow_up set kind = 'award' where assessment_id = $1`, [assessmentId]);
  // Baik has no follow-up of its own: the coaching record goes unless a check-in was already held.
  else await tx.exec(`delete from follow_up f where f.assessment_id = $1 and not exists (select 1 from check_in c where c.follow_up_id = f.id)`, [assessmentId]);
  return removed;
}

/**
 * Re-plans a cycle after its deadlines changed: pending reminders of both tracks are cancelled and the plan
 * is made again from the new deadlines (reminders already due are left out; a reminder kind already sent
 * for the old deadline is sent again for the new one, because the date it announced changed).
 */
export async function recomputeReminders(tx: Tx, cycleId: number, ctx: ReminderContext): Promise<{ cancelled: number; created: number }> {
  const cancelled = await tx.exec(
    `update reminder set status = 'cancelled' where status = 'pending' and assessment_id in (select id from assessment where cycle_id = $1)
       and (kind like 'self:%' or kind like 'review:%')`,
    [cycleId],
  );
  const created = (await planTrack(tx, cycleId, 'self', ctx, ['pending'])) + (await planTrack(tx, cycleId, 'review', ctx, ['pending']));
  return { cancelled, created };
}

/** Cancels every pending reminder of a cycle's assessments (the cycle closed). */
export async function cancelCycleReminders(tx: Tx, cycleId: number): Promise<number> {
  return tx.exec(`update reminder set status = 'cancelled' where status = 'pending' and assessment_id in (select id from assessment where cycle_id = $1)`, [cycleId]);
}

/** Who is reminded of an objection's decision: the decider (`employee` audience), or HR (`hr`: the objecting employee's unit's HR). */
export interface ObjectionReminderTarget {
  assessmentId: number;
  /** The decider; with audience `hr`, the objecting employee (HR of their unit are told). */
  recipientId: number;
  audience: 'employee' | 'hr';
  /** The recipient's zone. */
  timezone: string;
  /** The objecting employee, whose unit's HR is told once the decision is overdue. */
  ownerId: number;
  /** The date the decision is due, in `timezone`. */
  dueOn: string;
}

/**
 * Plans the reminders of an objection's decision: 7, 3 and 1 working days before `dueOn` and on the day to
 * the decider (or HR when HR decides), then HR the working day after (kind `objection:escalate_hr`). Call
 * it in the transaction that files the objection; deciding cancels them (`cancelReminders(..., 'objection')`).
 */
export async function scheduleObjectionReminders(tx: Tx, target: ObjectionReminderTarget, ctx: ReminderContext): Promise<number> {
  const year = Number(target.dueOn.slice(0, 4));
  const calendar = await loadWorkingCalendar(tx, ctx.config.HOLIDAY_COUNTRY, year - 1, year + 1);
  const plan = planReminders({
    deadline: target.dueOn,
    timezone: target.timezone,
    calendar,
    workingHours: workingHoursOf(ctx.config),
    sendAt: ctx.config.REMINDER_SEND_AT,
    now: DateTime.fromJSDate(ctx.clock.now()),
    overdue: { employeeAfterWorkingDays: [], supervisorAfterWorkingDays: [], hrAfterWorkingDays: [1] },
  });
  const rows = plan.map((r) => {
    const hr = r.audience === 'hr' || target.audience === 'hr';
    return { recipient_id: hr ? target.ownerId : target.recipientId, audience: hr ? 'hr' : 'employee', kind: `objection:${r.kind}`, due_at: r.sendAt, local_date: r.localDate };
  });
  if (rows.length === 0) return 0;
  return tx.exec(
    `insert into reminder (assessment_id, recipient_id, audience, kind, due_at, local_date, status, created_at)
     select $1, p.recipient_id, p.audience, p.kind, p.due_at, p.local_date, 'pending', $2
       from jsonb_to_recordset($3::jsonb) as p(recipient_id int, audience text, kind text, due_at timestamptz, local_date date)`,
    [target.assessmentId, ctx.clock.now(), JSON.stringify(rows)],
  );
}

/** One reminder to insert as it is (coaching check-ins: planned by the announcement, not by the plan). */
export interface ReminderRow {
  assessmentId: number;
  recipientId: number;
  kind: string;
  /** ISO instant. */
  dueAt: string;
  /** The recipient's calendar date it is due on. */
  localDate: string;
}

/** Inserts employee-audience reminders as given. */
export async function insertReminders(tx: Tx, rows: readonly ReminderRow[], now: Date): Promise<void> {
  for (const r of rows) {
    await tx.exec(
      `insert into reminder (assessment_id, recipient_id, audience, kind, due_at, local_date, status, created_at) values ($1, $2, 'employee', $3, $4, $5, 'pending', $6)`,
      [r.assessmentId, r.recipientId, r.kind, r.dueAt, r.localDate, now],
    );
  }
}

/** A due reminder as the sweep reads it, with its assessment, cycle and recipient. */
export interface DueReminder {
  id: string;
  assessment_id: number | null;
  recipient_id: number;
  audience: string;
  kind: string;
  a_status: string | null;
  cycle_id: number | null;
  cycle_name: string | null;
  cycle_status: string | null;
  self_deadline: string | null;
  review_deadline: string | null;
  name: string;
  nip: string;
  locale: string;
  timezone: string;
  unit_id: number;
  supervisor_id: number | null;
  /** The assessment's employee (for check-ins: the coached person); for `fbreq`: who asked for feedback. */
  subject_id: number | null;
  /** `fbreq`: the request, whether it is still unanswered, its topic and the asker's date of it (recipient's zone). */
  feedback_request_id: number | null;
  request_open: boolean | null;
  request_topic: string | null;
  request_on: string | null;
  /** Whether the recipient is active, and their current chat (`currentChatJoin`): the message goes there. */
  active: boolean;
  platform: string | null;
  chat_id: string | null;
  /** `self:` rows: the assessment's progress (`progressColumnsSql`); null for other kinds. */
  done: string | null;
  total: string | null;
}

/**
 * "3 of 5 indicators done" for assessment `a`: answers with both a realisasi and a narrative (`done`), out of
 * the cycle's indicators plus the employee's own targets (RHK/IKI) (`total`). Two select-list columns.
 */
export function progressColumnsSql(a: string, when = 'true'): string {
  return `case when ${when} then (select count(*) from answer x where x.assessment_id = ${a}.id and x.realisasi is not null and coalesce(x.narrative, '') <> '') end as done,
        case when ${when} then (select count(*) from indicator i where i.cycle_id = ${a}.cycle_id)
          + (select count(*) from employee_target t where t.cycle_id = ${a}.cycle_id and t.employee_id = ${a}.employee_id) end as total`;
}

// The recipient's chat and a self reminder's progress come with the row, so composing a batch of deadline
// reminders needs no further read per person.
const DUE_COLUMNS = `r.id, r.assessment_id, r.recipient_id, r.audience, r.kind, a.status as a_status, c.id as cycle_id, c.name as cycle_name,
  c.status as cycle_status, to_char(c.self_deadline, 'YYYY-MM-DD') as self_deadline, to_char(c.review_deadline, 'YYYY-MM-DD') as review_deadline,
  e.name, e.nip, e.locale, e.timezone, e.unit_id, e.supervisor_id, coalesce(a.employee_id, fr.employee_id) as subject_id,
  r.feedback_request_id, fr.answered_at is null as request_open, fr.topic as request_topic,
  to_char(fr.created_at at time zone e.timezone, 'YYYY-MM-DD') as request_on, e.active, ci.platform, ci.chat_id,
  ${progressColumnsSql('a', `r.kind like 'self:%' and a.id is not null`)}`;
const DUE_JOINS = `join employee e on e.id = r.recipient_id left join assessment a on a.id = r.assessment_id
  left join cycle c on c.id = coalesce(a.cycle_id, r.cycle_id) left join feedback_request fr on fr.id = r.feedback_request_id
  ${currentChatJoin('e.id')}`;

/** Pending and due at `$1`, for a reminder row `x`. */
const DUE_NOW = `x.status = 'pending' and x.due_at <= $1`;

/**
 * Claims up to `limit` pending reminders due at `now`, oldest first, locking them (`FOR UPDATE SKIP LOCKED`)
 * until the caller's transaction ends, so concurrent sweepers never take the same row. In the same statement
 * it claims what the messages of those rows must also hold (see `claimDueEscalations`): the other due rows of
 * the reminded people (`audience = 'employee'`), so their one message of the day holds all of them, and the
 * other due escalations of the same supervisors (`audience = 'supervisor'`), so a digest lists all their late
 * people. HR escalations reach across units (`hrOfficers`): the caller claims those with `claimDueEscalations`.
 */
export async function claimDueReminders(tx: Tx, now: Date, limit: number): Promise<DueReminder[]> {
  // `= any(array(...))`: the related rows are found by their own indexes (recipient, supervisor) and then
  // locked through the primary key; as an `in (...)` semi-join PostgreSQL read every due row in every batch.
  // The batch's own rows are left out before locking: each reminded person's first row is among them, and
  // fetching each again through the primary key only to drop it was half of this step, a tenth of a claim.
  return tx.query<DueReminder>(
    `with first as (
       select id, recipient_id, audience from reminder x where ${DUE_NOW} order by due_at, id limit $2 for update skip locked
     ), related as (
       select r2.id from reminder r2
        where r2.id = any(array(
                select x.id from reminder x
                 where x.recipient_id in (select recipient_id from first where audience = 'employee') and x.audience = 'employee' and ${DUE_NOW}
                   and x.id not in (select id from first)
                union all
                select x.id from employee e2 join reminder x on x.recipient_id = e2.id
                 where e2.supervisor_id in (select s.supervisor_id from first f join employee s on s.id = f.recipient_id where f.audience = 'supervisor')
                   and x.audience = 'supervisor' and ${DUE_NOW} and x.id not in (select id from first)))
          and r2.status = 'pending' and r2.due_at <= $1
        for update of r2 skip locked
     )
     select ${DUE_COLUMNS} from reminder r ${DUE_JOINS}
      where r.id in (select id from first union all select id from related)
      order by r.id`,
    [now, limit],
  );
}

/**
 * Claims the other due escalations of the same supervisors (`audience = 'supervisor'`) and of the units
 * `unitIds` and every unit below them (`audience = 'hr'`: pass the units of the HR officers concerned, so an
 * officer's one message covers all the units they look after) outside `have`, and the
 * other due rows of the reminded people (`recipientIds`), so their one message of the day holds all of them.
 *
 * One branch per kind of target, each on its own index (recipient, supervisor, unit), and only the branches
 * with targets: a single `or` of the three made PostgreSQL read every due row in every batch of a sweep. The
 * sweep claims the first two kinds with its batch (`claimDueReminders`) and only HR's here.
 */
export async function claimDueEscalations(tx: Tx, now: Date, have: readonly string[], supervisorIds: readonly number[], unitIds: readonly number[], recipientIds: readonly number[] = []): Promise<DueReminder[]> {
  const params: unknown[] = [now, pgArray(have)];
  const param = (value: unknown) => `$${params.push(value)}`;
  const due = `x.status = 'pending' and x.due_at <= $1`;
  const branches: string[] = [];
  let units = '';
  if (recipientIds.length > 0) branches.push(`select x.id from reminder x where x.recipient_id = any(${param(pgArray(recipientIds))}::int[]) and x.audience = 'employee' and ${due}`);
  if (supervisorIds.length > 0) {
    branches.push(`select x.id from employee e2 join reminder x on x.recipient_id = e2.id where e2.supervisor_id = any(${param(pgArray(supervisorIds))}::int[]) and x.audience = 'supervisor' and ${due}`);
  }
  if (unitIds.length > 0) {
    units = `with recursive down as (select id from unit where id = any(${param(pgArray(unitIds))}::int[]) union select u.id from unit u join down d on u.parent_id = d.id)`;
    branches.push(`select x.id from employee e2 join reminder x on x.recipient_id = e2.id where e2.unit_id in (select id from down) and x.audience = 'hr' and ${due}`);
  }
  if (branches.length === 0) return [];
  return tx.query<DueReminder>(
    `${units}
     select ${DUE_COLUMNS} from reminder r ${DUE_JOINS}
      where r.id in (select r2.id from reminder r2
        where r2.id = any(array(${branches.join(' union all ')})) and r2.status = 'pending' and r2.due_at <= $1 and not (r2.id = any($2::bigint[]))
        for update of r2 skip locked)
      order by r.id`,
    params,
  );
}

/** Records what the sweep did with claimed rows: sent (at `now`) or skipped. */
export async function settleReminders(tx: Tx, updates: readonly { id: string; status: 'sent' | 'skipped' }[], now: Date): Promise<void> {
  if (updates.length === 0) return;
  await tx.exec(settleRemindersSql('$2', '$1'), [now, asJson(updates)]);
}

/** The update of `settleReminders` (`updates` and `now`: SQL expressions of its parameters). */
function settleRemindersSql(updates: string, now: string): string {
  return `update reminder r set status = u.status, sent_at = case when u.status = 'sent' then ${now}::timestamptz else null end
       from jsonb_to_recordset(${updates}::jsonb) as u(id bigint, status text) where r.id = u.id`;
}

/** An outbox message of the sweep with the reminder rows it speaks for. */
export interface ReminderMessage extends OutboxDraft {
  reminderIds: readonly string[];
}

/**
 * The sweep's write of one batch, one statement: inserts `messages` into the outbox (a key already there, the
 * person's message of the day, writes nothing), marks the rows of each message written sent (at `now`),
 * settles the rows already `decided` (skipped) and moves the `postponed` ones. Returns the messages written,
 * in id order, each with what the delivery queues need (`pending`); the caller decides about the rows of
 * those not written.
 */
export async function sendReminderMessages(
  tx: Tx,
  messages: readonly ReminderMessage[],
  decided: readonly { id: string; status: 'sent' | 'skipped' }[],
  postponed: readonly { id: string; due_at: string; local_date: string }[],
  now: Date,
): Promise<{ id: number; key: string; pending: PendingOutboxRow }[]> {
  if (messages.length === 0) {
    await settleReminders(tx, decided, now);
    await postponeReminders(tx, postponed);
    return [];
  }
  const rows = await tx.query<{ id: string; dedupe_key: string; platform: string; ahead: number; database_id: string }>(
    `with m as materialized (
       select * from jsonb_to_recordset($1::jsonb) as m(${OUTBOX_DRAFT_COLUMNS}, reminder_ids bigint[])
     ), ins as (
       ${insertOutboxRowsSql('m', '$2::timestamptz', { returning: 'id, dedupe_key, platform, chat_id' })}
     ), sent as (
       update reminder r set status = 'sent', sent_at = $2 where r.id in (select unnest(m.reminder_ids) from m join ins on ins.dedupe_key = m.dedupe_key)
     ), decided as (
       ${settleRemindersSql('$3', '$2')}
     ), moved as (
       ${postponeRemindersSql('$4')}
     )
     select ins.id, ins.dedupe_key, ${pendingOutboxColumnsSql('ins')} from ins`,
    [asJson(messages.map((m) => ({ ...outboxDraftJson(m), reminder_ids: m.reminderIds }))), now, asJson(decided), asJson(postponed)],
  );
  // What the delivery queues need comes with the write, so enqueueing the batch reads nothing again.
  const pending = new Map(pendingOutboxRows(rows).map((p) => [p.id, p]));
  return insertedOutbox(rows).map((i) => ({ ...i, pending: pending.get(i.id)! }));
}

/** Moves claimed rows to a later slot (they became due outside working hours). */
export async function postponeReminders(tx: Tx, rows: readonly { id: string; due_at: string; local_date: string }[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.exec(postponeRemindersSql('$1'), [asJson(rows)]);
}

/** The update of `postponeReminders` (`rows`: the SQL expression of its parameter). */
function postponeRemindersSql(rows: string): string {
  return `update reminder r set due_at = u.due_at, local_date = u.local_date
       from jsonb_to_recordset(${rows}::jsonb) as u(id bigint, due_at timestamptz, local_date date) where r.id = u.id`;
}

/** Per rater: how many submitted assessments they have review reminders for (the count in a review reminder). */
export async function reviewsWaiting(tx: Tx, raterIds: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (raterIds.length === 0) return out;
  const rows = await tx.query<{ recipient_id: number; n: string }>(
    `select r.recipient_id, count(distinct r.assessment_id) as n from reminder r join assessment a on a.id = r.assessment_id
      where r.recipient_id = any($1::int[]) and r.kind like 'review:%' and a.status = 'submitted' group by r.recipient_id`,
    [pgArray(raterIds)],
  );
  for (const row of rows) out.set(row.recipient_id, Number(row.n));
  return out;
}

/** `HH:MM` on `date` in `timezone`, as an ISO instant. */
function sendInstant(date: string, timezone: string, config: ReminderConfig): string {
  return DateTime.fromISO(`${date}T${config.REMINDER_SEND_AT}`, { zone: timezone }).toUTC().toISO() as string;
}

/**
 * Plans the one reminder of request `requestId` (`/mintaumpanbalik`): to the rater asked, FEEDBACK_REQUEST_DAYS
 * working days after the request (in the rater's zone), at REMINDER_SEND_AT. Call it in the transaction that
 * stores the request; the sweep skips it once the request is answered.
 */
export async function scheduleFeedbackRequestReminder(tx: Tx, requestId: number, ctx: ReminderContext): Promise<void> {
  const [q] = await tx.query<{ rater_id: number; tz: string; asked_on: string }>(
    `select q.rater_id, e.timezone as tz, to_char(q.created_at at time zone e.timezone, 'YYYY-MM-DD') as asked_on
       from feedback_request q join employee e on e.id = q.rater_id where q.id = $1`,
    [requestId],
  );
  if (!q) throw new Error(`Feedback request ${requestId} does not exist.`);
  const year = Number(q.asked_on.slice(0, 4));
  const calendar = await loadWorkingCalendar(tx, ctx.config.HOLIDAY_COUNTRY, year - 1, year + 1);
  const day = feedbackRequestReminderDay(q.asked_on, ctx.config.FEEDBACK_REQUEST_DAYS ?? DEFAULT_FEEDBACK_REQUEST_DAYS, calendar);
  await tx.exec(
    `insert into reminder (feedback_request_id, recipient_id, audience, kind, due_at, local_date, status, created_at)
     values ($1, $2, 'employee', 'fbreq', $3, $4, 'pending', $5)`,
    [requestId, q.rater_id, sendInstant(day, q.tz, ctx.config), day, ctx.clock.now()],
  );
}

/** Cancels the pending reminders of `employeeId`'s requests for feedback (feedback was given: they are answered). */
export async function cancelFeedbackRequestReminders(tx: Tx, employeeId: number): Promise<number> {
  return tx.exec(
    `update reminder set status = 'cancelled' where status = 'pending' and kind = 'fbreq'
        and feedback_request_id in (select id from feedback_request where employee_id = $1)`,
    [employeeId],
  );
}

/**
 * Plans the first feedback nudge check of open cycle `cycleId` for everyone who may give supervisor feedback
 * to someone now (supervisors of record and acting PLT/PLH): FEEDBACK_NUDGE_DAYS after the period starts (not
 * before now), at REMINDER_SEND_AT in their zone. Each check plans the next (`planNextNudge`). Idempotent:
 * nobody gets a second pending check for the cycle. Returns the rows created.
 */
export async function scheduleFeedbackNudges(tx: Tx, cycleId: number, ctx: ReminderContext): Promise<number> {
  const days = ctx.config.FEEDBACK_NUDGE_DAYS ?? DEFAULT_FEEDBACK_NUDGE_DAYS;
  const now = ctx.clock.now();
  const raters = await tx.query<{ id: number; tz: string; first_on: string }>(
    `select r.id, r.timezone as tz,
            to_char(greatest(c.period_start + $3::int, (($2::timestamptz) at time zone r.timezone)::date), 'YYYY-MM-DD') as first_on
       from cycle c, employee r
      where c.id = $1 and c.status = 'open' and r.active
        and r.id in (select e.supervisor_id from employee e where e.active and e.supervisor_id is not null
                     union select aa.acting_employee_id from acting_assignment aa)
        and exists (${feedbackTargetsSql('r.id', '$2::timestamptz')})
        and not exists (select 1 from reminder x where x.recipient_id = r.id and x.cycle_id = c.id and x.kind = 'fbnudge' and x.status = 'pending')`,
    [cycleId, now, days],
  );
  if (raters.length === 0) return 0;
  const rows = raters.map((r) => ({ recipient_id: r.id, due_at: sendInstant(r.first_on, r.tz, ctx.config), local_date: r.first_on }));
  return planNudgeRows(tx, cycleId, rows, now);
}

async function planNudgeRows(tx: Tx, cycleId: number, rows: readonly { recipient_id: number; due_at: string; local_date: string }[], now: Date): Promise<number> {
  if (rows.length === 0) return 0;
  return tx.exec(
    `insert into reminder (cycle_id, recipient_id, audience, kind, due_at, local_date, status, created_at)
     select $1, p.recipient_id, 'employee', 'fbnudge', p.due_at, p.local_date, 'pending', $2
       from jsonb_to_recordset($3::jsonb) as p(recipient_id int, due_at timestamptz, local_date date)`,
    [cycleId, now, JSON.stringify(rows)],
  );
}

/** One person a nudge names: given no feedback by the nudged rater for FEEDBACK_NUDGE_DAYS. */
export interface NudgePerson {
  id: number;
  name: string;
  nip: string;
}

/** What a nudge check (rater, cycle) found: who is quiet today, and when the first of the others falls quiet. */
export interface NudgeCheckResult {
  /** The people to name, by name. */
  quiet: NudgePerson[];
  /** The rater's local date on which the first of the others falls quiet; null when there are none. */
  firstQuietOn: string | null;
}

/**
 * For each nudge check (rater, cycle): the people the rater may give feedback to now who are quiet, and the
 * day the first of the others falls quiet (the sweep plans its next check from it).
 *
 * The quiet rule lives here: a person falls quiet `nudgeDays` calendar days, in the rater's zone, after the
 * later of the period start and the rater's latest feedback to them (feedback given on 1 July makes 31 July the
 * 30th day). Decided in the statement, so a check returns only the people its message names and one row for
 * the rest: a supervisor of 300 people nobody has fallen quiet for yet costs one row, not 300 (the sweep's 300
 * checks of a 100,000-person organisation read 99,700 rows into Node at the start of every period).
 */
export async function nudgeChecks(tx: Tx, checks: readonly { raterId: number; cycleId: number }[], now: Date, nudgeDays: number): Promise<Map<string, NudgeCheckResult>> {
  const out = new Map<string, NudgeCheckResult>();
  if (checks.length === 0) return out;
  const rows = await tx.query<{ rater: number; cycle: number; id: number | null; name: string | null; nip: string | null; first_quiet_on: string | null }>(
    `with p as materialized (
       select x.rater, x.cycle, p.id, p.name, p.nip, ($2::timestamptz at time zone r.timezone)::date as today,
              (greatest(c.period_start::timestamp at time zone r.timezone,
                        (select max(f.created_at) from feedback f where f.giver_id = x.rater and f.employee_id = p.id)) at time zone r.timezone)::date
                + $3::int as quiet_on
         from jsonb_to_recordset($1::jsonb) as x(rater int, cycle int)
         join cycle c on c.id = x.cycle join employee r on r.id = x.rater
         cross join lateral (${feedbackTargetsSql('x.rater', '$2::timestamptz')}) p
     )
     select rater, cycle, id, name, nip, null as first_quiet_on from p where quiet_on <= today
     union all
     select rater, cycle, null, null, null, to_char(min(quiet_on), 'YYYY-MM-DD') from p where quiet_on > today group by rater, cycle
     order by 1, 2, 4, 3`,
    [JSON.stringify(checks.map((c) => ({ rater: c.raterId, cycle: c.cycleId }))), now, nudgeDays],
  );
  for (const r of rows) {
    const key = `${r.rater}:${r.cycle}`;
    let check = out.get(key);
    if (!check) out.set(key, (check = { quiet: [], firstQuietOn: null }));
    if (r.first_quiet_on !== null) check.firstQuietOn = r.first_quiet_on;
    else if (r.id !== null) check.quiet.push({ id: r.id, name: r.name as string, nip: r.nip as string });
  }
  return out;
}

/** Plans the next nudge check of `raterId` in `cycleId` on `date` (the rater's zone) at REMINDER_SEND_AT. */
export async function planNextNudge(tx: Tx, next: readonly { raterId: number; cycleId: number; date: string; timezone: string }[], config: ReminderConfig, now: Date): Promise<void> {
  const byCycle = new Map<number, { recipient_id: number; due_at: string; local_date: string }[]>();
  for (const n of next) byCycle.set(n.cycleId, [...(byCycle.get(n.cycleId) ?? []), { recipient_id: n.raterId, due_at: sendInstant(n.date, n.timezone, config), local_date: n.date }]);
  for (const [cycleId, rows] of byCycle) await planNudgeRows(tx, cycleId, rows, now);
}
