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
   * outbox order. Checked in the same query that reads the row (an EXISTS on the partial index of pending
   * rows per chat), so a delivery costs one read and one write, the write shared with `sentRecorder`.
   */
  keepChatOrder?: boolean;
  /** Records the sent status through this batcher (the delivery worker's), instead of one UPDATE per row. */
  sentRecorder?: SentRecorder;
}

/**
 * Records successful deliveries several rows per statement. The delivery worker runs many jobs at once; the
 * rows whose platform call finished in the same turn of the event loop share one UPDATE, which saves a
 * database round trip per message at a thousand messages a second. Each caller still waits until its own row
 * is written, so a job completes only after its row says sent, exactly as with a single UPDATE.
 */
export class SentRecorder {
  private waiting: { id: number; ref: string; done: (err?: unknown) => void }[] = [];
  private scheduled = false;

  /** `em` must not be inside a transaction: each flush is its own statement. */
  constructor(private readonly em: EntityManager) {}

  /** Marks row `id` sent with the platform's message ref; resolves once the row is written. */
  record(id: number, platformMessageRef: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ id, ref: platformMessageRef, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate runs after the I/O callbacks of this turn, so every delivery that just finished joins.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const batch = this.waiting;
    this.waiting = [];
    this.scheduled = false;
    try {
      await this.em.getConnection().execute(
        `update outbox_message o set status = 'sent', platform_message_ref = u.ref, sent_at = now(), attempts = o.attempts + 1, last_error = null
           from jsonb_to_recordset(?::jsonb) as u(id bigint, ref text) where o.id = u.id`,
        [JSON.stringify(batch.map(({ id, ref }) => ({ id, ref })))],
      );
      for (const w of batch) w.done();
    } catch (err) {
      for (const w of batch) w.done(err ?? new Error('recording sent rows failed'));
    }
  }
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
    if (opts.sentRecorder) await opts.sentRecorder.record(id, receipt.platformMessageRef);
    else
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
