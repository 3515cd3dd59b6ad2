/**
 * Dialog kinerja: a message posted in an assessment's thread is stored on the assessment and relayed to the
 * other party in the same thread. Only the owner and whoever may rate it can post. A feedback's thread is
 * relayed the same way between its giver and its employee (feedback.ts).
 */
import { translator } from '../../i18n/index.js';
import { mayRate } from '../raters.js';
import { acknowledgeRelay, relayedMessage, relayText } from '../relay.js';
import type { Turn } from '../turn.js';
import { relayFeedbackReply } from './feedback.js';
import type { FlowModule } from './module.js';

function relayThreadMessage(turn: Turn, text: string): void {
  const t = translator(turn.ctx.locale);
  const view = turn.ctx.subject;
  const actor = turn.ctx.actor;
  // A feedback's thread (umpan balik) rather than an assessment's.
  if (!view && turn.ctx.feedbackThread) return relayFeedbackReply(turn, text);
  if (!view || !actor) {
    turn.say(t('thread.not_allowed'));
    return;
  }
  const isOwner = view.owner.id === actor.id;
  if (!isOwner && !mayRate(actor.id, view)) {
    turn.say(t('thread.not_allowed'));
    return;
  }
  const body = relayText(turn, text, view.threadKey);
  if (body === null) return;
  turn.effect({ kind: 'thread_message', assessmentId: view.id, authorId: actor.id, text: body });
  const other = isOwner ? view.promptRater : view.owner;
  if (other) turn.effect({ kind: 'notify', employeeId: other.id, message: relayedMessage(other.locale, actor.name, body, view.threadKey) });
  acknowledgeRelay(turn, view.threadKey, other?.name ?? '');
}

export const threadModule: FlowModule = {
  name: 'dialog',
  threadText: relayThreadMessage,
};
