/**
 * The end of a cycle. At its review deadline plus a grace period the cycle closes (domain `transitionCycle`):
 * late self-assessments are flagged, pending reminders are cancelled, and each unit's predicates are checked
 * against its distribution curve; HR and the raters get what breaks it (the system never changes a rating).
 * Announcing (closed -> announced, `kinerja cycle announce ID`) sends the results: awards to the unit's
 * channels unless the person opted out, a private result to everyone, and for coaching a follow-up with
 * check-ins (default 2 and 4 weeks) that the reminder sweep reminds both people of and, after each, asks
 * the employee to rate. Every message goes through the outbox in the transaction that decides it.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DateTime } from 'luxon';
import { DEFAULT_CHECK_IN_WEEKS, checkDistribution, checkInDates, todayIn, transitionCycle, zoneFor, type CycleStatus, type OrgRating, type Predicate } from '../domain/index.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { CycleSettings } from '../db/entities/cycle.js';
import { awardAnnouncementText, resultText, violationsText } from './messages.js';
import { hrOfficers } from './reminder-sweep.js';
import { appendAudit } from '../db/audit.js';
import { loadWorkingCalendar } from '../db/calendar.js';
import { currentChatJoin } from '../db/identity.js';
import { insertOutbox } from '../db/outbox.js';
import { cancelCycleReminders, insertReminders } from '../db/reminders.js';
import { pgArray, transaction, txOf, type Tx } from '../db/sql.js';

export interface CycleJobContext {
  clock: Clock;
  config: Pick<Config, 'CLOSE_GRACE_HOURS' | 'AUTO_ANNOUNCE' | 'HOLIDAY_COUNTRY' | 'REMINDER_SEND_AT' | 'DEFAULT_TIMEZONE'>;
  /** Enqueues committed outbox rows (Queues.enqueueOutbox); omitted, the relay picks them up. */
  enqueue?: (ids: readonly number[]) => Promise<unknown>;
  /** Who closes or announces, for the audit log (CLI --actor); default `system` (the scheduled close). */
  actor?: string;
}

interface CycleRow {
  id: number;
  name: string;
  status: CycleStatus;
  review_deadline: string;
  settings: CycleSettings;
}

interface OutboxDraft {
  platform: string;
  chat_id: string;
  recipient_id: number | null;
  payload: { text: string };
  dedupe_key: string;
}

async function lockCycle(tx: Tx, cycleId: number): Promise<CycleRow> {
  const rows = await tx.query<CycleRow>(
      `select id, name, status, to_char(review_deadline, 'YYYY-MM-DD') as review_deadline, settings from cycle where id = $1 for update`,
      [cycleId],
    );
  if (!rows[0]) throw new Error(`Cycle ${cycleId} does not exist; check the id with \`kinerja cycle list\`.`);
  return rows[0];
}

async function writeOutbox(tx: Tx, drafts: OutboxDraft[], now: Date): Promise<number[]> {
  const rows = await insertOutbox(
    tx,
    drafts.map((d) => ({ platform: d.platform, chatId: d.chat_id, recipient: d.recipient_id, payload: d.payload, key: d.dedupe_key })),
    now,
  );
  return rows.map((r) => r.id);
}

interface Reachable {
  id: number;
  name: string;
  locale: string;
  platform: string;
  chat_id: string;
}

async function reachable(tx: Tx, ids: number[]): Promise<Map<number, Reachable>> {
  const out = new Map<number, Reachable>();
  if (ids.length === 0) return out;
  const rows = await tx.query<Reachable>(
    `select e.id, e.name, e.locale, ci.platform, ci.chat_id from employee e ${currentChatJoin('e.id', 'join')}
      where e.id = any($1::int[])`,
    [pgArray(ids)],
  );
  for (const r of rows) out.set(r.id, r);
  return out;
}

/** The result of closing a cycle. */
export interface CloseResult {
  cycleId: number;
  lateFlagged: number;
  /** Units whose predicates break their curve, with the broken rule ids. */
  violations: { unitId: number; ruleIds: string[] }[];
  outboxIds: number[];
}

/**
 * Closes cycle `cycleId` now (open or reviewing -> closed), whatever its deadline: flags late submissions,
 * cancels pending reminders, checks each unit's distribution and tells HR and the raters what breaks it.
 * @throws Error when the cycle cannot close from its status (the domain's reason is in the message)
 */
export async function closeCycle(em: EntityManager, cycleId: number, ctx: CycleJobContext): Promise<CloseResult> {
  const now = ctx.clock.now();
  const result = await transaction(em, async (t) => {
    const conn = t;
    const cycle = await lockCycle(t, cycleId);
    // Open moves through reviewing: the domain allows one step at a time, and no step is skipped silently.
    const path: CycleStatus[] = cycle.status === 'open' ? ['reviewing', 'closed'] : ['closed'];
    let from = cycle.status;
    for (const to of path) {
      const ok = transitionCycle(from, to);
      if (!ok.ok) throw new Error(`Cycle ${cycleId} cannot be closed: ${ok.reason}.`);
      from = to;
    }
    await conn.query(`update cycle set status = 'closed', closed_at = $1 where id = $2`, [now, cycleId]);
    const late = await conn.query<{ id: number }>(
      `update assessment a set late = true from employee e, cycle c
        where a.cycle_id = $1 and e.id = a.employee_id and c.id = a.cycle_id and a.submitted_at is not null
          and is_late(a.submitted_at, c.self_deadline, e.timezone) and not a.late -- SQL twin of domain isLate
        returning a.id`,
      [cycleId],
    );
    await cancelCycleReminders(t, cycleId);

    const rated = await conn.query<{ unit_id: number; unit_name: string; org_rating: OrgRating | null; predicate: Predicate; reviewer_id: number | null }>(
      `select e.unit_id, u.name as unit_name, org_rating_of(u.id, a.cycle_id) as org_rating, a.predicate,
              (select r.reviewer_id from review r where r.assessment_id = a.id order by r.round desc limit 1) as reviewer_id
         from assessment a join employee e on e.id = a.employee_id join unit u on u.id = e.unit_id
        where a.cycle_id = $1 and a.predicate is not null`,
      [cycleId],
    );
    const byUnit = new Map<number, typeof rated>();
    for (const r of rated) byUnit.set(r.unit_id, [...(byUnit.get(r.unit_id) ?? []), r]);
    const violations: CloseResult['violations'] = [];
    const drafts: OutboxDraft[] = [];
    const hr = await hrOfficers(t, [...byUnit.keys()]);
    for (const [unitId, rows] of byUnit) {
      const orgRating = rows[0].org_rating;
      if (!orgRating) continue;
      const broken = checkDistribution(orgRating, rows.map((r) => r.predicate));
      if (broken.length === 0) continue;
      violations.push({ unitId, ruleIds: broken.map((b) => b.ruleId) });
      const raters = rows.map((r) => r.reviewer_id).filter((x): x is number => x !== null);
      const to = await reachable(t, [...new Set([...(hr.get(unitId) ?? []), ...raters])]);
      for (const person of to.values()) {
        const text = violationsText(person.locale, {
          cycle: cycle.name,
          unit: rows[0].unit_name,
          orgRating,
          broken: broken.map((b) => ({ predicates: b.predicates, actual: b.actualCount, percent: b.actualPercent, op: b.op, allowed: b.allowedCount })),
        });
        drafts.push({ platform: person.platform, chat_id: person.chat_id, recipient_id: person.id, payload: { text }, dedupe_key: `cycle-close:${cycleId}:${unitId}:${person.id}` });
      }
    }
    const outboxIds = await writeOutbox(t, drafts, now);
    await appendAudit(t, { actor: ctx.actor ?? 'system', action: 'cycle.closed', subject: `cycle:${cycleId}`, data: { lateFlagged: late.length, violations, messages: outboxIds.length } }, now);
    return { cycleId, lateFlagged: late.length, violations, outboxIds };
  });
  await ctx.enqueue?.(result.outboxIds);
  return result;
}

/**
 * Closes every open or reviewing cycle whose review deadline (end of day, default time zone) plus the grace
 * (cycle setting closeGraceHours, else CLOSE_GRACE_HOURS) has passed; announces it too when configured.
 */
export async function closeDueCycles(em: EntityManager, ctx: CycleJobContext): Promise<{ closed: number[]; announced: number[] }> {
  const cycles = await txOf(em).query<CycleRow>(`select id, name, status, to_char(review_deadline, 'YYYY-MM-DD') as review_deadline, settings from cycle where status in ('open', 'reviewing')`);
  const now = ctx.clock.now().getTime();
  const zone = zoneFor(ctx.config.DEFAULT_TIMEZONE);
  const closed: number[] = [];
  const announced: number[] = [];
  for (const c of cycles) {
    const grace = c.settings?.closeGraceHours ?? ctx.config.CLOSE_GRACE_HOURS;
    const closesAt = DateTime.fromISO(c.review_deadline, { zone }).plus({ days: 1 }).plus({ hours: grace }).toMillis();
    if (now < closesAt) continue;
    await closeCycle(em, c.id, ctx);
    closed.push(c.id);
    if (c.settings?.autoAnnounce ?? ctx.config.AUTO_ANNOUNCE) {
      await announceCycle(em, c.id, ctx);
      announced.push(c.id);
    }
  }
  return { closed, announced };
}

/** The result of announcing a cycle. */
export interface AnnounceResult {
  cycleId: number;
  awardsPublic: number;
  coaching: number;
  checkIns: number;
  outboxIds: number[];
}

/**
 * Announces closed cycle `cycleId` (closed -> announced): private results to everyone rated, awards to the
 * unit channels (per platform) unless the person opted out, and coaching follow-ups with check-ins and their
 * reminders. The CLI's `kinerja cycle announce ID` calls this.
 * @throws Error when the cycle is not closed (the domain's reason is in the message)
 */
export async function announceCycle(em: EntityManager, cycleId: number, ctx: CycleJobContext): Promise<AnnounceResult> {
  const now = ctx.clock.now();
  const result = await transaction(em, async (t) => {
    const conn = t;
    const cycle = await lockCycle(t, cycleId);
    const ok = transitionCycle(cycle.status, 'announced');
    if (!ok.ok) throw new Error(`Cycle ${cycleId} cannot be announced: ${ok.reason}.`);
    await conn.query(`update cycle set status = 'announced', announced_at = $1 where id = $2`, [now, cycleId]);
    const rows = await conn.query<
      { id: number; employee_id: number; name: string; position: string; predicate: Predicate; opt_out: boolean; supervisor_id: number | null; timezone: string; channels: Record<string, string> }>(
      `select a.id, e.id as employee_id, e.name, e.position, a.predicate, e.opt_out_announcements as opt_out, e.supervisor_id, e.timezone, u.announce_channels as channels
         from assessment a join employee e on e.id = a.employee_id join unit u on u.id = e.unit_id
        where a.cycle_id = $1 and a.predicate is not null order by a.id`,
      [cycleId],
    );
    const people = await reachable(t, [...new Set(rows.flatMap((r) => [r.employee_id, ...(r.supervisor_id ? [r.supervisor_id] : [])]))]);
    const weeks = cycle.settings?.checkInWeeks ?? DEFAULT_CHECK_IN_WEEKS;
    const year = now.getUTCFullYear();
    const calendar = await loadWorkingCalendar(t, ctx.config.HOLIDAY_COUNTRY, year, year + 1);
    const drafts: OutboxDraft[] = [];
    let awardsPublic = 0;
    let coaching = 0;
    let checkIns = 0;
    for (const r of rows) {
      const me = people.get(r.employee_id);
      const loc = me?.locale ?? 'id';
      if (r.predicate === 'sangat_baik') {
        if (me) drafts.push({ platform: me.platform, chat_id: me.chat_id, recipient_id: me.id, payload: { text: resultText(loc, { cycle: cycle.name, predicate: r.predicate, checkInDates: [] }) }, dedupe_key: `announce:${r.id}` });
        await conn.query(`insert into follow_up (assessment_id, kind, status, created_at) values ($1, 'award', 'open', $2) on conflict (assessment_id) do nothing`, [r.id, now]);
        if (!r.opt_out) {
          for (const [platform, channel] of Object.entries(r.channels ?? {})) {
            if (!channel) continue;
            drafts.push({ platform, chat_id: channel, recipient_id: null, payload: { text: awardAnnouncementText({ name: r.name, position: r.position, cycle: cycle.name }) }, dedupe_key: `announce:award:${r.id}:${platform}` });
            awardsPublic++;
          }
        }
      } else if (r.predicate === 'baik') {
        if (me) drafts.push({ platform: me.platform, chat_id: me.chat_id, recipient_id: me.id, payload: { text: resultText(loc, { cycle: cycle.name, predicate: r.predicate, checkInDates: [] }) }, dedupe_key: `announce:${r.id}` });
      } else {
        coaching++;
        const fu = await conn.query<{ id: number }>(
          `insert into follow_up (assessment_id, kind, status, created_at) values ($1, 'coaching', 'open', $2)
             on conflict (assessment_id) do update set kind = excluded.kind returning id`,
          [r.id, now],
        );
        const dates = checkInDates({ today: todayIn(r.timezone, now) }, weeks).map((d) => calendar.nearestWorkingDay(d, 'forward'));
        await conn.query(`update follow_up set first_check_in = $1 where id = $2`, [dates[0] ?? null, fu[0].id]);
        for (const dueOn of dates) {
          const ci = await conn.query<{ id: number }>(`insert into check_in (follow_up_id, due_on) values ($1, $2) returning id`, [fu[0].id, dueOn]);
          checkIns++;
          const [h, m] = ctx.config.REMINDER_SEND_AT.split(':').map(Number);
          const at = (d: string) => DateTime.fromISO(d, { zone: r.timezone }).set({ hour: h, minute: m });
          const ratingDay = calendar.addWorkingDays(dueOn, 1);
          const reminders = [
            { recipient: r.employee_id, kind: `checkin:${ci[0].id}`, due: at(dueOn), day: dueOn },
            ...(r.supervisor_id ? [{ recipient: r.supervisor_id, kind: `checkin:${ci[0].id}`, due: at(dueOn), day: dueOn }] : []),
            { recipient: r.employee_id, kind: `checkin_rating:${ci[0].id}`, due: at(ratingDay), day: ratingDay },
          ];
          await insertReminders(
            t,
            reminders.map((rem) => ({ assessmentId: r.id, recipientId: rem.recipient, kind: rem.kind, dueAt: rem.due.toUTC().toISO() as string, localDate: rem.day })),
            now,
          );
        }
        if (me) drafts.push({ platform: me.platform, chat_id: me.chat_id, recipient_id: me.id, payload: { text: resultText(loc, { cycle: cycle.name, predicate: r.predicate, checkInDates: dates }) }, dedupe_key: `announce:${r.id}` });
      }
      await conn.query(`update assessment set status = 'announced' where id = $1`, [r.id]);
    }
    const outboxIds = await writeOutbox(t, drafts, now);
    await appendAudit(t, { actor: ctx.actor ?? 'system', action: 'cycle.announced', subject: `cycle:${cycleId}`, data: { results: rows.length, awardsPublic, coaching, checkIns, messages: outboxIds.length } }, now);
    return { cycleId, awardsPublic, coaching, checkIns, outboxIds };
  });
  await ctx.enqueue?.(result.outboxIds);
  return result;
}
