/**
 * The serialisable state of one chat user's conversation, the actions a button token stands for, and the
 * effects a flow step asks the shell to apply. Everything here is plain data: it is stored as JSON in
 * `conversation.state` and can be replayed in tests without a database.
 */
import type { EvidenceRef } from '../db/entities/assessment.js';
import type { Locale } from '../db/entities/organisation.js';
import type { Rating } from '../domain/index.js';
import { z } from 'zod';
import type { IncomingFile, OutgoingMessage } from '../contract/index.js';

export type { Rating, Locale };

/**
 * The steps of each flow, by flow name. Each flow module adds its own entry (declaration merging:
 * `declare module '../state.js' { interface FlowSteps { review: 'rate' | ... } }`), so this file names no flow.
 */
export interface FlowSteps {
  idle: 'idle';
}

/** Which flow a conversation is in. */
export type Flow = keyof FlowSteps;

/** The step inside a flow. */
export type Step = FlowSteps[Flow];

/**
 * The flows' own parts of the conversation state (a self-assessment position, a review draft...). Each flow
 * module adds its optional field here by declaration merging and supplies the zod schema of it; the stored
 * state is parsed with the schema assembled from all registered modules (`conversationStateSchema`).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface FlowSlices {}

/** What one "Ubah n" of the self-assessment summary changes. */
export type EditField = 'realisasi' | 'narrative' | 'evidence';

/** What a button token stands for. Tokens are opaque; this is what they map to in the presser's state. */
export type Action =
  | { a: 'start_assessment' }
  | { a: 'skip_evidence' }
  | { a: 'skip_reflection' }
  | { a: 'edit_item'; i: number }
  | { a: 'edit_field'; f: EditField }
  | { a: 'save_leave' }
  | { a: 'submit' }
  | { a: 'confirm_submit' }
  | { a: 'back_summary' }
  | { a: 'open_review'; id: number }
  | { a: 'rate'; r: Rating }
  | { a: 'edit_rating'; i: number }
  | { a: 'back_review_summary' }
  | { a: 'hasil'; r: Rating }
  | { a: 'perilaku'; r: Rating }
  | { a: 'skip_note' }
  | { a: 'skip_feedback' }
  | { a: 'confirm_review' }
  | { a: 'return_revision' }
  | { a: 'coaching_plan'; id: number }
  | { a: 'checkin_default' }
  /** Calibration: revise the rating of assessment `id` (closed cycle, before announce). */
  | { a: 'open_revision'; id: number }
  | { a: 'revise_hasil'; r: Rating }
  | { a: 'revise_perilaku'; r: Rating }
  | { a: 'confirm_revision' }
  /** From the follow-up job's check-in message: the employee rates a coaching session 1-5. */
  | { a: 'rate_checkin'; id: number; score: number }
  /** The second statement of a check-in's rating (the first is `rate_checkin`, from the follow-up message). */
  | { a: 'rate_checkin_next'; id: number; score: number }
  /** Slack modal with realisasi + narrative of item `i` (submitted as an action with field values). */
  | { a: 'item_form'; i: number }
  | { a: 'set_locale'; l: Locale }
  | { a: 'toggle_optout' }
  /** Objection (keberatan): file without an evidence link; confirm the summary. */
  | { a: 'objection_skip_evidence' }
  | { a: 'objection_file' }
  /** From the decider's prompt: uphold or change the ratings of assessment `id`'s objection. */
  | { a: 'objection_decide'; id: number; d: 'uphold' | 'change' }
  /** The decider's new Hasil Kerja, then Perilaku Kerja. */
  | { a: 'objection_rating'; r: Rating }
  | { a: 'objection_decision_confirm' }
  /** `/pantau`'s export buttons: results or monitoring file of cycle `c`, unit `u` (null: every unit). */
  | { a: 'pantau_export'; r: 'results' | 'monitoring'; c: number; u: string | null }
  /** `/umpanbalik`: give feedback to employee `id`; its kind; its BerAKHLAK value (null: none) or one of their indicators (item key); send it. */
  | { a: 'fb_to'; id: number }
  | { a: 'fb_kind'; k: 'apresiasi' | 'saran' }
  | { a: 'fb_value'; v: string | null }
  | { a: 'fb_item'; k: string }
  /** A review's "show all": every feedback and recognition of assessment `id`'s owner in its period. */
  | { a: 'gathered_all'; id: number }
  /** `/apresiasi`: the colleague `id`; the BerAKHLAK value; send, posted publicly or not. */
  | { a: 'rc_to'; id: number }
  | { a: 'rc_value'; v: string }
  | { a: 'rc_send'; pub: boolean }
  | { a: 'cancel' };

/** The conversation state as stored (flow and step also have their own columns). */
export interface ConversationState extends FlowSlices {
  flow: Flow;
  step: Step;
  /** Buttons of the current step: token -> action. Replaced when the step changes. */
  tokens: Record<string, Action>;
  /** Buttons in notifications from others (review prompt, coaching plan): kept until used. */
  inbox: Record<string, Action>;
  /**
   * Recently retired tokens from before tokens named their owner (see tokens.ts); kept so such an old button
   * still gets "no longer valid" rather than "not yours".
   */
  stale: string[];
  /**
   * Outbox dedupe key of the message that carries the buttons in `tokens`: when one is pressed, that message
   * is edited to drop its buttons and show the choice. A key (known before the insert) rather than the row id
   * lets the one-statement write record it without a second round trip.
   */
  prompt?: string;
  /** The token pressed by the latest event, when it was a press, and when (ms): a second press within seconds is a double click. */
  pressed?: { token: string; at: number };
}

/** A fresh conversation. */
export function initialState(): ConversationState {
  return { flow: 'idle', step: 'idle', tokens: {}, inbox: {}, stale: [] };
}

/** What the person did, after the engine resolved button tokens. */
export type StepInput =
  | { kind: 'text'; text: string }
  | { kind: 'command'; name: string; args: string[] }
  | { kind: 'file'; file: IncomingFile; caption: string }
  | { kind: 'action'; action: Action; values?: Record<string, string> }
  /** A token that belonged to this person's earlier step. */
  | { kind: 'stale_action' }
  /** A token that is not this person's: forged, or someone else's. */
  | { kind: 'foreign_action' };

/** Fields of an answer to save; absent fields are left as they are. */
export interface AnswerPatch {
  realisasi?: number;
  narrative?: string;
  evidence?: EvidenceRef[];
  evidenceSkipped?: boolean;
}

/** What a step asks the shell to do, in order, inside the same transaction. */
export type Effect =
  /** Reply in the chat the event came from. */
  | { kind: 'reply'; message: OutgoingMessage }
  /** Message another person (their most recently linked chat); `grants` become buttons in their state. */
  | { kind: 'notify'; employeeId: number; message: OutgoingMessage; grants?: Record<string, Action> }
  | { kind: 'save_answer'; assessmentId: number; itemKey: string; indicatorId: number | null; targetId: number | null; patch: AnswerPatch }
  | { kind: 'save_reflection'; assessmentId: number; text: string }
  | { kind: 'submit'; assessmentId: number; version: number; late: boolean }
  | {
      kind: 'record_review';
      assessmentId: number;
      version: number;
      round: number;
      reviewerId: number;
      actingKind: string | null;
      outcome: 'rated' | 'returned';
      itemRatings: Record<string, Rating>;
      suggested: Rating | null;
      hasil: Rating | null;
      perilaku: Rating | null;
      perilakuNote: string | null;
      feedback: string | null;
      returnNote: string | null;
      predicate: string | null;
      matrixVersion: string | null;
    }
  /**
   * Edit the prompt that carried the pressed button `token`: its buttons removed and the choice shown.
   * `prompt` is the prompt's outbox dedupe key; null means search the presser's chat (inbox buttons).
   */
  | { kind: 'mark_answered'; token: string; prompt: string | null }
  /** Take the buttons off prompt `prompt` (an outbox dedupe key): its question was answered by typing. */
  | { kind: 'remove_buttons'; prompt: string }
  | { kind: 'thread_message'; assessmentId: number; authorId: number; text: string }
  /**
   * The follow-up of a result. `checkIns`: the rater's check-in dates (they replace the ones not held yet);
   * null leaves them as they are (none: the announcement schedules the defaults).
   */
  | { kind: 'follow_up'; assessmentId: number; followUp: 'award' | 'coaching'; plan: string | null; checkIns: string[] | null }
  /**
   * A rater revises a rating during calibration: only while the cycle is closed and the assessment reviewed
   * (else the event is handled again and the flow says why). Coaching starts or ends with the predikat.
   */
  | {
      kind: 'revise_rating';
      assessmentId: number;
      version: number;
      reviserId: number;
      old: { hasil: Rating | null; perilaku: Rating | null; predicate: string | null };
      hasil: Rating;
      perilaku: Rating;
      predicate: string;
      reason: string;
      coaching: boolean;
    }
  | { kind: 'rate_checkin'; checkInId: number; score: number; statement: 'heard' | 'next' }
  | { kind: 'set_locale'; employeeId: number; locale: Locale }
  | { kind: 'set_opt_out'; employeeId: number; optOut: boolean }
  | { kind: 'link'; employeeId: number; linkCodeId: number | null }
  | { kind: 'link_failure' }
  /**
   * Files an objection: the row (one per assessment; a concurrent second one loses the race) and the
   * decision reminders to `remindId` in `remindZone` (the decider, or the owner with HR as audience).
   */
  | {
      kind: 'file_objection';
      assessmentId: number;
      reason: string;
      evidenceUrl: string | null;
      ratedById: number | null;
      deciderId: number | null;
      original: { hasil: Rating | null; perilaku: Rating | null; predicate: string | null };
      dueOn: string;
      remind: { recipientId: number; timezone: string; audience: 'employee' | 'hr' };
    }
  /** Decides an open objection; a changed decision replaces the assessment's ratings (optimistic lock on its version). */
  | {
      kind: 'decide_objection';
      objectionId: number;
      assessmentId: number;
      assessmentVersion: number;
      decidedById: number;
      decision: 'upheld' | 'changed';
      hasil: Rating | null;
      perilaku: Rating | null;
      predicate: string | null;
      matrixVersion: string | null;
      reason: string;
    }
  | { kind: 'audit'; action: string; subject: string; data: Record<string, unknown> }
  /** Reply in the group or channel the event was sent in (`IncomingEvent.groupChatId`); nothing outside one. */
  | { kind: 'group_reply'; message: OutgoingMessage }
  /** Make the group or channel the event was sent in the unit's announcement channel on its platform (audited). */
  | { kind: 'register_channel'; unitId: number; unitCode: string }
  /** Supervisor feedback given any time (umpan balik berkelanjutan), with the thread key its answers use. */
  | {
      kind: 'give_feedback';
      cycleId: number | null;
      giverId: number;
      employeeId: number;
      actingKind: string | null;
      feedbackKind: 'apresiasi' | 'saran';
      value: string | null;
      /** The indicator it is about (`ind:<id>` / `tgt:<id>`) and its text then, when linked to one. */
      item: { key: string; title: string } | null;
      /** Evidence (bukti dukung) the supervisor attached. */
      evidence: EvidenceRef[];
      text: string;
      threadKey: string;
    }
  /** An employee asks their rater for feedback (answered by the next feedback they are given). */
  | { kind: 'request_feedback'; employeeId: number; raterId: number; topic: string | null }
  /** A message in a feedback's thread by its giver or its employee. */
  | { kind: 'feedback_reply'; feedbackId: number; authorId: number; text: string }
  /** Recognition between colleagues (apresiasi); `public`: also posted to the recipient's unit channel. */
  | { kind: 'give_recognition'; cycleId: number | null; senderId: number; recipientId: number; value: string; text: string; public: boolean }
  /** Post to a unit's announcement channel on every platform it has one (nothing where it has none). */
  | { kind: 'unit_post'; unitId: number; message: OutgoingMessage }
  /** A one-time sign-in link to the HR web page (only the hash of its secret is stored). */
  | { kind: 'web_signin'; employeeId: number; tokenHash: string; expiresAt: string };

/** What a step returns. */
export interface StepResult {
  state: ConversationState;
  effects: Effect[];
  /** A short text for the platform's immediate acknowledgement of a button press. */
  ackText?: string;
  /** Field id -> error text for a submitted form (Slack modal), shown inline. */
  formErrors?: Record<string, string>;
}

/** A rating as stored in a state slice. */
export const ratingSchema = z.enum(['di_atas', 'sesuai', 'di_bawah']) satisfies z.ZodType<Rating>;

/**
 * A button's action as stored: only its shape is checked (an object naming its action); which actions exist
 * is the flows' business, and a token whose action no flow owns is answered as stale.
 */
const actionSchema = z.looseObject({ a: z.string() }) as unknown as z.ZodType<Action>;

/** The zod schema of one flow's state slice (the value under its key). */
export type SliceSchema = z.ZodType;

/**
 * The ONE schema of the stored conversation state: the shared fields plus every registered flow's slice
 * (`slices`: key -> schema of the value). Keys no module declares are dropped.
 */
export function conversationStateSchema(args: { flows: readonly string[]; steps: readonly string[]; slices: Readonly<Record<string, SliceSchema>> }) {
  const slices: Record<string, z.ZodType> = {};
  for (const [key, schema] of Object.entries(args.slices)) slices[key] = schema.optional();
  return z.object({
    flow: z.enum(['idle', ...args.flows] as [string, ...string[]]),
    step: z.enum(['idle', ...args.steps] as [string, ...string[]]),
    tokens: z.record(z.string(), actionSchema),
    inbox: z.record(z.string(), actionSchema),
    stale: z.array(z.string()),
    prompt: z.string().optional(),
    pressed: z.object({ token: z.string(), at: z.number() }).optional(),
    ...slices,
  });
}

/** A parser of stored conversation state: the row's flow and step columns with its JSON state. */
export type StateParser = (row: { flow: string | null; step: string | null; state: Record<string, unknown> | null }) => ConversationState;

/** What a field that does not fit falls back to (absent: the field is dropped). */
const FALLBACK: Readonly<Record<string, unknown>> = { flow: 'idle', step: 'idle', tokens: {}, inbox: {}, stale: [] };

/**
 * The parser for a schema made by `conversationStateSchema`. Parsing never fails: a row that does not fit
 * (an old or damaged one) is parsed again field by field, each misfit falling back to its empty value (a
 * flow or step no module knows: idle; a slice: dropped). Only the strict pass runs for a row that fits:
 * a few µs (measured 5-10 µs on a busy 2-core machine, about 2x the hand-written copy it replaces, well
 * under 1 % of a message's CPU); the catching schema is slower and runs only for a misfit row.
 */
export function stateParser(schema: ReturnType<typeof conversationStateSchema>): StateParser {
  const lenient = z.object(Object.fromEntries(Object.entries(schema.shape).map(([k, s]) => [k, (s as z.ZodType).catch(FALLBACK[k])])));
  return (row) => {
    const state = row.state ?? {};
    // flow and step are columns, not in the JSON; written first, they keep V8's fast object shape (adding
    // them after the spread makes the parse about 10x slower). A JSON that has them anyway loses them.
    const input = 'flow' in state || 'step' in state ? { ...state, flow: row.flow ?? 'idle', step: row.step ?? 'idle' } : { flow: row.flow ?? 'idle', step: row.step ?? 'idle', ...state };
    const strict = schema.safeParse(input);
    const parsed = (strict.success ? strict.data : lenient.parse(input)) as Record<string, unknown>;
    for (const k of Object.keys(parsed)) if (parsed[k] === undefined) delete parsed[k];
    return parsed as unknown as ConversationState;
  };
}
