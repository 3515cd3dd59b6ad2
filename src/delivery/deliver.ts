/**
 * Delivers one outbox row through its platform's sender and records the outcome on the row. The BullMQ
 * delivery worker calls this for each job; the console runs it inline. It never runs inside a transaction
 * that holds other work: the platform call happens between two short updates.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { DeliveryError, type DeliveryLookups, type OutgoingMessage, type Platform, type PlatformSender } from '../engine/contract.js';

export type DeliveryOutcome =
  | { status: 'sent'; platformMessageRef: string }
  | { status: 'skipped'; reason: 'not_found' | 'already_sent' | 'already_failed' }
  | { status: 'failed'; reason: string }
  /** Only with `keepChatOrder`: an older message to the same chat is still pending; nothing was sent. */
  | { status: 'waiting'; reason: 'older_message_pending' };

/** Options of one delivery. */
export interface DeliverOptions {
  /**
   * Refuse to send while an older row for the same chat is still pending, so one chat's messages arrive in
   * outbox order. Checked in the same query that reads the row, to keep delivery at two statements.
   */
  keepChatOrder?: boolean;
}

interface OutboxRow {
  id: string | number;
  platform: Platform;
  chat_id: string;
  payload: OutgoingMessage;
  status: string;
  blocked?: boolean;
}

/** Lookups answered from the outbox table itself. */
export function outboxLookups(em: EntityManager): DeliveryLookups {
  const conn = em.getConnection();
  return {
    async messageRefOf(outboxId) {
      const rows = await conn.execute<{ ref: string | null }[]>('select platform_message_ref as ref from outbox_message where id = ?', [outboxId]);
      return rows[0]?.ref ?? null;
    },
    async threadRootRef(dest, threadKey) {
      const rows = await conn.execute<{ ref: string }[]>(
        `select platform_message_ref as ref from outbox_message
          where platform = ? and chat_id = ? and payload->>'threadKey' = ? and payload->>'threadRoot' = 'true'
            and platform_message_ref is not null order by id limit 1`,
        [dest.platform, dest.chatId, threadKey],
      );
      return rows[0]?.ref ?? null;
    },
  };
}

/**
 * Sends outbox row `id`. Returns the outcome for rows that are done (sent, or permanently failed); throws the
 * sender's DeliveryError for rate-limited and transient failures so the caller (BullMQ) can retry.
 */
export async function deliverOutboxRow(
  em: EntityManager,
  senders: ReadonlyMap<string, PlatformSender>,
  id: number,
  opts: DeliverOptions = {},
): Promise<DeliveryOutcome> {
  const conn = em.getConnection();
  const blocked = opts.keepChatOrder
    ? `, exists (select 1 from outbox_message p where p.platform = o.platform and p.chat_id = o.chat_id and p.id < o.id and p.status = 'pending') as blocked`
    : '';
  const rows = await conn.execute<OutboxRow[]>(`select o.id, o.platform, o.chat_id, o.payload, o.status${blocked} from outbox_message o where o.id = ?`, [id]);
  const row = rows[0];
  if (!row) return { status: 'skipped', reason: 'not_found' };
  if (row.status === 'sent') return { status: 'skipped', reason: 'already_sent' };
  if (row.status === 'failed' || row.status === 'dead') return { status: 'skipped', reason: 'already_failed' };
  if (row.blocked) return { status: 'waiting', reason: 'older_message_pending' };
  const sender = senders.get(row.platform);
  if (!sender) {
    const reason = `no sender configured for platform ${row.platform}`;
    await conn.execute(`update outbox_message set status = 'failed', last_error = ?, attempts = attempts + 1 where id = ?`, [reason, id]);
    return { status: 'failed', reason };
  }
  try {
    const receipt = await sender.deliver({ platform: row.platform, chatId: row.chat_id }, row.payload, outboxLookups(em));
    await conn.execute(
      `update outbox_message set status = 'sent', platform_message_ref = ?, sent_at = now(), attempts = attempts + 1, last_error = null where id = ?`,
      [receipt.platformMessageRef, id],
    );
    return { status: 'sent', platformMessageRef: receipt.platformMessageRef };
  } catch (err) {
    if (err instanceof DeliveryError && err.kind === 'permanent') {
      await conn.execute(`update outbox_message set status = 'failed', last_error = ?, attempts = attempts + 1 where id = ?`, [err.message, id]);
      return { status: 'failed', reason: err.message };
    }
    const message = err instanceof Error ? err.message : String(err);
    await conn.execute(`update outbox_message set attempts = attempts + 1, last_error = ? where id = ?`, [message, id]);
    throw err instanceof DeliveryError ? err : new DeliveryError('transient', message);
  }
}

/** Marks a row dead after the last transient attempt, so HR sees it in `kinerja status`. */
export async function markOutboxDead(em: EntityManager, id: number, reason: string): Promise<void> {
  await em.getConnection().execute(`update outbox_message set status = 'dead', last_error = ? where id = ? and status = 'pending'`, [reason, id]);
}
