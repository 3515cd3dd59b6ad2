/**
 * The serialisable state of one chat user's conversation, the actions a button token stands for, and the
 * effects a flow step asks the shell to apply. Everything here is plain data: it is stored as JSON in
 * `conversation.state` and can be replayed in tests without a database.
 */
import type { EvidenceRef } from '../db/entities/assessment.js';
import type { Locale } from '../db/entities/organisation.js';
import type { Rating } from '../domain/index.js';
import type { IncomingFile, OutgoingMessage } from '../contract/index.js';

export type { Rating, Locale };

/** Which flow a conversation is in. */
export type Flow = 'idle' | 'assess' | 'review' | 'coaching';

/** The step inside a flow. */
export type Step =
  | 'idle'
  // self-assessment
  | 'realisasi'
  | 'narrative'
  | 'evidence'
  | 'reflection'
  | 'summary'
  | 'confirm'
  // supervisor review
  | 'rate'
  | 'hasil'
  | 'perilaku'
  | 'perilaku_note'
  | 'feedback'
  | 'review_confirm'
  | 'return_note'
  // coaching plan
  | 'plan'
  | 'checkin';

/** What a button token stands for. Tokens are opaque; this is what they map to in the presser's state. */
export type Action =
  | { a: 'start_assessment' }
  | { a: 'skip_evidence' }
  | { a: 'skip_reflection' }
  | { a: 'edit_item'; i: number }
  | { a: 'save_leave' }
  | { a: 'submit' }
  | { a: 'confirm_submit' }
  | { a: 'back_summary' }
  | { a: 'open_review'; id: number }
  | { a: 'rate'; r: Rating }
  | { a: 'hasil'; r: Rating }
  | { a: 'perilaku'; r: Rating }
  | { a: 'skip_note' }
  | { a: 'skip_feedback' }
  | { a: 'confirm_review' }
  | { a: 'return_revision' }
  | { a: 'coaching_plan'; id: number }
  | { a: 'checkin_default' }
  /** From the follow-up job's check-in message: the employee rates a coaching session 1-5. */
  | { a: 'rate_checkin'; id: number; score: number }
  /** Slack modal with realisasi + narrative of item `i` (submitted as an action with field values). */
  | { a: 'item_form'; i: number }
  | { a: 'set_locale'; l: Locale }
  | { a: 'toggle_optout' }
  | { a: 'cancel' };

/** Review in progress, kept in the rater's conversation. */
export interface ReviewDraft {
  /** Assessment id. */
  id: number;
  /** Round being reviewed; a resubmission makes a draft of an older round stale. */
  round: number;
  /** Index of the item being rated. */
  item: number;
  /** Rating per item index, filled in order. */
  ratings: Rating[];
  suggested?: Rating;
  hasil?: Rating;
  perilaku?: Rating;
  note?: string | null;
  feedback?: string | null;
}

/** The conversation state as stored (flow and step also have their own columns). */
export interface ConversationState {
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
  /** Self-assessment position: assessment id, item index, and whether the item is being edited from the summary. */
  assess?: { id: number; item: number; editing: boolean };
  review?: ReviewDraft;
  coaching?: { id: number; plan?: string };
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
  /** Post to the unit's announcement channel(s). */
  | { kind: 'announce'; unitId: number; message: OutgoingMessage }
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
  | { kind: 'thread_message'; assessmentId: number; authorId: number; text: string }
  | { kind: 'follow_up'; assessmentId: number; followUp: 'award' | 'coaching'; plan: string | null; firstCheckIn: string | null }
  | { kind: 'rate_checkin'; checkInId: number; score: number }
  | { kind: 'set_locale'; employeeId: number; locale: Locale }
  | { kind: 'set_opt_out'; employeeId: number; optOut: boolean }
  | { kind: 'link'; employeeId: number; linkCodeId: number | null }
  | { kind: 'link_failure' }
  | { kind: 'audit'; action: string; subject: string; data: Record<string, unknown> };

/** What a step returns. */
export interface StepResult {
  state: ConversationState;
  effects: Effect[];
  /** A short text for the platform's immediate acknowledgement of a button press. */
  ackText?: string;
  /** Field id -> error text for a submitted form (Slack modal), shown inline. */
  formErrors?: Record<string, string>;
}
