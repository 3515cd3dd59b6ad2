/**
 * Passing a dialog message to the other party of a thread (an assessment's dialog kinerja, a feedback's
 * replies): the same rules for both. Too long is refused with the limit and the text handed back as a draft
 * to shorten (never cut); what is passed on is marked as a relay, so a plain message typed right after it is
 * taken as the answer (engine.ts); the sender is told it went, and where when they typed outside the thread.
 */
import type { OutgoingMessage } from '../contract/index.js';
import { checkTextLength } from '../domain/index.js';
import { translator, type Locale } from '../i18n/index.js';
import type { Turn } from './turn.js';

/** The text to relay, or null after refusing it (nothing typed: nothing to relay). */
export function relayText(turn: Turn, text: string, threadKey: string): string | null {
  const checked = checkTextLength('thread_message', text);
  if (checked.ok) return checked.text;
  if (checked.fault === 'too_long') {
    const t = translator(turn.ctx.locale);
    turn.reply({ text: `${t('input.text_too_long', { length: checked.length, max: checked.max })}\n${t('thread.draft_kept')}`, threadKey });
    // The draft as its own message, so it can be copied whole (the renderers split it where it is too long).
    turn.reply({ text: text.trim(), threadKey });
    return null;
  }
  // Nothing typed (or only characters that are cleaned away) is nothing to relay, and the person is told so.
  turn.reply({ text: translator(turn.ctx.locale)('thread.empty'), threadKey });
  return null;
}

/** The relayed message, in the reader's language. */
export function relayedMessage(locale: Locale, author: string, text: string, threadKey: string): OutgoingMessage {
  return { text: translator(locale)('thread.relayed', { name: author, text }), threadKey, relay: true };
}

/** Tells the sender it went: in the thread, or, when typed outside it right after a relay, that it went there. */
export function acknowledgeRelay(turn: Turn, threadKey: string, otherName: string): void {
  const t = translator(turn.ctx.locale);
  const said = turn.ctx.impliedThread ? t('thread.sent_as_reply', { name: otherName }) : t('thread.sent');
  // Telegram shows no acknowledgement for typed text, so the sender also gets a short message.
  turn.ackText = said;
  turn.reply(turn.ctx.impliedThread ? { text: said } : { text: said, threadKey });
}
