/**
 * Dialog kinerja: a message posted in an assessment's thread is stored on the assessment and relayed to the
 * other party in the same thread. Only the owner and whoever may rate it can post. A feedback's thread is
 * relayed the same way between its giver and its employee (feedback.ts).
 */
import { checkTextLength } from '../../domain/index.js';
import { translator } from '../../i18n/index.js';
import { mayRate } from '../raters.js';
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
  const checked = checkTextLength('thread_message', text);
  if (!checked.ok) {
    // Nothing typed (or only characters that are cleaned away) is nothing to relay, and the person is told so;
    // too much is said so rather than cut off silently.
    turn.say(checked.fault === 'too_long' ? t('input.text_too_long', { length: checked.length, max: checked.max }) : t('thread.empty'));
    return;
  }
  const body = checked.text;
  turn.effect({ kind: 'thread_message', assessmentId: view.id, authorId: actor.id, text: body });
  const otherId = isOwner ? (view.promptRater?.id ?? null) : view.owner.id;
  const otherLocale = isOwner ? (view.promptRater?.locale ?? 'id') : view.owner.locale;
  if (otherId !== null) {
    const ot = translator(otherLocale);
    turn.effect({ kind: 'notify', employeeId: otherId, message: { text: ot('thread.relayed', { name: actor.name, text: body }), threadKey: view.threadKey } });
  }
  // Telegram shows no acknowledgement for typed text, so the sender also gets a short message (in the thread).
  turn.ackText = t('thread.sent');
  turn.reply({ text: t('thread.sent'), threadKey: view.threadKey });
}

export const threadModule: FlowModule = {
  name: 'dialog',
  threadText: relayThreadMessage,
};
