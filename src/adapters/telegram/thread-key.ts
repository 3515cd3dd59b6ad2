/**
 * Which assessment thread a reply belongs to. The bot's messages are outbox rows that remember their
 * Telegram message_id, so a reply to one of them finds the `threadKey` the engine gave that message.
 */
import type { IngressLookups } from '../../contract/index.js';

/** A function answering "which thread key did the bot's message `messageId` in `chatId` carry?". */
export type ThreadKeyLookup = (chatId: string, messageId: number) => Promise<string | null>;

/** The look-up through the system's ingress look-ups. */
export function telegramThreadKeyLookup(lookups: Pick<IngressLookups, 'threadKeyOf'>): ThreadKeyLookup {
  return (chatId, messageId) => lookups.threadKeyOf('telegram', chatId, String(messageId));
}
