/**
 * What Slack ingress reads from the database before handing an event to the engine: whether the person is
 * linked (and their DM), which assessment thread a Slack thread belongs to, and which form a chat was
 * offered. Read-only, each narrowed by the (platform, chat_id) index; the engine owns every write.
 */
import type { Orm } from '../../db/orm.js';
import type { FormSpec } from '../../engine/contract.js';

export interface IngressLookups {
  /** The DM this person talks to the bot in, and whether they are linked yet. */
  identityOf(userId: string): Promise<{ chatId: string | null; linked: boolean }>;
  /** The thread key of the bot message at the root of a Slack thread (`thread_ts`) in `channelId`. */
  threadKeyOf(channelId: string, threadTs: string): Promise<string | undefined>;
  /** The form the bot last offered in `chatId` with this token (for the "open form" button). */
  offeredForm(chatId: string, formToken: string): Promise<FormSpec | null>;
}

/** Lookups answered from chat_identity and outbox_message. */
export function ingressLookups(orm: Orm): IngressLookups {
  const conn = () => orm.em.getConnection();
  return {
    async identityOf(userId) {
      const rows = await conn().execute<{ chat_id: string }[]>(
        `select chat_id from chat_identity where platform = 'slack' and platform_user_id = ? order by linked_at desc limit 1`,
        [userId],
      );
      return rows[0] ? { chatId: rows[0].chat_id, linked: true } : { chatId: null, linked: false };
    },
    async threadKeyOf(channelId, threadTs) {
      const rows = await conn().execute<{ key: string | null }[]>(
        `select payload->>'threadKey' as key from outbox_message
          where platform = 'slack' and chat_id = ? and platform_message_ref = ? order by id limit 1`,
        [channelId, threadTs],
      );
      return rows[0]?.key ?? undefined;
    },
    async offeredForm(chatId, formToken) {
      const rows = await conn().execute<{ form: FormSpec }[]>(
        `select payload->'form' as form from outbox_message
          where platform = 'slack' and chat_id = ? and payload->'form'->>'token' = ? order by id desc limit 1`,
        [chatId, formToken],
      );
      return rows[0]?.form ?? null;
    },
  };
}
