/**
 * The end of a cycle (DOMAIN.md "Result timeline", steps 2 and 3). At its review deadline plus a grace
 * period the cycle closes (domain `transitionCycle`): late self-assessments are flagged, pending reminders
 * are cancelled, and calibration starts: each unit's predicates are checked against the curve of its
 * organisational rating (domain `checkDistribution`); HR and the raters concerned are told what breaks it,
 * the raters with a button to revise in chat (src/engine/flows/calibration.ts). The system never changes a
 * rating itself. Announcing (closed -> announced, `kinerja cycle announce ID`) is refused while a unit breaks
 * its curve, unless HR gives a written reason (`--override-curve`, audited); it then sends each employee
 * their FINAL result exactly once, posts each Sangat Baik once to the unit's channel (unless the person
 * opted out), and schedules coaching check-ins on the dates of the supervisor's plan (the defaults only when
 * the plan has none) with reminders to both. Every message goes through the outbox in the transaction that
 * decides it.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DateTime } from 'luxon';
import { DEFAULT_CHECK_IN_WEEKS, checkDistribution, cycleDisplayName, checkInDates, checkTextLength, followUpFor, todayIn, transitionCycle, zoneFor, type CycleStatus, type Predicate } from '../domain/index.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { CycleSettings } from '../db/entities/cycle.js';
import { OPEN_CALIBRATION_TOKEN, type OutgoingMessage } from '../contract/index.js';
import { awardAnnouncementText, calibrationButtonLabel, finalResultText, unratedUnitsText, violationsHint, violationsText } from './messages.js';
import { hrOfficers } from './reminder-sweep.js';
import { appendAudit } from '../db/audit.js';
import type { CheckpointOutcome } from '../db/audit-checkpoint.js';
import type { Logger } from '../logger.js';
import { anchorAuditChain, logAnchor } from './audit-checkpoint.js';
import { loadWorkingCalendar } from '../db/calendar.js';
import { unitDistributions, type UnitDistribution } from '../db/calibration.js';
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
  /** Where the audit checkpoint signed at close and announce is logged (the CLI prints it instead). */
  logger?: Logger;
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
  payload: OutgoingMessage;
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
  /** Units with rated people but no organisational rating (their curve could not be checked). */
  unrated: number[];
  outboxIds: number[];
  /** The audit checkpoint signed with the close (src/jobs/audit-checkpoint.ts). */
  auditCheckpoint: CheckpointOutcome;
}

/** A unit that breaks its curve, with the broken rules (domain `checkDistribution`). */
export interface UnitViolation {
  unitId: number;
  unitName: string;
  ruleIds: string[];
  broken: ReturnType<typeof checkDistribution>;
}

/** The units of `units` that break their curve; units without an organisational rating are not checked. */
function curveViolations(units: readonly UnitDistribution[]): UnitViolation[] {
  const out: UnitViolation[] = [];
  for (const u of units) {
    if (!u.orgRating) continue;
    const broken = checkDistribution(u.orgRating, u.members.map((m) => m.predicate));
    if (broken.length) out.push({ unitId: u.unitId, unitName: u.unitName, ruleIds: broken.map((b) => b.ruleId), broken });
  }
  return out;
}

/** Announcing was refused: units break their distribution curve and HR gave no reason to override it. */
export class CurveViolationError extends Error {
  constructor(
    readonly cycleId: number,
    readonly violations: readonly UnitViolation[],
  ) {
    super(
      `Cycle ${cycleId} cannot be announced: ${violations.length} unit(s) break their distribution curve (${violations.map((v) => `${v.unitName}: ${v.ruleIds.join(', ')}`).join('; ')}). ` +
        'The raters can revise ratings in chat (/kalibrasi) until then; or announce anyway with --override-curve "reason".',
    );
    this.name = 'CurveViolationError';
  }
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

    const units = await unitDistributions(t, cycleId);
    const violations = curveViolations(units);
    const drafts: OutboxDraft[] = [];
    const hr = await hrOfficers(t, units.map((u) => u.unitId));
    for (const v of violations) {
      const unit = units.find((u) => u.unitId === v.unitId) as UnitDistribution;
      const raters = new Set(unit.members.map((m) => m.reviewerId ?? m.supervisorId).filter((x): x is number => x !== null));
      const hrIds = new Set(hr.get(v.unitId) ?? []);
      const to = await reachable(t, [...new Set([...hrIds, ...raters])]);
      for (const person of to.values()) {
        const isRater = raters.has(person.id);
        const text = [
          violationsText(person.locale, {
            cycle: cycleDisplayName(cycle.name),
            unit: unit.unitName,
            orgRating: unit.orgRating as string,
            broken: v.broken.map((b) => ({ predicates: b.predicates, actual: b.actualCount, percent: b.actualPercent, op: b.op, allowed: b.allowedCount })),
          }),
          ...(isRater ? [violationsHint(person.locale, 'rater')] : []),
          ...(hrIds.has(person.id) ? [violationsHint(person.locale, 'hr')] : []),
        ].join('\n');
        const buttons = isRater ? [[{ label: calibrationButtonLabel(person.locale), token: OPEN_CALIBRATION_TOKEN, style: 'primary' as const }]] : undefined;
        drafts.push({ platform: person.platform, chat_id: person.chat_id, recipient_id: person.id, payload: { text, ...(buttons ? { buttons } : {}) }, dedupe_key: `cycle-close:${cycleId}:${v.unitId}:${person.id}` });
      }
    }
    // Units without an organisational rating cannot be checked: their HR is told which.
    const unrated = new Map<number, string[]>();
    for (const u of units.filter((x) => !x.orgRating)) for (const id of hr.get(u.unitId) ?? []) unrated.set(id, [...(unrated.get(id) ?? []), u.unitName]);
    const hrPeople = await reachable(t, [...unrated.keys()]);
    for (const [id, names] of unrated) {
      const person = hrPeople.get(id);
      if (person) drafts.push({ platform: person.platform, chat_id: person.chat_id, recipient_id: id, payload: { text: unratedUnitsText(person.locale, { cycle: cycleDisplayName(cycle.name), units: names }) }, dedupe_key: `cycle-close:${cycleId}:unrated:${id}` });
    }
    await appendAudit(t, { actor: ctx.actor ?? 'system', action: 'cycle.closed', subject: `cycle:${cycleId}`, data: { lateFlagged: late.length, violations: violations.map((v) => ({ unitId: v.unitId, ruleIds: v.ruleIds })), unrated: units.filter((u) => !u.orgRating).map((u) => u.unitId) } }, now);
    const outboxIds = await writeOutbox(t, drafts, now);
    // The close is a moment to anchor: the chain, this close's entry included, is signed and sent to HR.
    const anchor = await anchorAuditChain(t, { reason: 'cycle.closed', now });
    return {
      cycleId,
      lateFlagged: late.length,
      violations: violations.map((v) => ({ unitId: v.unitId, ruleIds: v.ruleIds })),
      unrated: units.filter((u) => !u.orgRating).map((u) => u.unitId),
      outboxIds: [...outboxIds, ...anchor.outboxIds],
      auditCheckpoint: anchor.outcome,
    };
  });
  if (ctx.logger) logAnchor(ctx.logger, result.auditCheckpoint);
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
      try {
        await announceCycle(em, c.id, ctx);
        announced.push(c.id);
      } catch (err) {
        // A broken curve waits for the raters or HR: the cycle stays closed (calibrating).
        if (!(err instanceof CurveViolationError)) throw err;
      }
    }
  }
  return { closed, announced };
}

/** The result of announcing a cycle. */
export interface AnnounceResult {
  cycleId: number;
  /** Private final results sent (one per rated employee who is linked). */
  results: number;
  awardsPublic: number;
  coaching: number;
  checkIns: number;
  /** Units announced over a broken curve (with HR's reason). */
  overridden: number[];
  outboxIds: number[];
  /** The audit checkpoint signed with the announcement. */
  auditCheckpoint: CheckpointOutcome;
}

export interface AnnounceOptions {
  /** HR's written reason to announce although units break their curve (audited). */
  overrideCurve?: string;
}

/**
 * Announces closed cycle `cycleId` (closed -> announced). Refused (CurveViolationError, nothing changed)
 * while a unit breaks its curve, unless `overrideCurve` gives HR's reason. Each rated employee gets one
 * private message with the final result; each Sangat Baik is posted once to the unit's channel (per
 * platform) unless the person opted out; coaching gets its check-ins from the supervisor's plan (defaults
 * when the plan has no dates) with reminders to both on those dates. The CLI's `kinerja cycle announce ID`
 * calls this.
 * @throws Error when the cycle is not closed (the domain's reason is in the message) or the override reason is too short
 * @throws CurveViolationError when units break their curve and no override reason is given
 */
export async function announceCycle(em: EntityManager, cycleId: number, ctx: CycleJobContext, opts: AnnounceOptions = {}): Promise<AnnounceResult> {
  const now = ctx.clock.now();
  let override: string | null = null;
  if (opts.overrideCurve !== undefined) {
    const checked = checkTextLength('curve_override', opts.overrideCurve);
    if (!checked.ok) throw new Error(`--override-curve needs a written reason of ${checked.fault === 'too_short' ? `at least ${checked.min}` : `at most ${checked.max}`} characters (got ${checked.length}).`);
    override = checked.text;
  }
  const result = await transaction(em, async (t) => {
    const conn = t;
    const cycle = await lockCycle(t, cycleId);
    const ok = transitionCycle(cycle.status, 'announced');
    if (!ok.ok) throw new Error(`Cycle ${cycleId} cannot be announced: ${ok.reason}.`);
    const violations = curveViolations(await unitDistributions(t, cycleId));
    if (violations.length && override === null) throw new CurveViolationError(cycleId, violations);
    const overridden = violations.length ? override : null;
    await conn.query(`update cycle set status = 'announced', announced_at = $1, curve_override = $2 where id = $3`, [now, overridden, cycleId]);
    await appendAudit(
      t,
      { actor: ctx.actor ?? 'system', action: 'cycle.announced', subject: `cycle:${cycleId}`, data: { overrideCurve: overridden, violations: violations.map((v) => ({ unitId: v.unitId, ruleIds: v.ruleIds })) } },
      now,
    );
    const rows = await conn.query<{
      id: number;
      employee_id: number;
      name: string;
      position: string | null;
      predicate: Predicate;
      hasil_kerja: string | null;
      perilaku: string | null;
      opt_out: boolean;
      supervisor_id: number | null;
      timezone: string;
      channels: Record<string, string>;
      feedback: string | null;
    }>(
      `select a.id, e.id as employee_id, e.name, e.position, a.predicate, a.hasil_kerja, a.perilaku, e.opt_out_announcements as opt_out, e.supervisor_id, e.timezone,
              u.announce_channels as channels,
              (select r.feedback from review r where r.assessment_id = a.id and r.outcome = 'rated' order by r.round desc limit 1) as feedback
         from assessment a join employee e on e.id = a.employee_id join unit u on u.id = e.unit_id
        where a.cycle_id = $1 and a.predicate is not null order by a.id`,
      [cycleId],
    );
    const people = await reachable(t, [...new Set(rows.map((r) => r.employee_id))]);
    const weeks = cycle.settings?.checkInWeeks ?? DEFAULT_CHECK_IN_WEEKS;
    const year = now.getUTCFullYear();
    const calendar = await loadWorkingCalendar(t, ctx.config.HOLIDAY_COUNTRY, year, year + 1);
    const drafts: OutboxDraft[] = [];
    let awardsPublic = 0;
    let coaching = 0;
    let checkIns = 0;
    for (const r of rows) {
      const me = people.get(r.employee_id);
      const kind = followUpFor(r.predicate);
      let plan: string | null = null;
      let dates: string[] = [];
      if (kind === 'award') {
        await conn.query(`insert into follow_up (assessment_id, kind, status, created_at) values ($1, 'award', 'open', $2) on conflict (assessment_id) do nothing`, [r.id, now]);
        if (!r.opt_out) {
          for (const [platform, channel] of Object.entries(r.channels ?? {})) {
            if (!channel) continue;
            drafts.push({ platform, chat_id: channel, recipient_id: null, payload: { text: awardAnnouncementText({ name: r.name, position: r.position, cycle: cycleDisplayName(cycle.name) }) }, dedupe_key: `announce:award:${r.id}:${platform}` });
            awardsPublic++;
          }
        }
      } else if (kind === 'coaching') {
        coaching++;
        const fu = await conn.query<{ id: number; plan: string | null }>(
          `insert into follow_up (assessment_id, kind, status, created_at) values ($1, 'coaching', 'open', $2)
             on conflict (assessment_id) do update set kind = excluded.kind returning id, plan`,
          [r.id, now],
        );
        plan = fu[0].plan;
        const today = todayIn(r.timezone, now);
        // The supervisor's plan is the one source of the dates; the defaults only when it has none.
        const planned = await conn.query<{ id: number; due_on: string }>(`select id, to_char(due_on, 'YYYY-MM-DD') as due_on from check_in where follow_up_id = $1 order by due_on, id`, [fu[0].id]);
        const sessions = planned.length
          ? planned
          : await conn.query<{ id: number; due_on: string }>(
              `insert into check_in (follow_up_id, due_on) select $1, d from unnest($2::date[]) as d returning id, to_char(due_on, 'YYYY-MM-DD') as due_on`,
              [fu[0].id, checkInDates({ today }, weeks).map((d) => calendar.nearestWorkingDay(d, 'forward'))],
            );
        dates = sessions.map((c) => c.due_on);
        await conn.query(`update follow_up set first_check_in = $1 where id = $2`, [dates[0] ?? null, fu[0].id]);
        const [h, m] = ctx.config.REMINDER_SEND_AT.split(':').map(Number);
        const at = (d: string) => DateTime.fromISO(d, { zone: r.timezone }).set({ hour: h, minute: m });
        // A session already past when the result is set gets no reminder.
        for (const ci of sessions.filter((c) => c.due_on >= today)) {
          checkIns++;
          const ratingDay = calendar.addWorkingDays(ci.due_on, 1);
          const reminders = [
            { recipient: r.employee_id, kind: `checkin:${ci.id}`, due: at(ci.due_on), day: ci.due_on },
            ...(r.supervisor_id ? [{ recipient: r.supervisor_id, kind: `checkin:${ci.id}`, due: at(ci.due_on), day: ci.due_on }] : []),
            { recipient: r.employee_id, kind: `checkin_rating:${ci.id}`, due: at(ratingDay), day: ratingDay },
          ];
          await insertReminders(
            t,
            reminders.map((rem) => ({ assessmentId: r.id, recipientId: rem.recipient, kind: rem.kind, dueAt: rem.due.toUTC().toISO() as string, localDate: rem.day })),
            now,
          );
        }
      }
      if (me) {
        const text = finalResultText(me.locale, { cycle: cycleDisplayName(cycle.name), predicate: r.predicate, hasil: r.hasil_kerja, perilaku: r.perilaku, feedback: r.feedback, plan, checkInDates: dates });
        drafts.push({ platform: me.platform, chat_id: me.chat_id, recipient_id: me.id, payload: { text }, dedupe_key: `announce:${r.id}` });
      }
      await conn.query(`update assessment set status = 'announced' where id = $1`, [r.id]);
    }
    const outboxIds = await writeOutbox(t, drafts, now);
    const results = drafts.filter((d) => d.recipient_id !== null).length;
    const anchor = await anchorAuditChain(t, { reason: 'cycle.announced', now });
    return {
      cycleId,
      results,
      awardsPublic,
      coaching,
      checkIns,
      overridden: overridden ? violations.map((v) => v.unitId) : [],
      outboxIds: [...outboxIds, ...anchor.outboxIds],
      auditCheckpoint: anchor.outcome,
    };
  });
  if (ctx.logger) logAnchor(ctx.logger, result.auditCheckpoint);
  await ctx.enqueue?.(result.outboxIds);
  return result;
}
