/**
 * Reminder rows from the domain reminder plan. A reminder is a row (the database is the source of truth);
 * the sweep (reminder-sweep.ts) turns due rows into outbox messages.
 *
 * Two tracks share the table, told apart by the `kind` prefix:
 * - `self:<plan kind>`: the employee's self-assessment deadline (cycle.self_deadline), planned when the
 *   cycle opens;
 * - `review:<plan kind>`: the rater's review deadline (cycle.review_deadline), planned when the
 *   self-assessment is submitted; the rater is the acting PLT/PLH active that day, else the supervisor.
 * `recipient` is always the person who has to act (the employee, or the rater); `audience` is the plan's:
 * `employee` (remind that person), `supervisor` or `hr` (escalations about that person). Escalation targets
 * are resolved when the sweep runs, so a supervisor changed in the meantime gets the digest.
 *
 * The plan is the same for everyone with the same deadline and time zone, so it is computed once per time
 * zone and multiplied out in one INSERT ... SELECT: opening a cycle for 100,000 people is one statement.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DateTime } from 'luxon';
import { planReminders, type ReminderPlan } from '../domain/index.js';
import type { Clock } from '../clock.js';
import { loadWorkingCalendar, workingHoursOf, type ReminderConfig } from './schedule-settings.js';

/** Which deadline a reminder is about. */
export type ReminderTrack = 'self' | 'review';

/** What scheduling needs besides the database. */
export interface ReminderContext {
  clock: Clock;
  config: ReminderConfig;
}

interface CycleDeadlines {
  id: number;
  status: string;
  self_deadline: string;
  review_deadline: string;
}

async function cycleDeadlines(em: EntityManager, cycleId: number): Promise<CycleDeadlines> {
  const rows = await em
    .execute<CycleDeadlines[]>(
      `select id, status, to_char(self_deadline, 'YYYY-MM-DD') as self_deadline, to_char(review_deadline, 'YYYY-MM-DD') as review_deadline from cycle where id = ?`,
      [cycleId],
    );
  if (!rows[0]) throw new Error(`Cycle ${cycleId} does not exist; check the id with \`kinerja cycle list\`.`);
  return rows[0];
}

/** The plan for `deadline` in each of `timezones`, flattened into rows for jsonb_to_recordset. */
async function planRows(em: EntityManager, deadline: string, timezones: string[], ctx: ReminderContext, track: ReminderTrack) {
  const year = Number(deadline.slice(0, 4));
  // A plan reaches about a month around the deadline; two years either side covers year ends.
  const calendar = await loadWorkingCalendar(em, ctx.config.HOLIDAY_COUNTRY, year - 1, year + 1);
  const now = DateTime.fromJSDate(ctx.clock.now());
  const rows: { tz: string; kind: string; audience: string; due_at: string; local_date: string }[] = [];
  for (const tz of timezones) {
    const plan: ReminderPlan = planReminders({
      deadline,
      timezone: tz,
      calendar,
      workingHours: workingHoursOf(ctx.config),
      sendAt: ctx.config.REMINDER_SEND_AT,
      now,
    });
    for (const r of plan) rows.push({ tz, kind: `${track}:${r.kind}`, audience: r.audience, due_at: r.sendAt, local_date: r.localDate });
  }
  return rows;
}

/**
 * Creates the self-assessment reminders of every not-yet-submitted assessment of cycle `cycleId` (call it
 * after the cycle's assessments exist). Idempotent: a kind already pending or sent for an assessment is not
 * planned again. Reminders already due at `clock.now()` are left out. Returns the number of rows created.
 */
export async function scheduleSelfAssessmentReminders(em: EntityManager, cycleId: number, ctx: ReminderContext): Promise<number> {
  return planTrack(em, cycleId, 'self', ctx, ['pending', 'sent']);
}

/**
 * The rater `r` of employee `e` at the planning instant (the `?`): SQL `rater_of`, the one definition the
 * engine's review prompt also uses (domain acting.ts states the rule), so the reminders go to the person
 * who was asked to review.
 */
const RATER_JOIN = `cross join lateral rater_of(e.id, ?::timestamptz) ro
     join employee r on r.id = ro.rater_id`;

async function planTrack(
  em: EntityManager,
  cycleId: number,
  track: ReminderTrack,
  ctx: ReminderContext,
  skipWhenExisting: string[],
  assessmentId?: number,
): Promise<number> {
  const conn = em;
  const cycle = await cycleDeadlines(em, cycleId);
  const deadline = track === 'self' ? cycle.self_deadline : cycle.review_deadline;
  // The person who has to act: the employee `e` on the self track, their rater `r` on the review track.
  const actor = track === 'self' ? 'e' : 'r';
  const statuses = track === 'self' ? `('draft','returned')` : `('submitted')`;
  const joins = track === 'self' ? '' : RATER_JOIN;
  const joinParams = track === 'self' ? [] : [ctx.clock.now()];
  const only = assessmentId === undefined ? '' : 'and a.id = ?';
  const whereParams = [cycleId, ...(assessmentId === undefined ? [] : [assessmentId])];
  const from = `from assessment a join employee e on e.id = a.employee_id ${joins}`;
  const where = `where a.cycle_id = ? and a.status in ${statuses} ${only}`;
  const zones = await conn.execute<{ tz: string }[]>(`select distinct ${actor}.timezone as tz ${from} ${where}`, [...joinParams, ...whereParams]);
  if (zones.length === 0) return 0;
  const rows = await planRows(em, deadline, zones.map((z) => z.tz), ctx, track);
  if (rows.length === 0) return 0;
  const result = await conn.execute(
    `insert into reminder (assessment_id, recipient_id, audience, kind, due_at, local_date, status, created_at)
     select a.id, ${actor}.id, p.audience, p.kind, p.due_at, p.local_date, 'pending', ?
       ${from}
       join jsonb_to_recordset(?::jsonb) as p(tz text, kind text, audience text, due_at timestamptz, local_date date) on p.tz = ${actor}.timezone
       ${where}
       and not exists (select 1 from reminder x where x.assessment_id = a.id and x.kind = p.kind and x.status in (${skipWhenExisting.map(() => '?').join(',')}))`,
    [ctx.clock.now(), ...joinParams, JSON.stringify(rows), ...whereParams, ...skipWhenExisting],
    'run',
  );
  return affected(result);
}

function affected(result: unknown): number {
  const r = result as { affectedRows?: number; rowCount?: number };
  return r.affectedRows ?? r.rowCount ?? 0;
}

/**
 * Plans the rater's review reminders for a just-submitted assessment (review deadline of its cycle) and
 * cancels the employee's pending self-assessment reminders. Call it in the transaction that submits.
 * The rater is the acting PLT/PLH for the employee's supervisor when one is active at `ctx.clock.now()`
 * (the one the review prompt went to), else the supervisor of record.
 * Returns the number of review reminders created (0 when the employee has no supervisor of record).
 */
export async function scheduleReviewReminders(em: EntityManager, assessmentId: number, ctx: ReminderContext): Promise<number> {
  const rows = await em.execute<{ cycle_id: number }[]>('select cycle_id from assessment where id = ?', [assessmentId]);
  if (!rows[0]) throw new Error(`Assessment ${assessmentId} does not exist.`);
  await cancelReminders(em, assessmentId, 'self');
  return planTrack(em, rows[0].cycle_id, 'review', ctx, ['pending', 'sent'], assessmentId);
}

/** Cancels the pending reminders of one track of an assessment (submitted: 'self'; reviewed: 'review'). */
export async function cancelReminders(em: EntityManager, assessmentId: number, track: ReminderTrack): Promise<number> {
  const result = await em
    .execute(`update reminder set status = 'cancelled' where assessment_id = ? and status = 'pending' and kind like ?`, [assessmentId, `${track}:%`], 'run');
  return affected(result);
}

/**
 * Re-plans a cycle after its deadlines changed: pending reminders of both tracks are cancelled and the plan
 * is made again from the new deadlines (reminders already due are left out; a reminder kind already sent
 * for the old deadline is sent again for the new one, because the date it announced changed).
 */
export async function recomputeReminders(em: EntityManager, cycleId: number, ctx: ReminderContext): Promise<{ cancelled: number; created: number }> {
  const cancelled = affected(
    await em
      .execute(
        `update reminder set status = 'cancelled' where status = 'pending' and assessment_id in (select id from assessment where cycle_id = ?)
           and (kind like 'self:%' or kind like 'review:%')`,
        [cycleId],
        'run',
      ),
  );
  const created = (await planTrack(em, cycleId, 'self', ctx, ['pending'])) + (await planTrack(em, cycleId, 'review', ctx, ['pending']));
  return { cancelled, created };
}
