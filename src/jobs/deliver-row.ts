/**
 * Delivers one outbox row through its platform's sender and records the outcome on the row. The BullMQ
 * delivery worker calls this for each job; the console runs it inline. It never runs inside a transaction
 * that holds other work: the platform call happens between two short updates.
 */
import { isTransientDatabaseError } from '../db/transient.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import { markOutboxDead as markDead, markOutboxFailed, markOutboxSent, messageRefOf, outboxRowForDelivery, recordOutboxAttempt, threadRootRef, type OutboxRow } from '../db/outbox.js';
import { txOf, type TxRunner } from '../db/sql.js';
import { PLATFORM_MODULES } from '../platforms.js';
import { DeliveryError, messageForPlatform, type DeliveryLookups, type FileSource, type OutgoingMessage, type Platform, type PlatformSender } from '../contract/index.js';

export type DeliveryOutcome =
  | { status: 'sent'; platformMessageRef: string; line?: ChatLine }
  | { status: 'skipped'; reason: 'not_found' | 'already_sent' | 'already_failed' }
  | { status: 'failed'; reason: string; line?: ChatLine }
  /** Only with `keepChatOrder`: an older message to the same chat is still pending; nothing was sent. */
  | { status: 'waiting'; reason: 'older_message_pending'; ahead: number }
  /** Only with `chatPace`: the chat has a backlog and got a message less than its interval ago. */
  | { status: 'waiting'; reason: 'chat_pace'; ahead: 0; retryInMs: number };

/** With `keepChatOrder`: what waits behind a row that is done, so the worker can hand its chat on. */
export interface ChatLine {
  /** The next pending row of the chat. */
  next: number;
  /** Pending rows of the chat after the done one (capped, see CHAT_BACKLOG_CAP). */
  behind: number;
}

/** Options of one delivery. */
export interface DeliverOptions {
  /**
   * Refuse to send while an older row for the same chat is still pending, so one chat's messages arrive in
   * outbox order. Checked in the same query that reads the row (an EXISTS on the partial index of pending
   * rows per chat), so a delivery costs one read and one write, the write shared with `sentRecorder`.
   */
  keepChatOrder?: boolean;
  /**
   * With `keepChatOrder`: how long the chat must still wait before this row may go (0: go now, and the caller
   * counts this as the chat's latest send), given how many rows wait behind it.
   */
  chatPace?: (chatId: string, behind: number) => number;
  /** Records the sent status through this batcher (the delivery worker's), instead of one UPDATE per row. */
  sentRecorder?: SentRecorder;
  /** Produces the files messages carry (charts, exports); without it such a message fails for good. */
  files?: FileSource;
  /**
   * Reads the row through this runner's sessions, as a prepared statement (the delivery worker's): planning
   * the read with its three chat-line probes cost PostgreSQL five times its execution (0.59 ms against 0.12 ms
   * a message), about half a core at a thousand messages a second. Its generic plan stays good as the outbox
   * grows: the row by primary key, the probes by equality on the partial index of pending rows per chat.
   */
  prepared?: TxRunner;
  /**
   * The row as already read, with its place in its chat's line (`outboxRowsForDelivery`: a job carrying several
   * rows reads them in one statement): not read again.
   */
  row?: OutboxRow<OutgoingMessage>;
  /**
   * The slot of the platform's limiter this send holds, asked for right before the platform call: a single-row
   * job waits for it there, so a row that turns out to wait for its chat, or is done already, takes none (a
   * chunk took its rows' slots before).
   */
  limiterSlot?: () => Promise<LimiterSlot>;
}

/** A slot of the platform's limiter held by one send (the delivery worker's, src/jobs/delivery.ts). */
export interface LimiterSlot {
  /** The platform answered (or the call failed): the send counts from now on rather than from when it was granted. */
  answered(): void;
}

/** The file source of a process that has none: a message with a file cannot be delivered. */
const noFiles: FileSource = async (file) => {
  throw new DeliveryError('permanent', `no file source in this process for ${file.source}`);
};

/**
 * Records successful deliveries several rows per statement. The delivery worker runs many jobs at once; the
 * rows whose platform call finished in the same turn of the event loop share one UPDATE, which saves a
 * database round trip per message at a thousand messages a second. Each caller still waits until its own row
 * is written, so a job completes only after its row says sent, exactly as with a single UPDATE.
 */
export class SentRecorder {
  private waiting: { id: number; ref: string; done: (err?: unknown) => void }[] = [];
  private scheduled = false;

  /**
   * `em` must not be inside a transaction: each flush is its own statement. Deliberately not a prepared
   * statement: its generic plan, made while the outbox was small (a worker started before a sweep), joined the
   * JSON rows by hash to a sequential scan of the outbox and kept doing so as the sweep added 100,000 rows (a
   * core of PostgreSQL for the workers in the benchmark). Planned per flush, it finds rows by primary key.
   */
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
      await markOutboxSent(
        txOf(this.em),
        batch.map(({ id, ref }) => ({ id, ref })),
      );
      for (const w of batch) w.done();
    } catch (err) {
      for (const w of batch) w.done(err ?? new Error('recording sent rows failed'));
    }
  }
}

/** Lookups answered from the outbox table itself. */
export function outboxLookups(em: EntityManager, files: FileSource = noFiles): DeliveryLookups {
  const tx = txOf(em);
  return {
    messageRefOf: (outboxId) => messageRefOf(tx, outboxId),
    threadRootRef: (dest, threadKey) => threadRootRef(tx, dest.platform, dest.chatId, threadKey),
    fileContent: files,
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
  const tx = txOf(em);
  const keepChatOrder = opts.keepChatOrder ?? false;
  const row = opts.row
    ? opts.row
    : opts.prepared
    ? await opts.prepared.session((s) => outboxRowForDelivery<OutgoingMessage>(s, id, keepChatOrder))
    : await outboxRowForDelivery<OutgoingMessage>(tx, id, keepChatOrder);
  if (!row) return { status: 'skipped', reason: 'not_found' };
  if (row.status === 'sent') return { status: 'skipped', reason: 'already_sent' };
  if (row.status === 'failed' || row.status === 'dead') return { status: 'skipped', reason: 'already_failed' };
  if (row.ahead > 0) return { status: 'waiting', reason: 'older_message_pending', ahead: row.ahead };
  const paceMs = opts.chatPace?.(row.chatId, row.behind) ?? 0;
  if (paceMs > 0) return { status: 'waiting', reason: 'chat_pace', ahead: 0, retryInMs: paceMs };
  const line: ChatLine | undefined = row.next !== null ? { next: row.next, behind: row.behind } : undefined;
  const sender = senders.get(row.platform);
  if (!sender) {
    const reason = `no sender configured for platform ${row.platform}`;
    await markOutboxFailed(tx, id, reason);
    return { status: 'failed', reason };
  }
  const slot = await opts.limiterSlot?.();
  try {
    // Made platform-true here, for the platform the message lands on (one place for every message).
    const capabilities = PLATFORM_MODULES.find((m) => m.name === row.platform)?.capabilities ?? { commandPrefix: '/', threads: false };
    const message = messageForPlatform(row.payload, capabilities);
    const receipt = await sender.deliver({ platform: row.platform as Platform, chatId: row.chatId }, message, outboxLookups(em, opts.files)).finally(() => slot?.answered());
    // The person has the message now: failing here would make the job send it again, so the record is retried
    // while the database is away (the job's lock is kept alive by the worker meanwhile).
    await untilRecorded(() =>
      opts.sentRecorder ? opts.sentRecorder.record(id, receipt.platformMessageRef) : markOutboxSent(tx, [{ id, ref: receipt.platformMessageRef }]),
    );
    return { status: 'sent', platformMessageRef: receipt.platformMessageRef, ...(line ? { line } : {}) };
  } catch (err) {
    if (err instanceof SentButNotRecorded) throw err.cause;
    if (err instanceof DeliveryError && err.kind === 'permanent') {
      await markOutboxFailed(tx, id, err.message);
      return { status: 'failed', reason: err.message, ...(line ? { line } : {}) };
    }
    const message = err instanceof Error ? err.message : String(err);
    await recordOutboxAttempt(tx, id, message);
    throw err instanceof DeliveryError ? err : new DeliveryError('transient', message);
  }
}

/** How long a delivered message's "sent" record is retried while the database is away. */
export const RECORD_SENT_RETRY_MS = 5 * 60_000;

/** The message went out but its row could not be marked sent (the database stayed away too long). */
class SentButNotRecorded extends Error {
  constructor(override readonly cause: unknown) {
    super('delivered, but the sent status could not be recorded');
  }
}

async function untilRecorded(write: () => Promise<unknown>): Promise<void> {
  const deadline = Date.now() + RECORD_SENT_RETRY_MS;
  for (let wait = 250; ; wait = Math.min(5_000, wait * 2)) {
    try {
      await write();
      return;
    } catch (err) {
      if (!isTransientDatabaseError(err) || Date.now() + wait > deadline) throw new SentButNotRecorded(err);
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}

/** Marks a row dead after the last transient attempt, so HR sees it in `kinerja status`. */
export async function markOutboxDead(em: EntityManager, id: number, reason: string): Promise<void> {
  await markDead(txOf(em), id, reason);
}
