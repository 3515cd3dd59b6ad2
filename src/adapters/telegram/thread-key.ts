/**
 * Which assessment thread a reply belongs to. The bot's messages are outbox rows that remember their
 * Telegram message_id, so a reply to one of them finds the `threadKey` the engine gave that message.
 */
import type { EntityManager } from '@mikro-orm/postgresql';

/** A function answering "which thread key did the bot's message `messageId` in `chatId` carry?". */
export type ThreadKeyLookup = (chatId: string, messageId: number) => Promise<string | null>;

/** The lookup over the outbox table. Several rows can share a message id (edits in place): the newest wins. */
export function outboxThreadKeyLookup(em: EntityManager): ThreadKeyLookup {
  return async (chatId, messageId) => {
    const rows = await em.getConnection().execute<{ thread_key: string | null }[]>(
      `select payload->>'threadKey' as thread_key from outbox_message
        where platform = 'telegram' and chat_id = ? and platform_message_ref = ?
        order by id desc limit 1`,
      [chatId, String(messageId)],
    );
    return rows[0]?.thread_key ?? null;
  };
}
