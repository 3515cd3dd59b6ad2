/**
 * Applies a step's effects inside the event's transaction: records, outbox rows, audit entries and the
 * conversation itself. A version mismatch (conversation or assessment) throws `ConcurrentUpdate`, and the
 * engine re-runs the whole event against the new state.
 */
import { followUpFor } from '../domain/index.js';
import { appendSealedAudit, textDigest, type AuditEntry } from '../db/audit.js';
import { currentChatJoin, currentChatOf, linkAccount } from '../db/identity.js';
import { answeredEditSelect, buttonsRemovedEditSelect, insertAnsweredEdit, insertButtonsRemovedEdit, insertOutbox, insertOutboxFrom, promptByKey, promptCarryingToken, tokenButtonsJson, type OutboxDraft } from '../db/outbox.js';
import { cancelFeedbackRequestReminders, cancelReminders, cancelRemindersSql, endCoaching, insertReviewRemindersSql, reviewReminderPlan, scheduleFeedbackRequestReminder, scheduleObjectionReminders, scheduleReviewReminders, type ReminderContext, type ReviewPlanning } from '../db/reminders.js';
import type { Tx } from '../db/sql.js';
import { setUnitChannel } from '../db/units.js';
import type { IncomingEvent } from '../contract/index.js';
import type { Action, ConversationState, Effect } from './state.js';
import type { PersonView } from './views.js';

/** Another transaction changed the row this one read; the event is handled again. */
export class ConcurrentUpdate extends Error {
  constructor(what: string) {
    super(`${what} changed concurrently; handling the event again`);
    this.name = 'ConcurrentUpdate';
  }
}

/** The event's id was recorded before (a replay): the transaction must roll back, nothing of it is written. */
export class EventReplayed extends Error {
  constructor() {
    super('the event was handled before');
    this.name = 'EventReplayed';
  }
}

/** The outbox dedupe key of the message produced by effect number `index` of `event`. */
export function outboxKey(event: IncomingEvent, index: number | string): string {
  return `${event.platform}:${event.eventId}:${index}`;
}

/** Dedupe key suffix of the edit that removes a pressed prompt's buttons. */
export const ANSWERED_SUFFIX = 'r';

/** The conversation row as read, or null when it does not exist yet. */
export interface ConversationRef {
  id: number | null;
  version: number;
}

export interface ApplyArgs {
  event: IncomingEvent;
  /** Scheduling context for the reminder jobs (submission plans review reminders). */
  reminders: ReminderContext;
  actor: PersonView | null;
  conversation: ConversationRef;
  state: ConversationState;
  effects: Effect[];
  now: Date;
  idleMinutes: number;
  /** Read with a press of "Kirim" (load.ts `IngressOptions`): a submit of this assessment then writes in one statement. */
  reviewPlanning?: ReviewPlanning | null;
}

/**
 * Records the event's id and writes everything, in the caller's transaction; returns the new outbox ids in the
 * order the messages were produced. Throws `EventReplayed` when the id was recorded before (roll back).
 */
export async function applyEffects(tx: Tx, args: ApplyArgs): Promise<number[]> {
  // The one-statement write records the id in its first CTE: one round trip less.
  if (fitsOneWrite(args)) return writeInOneStatement(tx, args);
  const fresh = await tx.query(`insert into processed_event (platform, event_id) values ($1, $2) on conflict do nothing returning id`, [args.event.platform, args.event.eventId]);
  if (!fresh.length) throw new EventReplayed();
  const { event, now } = args;
  const outbox: OutboxDraft[] = [];
  const audits: AuditEntry[] = [];
  let state = args.state;
  let employeeId = args.actor?.id ?? null;
  const actorRef = auditActor(args);

  state = withOwnGrants(args, state);

  // The conversation first: a concurrent change is found before any other write.
  await saveConversation(tx, args, state, (employeeId = linkedEmployee(args.effects) ?? employeeId));

  let answered: number[] = [];
  for (const [index, e] of args.effects.entries()) {
    const key = outboxKey(event, index);
    const own = effectAudit(args, e);
    if (own) audits.push(own);
    switch (e.kind) {
      case 'reply':
        outbox.push({ platform: event.platform, chatId: event.chatId, recipient: employeeId, payload: e.message, key });
        break;
      case 'mark_answered':
        answered = await markAnswered(tx, event, e.token, e.prompt);
        break;
      case 'remove_buttons':
        answered = await insertButtonsRemovedEdit(tx, { promptKey: e.prompt, key: outboxKey(event, ANSWERED_SUFFIX) });
        break;
      case 'notify': {
        if (e.employeeId === args.actor?.id) {
          outbox.push({ platform: event.platform, chatId: event.chatId, recipient: e.employeeId, payload: e.message, key });
          break;
        }
        const to = await currentChatOf(tx, e.employeeId);
        // Not linked yet: the record is saved; they see it with /status or /tinjau once linked.
        if (!to) break;
        outbox.push({ platform: to.platform, chatId: to.chatId, recipient: e.employeeId, payload: e.message, key });
        if (e.grants && Object.keys(e.grants).length) await grantTokens(tx, to.platform, to.platformUserId, e.employeeId, e.grants);
        break;
      }
      case 'save_answer': {
        const cols = ['assessment_id', 'item_key', 'indicator_id', 'target_id'];
        const vals: unknown[] = [e.assessmentId, e.itemKey, e.indicatorId, e.targetId];
        const sets: string[] = [];
        const put = (col: string, v: unknown) => {
          cols.push(col);
          vals.push(v);
          sets.push(`${col} = excluded.${col}`);
        };
        if (e.patch.realisasi !== undefined) put('realisasi', e.patch.realisasi);
        if (e.patch.narrative !== undefined) put('narrative', e.patch.narrative);
        if (e.patch.evidence !== undefined) put('evidence', JSON.stringify(e.patch.evidence));
        if (e.patch.evidenceSkipped !== undefined) put('evidence_skipped', e.patch.evidenceSkipped);
        cols.push('updated_at');
        vals.push(now);
        sets.push('updated_at = excluded.updated_at');
        await tx.exec(
          `insert into answer (${cols.join(', ')}) values (${vals.map((_v, i) => `$${i + 1}`).join(', ')})
           on conflict (assessment_id, item_key) do update set ${sets.join(', ')}`,
          vals,
        );
        break;
      }
      case 'save_reflection':
        await tx.exec(`update assessment set reflection = $2, updated_at = $3 where id = $1`, [e.assessmentId, e.text, now]);
        break;
      case 'submit': {
        const n = await tx.exec(
          `update assessment set status = 'submitted', submitted_at = $3, late = $4, version = version + 1, updated_at = $3
            where id = $1 and version = $2 and status in ('draft', 'returned')`,
          [e.assessmentId, e.version, now, e.late],
        );
        if (n === 0) throw new ConcurrentUpdate(`assessment ${e.assessmentId}`);
        // The employee's reminders end and the rater's begin (same transaction: no reminder for a state that
        // never was); scheduleReviewReminders cancels the self track itself.
        await scheduleReviewReminders(tx, e.assessmentId, args.reminders);
        break;
      }
      case 'record_review': {
        const n =
          e.outcome === 'rated'
            ? await tx.exec(
                `update assessment set status = 'reviewed', hasil_kerja = $3, perilaku = $4, predicate = $5, matrix_version = $6,
                        reviewed_at = $7, version = version + 1, updated_at = $7
                  where id = $1 and version = $2 and status = 'submitted'`,
                [e.assessmentId, e.version, e.hasil, e.perilaku, e.predicate, e.matrixVersion, now],
              )
            : await tx.exec(
                `update assessment set status = 'returned', round = round + 1, version = version + 1, updated_at = $3
                  where id = $1 and version = $2 and status = 'submitted'`,
                [e.assessmentId, e.version, now],
              );
        if (n === 0) throw new ConcurrentUpdate(`assessment ${e.assessmentId}`);
        await tx.exec(
          `insert into review (assessment_id, round, reviewer_id, acting_kind, outcome, indicator_ratings, suggested_hasil_kerja, hasil_kerja,
                               perilaku, perilaku_note, feedback, return_note, predicate, matrix_version, created_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
          [e.assessmentId, e.round, e.reviewerId, e.actingKind, e.outcome, JSON.stringify(e.itemRatings), e.suggested, e.hasil, e.perilaku, e.perilakuNote, e.feedback, e.returnNote, e.predicate, e.matrixVersion, now],
        );
        // Rated or returned, the rater has nothing left to be reminded of (a resubmission plans them again).
        await cancelReminders(tx, e.assessmentId, 'review');
        if (e.outcome === 'rated') {
          await tx.exec(
            `update answer set supervisor_rating = x.r from jsonb_each_text($2::jsonb) as x(k, r) where answer.assessment_id = $1 and answer.item_key = x.k`,
            [e.assessmentId, JSON.stringify(e.itemRatings)],
          );
        }
        break;
      }
      case 'thread_message':
        await tx.exec(`insert into thread_message (assessment_id, author_id, platform, text, created_at) values ($1, $2, $3, $4, $5)`, [e.assessmentId, e.authorId, event.platform, e.text, now]);
        break;
      case 'give_feedback':
        await tx.exec(
          `insert into feedback (cycle_id, giver_id, employee_id, acting_kind, kind, value, text, thread_key, platform, created_at, item_key, item_title, evidence)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          [e.cycleId, e.giverId, e.employeeId, e.actingKind, e.feedbackKind, e.value, e.text, e.threadKey, event.platform, now, e.item?.key ?? null, e.item?.title ?? null, JSON.stringify(e.evidence)],
        );
        // The employee's open requests for feedback are answered by it.
        await tx.exec(
          `update feedback_request set answered_at = $2, feedback_id = (select id from feedback where thread_key = $3) where employee_id = $1 and answered_at is null`,
          [e.employeeId, now, e.threadKey],
        );
        await cancelFeedbackRequestReminders(tx, e.employeeId);
        break;
      case 'request_feedback': {
        const [req] = await tx.query<{ id: number }>(`insert into feedback_request (employee_id, rater_id, topic, created_at) values ($1, $2, $3, $4) returning id`, [e.employeeId, e.raterId, e.topic, now]);
        // Unanswered after FEEDBACK_REQUEST_DAYS working days, the rater is reminded once (the feedback cancels it).
        await scheduleFeedbackRequestReminder(tx, req!.id, args.reminders);
        break;
      }
      case 'give_recognition':
        await tx.exec(
          `insert into recognition (cycle_id, sender_id, recipient_id, value, text, public, platform, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [e.cycleId, e.senderId, e.recipientId, e.value, e.text, e.public, event.platform, now],
        );
        break;
      case 'unit_post': {
        const [unit] = await tx.query<{ channels: Record<string, string> | null }>(`select announce_channels as channels from unit where id = $1`, [e.unitId]);
        for (const [platform, chatId] of Object.entries(unit?.channels ?? {})) if (chatId) outbox.push({ platform, chatId, recipient: null, payload: e.message, key: `${key}:${platform}` });
        break;
      }
      case 'feedback_reply':
        await tx.exec(`insert into feedback_reply (feedback_id, author_id, platform, text, created_at) values ($1, $2, $3, $4, $5)`, [e.feedbackId, e.authorId, event.platform, e.text, now]);
        break;
      case 'follow_up': {
        const rows = await tx.query<{ id: number }>(
          `insert into follow_up (assessment_id, kind, plan, created_at) values ($1, $2, $3, $4)
           on conflict (assessment_id) do update set kind = excluded.kind, plan = coalesce(excluded.plan, follow_up.plan)
           returning id`,
          [e.assessmentId, e.followUp, e.plan, now],
        );
        if (e.checkIns) {
          // The plan is the one source of the dates: a new plan replaces the check-ins not held yet.
          await tx.exec(`delete from check_in where follow_up_id = $1 and done_at is null`, [rows[0].id]);
          await tx.exec(`insert into check_in (follow_up_id, due_on) select $1, d from unnest($2::date[]) as d`, [rows[0].id, e.checkIns]);
          await tx.exec(`update follow_up set first_check_in = $2 where id = $1`, [rows[0].id, e.checkIns[0] ?? null]);
        }
        break;
      }
      case 'revise_rating': {
        // FOR SHARE waits for an announcement in progress (it locks the cycle FOR UPDATE) and then sees it.
        const open = await tx.query(`select 1 from cycle c join assessment a on a.cycle_id = c.id where a.id = $1 and c.status = 'closed' for share of c`, [e.assessmentId]);
        const n = open.length
          ? await tx.exec(
              `update assessment set hasil_kerja = $3, perilaku = $4, predicate = $5, version = version + 1, updated_at = $6
                where id = $1 and version = $2 and status = 'reviewed'`,
              [e.assessmentId, e.version, e.hasil, e.perilaku, e.predicate, now],
            )
          : 0;
        if (n === 0) throw new ConcurrentUpdate(`assessment ${e.assessmentId}`);
        await tx.exec(
          `insert into rating_revision (assessment_id, reviser_id, old_hasil_kerja, old_perilaku, old_predicate, hasil_kerja, perilaku, predicate, reason, created_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [e.assessmentId, e.reviserId, e.old.hasil, e.old.perilaku, e.old.predicate, e.hasil, e.perilaku, e.predicate, e.reason, now],
        );
        if (e.coaching) {
          await tx.exec(`insert into follow_up (assessment_id, kind, created_at) values ($1, 'coaching', $2) on conflict (assessment_id) do update set kind = 'coaching'`, [e.assessmentId, now]);
        } else {
          await tx.exec(`delete from check_in where follow_up_id in (select id from follow_up where assessment_id = $1 and kind = 'coaching')`, [e.assessmentId]);
          await tx.exec(`delete from follow_up where assessment_id = $1 and kind = 'coaching'`, [e.assessmentId]);
        }
        break;
      }
      case 'rate_checkin':
        if (e.statement === 'heard') await tx.exec(`update check_in set employee_rating = $2, done_at = coalesce(done_at, $3) where id = $1 and employee_rating is null`, [e.checkInId, e.score, now]);
        else await tx.exec(`update check_in set employee_rating_next = $2 where id = $1 and employee_rating_next is null`, [e.checkInId, e.score]);
        break;
      case 'set_locale':
        await tx.exec(`update employee set locale = $2, updated_at = $3 where id = $1`, [e.employeeId, e.locale, now]);
        break;
      case 'set_opt_out':
        await tx.exec(`update employee set opt_out_announcements = $2, updated_at = $3 where id = $1`, [e.employeeId, e.optOut, now]);
        break;
      case 'link': {
        if (e.linkCodeId !== null) {
          const n = await tx.exec(`update link_code set used_at = $2, used_by_platform = $3 where id = $1 and used_at is null`, [e.linkCodeId, now, event.platform]);
          if (n === 0) throw new ConcurrentUpdate(`link code ${e.linkCodeId}`);
        }
        await linkAccount(tx, { platform: event.platform, platformUserId: event.platformUserId, chatId: event.chatId, employeeId: e.employeeId, at: now });
        break;
      }
      case 'web_signin':
        await tx.exec(`insert into web_signin (employee_id, token_hash, expires_at, created_at) values ($1, $2, $3, $4)`, [e.employeeId, e.tokenHash, new Date(e.expiresAt), now]);
        break;
      case 'link_failure':
        await tx.exec(`insert into link_failure (platform, platform_user_id, at) values ($1, $2, $3)`, [event.platform, event.platformUserId, now]);
        break;
      case 'file_objection': {
        // One objection per assessment (unique): a second filed at the same moment loses and is re-run.
        const rows = await tx.query<{ id: number }>(
          `insert into objection (assessment_id, reason, evidence_url, status, rated_by_id, decider_id, original_hasil_kerja, original_perilaku,
                                  original_predicate, due_on, created_at)
           values ($1, $2, $3, 'open', $4, $5, $6, $7, $8, $9, $10) on conflict (assessment_id) do nothing returning id`,
          [e.assessmentId, e.reason, e.evidenceUrl, e.ratedById, e.deciderId, e.original.hasil, e.original.perilaku, e.original.predicate, e.dueOn, now],
        );
        if (!rows.length) throw new ConcurrentUpdate(`objection to assessment ${e.assessmentId}`);
        const owner = await tx.query<{ employee_id: number }>(`select employee_id from assessment where id = $1`, [e.assessmentId]);
        await scheduleObjectionReminders(
          tx,
          { assessmentId: e.assessmentId, recipientId: e.remind.recipientId, audience: e.remind.audience, timezone: e.remind.timezone, ownerId: owner[0].employee_id, dueOn: e.dueOn },
          args.reminders,
        );
        break;
      }
      case 'decide_objection': {
        const n = await tx.exec(
          `update objection set status = 'decided', decision = $2, decided_by_id = $3, new_hasil_kerja = $4, new_perilaku = $5, new_predicate = $6,
                  decision_reason = $7, decided_at = $8
            where id = $1 and status = 'open'`,
          [e.objectionId, e.decision, e.decidedById, e.hasil, e.perilaku, e.predicate, e.reason, now],
        );
        if (n === 0) throw new ConcurrentUpdate(`objection ${e.objectionId}`);
        if (e.decision === 'changed') {
          // The decision replaces the final result; the objection row keeps the ratings objected to.
          const m = await tx.exec(
            `update assessment set hasil_kerja = $3, perilaku = $4, predicate = $5, matrix_version = coalesce($6, matrix_version), version = version + 1, updated_at = $7
              where id = $1 and version = $2`,
            [e.assessmentId, e.assessmentVersion, e.hasil, e.perilaku, e.predicate, e.matrixVersion, now],
          );
          if (m === 0) throw new ConcurrentUpdate(`assessment ${e.assessmentId}`);
          // Out of coaching now: its check-ins and their reminders would contradict the new result.
          if (e.predicate && followUpFor(e.predicate) !== 'coaching') await endCoaching(tx, e.assessmentId, followUpFor(e.predicate));
        }
        await cancelReminders(tx, e.assessmentId, 'objection');
        break;
      }
      case 'audit':
        audits.push({ actor: actorRef, action: e.action, subject: e.subject, data: { ...e.data, platform: event.platform } });
        break;
      case 'group_reply':
        if (event.groupChatId) outbox.push({ platform: event.platform, chatId: event.groupChatId, recipient: null, payload: e.message, key });
        break;
      case 'register_channel': {
        if (!event.groupChatId) break;
        const previous = await setUnitChannel(tx, e.unitId, event.platform, event.groupChatId, now);
        audits.push({
          actor: actorRef,
          action: 'unit.channel_registered',
          subject: `unit:${e.unitCode}`,
          data: { unit: e.unitCode, platform: event.platform, chatId: event.groupChatId, previous, via: 'chat' },
        });
        break;
      }
    }
  }
  const ids = [...answered, ...(await insertOutbox(tx, outbox, null, { eventKeys: true })).map((r) => r.id)];
  // The audit entries travel sealed with COMMIT: no lock; the engine's chainer chains them after it.
  appendSealedAudit(
    tx,
    audits.map((entry) => ({ entry, at: now })),
  );
  return ids;
}

/** sha256 of a text, or undefined when there is none (the audit log holds digests of texts, never the texts). */
function digestOf(text: string | null | undefined): string | undefined {
  return text === null || text === undefined ? undefined : textDigest(text);
}

/** Who an event's audit entries name: the linked employee's NIP, or the chat user before linking. */
export function auditActor(args: Pick<ApplyArgs, 'actor' | 'event'>): string {
  return args.actor ? args.actor.nip : `${args.event.platform}:${args.event.platformUserId}`;
}

/** The audit entry effect `e` of this event makes by itself (`auditOf`), naming its actor and platform. */
export function effectAudit(args: Pick<ApplyArgs, 'actor' | 'event'>, e: Effect): AuditEntry | null {
  const own = auditOf(e);
  return own ? { actor: auditActor(args), ...own, data: { ...own.data, platform: args.event.platform } } : null;
}

/**
 * The audit entry a data effect makes by itself, so the chain covers every change of state whichever flow
 * asked for it. Values are kept (a realisasi, ratings, a score); texts only as their sha256.
 */
export function auditOf(e: Effect): Omit<AuditEntry, 'actor'> | null {
  switch (e.kind) {
    case 'save_answer': {
      const p = e.patch;
      const data: Record<string, unknown> = { item: e.itemKey };
      if (p.realisasi !== undefined) data.realisasi = p.realisasi;
      if (p.narrative !== undefined) data.narrativeSha256 = textDigest(p.narrative);
      if (p.evidence !== undefined) data.evidence = { count: p.evidence.length, sha256: textDigest(JSON.stringify(p.evidence)) };
      if (p.evidenceSkipped !== undefined) data.evidenceSkipped = p.evidenceSkipped;
      return { action: 'answer.saved', subject: `assessment:${e.assessmentId}`, data };
    }
    case 'save_reflection':
      return { action: 'reflection.saved', subject: `assessment:${e.assessmentId}`, data: { sha256: textDigest(e.text) } };
    case 'record_review':
      return {
        action: 'review.recorded',
        subject: `assessment:${e.assessmentId}`,
        data: {
          round: e.round, outcome: e.outcome, reviewerId: e.reviewerId, actingKind: e.actingKind, itemRatings: e.itemRatings, suggested: e.suggested,
          hasilKerja: e.hasil, perilaku: e.perilaku, predicate: e.predicate, matrixVersion: e.matrixVersion,
          feedbackSha256: digestOf(e.feedback), perilakuNoteSha256: digestOf(e.perilakuNote), returnNoteSha256: digestOf(e.returnNote),
        },
      };
    case 'thread_message':
      return { action: 'dialog.message_posted', subject: `assessment:${e.assessmentId}`, data: { authorId: e.authorId, sha256: textDigest(e.text) } };
    case 'give_feedback':
      return {
        action: 'feedback.given',
        subject: `employee:${e.employeeId}`,
        data: { giverId: e.giverId, actingKind: e.actingKind, kind: e.feedbackKind, value: e.value, item: e.item?.key ?? null, evidence: e.evidence.length, cycleId: e.cycleId, threadKey: e.threadKey, sha256: textDigest(e.text) },
      };
    case 'give_recognition':
      return {
        action: 'recognition.given',
        subject: `employee:${e.recipientId}`,
        data: { senderId: e.senderId, value: e.value, public: e.public, cycleId: e.cycleId, sha256: textDigest(e.text) },
      };
    case 'request_feedback':
      return { action: 'feedback.requested', subject: `employee:${e.employeeId}`, data: { raterId: e.raterId, topicSha256: digestOf(e.topic) } };
    case 'feedback_reply':
      return { action: 'feedback.replied', subject: `feedback:${e.feedbackId}`, data: { authorId: e.authorId, sha256: textDigest(e.text) } };
    case 'follow_up':
      return { action: 'follow_up.saved', subject: `assessment:${e.assessmentId}`, data: { kind: e.followUp, planSha256: digestOf(e.plan), checkIns: e.checkIns } };
    case 'rate_checkin':
      return { action: 'check_in.rated', subject: `check_in:${e.checkInId}`, data: { score: e.score, statement: e.statement } };
    case 'set_opt_out':
      return { action: 'employee.opt_out_set', subject: `employee:${e.employeeId}`, data: { optOut: e.optOut } };
    case 'set_locale':
      return { action: 'employee.locale_set', subject: `employee:${e.employeeId}`, data: { locale: e.locale } };
    default:
      return null;
  }
}

function linkedEmployee(effects: Effect[]): number | null {
  for (const e of effects) if (e.kind === 'link') return e.employeeId;
  return null;
}

async function saveConversation(tx: Tx, args: ApplyArgs, state: ConversationState, employeeId: number | null): Promise<void> {
  const { flow, step, ...rest } = state;
  const json = JSON.stringify(rest);
  const expires = flow === 'idle' ? null : new Date(args.now.getTime() + args.idleMinutes * 60_000);
  if (args.conversation.id === null) {
    const rows = await tx.query(
      `insert into conversation (platform, platform_user_id, employee_id, flow, step, state, version, last_activity_at, expires_at)
       values ($1, $2, $3, $4, $5, $6, 1, $7, $8) on conflict (platform, platform_user_id) do nothing returning id`,
      [args.event.platform, args.event.platformUserId, employeeId, flow, step, json, args.now, expires],
    );
    if (!rows.length) throw new ConcurrentUpdate('conversation');
    return;
  }
  const n = await tx.exec(
    `update conversation set flow = $3, step = $4, state = $5, version = version + 1, last_activity_at = $6, expires_at = $7, employee_id = $8
      where id = $1 and version = $2`,
    [args.conversation.id, args.conversation.version, flow, step, json, args.now, expires, employeeId],
  );
  if (n === 0) throw new ConcurrentUpdate('conversation');
}

/** Puts notification buttons into the recipient's conversation (creating it if they never wrote yet). */
async function grantTokens(tx: Tx, platform: string, platformUserId: string, employeeId: number, grants: Record<string, Action>): Promise<void> {
  await tx.exec(grantTokensFrom(`select $1::text, $2::text, $3::int, $4::jsonb`), [platform, platformUserId, employeeId, JSON.stringify(grants)]);
}

/**
 * The upsert of `grantTokens` for each row `select` yields as (platform, platform_user_id, employee_id,
 * grants jsonb): the buttons join the recipient's inbox, in a conversation created if they never wrote yet.
 */
function grantTokensFrom(select: string): string {
  return `insert into conversation (platform, platform_user_id, employee_id, state, version)
     select g.platform, g.platform_user_id, g.employee_id, jsonb_build_object('inbox', g.grants, 'tokens', '{}'::jsonb, 'stale', '[]'::jsonb), 1
       from (${select}) g(platform, platform_user_id, employee_id, grants)
     on conflict (platform, platform_user_id) do update
       set state = jsonb_set(conversation.state, '{inbox}', coalesce(conversation.state->'inbox', '{}'::jsonb) || (excluded.state->'inbox')),
           version = conversation.version + 1`;
}

/** Buttons granted to the actor themselves stay in their own conversation (saved with it). */
function withOwnGrants(args: ApplyArgs, state: ConversationState): ConversationState {
  for (const e of args.effects) {
    if (e.kind === 'notify' && e.grants && e.employeeId === args.actor?.id) state = { ...state, inbox: { ...state.inbox, ...e.grants } };
  }
  return state;
}

/**
 * Effects the transaction's one-statement write carries (the confirm-submit turn's: submit, its audit entry,
 * the reply, the rater's notification with buttons, the pressed prompt's edit); a turn with anything else is
 * written effect by effect.
 */
const ONE_WRITE_EFFECTS = new Set<Effect['kind']>(['reply', 'notify', 'mark_answered', 'remove_buttons', 'submit', 'audit']);

/** True when `writeInOneStatement` can apply this step. */
function fitsOneWrite(args: ApplyArgs): boolean {
  if (args.conversation.id === null || !args.actor) return false;
  for (const e of args.effects) {
    if (!ONE_WRITE_EFFECTS.has(e.kind)) return false;
    // The review reminders are planned from what the read carried for this very assessment.
    if (e.kind === 'submit' && args.reviewPlanning?.assessmentId !== e.assessmentId) return false;
  }
  return true;
}

/**
 * Inside the event's transaction, everything of the step in one statement: the event id (a replay throws `EventReplayed`),
 * the conversation (optimistic lock), the submit (optimistic lock on the assessment) with the employee's
 * reminders cancelled and the rater's planned set-based, the notified people's chats, messages and buttons, the
 * pressed prompt's edit; the sealed audit entries then travel with COMMIT. The
 * statements are the same as the effect-by-effect path's (one home each, in src/db). A lost race throws
 * `ConcurrentUpdate` and the transaction rolls back.
 */
async function writeInOneStatement(tx: Tx, args: ApplyArgs): Promise<number[]> {
  const { event, now } = args;
  const actorId = args.actor?.id ?? null;
  const actorRef = auditActor(args);
  const vals: unknown[] = [];
  const $ = (v: unknown, cast: string) => {
    vals.push(v);
    return `$${vals.length}::${cast}`;
  };
  const { flow, step, ...rest } = withOwnGrants(args, args.state);
  const expires = flow === 'idle' ? null : new Date(now.getTime() + args.idleMinutes * 60_000);
  const ctes = [
    // The event's id first (the select reads it first): a replay, or the same event committing elsewhere, is known before anything else is waited for.
    `pe as (insert into processed_event (platform, event_id) values (${$(event.platform, 'text')}, ${$(event.eventId, 'text')}) on conflict do nothing returning 1)`,
    `c as (update conversation set flow = ${$(flow, 'text')}, step = ${$(step, 'text')}, state = ${$(JSON.stringify(rest), 'jsonb')}, version = version + 1,
             last_activity_at = ${$(now, 'timestamptz')}, expires_at = ${$(expires, 'timestamptz')}, employee_id = ${$(actorId, 'int')}
            where id = ${$(args.conversation.id, 'int')} and version = ${$(args.conversation.version, 'int')} returning 1)`,
  ];
  // Each CTE that must have written one row, and what changed concurrently when it did not.
  const locks: { cte: string; what: string }[] = [{ cte: 'c', what: 'conversation' }];
  // The other writes, read by the final select (their counts are returned).
  const writes: string[] = [];
  // Outbox rows as (ord, platform, chat_id, recipient_id, payload, dedupe_key): ids follow the order of the effects.
  const messages: string[] = [];
  const audits: AuditEntry[] = [];
  const message = (ord: number, platform: string, chatId: string, recipient: string, payload: object, key: string) =>
    messages.push(`select ${ord}, ${platform}, ${chatId}, ${recipient}, ${$(JSON.stringify(payload), 'jsonb')}, ${$(key, 'text')}`);
  args.effects.forEach((e, i) => {
    const key = outboxKey(event, i);
    const own = effectAudit(args, e);
    if (own) audits.push(own);
    switch (e.kind) {
      case 'reply':
        message(i, $(event.platform, 'text'), $(event.chatId, 'text'), $(actorId, 'int'), e.message, key);
        break;
      case 'notify': {
        if (e.employeeId === actorId) {
          message(i, $(event.platform, 'text'), $(event.chatId, 'text'), $(actorId, 'int'), e.message, key);
          break;
        }
        // Not linked yet: no chat, so no message and no buttons (they see it with /status or /tinjau once linked).
        ctes.push(`n${i} as (select ci.platform, ci.platform_user_id, ci.chat_id from (select ${$(e.employeeId, 'int')} as id) e ${currentChatJoin('e.id', 'join')})`);
        messages.push(`select ${i}, n.platform, n.chat_id, ${$(e.employeeId, 'int')}, ${$(JSON.stringify(e.message), 'jsonb')}, ${$(key, 'text')} from n${i} n`);
        if (e.grants && Object.keys(e.grants).length) {
          ctes.push(`g${i} as (${grantTokensFrom(`select n.platform, n.platform_user_id, ${$(e.employeeId, 'int')}, ${$(JSON.stringify(e.grants), 'jsonb')} from n${i} n`)} returning 1)`);
          writes.push(`g${i}`);
        }
        break;
      }
      case 'mark_answered': {
        const source = e.prompt !== null ? promptByKey($(e.prompt, 'text')) : promptCarryingToken($(tokenButtonsJson(e.token), 'text'), $(event.platform, 'text'), $(event.chatId, 'text'));
        // The edit comes first, as on the effect-by-effect path.
        messages.push(`select -1, a.* from (${answeredEditSelect($(e.token, 'text'), $(outboxKey(event, ANSWERED_SUFFIX), 'text'), source)}) a`);
        break;
      }
      case 'remove_buttons':
        messages.push(`select -1, a.* from (${buttonsRemovedEditSelect($(e.prompt, 'text'), $(outboxKey(event, ANSWERED_SUFFIX), 'text'))}) a`);
        break;
      case 'submit': {
        const id = $(e.assessmentId, 'int');
        ctes.push(
          `s${i} as (update assessment set status = 'submitted', submitted_at = ${$(now, 'timestamptz')}, late = ${$(e.late, 'boolean')}, version = version + 1, updated_at = ${$(now, 'timestamptz')}
                     where id = ${id} and version = ${$(e.version, 'int')} and status in ('draft', 'returned') returning 1)`,
        );
        locks.push({ cte: `s${i}`, what: `assessment ${e.assessmentId}` });
        // The employee's reminders end; the rater's begin (scheduleReviewReminders plans the same rows).
        ctes.push(`x${i} as (${cancelRemindersSql(id, 'self')} returning 1)`);
        writes.push(`x${i}`);
        const planning = args.reviewPlanning!;
        const plan = planning.rater ? reviewReminderPlan(planning, planning.rater.timezone, args.reminders) : [];
        if (planning.rater && plan.length) {
          ctes.push(`r${i} as (${insertReviewRemindersSql(id, $(planning.rater.id, 'int'), $(JSON.stringify(plan), 'jsonb'), $(now, 'timestamptz'))} returning 1)`);
          writes.push(`r${i}`);
        }
        break;
      }
      case 'audit':
        audits.push({ actor: actorRef, action: e.action, subject: e.subject, data: { ...e.data, platform: event.platform } });
        break;
    }
  });
  if (messages.length) {
    ctes.push(`o as (${insertOutboxFrom(`select platform, chat_id, recipient_id, payload, dedupe_key from (${messages.join('\n union all ')}) m(ord, platform, chat_id, recipient_id, payload, dedupe_key) order by ord`)})`);
  }
  const [r] = await tx.query<Record<string, unknown> & { ids: (string | number)[] | null }>(
    `with ${ctes.join(',\n')}
     select (select count(*) from pe)::int as pe, ${locks.map((l) => `(select count(*) from ${l.cte})::int as ${l.cte}`).join(', ')},
            ${writes.map((w) => `(select count(*) from ${w})::int as ${w}`).join(', ')}${writes.length ? ',' : ''}
            ${messages.length ? '(select array_agg(id order by id) from o)' : 'null::bigint[]'} as ids`,
    vals,
  );
  if (r!.pe === 0) throw new EventReplayed();
  for (const l of locks) if (r![l.cte] === 0) throw new ConcurrentUpdate(l.what);
  // Sealed, with COMMIT: no lock (the chainer chains them after it).
  appendSealedAudit(
    tx,
    audits.map((entry) => ({ entry, at: now })),
  );
  return (r!.ids ?? []).map(Number);
}

/** Writes the edit of the pressed prompt (see db/outbox.ts answeredEditSelect); returns its outbox id, if any. */
async function markAnswered(tx: Tx, event: IncomingEvent, token: string, prompt: string | null): Promise<number[]> {
  // Without a recorded prompt (an inbox button), the newest message in the presser's chat carrying the token.
  return insertAnsweredEdit(tx, {
    token,
    key: outboxKey(event, ANSWERED_SUFFIX),
    prompt: prompt !== null ? { key: prompt } : { platform: event.platform, chatId: event.chatId },
  });
}
