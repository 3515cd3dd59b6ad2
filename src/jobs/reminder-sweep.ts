/**
 * The reminder sweep: due reminder rows become outbox messages, in batches, each batch in one transaction
 * that locks its rows with `FOR UPDATE SKIP LOCKED`, so any number of workers can sweep at once and no row
 * is turned into a message twice.
 *
 * Rules applied here, at send time, because they depend on the moment of sending:
 * - a reminder that became due outside the recipient's working hours (a worker was down overnight) is moved
 *   to the next working slot (domain `nextWorkingSlot`) instead of waking someone up;
 * - a reminder whose deadline is already met (submitted, reviewed) is skipped;
 * - one message a person a day, whatever the reminder system has for them (issue 15 item 9): their deadline
 *   reminders, the digest of their late people, the HR digest of every unit they look after, objections to
 *   decide, feedback nudges and requests for feedback are paragraphs of ONE message, whose outbox dedupe key
 *   `reminder:<person>:<local date>` lets the unique constraint enforce it even across sweepers;
 * - what comes due for someone who already had today's message waits for the next working day when it still
 *   matters then (digests, objections for HR, feedback nudges and requests); a deadline reminder is skipped
 *   (the next, more urgent one follows);
 * - escalations are digests: one section per supervisor listing all their late people, one per unit for each
 *   HR officer (`admin` role in the unit, else in the nearest parent unit that has one);
 * - a feedback nudge (`fbnudge`) lists the supervisor's people without their feedback for FEEDBACK_NUDGE_DAYS
 *   (one paragraph, not one per person), never in the last 3 working days before a deadline of the period
 *   (domain `nudgeDay`), and plans the next check; a request for feedback (`fbreq`) unanswered when its day
 *   comes reminds the rater once.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DateTime } from 'luxon';
import { cycleDisplayName, nextWorkingSlot, nudgeDay, timezoneAlias, type WorkingCalendar } from '../domain/index.js';
import type { Button, OutgoingMessage } from '../contract/index.js';
import type { Clock } from '../clock.js';
import { CHECKIN_RATING_TOKEN_PREFIX as CHECKIN_RATING_TOKEN, commandToken, CONTINUE_ASSESSMENT_TOKEN, OBJECTION_COMMAND, OPEN_REVIEWS_TOKEN } from '../contract/index.js';

/** The command a feedback nudge or request reminder names (`/umpanbalik`, Slack `/kinerja umpanbalik`). */
const FEEDBACK_COMMAND = 'umpanbalik';
import { checkInText, continueButtonLabel, digestHeading, digestReviewLine, digestSelfLine, feedbackNudgeText, feedbackRequestReminderText, jobLocale, jobTranslator, objectionHrText, objectionReminderText, reviewButtonLabel, reviewReminderText, selfReminderText, type ReminderMoment } from './messages.js';
import { formatDate } from '../i18n/index.js';
import { appendAudit } from '../db/audit.js';
import { loadWorkingCalendar } from '../db/calendar.js';
import { currentChatJoin } from '../db/identity.js';
import { claimDueEscalations, claimDueReminders, DEFAULT_FEEDBACK_NUDGE_DAYS, nudgeChecks, planNextNudge, postponeReminders, reviewsWaiting, sendReminderMessages, settleReminders, workingHoursOf, type DueReminder, type ReminderConfig } from '../db/reminders.js';
import { pgArray, transaction, txOf, type Tx } from '../db/sql.js';
import type { PendingOutboxRow } from '../db/outbox.js';
import { hrOfficers } from '../db/hr-officers.js';

export { hrOfficers };

/** The engine's button tokens, re-exported for the jobs' callers and tests. */
export { CONTINUE_ASSESSMENT_TOKEN, OPEN_REVIEWS_TOKEN, CHECKIN_RATING_TOKEN };

/** What one sweep did. */
export interface SweepResult {
  /** Reminder rows handled (sent, skipped or postponed). */
  processed: number;
  /** Outbox ids created, for enqueueing. */
  outboxIds: number[];
  skipped: number;
  postponed: number;
}

export interface SweepOptions {
  clock: Clock;
  config: ReminderConfig;
  /** Rows locked per transaction; default 2000. */
  batchSize?: number;
  /**
   * Called after each committed batch with its new outbox ids (the worker enqueues them at once), and the same
   * rows as the delivery queues take them, read by the statement that wrote them.
   */
  onBatch?: (outboxIds: number[], written: PendingOutboxRow[]) => Promise<void>;
  /** Stop after this many batches (default: until nothing is due). */
  maxBatches?: number;
  /**
   * Batches in flight at once, each in its own transaction (default 2; 1 when `em` is inside a transaction).
   * A batch alternates between PostgreSQL (claim, write) and Node (composing): with two, one batch's statements
   * run while the other's messages are composed, so a sweep uses two cores instead of one at a time. Safe as
   * two sweepers are: `FOR UPDATE SKIP LOCKED` gives each batch its own rows.
   */
  lanes?: number;
}

type DueRow = DueReminder;

interface Person {
  id: number;
  name: string;
  nip: string;
  locale: string;
  timezone: string;
  platform: string | null;
  chat_id: string | null;
}

interface NewMessage {
  platform: string;
  chat_id: string;
  recipient_id: number;
  payload: OutgoingMessage;
  dedupe_key: string;
  reminderIds: string[];
  /** Rows that wait for the recipient's next working day when today's message already went. */
  postponable: Set<string>;
  /** The recipient's zone, for that next working day. */
  timezone: string;
}

/** One paragraph of a person's message of the day, with the reminder rows it speaks for. */
interface Part {
  text: string;
  buttons: Button[][];
  reminderIds: string[];
  postponable: boolean;
}

/** A nudge check handled in this batch: the next check is planned once its message is settled. */
interface NudgeCheck {
  rowId: string;
  raterId: number;
  cycleId: number;
  timezone: string;
  /**
   * The next check's date (the rater's zone): after a nudge, FEEDBACK_NUDGE_DAYS on (one nudge per that
   * many days at most: reminders, not nagging); after a check that named nobody, the day the first of the
   * supervisor's people falls quiet.
   */
  sentNext: string;
  quietNext: string;
}

/** What composing decided besides the messages: rows to move (quiet days) and nudge checks to follow up. */
interface Composed {
  messages: NewMessage[];
  postponed: { id: string; due_at: string; local_date: string }[];
  nudges: NudgeCheck[];
}

/** Sweeps every due reminder (or `maxBatches` batches) into the outbox. */
export async function sweepDueReminders(em: EntityManager, opts: SweepOptions): Promise<SweepResult> {
  const total: SweepResult = { processed: 0, outboxIds: [], skipped: 0, postponed: 0 };
  const now = opts.clock.now();
  const year = now.getUTCFullYear();
  const calendar = await loadWorkingCalendar(txOf(em), opts.config.HOLIDAY_COUNTRY, year - 1, year + 1);
  // Inside the caller's transaction every batch would share its one connection: one lane.
  const lanes = em.getTransactionContext() ? 1 : Math.max(1, opts.lanes ?? 2);
  let started = 0;
  let stop = false;
  // The lanes claim one after the other (composing and writing still overlap). A claim locks a person's due
  // rows in two steps (the first rows, then the same people's other rows, then HR's across units), each
  // skipping locked rows: two claims at once could split one person's rows between two batches, and the
  // second batch's message would find the day's message already written and wait a day.
  let claims: Promise<unknown> = Promise.resolve();
  const oneClaimAtATime = <T>(claim: () => Promise<T>): Promise<T> => {
    const mine = claims.then(claim);
    claims = mine.catch(() => undefined);
    return mine;
  };
  const lane = async (laneEm: EntityManager) => {
    while (!stop && (opts.maxBatches === undefined || started < opts.maxBatches)) {
      started++;
      const batch = await transaction(laneEm, (tx) => sweepBatch(tx, now, calendar, opts, oneClaimAtATime));
      total.processed += batch.processed;
      total.skipped += batch.skipped;
      total.postponed += batch.postponed;
      total.outboxIds.push(...batch.outboxIds);
      if (batch.outboxIds.length > 0) await opts.onBatch?.(batch.outboxIds, batch.written);
      // Nothing left that another lane does not hold: this lane is done (the others finish their own).
      if (batch.processed === 0) return;
    }
  };
  const settled = await Promise.allSettled(
    Array.from({ length: lanes }, () =>
      lane(lanes === 1 ? em : (em.fork() as EntityManager)).catch((err: unknown) => {
        // A failed batch rolled back (its rows stay due for the next sweep); the other lanes stop after theirs.
        stop = true;
        throw err;
      }),
    ),
  );
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return total;
}

/** Runs a batch's claim while no other lane of the sweep claims. */
type ClaimTurn = <T>(claim: () => Promise<T>) => Promise<T>;

async function sweepBatch(tx: Tx, now: Date, calendar: WorkingCalendar, opts: SweepOptions, claimTurn: ClaimTurn): Promise<SweepResult & { written: PendingOutboxRow[] }> {
  const batchSize = opts.batchSize ?? 2000;
  const due = await claimTurn(() => claimBatch(tx, now, batchSize));
  if (due.length === 0) return { processed: 0, outboxIds: [], skipped: 0, postponed: 0, written: [] };

  const statusById = new Map<string, 'sent' | 'skipped'>();
  const postponed: { id: string; due_at: string; local_date: string }[] = [];
  const live: DueRow[] = [];
  const hours = workingHoursOf(opts.config);
  const nowDt = DateTime.fromJSDate(now);
  // "now" is one instant for the whole batch, so the slot only depends on the zone: computed once per zone.
  const slots = new Map<string, DateTime>();
  for (const r of due) {
    if (!stillNeeded(r)) {
      statusById.set(r.id, 'skipped');
      continue;
    }
    let slot = slots.get(r.timezone);
    if (!slot) {
      slot = nextWorkingSlot(nowDt, r.timezone, calendar, hours);
      slots.set(r.timezone, slot);
    }
    if (slot.toMillis() > now.getTime()) {
      postponed.push({ id: r.id, due_at: slot.toISO() as string, local_date: slot.setZone(r.timezone).toISODate() as string });
      continue;
    }
    live.push(r);
  }

  const composed = await composeMessages(tx, live, now, calendar, opts.config);
  const { messages } = composed;
  postponed.push(...composed.postponed);
  const moved = new Set(composed.postponed.map((p) => p.id));
  // Live rows no message speaks for (nobody to send to) are skipped rather than retried every minute. Known
  // before writing, so they are settled in the statement that writes the messages.
  const inMessages = new Set(messages.flatMap((m) => m.reminderIds));
  for (const r of live) if (!inMessages.has(r.id) && !moved.has(r.id)) statusById.set(r.id, 'skipped');
  const decided = [...statusById].map(([id, status]) => ({ id, status }));
  // One statement writes the messages, marks the rows of those written sent, and settles the rows decided above.
  const inserted = await sendReminderMessages(
    tx,
    messages.map((m) => ({ platform: m.platform, chatId: m.chat_id, recipient: m.recipient_id, payload: m.payload, key: m.dedupe_key, reminderIds: m.reminderIds })),
    decided,
    postponed,
    now,
  );
  const outboxIds = inserted.map((i) => i.id);
  const insertedKeys = new Set(inserted.map((i) => i.key));
  // A row several messages speak for (an HR digest to each HR officer) is sent when any of them went.
  for (const m of messages.filter((x) => insertedKeys.has(x.dedupe_key))) for (const id of m.reminderIds) statusById.set(id, 'sent');
  const late: { updates: { id: string; status: 'skipped' }[]; postponed: { id: string; due_at: string; local_date: string }[] } = { updates: [], postponed: [] };
  for (const m of messages.filter((x) => !insertedKeys.has(x.dedupe_key))) {
    // Today's message already went to this person: what still matters tomorrow waits for it.
    const slot = nextWorkingSlot(DateTime.fromJSDate(now).setZone(m.timezone).plus({ days: 1 }).startOf('day'), m.timezone, calendar, hours);
    for (const id of m.reminderIds) {
      if (statusById.get(id) === 'sent' || moved.has(id)) continue;
      if (m.postponable.has(id)) {
        moved.add(id);
        late.postponed.push({ id, due_at: slot.toISO() as string, local_date: slot.setZone(m.timezone).toISODate() as string });
      } else if (statusById.get(id) !== 'skipped') {
        statusById.set(id, 'skipped');
        late.updates.push({ id, status: 'skipped' });
      }
    }
  }
  await settleReminders(tx, late.updates, now);
  await postponeReminders(tx, late.postponed);
  postponed.push(...late.postponed);

  // A nudge check that was settled plans the next one (a postponed check keeps its row and runs again).
  const next = composed.nudges.filter((n) => !moved.has(n.rowId) && statusById.has(n.rowId));
  await planNextNudge(tx, next.map((n) => ({ raterId: n.raterId, cycleId: n.cycleId, timezone: n.timezone, date: statusById.get(n.rowId) === 'sent' ? n.sentNext : n.quietNext })), opts.config, now);

  const skipped = [...statusById.values()].filter((status) => status === 'skipped').length;
  return { processed: due.length, outboxIds, skipped, postponed: postponed.length, written: inserted.map((i) => i.pending) };
}

/**
 * Locks a batch of due rows with everything their messages must hold. The claim brought the reminded people's
 * other due rows and the supervisors' other late people with it. An HR officer's message covers every unit
 * they look after: the due HR rows below their own units are claimed too.
 */
async function claimBatch(tx: Tx, now: Date, batchSize: number): Promise<DueRow[]> {
  const due = await claimDueReminders(tx, now, batchSize);
  const hrUnits = [...new Set(due.filter((r) => r.audience === 'hr').map((r) => r.unit_id))];
  if (hrUnits.length > 0) {
    const officers = [...new Set([...(await hrOfficers(tx, hrUnits)).values()].flat())];
    const officerUnits = officers.length > 0 ? (await tx.query<{ unit_id: number }>(`select distinct unit_id from employee where id = any($1::int[])`, [pgArray(officers)])).map((u) => u.unit_id) : [];
    due.push(...(await claimDueEscalations(tx, now, due.map((r) => r.id), [], [...new Set([...hrUnits, ...officerUnits])])));
  }
  return due;
}

/** A reminder is pointless once its deadline's work is done or its cycle moved on. */
function stillNeeded(r: DueRow): boolean {
  // A request for feedback is reminded while unanswered; a nudge while its period is open.
  if (r.kind === 'fbreq') return r.request_open === true;
  if (r.kind === 'fbnudge') return r.cycle_status === 'open';
  if (r.assessment_id === null || r.cycle_status === null) return false;
  if (!['open', 'reviewing', 'announced'].includes(r.cycle_status)) return false;
  if (r.kind.startsWith('self:')) return r.a_status === 'draft' || r.a_status === 'returned';
  if (r.kind.startsWith('review:')) return r.a_status === 'submitted';
  // Coaching check-ins and their rating prompts belong to an announced cycle; so do objections (deciding cancels theirs).
  if (r.kind.startsWith('checkin:') || r.kind.startsWith('checkin_rating:') || r.kind.startsWith('objection:')) return r.cycle_status === 'announced';
  return false;
}

export { pgArray };

const deadlineTexts = new Map<string, string>();

/** "Jumat, 14 Maret 2025 pukul 23.59 WIB": the end of a deadline day, in the reader's zone and language. */
export function formatDeadline(date: string, timezone: string, locale: string): string {
  // Formatting through Intl is slow and a sweep formats the same few deadlines thousands of times.
  const key = `${date}|${timezone}|${locale}`;
  let text = deadlineTexts.get(key);
  if (text === undefined) {
    text = formatDeadlineUncached(date, timezone, locale);
    if (deadlineTexts.size > 1000) deadlineTexts.clear();
    deadlineTexts.set(key, text);
  }
  return text;
}

function formatDeadlineUncached(date: string, timezone: string, locale: string): string {
  const end = DateTime.fromISO(date, { zone: timezone }).endOf('day').setLocale(locale === 'en' ? 'en-GB' : 'id');
  const zone = timezoneAlias(timezone) ?? timezone;
  return locale === 'en' ? `${end.toFormat('cccc d LLLL yyyy')}, 23:59 ${zone}` : `${end.toFormat('cccc, d LLLL yyyy')} pukul 23.59 ${zone}`;
}

async function composeMessages(tx: Tx, live: DueRow[], now: Date, calendar: WorkingCalendar, config: ReminderConfig): Promise<Composed> {
  const composed: Composed = { messages: [], postponed: [], nudges: [] };
  if (live.length === 0) return composed;
  // A self reminder's progress came with its row (`progressColumnsSql`).
  const progress = new Map<number, Progress>();
  for (const r of live) if (r.done !== null && r.total !== null && r.assessment_id !== null) progress.set(r.assessment_id, { done: Number(r.done), total: Number(r.total) });

  // Everyone a message may go to or names: reminded people (their rows carry them), supervisors of late people
  // and of check-ins, the people check-ins, objections and requests are about, HR of the units, deciders.
  const hrByUnit = await hrOfficers(tx, [...new Set(live.filter((r) => r.audience === 'hr').map((r) => r.unit_id))]);
  const people = new Map<number, Person>();
  for (const r of live) {
    // As `peopleWithChat` reads them: only active people.
    if (r.active && !people.has(r.recipient_id)) people.set(r.recipient_id, { id: r.recipient_id, name: r.name, nip: r.nip, locale: r.locale, timezone: r.timezone, platform: r.platform, chat_id: r.chat_id });
  }
  const ids = new Set<number>();
  for (const r of live) {
    ids.add(r.recipient_id);
    if (r.supervisor_id !== null && (r.audience === 'supervisor' || r.kind.startsWith('checkin'))) ids.add(r.supervisor_id);
    if (r.subject_id !== null) ids.add(r.subject_id);
  }
  for (const list of hrByUnit.values()) for (const id of list) ids.add(id);

  // Objection reminders name the objection's due date and its decider.
  const objections = await openObjections(tx, [...new Set(live.filter((r) => r.kind.startsWith('objection:') && r.assessment_id !== null).map((r) => r.assessment_id as number))]);
  for (const o of objections.values()) if (o.decider_id !== null && !ids.has(o.decider_id)) ids.add(o.decider_id);
  const recipients = new Set(live.map((r) => r.recipient_id));
  for (const [id, person] of await peopleWithChat(tx, [...ids].filter((id) => !recipients.has(id)))) people.set(id, person);

  // Review reminders say how many submissions wait for this rater.
  const raters = [...new Set(live.filter((r) => r.kind.startsWith('review:')).map((r) => r.recipient_id))];
  const waiting = await reviewsWaiting(tx, raters);

  const localDates = new Map<string, string>();
  const localDate = (tz: string) => {
    let d = localDates.get(tz);
    if (d === undefined) {
      d = DateTime.fromJSDate(now, { zone: tz }).toISODate() as string;
      localDates.set(tz, d);
    }
    return d;
  };

  // Every paragraph for a person today, in the order they read them; one message each at the end.
  const parts = new Map<number, Part[]>();
  const add = (personId: number, part: Part) => parts.set(personId, [...(parts.get(personId) ?? []), part]);

  // 1. Personal reminders: both deadline tracks, check-ins, objections to decide, requests for feedback.
  const personal = groupBy(
    live.filter((r) => r.audience === 'employee' && r.kind !== 'fbnudge'),
    (r) => `${r.recipient_id}`,
  );
  for (const rows of personal.values()) {
    const person = people.get(rows[0].recipient_id);
    if (!person?.platform || !person.chat_id) continue;
    const t = jobTranslator(person.locale);
    const self = mostUrgent(rows.filter((r) => r.kind.startsWith('self:')));
    const review = mostUrgent(rows.filter((r) => r.kind.startsWith('review:')));
    const deadlineIds = rows.filter((r) => r.kind.startsWith('self:') || r.kind.startsWith('review:')).map((r) => r.id);
    const deadlineParts: Part[] = [];
    if (self) {
      const p = progress.get(self.assessment_id as number) ?? { done: 0, total: 0 };
      const vars = { cycle: cycleDisplayName(self.cycle_name ?? ''), deadline: formatDeadline(self.self_deadline as string, person.timezone, person.locale), done: p.done, total: p.total, days: daysBefore(self.kind) };
      deadlineParts.push({ text: selfReminderText(t, momentOf(self.kind), vars), buttons: [[{ label: continueButtonLabel(t), token: CONTINUE_ASSESSMENT_TOKEN, style: 'primary' }]], reminderIds: [], postponable: false });
    }
    if (review) {
      const vars = { cycle: cycleDisplayName(review.cycle_name ?? ''), deadline: formatDeadline(review.review_deadline as string, person.timezone, person.locale), count: waiting.get(review.recipient_id) ?? 1 };
      deadlineParts.push({ text: reviewReminderText(t, momentOf(review.kind), vars), buttons: [[{ label: reviewButtonLabel(t), token: OPEN_REVIEWS_TOKEN }]], reminderIds: [], postponable: false });
    }
    // The less urgent reminders of a track are answered by the paragraph of the most urgent one.
    if (deadlineParts.length > 0) deadlineParts[0]!.reminderIds = deadlineIds;
    for (const part of deadlineParts) add(person.id, part);
    for (const r of rows.filter((x) => x.kind.startsWith('checkin'))) {
      const coached = r.subject_id === person.id;
      const otherId = coached ? r.supervisor_id : r.subject_id;
      const vars = { other: (otherId !== null ? people.get(otherId)?.name : undefined) ?? '-', date: localDate(person.timezone) };
      if (r.kind.startsWith('checkin_rating:')) {
        const checkInId = r.kind.slice('checkin_rating:'.length);
        add(person.id, { text: checkInText(person.locale, 'rating', vars), buttons: [[1, 2, 3, 4, 5].map((n) => ({ label: String(n), token: `${CHECKIN_RATING_TOKEN}:${checkInId}:${n}` }))], reminderIds: [r.id], postponable: false });
      } else {
        add(person.id, { text: checkInText(person.locale, coached ? 'employee' : 'supervisor', vars), buttons: [], reminderIds: [r.id], postponable: false });
      }
    }
    for (const group of groupBy(rows.filter((x) => x.kind.startsWith('objection:')), (x) => `${x.assessment_id}`).values()) {
      const r = mostUrgent(group) as DueRow;
      const o = objections.get(r.assessment_id as number);
      if (!o) continue;
      const owner = r.subject_id !== null ? people.get(r.subject_id) : undefined;
      const vars = { name: owner?.name ?? '-', nip: owner?.nip ?? '-', cycle: cycleDisplayName(r.cycle_name ?? ''), date: formatDate(jobLocale(person.locale), o.due_on), decider: person.name, command: commandToken(OBJECTION_COMMAND) };
      add(person.id, { text: objectionReminderText(t, momentOf(r.kind), vars), buttons: [], reminderIds: group.map((x) => x.id), postponable: false });
    }
    for (const r of rows.filter((x) => x.kind === 'fbreq')) {
      const asker = r.subject_id !== null ? people.get(r.subject_id) : undefined;
      if (!asker) continue;
      const vars = { name: asker.name, nip: asker.nip, date: formatDate(jobLocale(person.locale), r.request_on as string), topic: r.request_topic, command: commandToken(FEEDBACK_COMMAND) };
      add(person.id, { text: feedbackRequestReminderText(t, vars), buttons: [], reminderIds: [r.id], postponable: true });
    }
  }

  // 2. Feedback nudges: the supervisor's people without their feedback for FEEDBACK_NUDGE_DAYS, never in a
  // deadline's quiet days (those rows move to the working day after the deadline).
  const nudgeDays = config.FEEDBACK_NUDGE_DAYS ?? DEFAULT_FEEDBACK_NUDGE_DAYS;
  const nudgeRows: DueRow[] = [];
  for (const r of live.filter((x) => x.kind === 'fbnudge' && x.cycle_id !== null)) {
    const today = localDate(r.timezone);
    const day = nudgeDay(today, [r.self_deadline, r.review_deadline].filter((d): d is string => d !== null), calendar);
    if (day === today) {
      nudgeRows.push(r);
      continue;
    }
    const slot = nextWorkingSlot(DateTime.fromISO(`${day}T${config.REMINDER_SEND_AT}`, { zone: r.timezone }), r.timezone, calendar, workingHoursOf(config));
    composed.postponed.push({ id: r.id, due_at: slot.toISO() as string, local_date: day });
  }
  const checks = await nudgeChecks(tx, nudgeRows.map((r) => ({ raterId: r.recipient_id, cycleId: r.cycle_id as number })), now, nudgeDays);
  for (const r of nudgeRows) {
    const today = DateTime.fromJSDate(now, { zone: r.timezone }).startOf('day');
    const { quiet, firstQuietOn } = checks.get(`${r.recipient_id}:${r.cycle_id}`) ?? { quiet: [], firstQuietOn: null };
    // Without a nudge now, the next check is when the first of the others falls quiet (N days on at the latest).
    const firstQuiet = firstQuietOn !== null ? DateTime.fromISO(firstQuietOn, { zone: r.timezone }) : undefined;
    const inN = today.plus({ days: nudgeDays });
    const later = (d: DateTime | undefined) => (d && d < inN ? (d > today ? d : today.plus({ days: 1 })) : inN).toISODate() as string;
    composed.nudges.push({ rowId: r.id, raterId: r.recipient_id, cycleId: r.cycle_id as number, timezone: r.timezone, sentNext: inN.toISODate() as string, quietNext: later(firstQuiet) });
    const person = people.get(r.recipient_id);
    if (quiet.length === 0 || !person?.platform || !person.chat_id) continue;
    add(person.id, { text: feedbackNudgeText(jobTranslator(person.locale), { days: nudgeDays, people: quiet, command: commandToken(FEEDBACK_COMMAND) }), buttons: [], reminderIds: [r.id], postponable: true });
  }

  // 3. Supervisor digests: one section per supervisor, listing every late person.
  const bySupervisor = groupBy(
    live.filter((r) => r.audience === 'supervisor' && r.supervisor_id !== null),
    (r) => `${r.supervisor_id}`,
  );
  for (const rows of bySupervisor.values()) {
    const sup = people.get(rows[0].supervisor_id as number);
    if (!sup?.platform || !sup.chat_id) continue;
    add(sup.id, { text: digestText(sup, rows, 'supervisor', progress, people, ''), buttons: [], reminderIds: rows.map((r) => r.id), postponable: true });
  }

  // 4. HR digests: one section per unit for each HR officer of it, all of an officer's units in their one message.
  const unitNames = await unitNamesOf(tx, [...hrByUnit.keys()]);
  const byUnit = groupBy(
    live.filter((r) => r.audience === 'hr' && !r.kind.startsWith('objection:')),
    (r) => `${r.unit_id}`,
  );
  for (const rows of byUnit.values()) {
    const unitId = rows[0].unit_id;
    for (const hrId of hrByUnit.get(unitId) ?? []) {
      const hr = people.get(hrId);
      if (!hr?.platform || !hr.chat_id) continue;
      add(hr.id, { text: digestText(hr, rows, 'hr', progress, people, unitNames.get(unitId) ?? String(unitId)), buttons: [], reminderIds: rows.map((r) => r.id), postponable: true });
    }
  }

  // 5. Objections HR must see: one not decided in time (escalated, recorded and audited once), or one HR decides.
  for (const r of live.filter((x) => x.audience === 'hr' && x.kind.startsWith('objection:'))) {
    const o = objections.get(r.assessment_id as number);
    if (!o) continue;
    const escalated = r.kind === 'objection:escalate_hr';
    if (escalated) {
      const first = await tx.exec(`update objection set escalated_at = $2 where id = $1 and escalated_at is null`, [o.id, now]);
      if (first > 0) await appendAudit(tx, { actor: 'system', action: 'objection.escalated', subject: `assessment:${r.assessment_id}`, data: { dueOn: o.due_on, decider: o.decider_id } }, now);
    }
    const owner = people.get(r.recipient_id);
    const decider = o.decider_id !== null ? people.get(o.decider_id) : undefined;
    for (const hrId of hrByUnit.get(r.unit_id) ?? []) {
      const hr = people.get(hrId);
      if (!hr?.platform || !hr.chat_id) continue;
      const vars = { name: owner?.name ?? r.name, nip: owner?.nip ?? r.nip, cycle: cycleDisplayName(r.cycle_name ?? ''), date: formatDate(jobLocale(hr.locale), o.due_on), decider: decider?.name ?? '-', command: commandToken(OBJECTION_COMMAND) };
      add(hr.id, { text: objectionHrText(jobTranslator(hr.locale), escalated, vars), buttons: [], reminderIds: [r.id], postponable: true });
    }
  }

  // One message a person a day: every paragraph, every button, one dedupe key.
  for (const [personId, list] of parts) {
    const person = people.get(personId);
    if (!person?.platform || !person.chat_id) continue;
    composed.messages.push({
      platform: person.platform,
      chat_id: person.chat_id,
      recipient_id: person.id,
      payload: { text: list.map((p) => p.text).join('\n\n'), buttons: list.flatMap((p) => p.buttons) },
      dedupe_key: `reminder:${person.id}:${localDate(person.timezone)}`,
      reminderIds: [...new Set(list.flatMap((p) => p.reminderIds))],
      postponable: new Set(list.filter((p) => p.postponable).flatMap((p) => p.reminderIds)),
      timezone: person.timezone,
    });
  }
  return composed;
}

/** The open objections of these assessments: id, due date, named decider. */
async function openObjections(tx: Tx, assessmentIds: number[]): Promise<Map<number, { id: number; due_on: string; decider_id: number | null }>> {
  const out = new Map<number, { id: number; due_on: string; decider_id: number | null }>();
  if (assessmentIds.length === 0) return out;
  const rows = await tx.query<{ id: number; assessment_id: number; due_on: string; decider_id: number | null }>(
    `select id, assessment_id, to_char(due_on, 'YYYY-MM-DD') as due_on, decider_id from objection where assessment_id = any($1::int[]) and status = 'open' and due_on is not null`,
    [pgArray(assessmentIds)],
  );
  for (const r of rows) out.set(r.assessment_id, r);
  return out;
}

/** Where a reminder kind (`self:h_minus_3`, `review:due_today`, ...) stands against its deadline. */
function momentOf(kind: string): ReminderMoment {
  const k = kind.slice(kind.indexOf(':') + 1);
  return k === 'due_today' ? 'due_today' : k.startsWith('h_minus_') ? 'before' : 'overdue';
}

function daysBefore(kind: string): number {
  const m = /h_minus_(\d+)/.exec(kind);
  return m ? Number(m[1]) : 0;
}

/** The most urgent row: the one furthest past (or closest to) its deadline. */
function mostUrgent(rows: DueRow[]): DueRow | undefined {
  const urgency = (r: DueRow) => {
    const k = r.kind.slice(r.kind.indexOf(':') + 1);
    return k.startsWith('h_minus_') ? -daysBefore(k) : k === 'due_today' ? 0 : 1;
  };
  return [...rows].sort((a, b) => urgency(b) - urgency(a))[0];
}

function digestText(to: Person, rows: DueRow[], audience: 'supervisor' | 'hr', progress: Map<number, Progress>, people: Map<number, Person>, unit: string): string {
  const t = jobTranslator(to.locale);
  const lines: string[] = [];
  for (const track of ['self', 'review'] as const) {
    const ofTrack = rows.filter((r) => r.kind.startsWith(`${track}:`));
    if (ofTrack.length === 0) continue;
    const first = ofTrack[0];
    const deadline = formatDeadline((track === 'self' ? first.self_deadline : first.review_deadline) as string, to.timezone, to.locale);
    lines.push(digestHeading(t, audience, track, { cycle: cycleDisplayName(first.cycle_name ?? ''), deadline, unit }));
    const seen = new Set<number>();
    for (const r of [...ofTrack].sort((a, b) => a.name.localeCompare(b.name))) {
      if (seen.has(r.recipient_id)) continue;
      seen.add(r.recipient_id);
      if (track === 'self') {
        const p = progress.get(r.assessment_id as number) ?? { done: 0, total: 0 };
        lines.push(digestSelfLine(t, { name: r.name, nip: r.nip, done: p.done, total: p.total }));
      } else {
        lines.push(digestReviewLine(t, { name: r.name, nip: r.nip, reviewer: people.get(r.recipient_id)?.name ?? r.name }));
      }
    }
  }
  return lines.join('\n');
}

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

interface Progress {
  done: number;
  total: number;
}

/** Each person with the private chat the bot uses for them (the most recently linked identity). */
async function peopleWithChat(tx: Tx, ids: number[]): Promise<Map<number, Person>> {
  const out = new Map<number, Person>();
  if (ids.length === 0) return out;
  const rows = await tx.query<Person>(
    `select e.id, e.name, e.nip, e.locale, e.timezone, ci.platform, ci.chat_id
       from employee e ${currentChatJoin('e.id')}
      where e.id = any($1::int[]) and e.active`,
    [pgArray(ids)],
  );
  for (const r of rows) out.set(r.id, r);
  return out;
}

async function unitNamesOf(tx: Tx, ids: number[]): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  if (ids.length === 0) return out;
  const rows = await tx.query<{ id: number; name: string }>(`select id, name from unit where id = any($1::int[])`, [pgArray(ids)]);
  for (const r of rows) out.set(r.id, r.name);
  return out;
}
