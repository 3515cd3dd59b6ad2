/**
 * The one pure step: `(state, input, context) -> { state', effects }`. It routes commands, buttons and
 * text to the flow they belong to; anything that fits no step gets a hint and the current question again.
 */
import { translator } from '../i18n.js';
import type { ConversationState, StepInput, StepResult } from '../state.js';
import { Turn } from '../turn.js';
import type { StepContext } from '../views.js';
import { ask, assessmentAction, assessmentFile, assessmentForm, assessmentText, firstOpenPosition, startAssessment } from './assessment.js';
import { linkCodeIn, linkingStep } from './linking.js';
import { askCoaching, coachingDefaultCheckIn, coachingText, rateCheckIn, startCoachingPlan } from './result.js';
import { askReview, mayRate, openReview, reviewAction, reviewText } from './review.js';
import { announcementsCommand, helpText, languageCommand, pendingReviewsCommand, setLocale, statusCommand, toggleOptOut } from './settings.js';
import { relayThreadMessage } from './thread.js';
import { ADMIN_ROLE, adminViewCommand, viewedNip } from './admin.js';

/** Indonesian commands first, English aliases after; both map to one name. */
export const COMMANDS: Readonly<Record<string, string>> = {
  penilaian: 'assess',
  assess: 'assess',
  tinjau: 'review',
  review: 'review',
  status: 'status',
  bahasa: 'language',
  language: 'language',
  batal: 'cancel',
  cancel: 'cancel',
  bantuan: 'help',
  help: 'help',
  pengumuman: 'announcements',
  announcements: 'announcements',
  start: 'start',
  link: 'start',
  lihat: 'view',
  view: 'view',
};

/** Which data a step will need, so the shell loads only that. */
export interface StepNeeds {
  own: boolean;
  /** Assessment id to load as the subject. */
  subjectId: number | null;
  pendingReviews: boolean;
  /** Check-in id to load for a rating button. */
  checkInId: number | null;
  /** `/lihat NIP` by an HR admin: whose assessment to load. */
  ownerNip: string | null;
}

export { ADMIN_ROLE };

/** Decides what to load for `input` in `state` (pure). */
export function needsFor(state: ConversationState, input: StepInput): StepNeeds {
  const cmd = input.kind === 'command' ? (COMMANDS[input.name] ?? null) : null;
  let subjectId: number | null = null;
  if (input.kind === 'action' && (input.action.a === 'open_review' || input.action.a === 'coaching_plan')) subjectId = input.action.id;
  else if (state.flow === 'review' && state.review) subjectId = state.review.id;
  else if (state.flow === 'coaching' && state.coaching) subjectId = state.coaching.id;
  return {
    own: state.flow === 'assess' || state.flow === 'idle' || cmd === 'assess' || cmd === 'status' || cmd === 'help' || (input.kind === 'action' && input.action.a === 'start_assessment'),
    subjectId,
    pendingReviews: cmd === 'review' || cmd === 'status',
    checkInId: input.kind === 'action' && input.action.a === 'rate_checkin' ? input.action.id : null,
    ownerNip: cmd === 'view' && input.kind === 'command' ? viewedNip(input.args) : null,
  };
}

/** Steps whose question is answered by typing (or, for evidence, by a file). */
const FREE_TEXT_STEPS = new Set<ConversationState['step']>(['realisasi', 'narrative', 'evidence', 'reflection', 'perilaku_note', 'feedback', 'return_note', 'plan', 'checkin']);

/** The assessment the current step is about, if any. */
function stepAssessmentId(state: ConversationState): number | null {
  if (state.flow === 'assess') return state.assess?.id ?? null;
  if (state.flow === 'review') return state.review?.id ?? null;
  if (state.flow === 'coaching') return state.coaching?.id ?? null;
  return null;
}

/**
 * Text in an assessment's thread answers the current question when that question expects typing and is
 * about the same assessment: on Telegram people reply to the question, on Slack the review questions sit in
 * the prompt's thread. Anything else in a thread is dialog kinerja (relayed to the other party). A command
 * is never a thread message.
 */
export function answersCurrentStep(state: ConversationState, input: StepInput, ctx: StepContext): boolean {
  if (!FREE_TEXT_STEPS.has(state.step)) return false;
  if (input.kind === 'file' && state.step !== 'evidence') return false;
  const id = stepAssessmentId(state);
  return id !== null && ctx.subject !== null && ctx.subject.id === id;
}

/** Asks the current question again (after a hint or an error). */
export function askCurrent(turn: Turn): void {
  const s = turn.state;
  const t = translator(turn.ctx.locale);
  if (s.flow === 'assess' && turn.ctx.own && s.assess?.id === turn.ctx.own.id) {
    return ask(turn, turn.ctx.own, s.step, s.assess.item, s.assess.editing);
  }
  if (s.flow === 'review' && turn.ctx.subject && s.review) return askReview(turn, turn.ctx.subject);
  if (s.flow === 'coaching' && turn.ctx.subject && s.coaching) return askCoaching(turn, turn.ctx.subject);
  const own = turn.ctx.own;
  if (own && (own.status === 'draft' || own.status === 'returned') && firstOpenPosition(own).step !== 'summary') turn.say(t('common.idle_hint_draft'));
  else turn.say(t('common.idle_hint'));
}

/** One event, in a thread of an assessment (`threadKey`) or not. */
export function step(state: ConversationState, input: StepInput, ctx: StepContext, threadKey?: string): StepResult {
  const turn = new Turn(ctx, state);
  const t = translator(ctx.locale);

  if (!ctx.actor) {
    const code = linkCodeIn(input.kind === 'command' ? input : input.kind === 'text' ? input : { kind: input.kind });
    linkingStep(turn, code !== null);
    return turn.finish(state);
  }

  if (threadKey && (input.kind === 'text' || (input.kind === 'file' && input.caption)) && !answersCurrentStep(state, input, ctx)) {
    relayThreadMessage(turn, input.kind === 'text' ? input.text : input.caption);
    return turn.finish(state);
  }

  switch (input.kind) {
    case 'command': {
      const cmd = COMMANDS[input.name];
      switch (cmd) {
        case 'assess':
          startAssessment(turn);
          break;
        case 'review':
          // A review in progress is resumed where it stands; the list would only lead back to it.
          if (state.flow === 'review' && state.review) {
            openReview(turn, state.review.id);
            if (turn.state.flow !== 'review') pendingReviewsCommand(turn);
          } else pendingReviewsCommand(turn);
          break;
        case 'status':
          statusCommand(turn);
          break;
        case 'language':
          languageCommand(turn, input.args);
          break;
        case 'announcements':
          announcementsCommand(turn);
          break;
        case 'help':
          turn.say(helpText(t, turn));
          break;
        case 'cancel': {
          const wasAssess = state.flow === 'assess';
          const reviewing = state.flow === 'review' && state.review && ctx.subject?.id === state.review.id ? ctx.subject : null;
          turn.go('idle', 'idle');
          // The review draft stays in the state so opening the same review again resumes it (openReview).
          turn.state = { ...turn.state, assess: undefined, coaching: undefined };
          if (reviewing) turn.say(t('common.cancelled_review_kept', { name: reviewing.owner.name }));
          else turn.say(wasAssess ? t('common.cancelled_draft_kept') : t('common.cancelled'));
          break;
        }
        case 'start':
          turn.say(t('link.already', { name: ctx.actor.name }));
          break;
        case 'view':
          adminViewCommand(turn, input.args);
          break;
        default:
          turn.say(t('common.unknown_command', { command: input.name.slice(0, 32) }));
          askCurrent(turn);
      }
      return turn.finish(state);
    }
    case 'stale_action':
      turn.say(t('token.stale'));
      turn.ackText = t('token.stale');
      askCurrent(turn);
      return turn.finish(state);
    case 'foreign_action':
      turn.say(t('token.foreign'));
      turn.ackText = t('token.foreign');
      return turn.finish(state);
    case 'action': {
      const a = input.action;
      switch (a.a) {
        case 'start_assessment':
          startAssessment(turn);
          break;
        case 'set_locale':
          setLocale(turn, a.l);
          break;
        case 'toggle_optout':
          toggleOptOut(turn);
          break;
        case 'cancel':
          turn.go('idle', 'idle');
          turn.say(t('common.cancelled'));
          break;
        case 'open_review':
          openReview(turn, a.id);
          break;
        case 'coaching_plan':
          if (ctx.subject && ctx.subject.id === a.id && mayRate(ctx.actor.id, ctx.subject) && ctx.subject.status === 'reviewed') startCoachingPlan(turn, ctx.subject);
          else turn.say(t('auth.not_rater'));
          break;
        case 'checkin_default':
          coachingDefaultCheckIn(turn);
          break;
        case 'rate_checkin':
          rateCheckIn(turn, a.id, a.score);
          break;
        case 'item_form':
          assessmentForm(turn, a.i, input.values);
          break;
        case 'rate':
        case 'hasil':
        case 'perilaku':
        case 'skip_note':
        case 'skip_feedback':
        case 'confirm_review':
        case 'return_revision':
          reviewAction(turn, a);
          break;
        default:
          if (state.flow === 'assess') assessmentAction(turn, a);
          else {
            turn.say(t('token.stale'));
            askCurrent(turn);
          }
      }
      return turn.finish(state);
    }
    case 'file':
      if (state.flow === 'assess') {
        if (ctx.resumedAfterIdle) return resumed(turn, state);
        assessmentFile(turn, input.file);
      } else {
        turn.say(t('input.file_not_expected'));
        askCurrent(turn);
      }
      return turn.finish(state);
    case 'text': {
      if (linkCodeIn(input) !== null) {
        turn.say(t('link.already', { name: ctx.actor.name }));
        return turn.finish(state);
      }
      if (state.flow === 'assess') {
        if (ctx.resumedAfterIdle) return resumed(turn, state);
        assessmentText(turn, input.text);
      } else if (state.flow === 'review') reviewText(turn, input.text);
      else if (state.flow === 'coaching') coachingText(turn, input.text);
      else askCurrent(turn);
      return turn.finish(state);
    }
  }
}

/** Back after the idle time: say the draft was kept and ask the current question, without using the input. */
function resumed(turn: Turn, state: ConversationState): StepResult {
  turn.say(translator(turn.ctx.locale)('assess.resumed'));
  askCurrent(turn);
  return turn.finish(state);
}
