/**
 * The conversation engine: handles one IncomingEvent in one database transaction.
 *
 *   record event id (a replay stops here) -> resolve chat identity -> load conversation -> load what the
 *   step needs -> run the pure step -> save records, audit entries, outbox rows and the conversation
 *   (optimistic lock on its version; a lost race re-runs the event) -> COMMIT -> onCommitted(outbox ids)
 *
 * No platform call happens here: messages are outbox rows, delivered by a worker after commit.
 */
import { DEFAULT_OBJECTION_DECISION_DAYS, DEFAULT_OBJECTION_WINDOW_DAYS, isLinkCodeUsable } from '../domain/index.js';
import type { Clock } from '../clock.js';
import type { Orm } from '../db/orm.js';
import type { Logger } from '../logger.js';
import { ConcurrentUpdate, EventReplayed, applyEffects, type ApplyArgs } from './apply.js';
import { applyInOneStatement, applyManyInOneStatement, fitsOneStatement, type WriteOutcome } from './write-statement.js';
import { cleanDeep, cutText, type ConversationEngine, type HandleResult, type IncomingEvent, type OutgoingMessage } from '../contract/index.js';
import { PLAIN_CAPABILITIES, type CapabilityLookup } from './capabilities.js';
import { ADMIN_ROLE, flows as defaultFlows, type FlowRegistry } from './flows/index.js';
import { linkCodeOf } from './flows/linking.js';
import { localeFromHint, translator } from '../i18n/index.js';
import { loadAssessment, loadCalibration, loadCheckIn, loadIngress, loadIngressMany, loadLatestResult, loadFeedbackRater, loadFeedbackTargets, loadGathered, loadHistory, loadReceived, loadFeedbackThread, loadRelayThreadKey, loadRecognition, loadLinkContext, loadMonitor, loadObjectionCase, loadPendingReviews, withRaters } from './load.js';
import { insertOutbox } from '../db/outbox.js';
import { unitByCode } from '../db/units.js';
import type { ReminderConfig } from '../db/reminders.js';
import { createAuditChainer, type AuditChainer } from './audit-chainer.js';
import { TxRunner, type Session, type Tx } from '../db/sql.js';
import { isTransientDatabaseError } from '../db/transient.js';
import type { Ingress } from './load.js';
import { initialState, type ConversationState, type Effect, type Locale, type StepInput, type StepResult } from './state.js';
import { CHECKIN_RATING_TOKEN_PREFIX, CONTINUE_ASSESSMENT_TOKEN, OPEN_CALIBRATION_TOKEN, OPEN_REVIEWS_TOKEN, issuedTo, randomErrorId, randomToken } from './tokens.js';
import type { StepContext } from './views.js';

/** Reminder settings when the caller passes none (the same defaults as config.ts). */
const REMINDER_DEFAULTS: ReminderConfig = { WORKING_HOURS: '08:00-16:00', REMINDER_SEND_AT: '09:00', HOLIDAY_COUNTRY: 'ID' };

/** "Show all" of a review's feedback and recognitions lists at most this many (a period has far fewer). */
const GATHERED_ALL_MAX = 200;

/** How often a lost optimistic-lock race is retried before giving up with an error message. */
const MAX_ATTEMPTS = 8;

/** RECOGNITION_PER_DAY when the caller passes none (config.ts has the same default). */
const DEFAULT_RECOGNITION_PER_DAY = 3;

/** The configuration values the engine reads (src/config.ts validates them; the engine does not import it). */
export interface EngineSettings {
  /** A realisasi above target x this is refused as a likely typo. */
  REALISASI_MAX_MULTIPLE: number;
  /** Largest evidence file accepted, in megabytes. */
  EVIDENCE_MAX_MB: number;
  /** After this long without a message the conversation pauses; the draft is kept. */
  DRAFT_IDLE_MINUTES: number;
  /** Days after the announcement an objection may be filed (a cycle's `objectionWindowDays` wins); default 14. */
  OBJECTION_WINDOW_DAYS?: number;
  /** Days the rater's superior has to decide an objection before HR is told; default 14. */
  OBJECTION_DECISION_DAYS?: number;
  /** Recognitions (/apresiasi) one person may send a day; default 3. */
  RECOGNITION_PER_DAY?: number;
  /** Public address of the HR web page, for `/masuk` links; unset: the page is off. */
  PUBLIC_URL?: string;
}

export interface EngineDeps {
  orm: Orm;
  /** The reminder settings are optional: absent ones take the configuration's defaults. */
  config: EngineSettings & Partial<ReminderConfig>;
  clock: Clock;
  logger: Logger;
  /** Called after COMMIT with the outbox ids the event wrote (the delivery queue enqueues them). */
  onCommitted?: (outboxIds: number[]) => void | Promise<void>;
  /** Token source; tests may inject a predictable one. */
  newToken?: () => string;
  /** The flows (default: the bot's registry); tests may register extra flow modules. */
  flows?: FlowRegistry;
  /** What each platform can do, from the platform registry (`capabilitiesOf(PLATFORM_MODULES)`); default: plain text only. */
  capabilities?: CapabilityLookup;
}

/** The engine with its statistics, for the benchmark and health output. */
export interface Engine extends ConversationEngine {
  /** Events re-run after losing an optimistic-lock race, since start. */
  readonly retries: number;
  /** Events written in a batch's one statement, and events of batches that ran alone, since start. */
  readonly batchStats: { readonly inBatch: number; readonly alone: number };
  /** Chains the audit entries the engine's turns write sealed (src/engine/audit-chainer.ts); nudged after each commit. */
  readonly auditChainer: AuditChainer;
}

/** What a turn will write, decided from what was read. */
interface Plan {
  args: ApplyArgs;
  ack: Pick<HandleResult, 'ackText' | 'formErrors'>;
}

/**
 * Thrown by the reader a batch plans with: the step wants a read beyond the batch's one statement (linking,
 * a thread, a subject, raters...), so the event leaves the batch and runs alone.
 */
class NeedsOwnRead extends Error {
  constructor() {
    super('the step needs a read of its own');
    this.name = 'NeedsOwnRead';
  }
}

const noFurtherReads: Tx = {
  query: () => Promise.reject(new NeedsOwnRead()),
  exec: () => Promise.reject(new NeedsOwnRead()),
  beforeCommit: () => {
    throw new NeedsOwnRead();
  },
};

/** Capabilities when the caller names none: typed questions only. */
const plainOnly: CapabilityLookup = () => PLAIN_CAPABILITIES;

/** Creates the engine. It holds no state of its own: any number of instances may share one database. */
export function createEngine(deps: EngineDeps): Engine {
  const runner = new TxRunner(deps.orm);
  const newToken = deps.newToken ?? randomToken;
  const flows = deps.flows ?? defaultFlows;
  const reminders = {
    clock: deps.clock,
    config: {
      WORKING_HOURS: deps.config.WORKING_HOURS ?? REMINDER_DEFAULTS.WORKING_HOURS,
      REMINDER_SEND_AT: deps.config.REMINDER_SEND_AT ?? REMINDER_DEFAULTS.REMINDER_SEND_AT,
      HOLIDAY_COUNTRY: deps.config.HOLIDAY_COUNTRY ?? REMINDER_DEFAULTS.HOLIDAY_COUNTRY,
      FEEDBACK_REQUEST_DAYS: deps.config.FEEDBACK_REQUEST_DAYS,
    },
  };
  let retries = 0;
  const batchStats = { inBatch: 0, alone: 0 };
  // Turns write their audit entries sealed and never wait for the chain; this gives them their place after.
  const auditChainer = createAuditChainer({ runner, logger: deps.logger });

  /**
   * One try: read (one statement for an ordinary message), run the pure step, write. Simple steps write in
   * one statement; the rest in a transaction. Both detect a replay and a lost race on the conversation.
   */
  async function attempt(event: IncomingEvent): Promise<HandleResult> {
    return runner.session((session) => attemptOn(session, event));
  }

  async function attemptOn(session: Session, event: IncomingEvent): Promise<HandleResult> {
    // "Kirim" pressed: its raters and review planning come with the one read (load.ts IngressOptions).
    const raters = event.kind === 'action' ? { at: deps.clock.now(), token: event.payload, actions: flows.ownRatersActions } : null;
    const ingress = await loadIngress(session, event.platform, event.eventId, event.platformUserId, flows.parseState, { raters });
    if (ingress.seen) return { duplicate: true, outboxIds: [] };
    const plan = await planOn(session, event, ingress);
    if (fitsOneStatement(plan.args)) {
      const r = await applyInOneStatement(session, plan.args);
      return r.kind === 'duplicate' ? { duplicate: true, outboxIds: [] } : { duplicate: false, outboxIds: r.outboxIds, ...plan.ack };
    }
    try {
      return await session.transaction(async (tx) => {
        const outboxIds = await applyEffects(tx, plan.args);
        return { duplicate: false, outboxIds, ...plan.ack };
      });
    } catch (err) {
      // Rolled back: the event was recorded before (a replay, or the same event committed by another process).
      if (err instanceof EventReplayed) return { duplicate: true, outboxIds: [] };
      throw err;
    }
  }

  /**
   * Everything between the first read and the write: the reads the step needs beyond `ingress` (through
   * `read`), the pure step, and the write it asks for. Writes nothing.
   */
  async function planOn(read: Tx, event: IncomingEvent, ingress: Ingress): Promise<Plan> {
    const now = deps.clock.now();
    const state: ConversationState = ingress.conversation?.state ?? initialState();
    const actor = ingress.actor;
    const input = toStepInput(event, state, actor?.id ?? null);
    let locale: Locale = actor?.locale ?? localeFromHint(event.hints?.locale);

    let link: StepContext['link'];
    // Who the chat user becomes in this event, if it links them: a supervisor is told of waiting reviews at once.
    let linkingAs: number | null = null;
    if (!actor) {
      const code = linkCodeOf(input);
      const email = event.hints?.email ?? null;
      if (code || email) {
        const lc = await loadLinkContext(read, { platform: event.platform, platformUserId: event.platformUserId, code, email, now });
        const valid = !!lc.found && isLinkCodeUsable(lc.found, now) && !lc.lockedUntil;
        if (valid && lc.found) locale = lc.found.locale;
        else if (!code && lc.emailMatch) locale = lc.emailMatch.locale;
        link = { code: code ?? '', found: lc.found, recentFailures: lc.recentFailures, lockedUntil: lc.lockedUntil, emailMatch: lc.emailMatch?.id ?? null };
        linkingAs = valid && lc.found ? lc.found.employeeId : !code && lc.emailMatch ? lc.emailMatch.id : null;
      }
    }

    const needs = actor ? flows.needsFor(state, input) : null;
    let own = ingress.own;
    // Raters are only needed to submit; answering questions skips that query.
    if (own && needs?.ownRaters && !ingress.ownRaters) own = await withRaters(read, own, now);
    const capabilities = (deps.capabilities ?? plainOnly)(event.platform);
    // Typed outside any thread, idle, right after a relayed dialog message: the answer to it, in its thread
    // (on Slack a reply is easily typed at the top level of the DM; the person is told where it went).
    let threadKey = event.threadKey;
    let impliedThread = false;
    if (actor && !threadKey && event.kind === 'text' && !event.groupChatId && state.flow === 'idle' && capabilities.threads) {
      const relayed = await loadRelayThreadKey(read, event.platform, event.chatId);
      if (relayed) {
        threadKey = relayed;
        impliedThread = true;
      }
    }
    let subject = null;
    let feedbackThread = null;
    if (actor && threadKey) {
      subject = await loadAssessment(read, { threadKey }, { now, locale });
      if (!subject) feedbackThread = await loadFeedbackThread(read, threadKey);
    } else if (actor && needs && needs.subjectId !== null) subject = await loadAssessment(read, { id: needs.subjectId }, { now, locale });
    // Only an HR admin's /lihat reads someone else's assessment by NIP.
    else if (actor && needs && needs.ownerNip !== null && actor.roles.includes(ADMIN_ROLE)) subject = await loadAssessment(read, { ownerNip: needs.ownerNip }, { now, locale });
    const reviewerId = actor && needs?.pendingReviews ? actor.id : linkingAs;
    const pendingReviews = reviewerId !== null ? await loadPendingReviews(read, reviewerId, now) : null;
    const checkIn = actor && needs && needs.checkInId !== null ? await loadCheckIn(read, needs.checkInId) : null;
    const objectionKey = needs?.objection ?? null;
    const objection =
      actor && objectionKey !== null
        ? await loadObjectionCase(read, objectionKey === 'own' ? { ownerId: actor.id } : typeof objectionKey === 'number' ? { assessmentId: objectionKey } : { ownerNip: objectionKey.nip }, { now, locale, windowDays: deps.config.OBJECTION_WINDOW_DAYS ?? DEFAULT_OBJECTION_WINDOW_DAYS })
        : null;
    const calibration = actor && needs?.calibration ? await loadCalibration(read, actor.id) : null;
    const latestResult = actor && needs?.result ? await loadLatestResult(read, actor.id) : null;
    const unit = actor && needs && needs.unitCode !== null ? await unitByCode(read, needs.unitCode) : null;
    const monitor = actor && needs?.monitor ? await loadMonitor(read, actor.id, needs.monitorUnit) : null;
    const feedbackTargets = actor && needs?.feedbackTargets ? await loadFeedbackTargets(read, actor.id, now) : null;
    const gathered = subject && needs?.gathered ? await loadGathered(read, subject.owner.id, subject.cycle.id, needs.gatheredAll ? GATHERED_ALL_MAX : 3) : null;
    const history = actor && needs?.history ? await loadHistory(read, actor.id, actor.timezone) : null;
    const received = actor && needs?.received ? await loadReceived(read, actor.id) : null;
    const feedbackRater = actor && needs?.feedbackRater ? await loadFeedbackRater(read, actor.id, now) : null;
    const recognition = actor && needs?.recognition ? await loadRecognition(read, actor, now, needs.recognition, deps.config.RECOGNITION_PER_DAY ?? DEFAULT_RECOGNITION_PER_DAY, event.platform) : null;

    const idleMs = deps.config.DRAFT_IDLE_MINUTES * 60_000;
    const ctx: StepContext = {
      now,
      platform: event.platform,
      capabilities,
      actor,
      locale,
      own,
      subject,
      pendingReviews,
      checkIn,
      objection,
      calibration,
      result: latestResult,
      groupChat: event.groupChatId ?? null,
      unit,
      monitor,
      feedbackTargets,
      feedbackThread,
      ...(impliedThread ? { impliedThread } : {}),
      recognition,
      feedbackRater,
      received,
      gathered,
      history,
      ...(deps.config.PUBLIC_URL ? { publicUrl: deps.config.PUBLIC_URL } : {}),
      resumedAfterIdle: !!ingress.conversation && now.getTime() - ingress.conversation.lastActivityAt.getTime() > idleMs,
      limits: {
        realisasiMaxMultiple: deps.config.REALISASI_MAX_MULTIPLE,
        evidenceMaxMb: deps.config.EVIDENCE_MAX_MB,
        objectionDecisionDays: deps.config.OBJECTION_DECISION_DAYS ?? DEFAULT_OBJECTION_DECISION_DAYS,
      },
      ...(link ? { link } : {}),
      eventKey: outboxKeyPrefix(event),
      newToken,
      newErrorId: randomErrorId,
    };
    // The second press of a double click is acknowledged without a word (the first one answered); a typed
    // choice is never a double click.
    const doubleClick = capabilities.doubleClicks && input.kind === 'stale_action' && event.kind === 'action' && state.pressed?.token === event.payload && now.getTime() - state.pressed.at <= DOUBLE_CLICK_MS;
    const result: StepResult = doubleClick ? { state, effects: [] } : flows.step(state, input, ctx, threadKey);
    const pressed = answeredPrompt(event, state, input);
    // A question answered by typing (its buttons retired by this turn) loses its buttons, like a pressed one.
    const typedOver =
      !pressed && !doubleClick && state.prompt && result.state.prompt !== state.prompt && (event.kind === 'text' || event.kind === 'file' || event.kind === 'command')
        ? ({ kind: 'remove_buttons', prompt: state.prompt } as const)
        : null;
    const effects = pressed ? [...result.effects, pressed] : typedOver ? [...result.effects, typedOver] : result.effects;
    if (!doubleClick) {
      const { pressed: _before, ...rest } = result.state;
      result.state = pressed?.kind === 'mark_answered' ? { ...rest, pressed: { token: pressed.token, at: now.getTime() } } : rest;
    }
    const args: ApplyArgs = {
      event,
      reminders,
      actor,
      conversation: { id: ingress.conversation?.id ?? null, version: ingress.conversation?.version ?? 0 },
      state: result.state,
      effects,
      now,
      idleMinutes: deps.config.DRAFT_IDLE_MINUTES,
      reviewPlanning: ingress.reviewPlanning,
    };
    const ack = { ...(result.ackText ? { ackText: result.ackText } : {}), ...(result.formErrors ? { formErrors: result.formErrors } : {}) };
    return { args, ack };
  }

  /**
   * Records the event and tells the person what went wrong, quoting an id that is also in the log. The
   * result carries `failed`, so the inbox parks the event instead of retrying a bug forever.
   */
  async function reportFailure(event: IncomingEvent, err: unknown): Promise<HandleResult> {
    const errorId = randomErrorId();
    deps.logger.error({ err, errorId, platform: event.platform, eventId: event.eventId, kind: event.kind }, 'conversation engine failed to handle an event');
    try {
      return await runner.run(async (tx) => {
        const rows = await tx.query<{ locale: Locale }>(
          `select e.locale from chat_identity ci join employee e on e.id = ci.employee_id where ci.platform = $1 and ci.platform_user_id = $2`,
          [event.platform, event.platformUserId],
        );
        await tx.exec(`insert into processed_event (platform, event_id) values ($1, $2) on conflict do nothing`, [event.platform, event.eventId]);
        const message: OutgoingMessage = { text: translator(rows[0]?.locale ?? localeFromHint(event.hints?.locale))('common.internal_error', { id: errorId }) };
        const out = await insertOutbox(tx, [{ platform: event.platform, chatId: event.chatId, recipient: null, payload: message, key: `${event.platform}:${event.eventId}:error` }]);
        return { duplicate: false, outboxIds: out.map((r) => r.id), failed: { errorId, reason: describe(err) } };
      });
    } catch (err2) {
      // Nothing of this event is committed: say so, so the inbox keeps the event and tries again later.
      deps.logger.error({ err: err2, errorId }, 'could not record the failure either; the event stays in the inbox for a retry');
      throw new EventNotCommitted(event, err2);
    }
  }

  /** Hands the committed rows to the delivery queue; a failure leaves them to the relay sweep. */
  async function committed(outboxIds: number[]): Promise<void> {
    if (!outboxIds.length || !deps.onCommitted) return;
    try {
      await deps.onCommitted(outboxIds);
    } catch (err) {
      // The rows are committed; the relay sweep picks them up later.
      deps.logger.warn({ err, outboxIds }, 'onCommitted failed; outbox rows stay pending for the relay');
    }
  }

  /**
   * Group commit: the events' first reads in one statement, their pure steps, and the writes of those that
   * only touch their own person's rows in one statement (one transaction); then onCommitted. An event that
   * needs more (a read of its own, a write that does not fit, a lost race, a failed batch) runs alone, as
   * `handle` runs it. Events must be of different chats; of two events of one person here, the later one
   * runs alone after the batch (it must see the first one's state).
   */
  async function handleMany(
    raws: readonly IncomingEvent[],
    onSettled?: (index: number, result: PromiseSettledResult<HandleResult>) => void,
  ): Promise<PromiseSettledResult<HandleResult>[]> {
    const events = raws.map((e) => cleanDeep(e));
    // A batch of one gains nothing: the ordinary path reads only what its step needs.
    if (events.length === 1) return [await settle(handleOne(events[0]))];
    const out: (PromiseSettledResult<HandleResult> | undefined)[] = events.map(() => undefined);
    const settleAt = (i: number, r: PromiseSettledResult<HandleResult>) => {
      out[i] = r;
      onSettled?.(i, r);
    };
    const started = new Set<number>();
    const running: Promise<void>[] = [];
    const runAlone = (list: readonly number[]) => {
      const fresh = list.filter((i) => !started.has(i));
      for (const i of fresh) started.add(i);
      batchStats.alone += fresh.length;
      return Promise.all(fresh.map(async (i) => settleAt(i, await settle(handleOne(events[i]))))).then(() => undefined);
    };
    // One event per person: a person's second event runs after the batch, on the state the first one left.
    const people = new Set<string>();
    const batch: number[] = [];
    const after: number[] = [];
    events.forEach((e, i) => {
      const person = `${e.platform}\u0000${e.platformUserId}`;
      (people.has(person) ? after : batch).push(i);
      people.add(person);
    });
    const planned: { i: number; plan: Plan }[] = [];
    let written: WriteOutcome[] | null = null;
    try {
      await runner.session(async (session) => {
        const ingress = await loadIngressMany(
          session,
          batch.map((i) => events[i]),
          flows.parseState,
        );
        const alone: number[] = [];
        batch.forEach((i, k) => {
          if (ingress[k].seen) settleAt(i, { status: 'fulfilled', value: { duplicate: true, outboxIds: [] } });
        });
        for (const [k, i] of batch.entries()) {
          if (out[i]) continue;
          try {
            const plan = await planOn(noFurtherReads, events[i], ingress[k]);
            if (fitsOneStatement(plan.args)) planned.push({ i, plan });
            else alone.push(i);
          } catch {
            // A read of its own, or a failing step: alone (where a failure gets its error reply).
            alone.push(i);
          }
        }
        // They run meanwhile, on connections of their own: they are other people's events.
        running.push(runAlone(alone));
        if (planned.length) {
          written = await applyManyInOneStatement(
            session,
            planned.map((p) => p.plan.args),
          );
        }
      });
    } catch (err) {
      // The batch's read or write failed and nothing of it committed: each of its events runs alone.
      deps.logger.debug({ err, events: planned.length }, 'batch failed; its events run alone');
      written = null;
    }
    // The batch's statement has committed (or failed): its events are answered now, not after the events
    // that run alone beside it (a submit waiting for a lock must not hold up the others' replies).
    const outcomes: (WriteOutcome | undefined)[] = written ?? [];
    const settledNow: { i: number; r: PromiseSettledResult<HandleResult> }[] = [];
    planned.forEach(({ i, plan }, k) => {
      const r = outcomes[k];
      if (r?.kind === 'conflict') retries++;
      if (r?.kind === 'done') batchStats.inBatch++;
      if (r?.kind === 'done') settledNow.push({ i, r: { status: 'fulfilled', value: { duplicate: false, outboxIds: r.outboxIds, ...plan.ack } } });
      else if (r?.kind === 'duplicate') settledNow.push({ i, r: { status: 'fulfilled', value: { duplicate: true, outboxIds: [] } } });
    });
    if (settledNow.some(({ r }) => r.status === 'fulfilled' && !r.value.duplicate)) auditChainer.nudge();
    // Nothing is enqueued before its COMMIT: the batch has committed here; delivery is handed its rows first.
    await committed(settledNow.flatMap(({ r }) => (r.status === 'fulfilled' ? r.value.outboxIds : [])));
    for (const { i, r } of settledNow) settleAt(i, r);
    await Promise.all(running);
    // A lost race, a failed batch, an unread event: alone, as `handle` runs it.
    await runAlone(batch.filter((i) => out[i] === undefined));
    for (const i of after) settleAt(i, await settle(handleOne(events[i])));
    return out.map((r) => r ?? { status: 'rejected', reason: new Error('event left unhandled by the batch') });
  }

  async function handleOne(event: IncomingEvent): Promise<HandleResult> {
      let result: HandleResult | null = null;
      for (let i = 1; i <= MAX_ATTEMPTS && !result; i++) {
        try {
          result = await attempt(event);
        } catch (err) {
          if (err instanceof ConcurrentUpdate && i < MAX_ATTEMPTS) {
            retries++;
            continue;
          }
          // The database was away or overloaded: not the event's fault, so no error reply; the caller retries.
          if (isTransientDatabaseError(err)) {
            deps.logger.warn({ err, platform: event.platform, eventId: event.eventId }, 'event not handled: the database is unavailable; it will be retried');
            throw new EventNotCommitted(event, err);
          }
          result = await reportFailure(event, err);
        }
      }
      const final = result ?? { duplicate: false, outboxIds: [] };
      if (!final.duplicate) auditChainer.nudge();
      await committed(final.outboxIds);
      return final;
  }

  return {
    get retries() {
      return retries;
    },
    batchStats,
    auditChainer,
    // Every event's text is cleaned at the engine's entry (NUL, control characters, lone surrogates).
    handle: (raw: IncomingEvent) => handleOne(cleanDeep(raw)),
    handleMany,
  };
}

async function settle<T>(p: Promise<T>): Promise<PromiseSettledResult<T>> {
  try {
    return { status: 'fulfilled', value: await p };
  } catch (reason) {
    return { status: 'rejected', reason };
  }
}

/**
 * Thrown by `handle` when nothing of the event could be committed (not its effects, not even the error
 * reply): whoever holds the event must keep it and try again, never acknowledge it as handled.
 */
export class EventNotCommitted extends Error {
  constructor(
    readonly event: Pick<IncomingEvent, 'platform' | 'eventId'>,
    override readonly cause: unknown,
  ) {
    super(`event ${event.platform}:${event.eventId} was not committed: ${describe(cause)}`);
    this.name = 'EventNotCommitted';
  }
}

/** A short reason for logs and the inbox's last_error. */
function describe(err: unknown): string {
  return cutText(cleanDeep(err instanceof Error ? `${err.name}: ${err.message}` : String(err)), 500);
}

/** `<platform>:<event id>`: the prefix of every outbox dedupe key this event writes. */
export function outboxKeyPrefix(event: IncomingEvent): string {
  return `${event.platform}:${event.eventId}`;
}

/** How soon a second press of the same button counts as the same click (a double click, acknowledged silently). */
const DOUBLE_CLICK_MS = 10_000;

/**
 * A button of one of the presser's prompts was pressed: that prompt loses its buttons and shows the choice.
 * Form submissions (values in `args`) and the shared reminder tokens have no prompt of their own to edit.
 */
function answeredPrompt(event: IncomingEvent, state: ConversationState, input: StepInput): Effect | null {
  if (event.kind !== 'action' || input.kind !== 'action' || event.args?.length) return null;
  const token = event.payload;
  if (Object.hasOwn(state.tokens, token)) return { kind: 'mark_answered', token, prompt: state.prompt ?? null };
  if (Object.hasOwn(state.inbox, token)) return { kind: 'mark_answered', token, prompt: null };
  return null;
}

/** The field values of a submitted form (`args[0]`, a JSON object of strings), or undefined. */
function formValues(event: IncomingEvent): Record<string, string> | undefined {
  const raw = event.args?.[0];
  if (!raw) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, typeof v === 'string' ? v : String(v ?? '')]));
  } catch {
    return undefined;
  }
}

/**
 * Turns the event into step input, resolving a button token against the presser's own state (`actorId`:
 * the linked employee, null for an unknown chat user).
 */
export function toStepInput(event: IncomingEvent, state: ConversationState, actorId: number | null): StepInput {
  const linked = actorId !== null;
  switch (event.kind) {
    case 'command':
      return { kind: 'command', name: event.payload.replace(/^\//, '').toLowerCase(), args: event.args ?? [] };
    case 'file':
      return event.file ? { kind: 'file', file: event.file, caption: event.payload ?? '' } : { kind: 'text', text: event.payload ?? '' };
    case 'action': {
      const token = event.payload;
      if (linked && token === CONTINUE_ASSESSMENT_TOKEN) return { kind: 'action', action: { a: 'start_assessment' } };
      if (linked && token === OPEN_REVIEWS_TOKEN) return { kind: 'command', name: 'tinjau', args: [] };
      if (linked && token === OPEN_CALIBRATION_TOKEN) return { kind: 'command', name: 'kalibrasi', args: [] };
      if (linked && token.startsWith(`${CHECKIN_RATING_TOKEN_PREFIX}:`)) {
        const [, id, score] = token.split(':');
        if (/^\d+$/.test(id ?? '') && /^[1-5]$/.test(score ?? '')) return { kind: 'action', action: { a: 'rate_checkin', id: Number(id), score: Number(score) } };
        return { kind: 'foreign_action' };
      }
      const action = Object.hasOwn(state.tokens, token) ? state.tokens[token] : Object.hasOwn(state.inbox, token) ? state.inbox[token] : undefined;
      if (action) {
        const values = formValues(event);
        return values ? { kind: 'action', action, values } : { kind: 'action', action };
      }
      // Their own token, however old, is stale; anything else was never theirs (tokens.ts explains the prefix).
      if ((actorId !== null && issuedTo(token, actorId)) || state.stale.includes(token)) return { kind: 'stale_action' };
      return { kind: 'foreign_action' };
    }
    default: {
      // Adapters may pass "/cmd args" as text; treat it as the command it is.
      const m = /^\/(\w+)(?:@\w+)?(?:\s+(.*))?$/s.exec(event.payload.trim());
      if (m) return { kind: 'command', name: m[1].toLowerCase(), args: m[2] ? m[2].trim().split(/\s+/) : [] };
      return { kind: 'text', text: event.payload };
    }
  }
}
