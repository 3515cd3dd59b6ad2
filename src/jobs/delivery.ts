/**
 * Outbox delivery on BullMQ: one queue per platform, one job per outbox row (job id `outbox-<database>-<id>`,
 * so enqueueing a row twice is a no-op while its job exists, and the row's status stops a late duplicate after
 * that; the database's own id keeps a recreated database from colliding with the old one's completed jobs in
 * the same Redis), a limiter per platform, and the relay that re-enqueues rows left pending (a crash between commit and
 * enqueue, or a flushed Redis: the database is the source of truth). The reminder sweep's batches go out on
 * Redis as chunk jobs of several rows of different chats (DELIVERY_CHUNK_JOB), whose rows that cannot go at
 * once continue as single-row jobs.
 *
 * Failures, as classified by the platform sender (`DeliveryError`):
 * - rate_limited: the whole platform queue pauses for the platform's retry_after (`worker.rateLimit`) and
 *   the job goes back to waiting without using an attempt, instead of a worker holding it while sleeping; on a
 *   platform whose 429s are usually one chat's flood limit (`chatScopedRateLimits`, Telegram) the first
 *   limited chat only delays its own message, and the queue pauses when a second chat is limited meanwhile;
 * - permanent (bot blocked, chat not found): `deliverOutboxRow` marks the row failed with the reason;
 * - transient (network, 5xx): the job is delayed by a capped exponential back-off computed from the row's
 *   attempts, and retried until DELIVERY_GIVE_UP_HOURS after the row was written (or the DELIVERY_MAX_ATTEMPTS
 *   safety cap), then the row is dead. Time, not a count, bounds it, so a platform outage of hours costs
 *   nothing but delay. Repeated transient failures open a circuit breaker: the platform's queue pauses
 *   (`worker.rateLimit`, no attempt used) for a growing cool-down, then the next job probes the platform.
 *
 * Order per chat. Messages to one chat must arrive in the order the engine wrote them (outbox id order), yet
 * jobs run concurrently on several workers, and a retried job falls behind newer ones. The processor
 * therefore refuses to send a row while an older row for the same chat is still pending. We chose this over
 * a per-chat group key because BullMQ's groups are a BullMQ Pro feature, and because the check reads the
 * database, it also holds across a flushed Redis, the relay and the two backends (one EXISTS-like probe on a
 * partial index of pending rows per chat, folded into the query that loads the row).
 *
 * No head-of-line blocking. A row that must wait sleeps (a delayed job) and is woken by the row before it when
 * that one is done (`handOn`): a row right behind the head looks again after a moment, rows further back only
 * after CHAT_WAIT_MAX_MS (the safety net), and rows queued behind older rows of their chat are enqueued asleep.
 * So one chat's backlog of hundreds costs one job at a time, never the worker slots and limiter slots other
 * chats' messages need; and a backlog is drained at the platform's per-chat pace (`chatIntervalMs`), below
 * the per-chat 429 that would pause the whole queue.
 *
 * Cost per job: one query that loads the row with its order check, the platform call, and a share of one
 * UPDATE that marks every row sent whose call finished in the same event-loop turn (`SentRecorder`). The read
 * is a prepared statement of each pooled connection (`TxRunner`), planned once rather than for every message.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../db/orm.js';
import { DeliveryError, type FileSource, type OutgoingMessage, type Platform, type PlatformSender } from '../contract/index.js';
import { PLATFORM_MODULES, platformModule } from '../platforms.js';
import { deliverOutboxRow, markOutboxDead, SentRecorder, type ChatLine, type DeliveryOutcome, type LimiterSlot } from './deliver-row.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../clock.js';
import type { JobQueue, JobWorker, QueueBackend } from './backend.js';
import { outboxChats, outboxRetryClock, outboxRowsForDelivery, pendingOutbox, pendingOutboxBefore, resetOutboxForRetry, type OutboxRow, type OutboxStatus, type PendingOutboxRow } from '../db/outbox.js';
import { txOf, TxRunner } from '../db/sql.js';
import { databaseId } from '../db/installation.js';

/** The delivery queue of each registered platform (src/platforms.ts). */
export const DELIVERY_QUEUE_NAMES: Readonly<Record<Platform, string>> = Object.fromEntries(PLATFORM_MODULES.map((m) => [m.name, m.deliveryQueue]));

/** How long a row right behind its chat's head waits before it looks again (the worker's default). */
export const DEFAULT_ORDER_RETRY_MS = 250;

/** The data of a delivery job. */
export interface DeliveryJobData {
  /** The row to deliver (of a chunk job: its first row). */
  outboxId: number;
  /** A chunk job (`DELIVERY_CHUNK_JOB`): every row it delivers, of different chats, in id order. */
  outboxIds?: number[];
}

/**
 * The name of a job that delivers several outbox rows of different chats (`enqueueOutbox` with `chunk`, the
 * reminder sweep's batches on Redis). Per message, BullMQ's work (adding, activating, finishing a job: Lua
 * scripts, events, Node objects) was about as much CPU as the rest of a delivery, and a sweep that enqueued
 * 100,000 jobs spent as much Node time enqueueing as composing. A chunk's rows are read in one statement and
 * sent at once, each counted by the platform's limiter (`takeLimiterSlots`). Only a chunk's first run sends:
 * every row that must wait (its chat's order or pace, a 429, a transient failure) and every row of a chunk run
 * again (stalled, or failed) becomes its own single-row job, so the rules of single-row jobs apply to it and
 * one job id per row still keeps a row from being sent by two jobs at once.
 */
export const DELIVERY_CHUNK_JOB = 'deliver-chunk';

/** Rows per chunk job: a sixteenth of the per-job cost per message; a chunk's sends go out in one burst. */
export const DELIVERY_CHUNK_ROWS = 16;

/** The job id of the chunk job whose first row is `outboxId` (see `outboxJobId`). */
export function outboxChunkJobId(databaseId: string, outboxId: number): string {
  return `outbox-${databaseId}-c${outboxId}`;
}

/**
 * The job id of outbox row `outboxId` of the database `databaseId` (src/db/installation.ts). Outbox ids start
 * again at 1 in a recreated database, and completed jobs stay in Redis for an hour, so `outbox-<id>` alone
 * would make a new row look delivered already. (BullMQ refuses purely numeric custom ids anyway.)
 */
export function outboxJobId(databaseId: string, outboxId: number): string {
  return `outbox-${databaseId}-${outboxId}`;
}

/** A delivery job as handed to `addBulk`. */
interface DeliveryJobSpec {
  name: string;
  data: DeliveryJobData;
  opts: { jobId: string; delay?: number };
}

/** The single-row job `jobId` of row `outboxId`, asleep for `delayMs` when above 0. */
function rowJob(jobId: string, outboxId: number, delayMs = 0): DeliveryJobSpec {
  return { name: 'deliver', data: { outboxId }, opts: { jobId, ...(delayMs > 0 ? { delay: delayMs } : {}) } };
}

/** The job id of row `outboxId` in the same database as the job `jobId` (one worker never sees two databases' rows). */
function sameDatabaseJobId(jobId: string, outboxId: number): string {
  return jobId.replace(/-c?\d+$/, `-${outboxId}`);
}

/** Retry settings of delivery jobs. */
export interface DeliveryRetry {
  /** DELIVERY_MAX_ATTEMPTS: the safety cap. */
  attempts: number;
  /** First back-off delay; doubles each attempt up to `maxBackoffMs`. Default 2000 ms. */
  backoffMs?: number;
}

/**
 * How long a row sleeps when two or more older rows of its chat are pending: it is woken by the row before it
 * (see `handOn`), so this is only the safety net when that wake-up is lost.
 */
export const CHAT_WAIT_MAX_MS = 30_000;
/** How often, and how far apart, a wake-up looks again at a next message that is still running (`handOn`). */
const HAND_ON_LOOKS = 40;
const HAND_ON_LOOK_MS = 50;
/** A chat with more pending rows than this behind a sent one is drained at the platform's per-chat pace. */
export const CHAT_BURST = 5;
/** Messages a chat with a queue may get in a quick burst before the per-chat pace applies (Telegram: ~3). */
export const CHAT_BURST_SENDS = 3;

/**
 * How long a row waits for the older rows of its chat before it looks again. Right behind the head (which is
 * probably being sent now): a moment. Further back: long, since the row before it wakes it when done; a row
 * far back that looked again every moment would take the platform limiter's slots from other chats.
 */
export function chatWaitMs(ahead: number, orderRetryMs: number): number {
  return ahead <= 1 ? orderRetryMs : CHAT_WAIT_MAX_MS;
}

/** Longest wait between two attempts of one message: a platform that is back is used within this long. */
export const DELIVERY_MAX_BACKOFF_MS = 60_000;
/** Consecutive transient failures of a platform that open its circuit breaker. */
export const BREAKER_THRESHOLD = 5;
/** First cool-down of an open breaker; doubles while the probes keep failing, up to DELIVERY_MAX_BACKOFF_MS. */
export const BREAKER_COOLDOWN_MS = 2_000;

/** The delay before attempt `attempts + 1` of a message (capped exponential). */
export function deliveryBackoffMs(attempts: number, baseMs: number, maxMs = DELIVERY_MAX_BACKOFF_MS): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(20, Math.max(0, attempts - 1)));
}

/** The delivery queues of all platforms. */
export type DeliveryQueues = Readonly<Record<Platform, JobQueue<DeliveryJobData>>>;

/** Opens the delivery queue of every registered platform on `backend`, with the retry policy as their default job options. */
export function createDeliveryQueues(backend: QueueBackend, retry: DeliveryRetry): DeliveryQueues {
  const out: Record<Platform, JobQueue<DeliveryJobData>> = {};
  for (const { name, deliveryQueue } of PLATFORM_MODULES) {
    out[name] = backend.queue<DeliveryJobData>(deliveryQueue, {
      defaultJobOptions: {
        attempts: retry.attempts,
        backoff: { type: 'exponential', delay: retry.backoffMs ?? 2000 },
        // Completed jobs are kept a while so a second enqueue of the same row is a no-op in BullMQ too.
        removeOnComplete: { age: 3600, count: 20_000 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    });
  }
  return out;
}

/** Jobs per addBulk call: one Redis pipeline each; bigger pipelines gained nothing measurable. */
const ADD_BULK_SIZE = 1000;

/**
 * Enqueues the given outbox rows (the engine's onCommitted hook, the sweep, the relay). Rows that are no longer
 * pending are left alone. Returns the number of rows handed to BullMQ.
 *
 * One query reads the platform and status of all `ids` (however many), then each platform's jobs go out in
 * pipelined addBulk calls.
 */
export async function enqueueOutbox(
  em: EntityManager,
  queues: DeliveryQueues,
  ids: readonly number[],
  /** Platforms whose rows the caller delivers itself (the console prints inline); the relay still covers them. */
  except: readonly Platform[] = [],
  /**
   * Up to this many rows per job (`DELIVERY_CHUNK_JOB`; default 1: a job per row). Only rows with nothing older
   * of their chat pending share a job, so a chunk never holds two rows of one chat. Redis only: a chunk's
   * sends are counted by the limiter through a Redis script (`takeLimiterSlots`).
   */
  chunk = 1,
): Promise<number> {
  if (ids.length === 0) return 0;
  return enqueuePendingOutbox(em, queues, await pendingOutbox(txOf(em), ids), except, chunk);
}

/**
 * Enqueues pending rows as `pendingOutbox` reads them (or as the statement that wrote them returned them: the
 * reminder sweep's), without reading them again; `except` and `chunk` as for `enqueueOutbox`.
 */
export async function enqueuePendingOutbox(
  em: EntityManager,
  queues: DeliveryQueues,
  pending: readonly PendingOutboxRow[],
  except: readonly Platform[] = [],
  chunk = 1,
): Promise<number> {
  const rows = pending as readonly (PendingOutboxRow & { platform: Platform })[];
  const byPlatform = new Map<Platform, { id: number; ahead: number; databaseId: string }[]>();
  for (const r of rows) {
    let list = byPlatform.get(r.platform);
    if (!list) byPlatform.set(r.platform, (list = []));
    list.push(r);
  }
  for (const [platform, list] of byPlatform) {
    const queue = queues[platform];
    if (!queue || except.includes(platform)) continue;
    const jobs: DeliveryJobSpec[] = [];
    const free: { id: number; databaseId: string }[] = [];
    for (const { id, ahead, databaseId } of list) {
      // A row queued behind older rows of its chat starts asleep: no worker (and no limiter slot) is spent on
      // finding out it must wait, so a chat's backlog does not stand in front of other chats' messages.
      if (ahead > 0) jobs.push(rowJob(outboxJobId(databaseId, id), id, chatWaitMs(ahead, DEFAULT_ORDER_RETRY_MS)));
      else free.push({ id, databaseId });
    }
    // Rows with nothing older of their chat pending share chunk jobs; a chunk of one row is an ordinary job.
    const size = Math.max(1, chunk);
    for (let i = 0; i < free.length; i += size) {
      const part = free.slice(i, i + size);
      const first = part[0]!;
      jobs.push(
        part.length === 1
          ? rowJob(outboxJobId(first.databaseId, first.id), first.id)
          : { name: DELIVERY_CHUNK_JOB, data: { outboxId: first.id, outboxIds: part.map((r) => r.id) }, opts: { jobId: outboxChunkJobId(first.databaseId, first.id) } },
      );
    }
    for (let i = 0; i < jobs.length; i += ADD_BULK_SIZE) await queue.addBulk(jobs.slice(i, i + ADD_BULK_SIZE));
    await wakeIfNoLongerBehind(em, queue, list);
  }
  return rows.length;
}

/**
 * Closes the lost wake-up of rows just enqueued asleep for CHAT_WAIT_MAX_MS. Their `ahead` was read before
 * their jobs existed; a row ahead that was sent in between looked for the sleeper to wake (`handOn`), found
 * no job, and the sleeper would have waited the whole safety net (30 s for a cycle's announcements under
 * load). Looking again now that the jobs exist settles it: a row still ahead is sent after this look, so its
 * wake-up finds the job; for the others the sleep is cut to what their place in the line needs now.
 */
async function wakeIfNoLongerBehind(em: EntityManager, queue: JobQueue<DeliveryJobData>, rows: readonly { id: number; ahead: number; databaseId: string }[]): Promise<void> {
  const sleepers = rows.filter((r) => chatWaitMs(r.ahead, DEFAULT_ORDER_RETRY_MS) === CHAT_WAIT_MAX_MS);
  if (!sleepers.length) return;
  const now = await pendingOutbox(txOf(em), sleepers.map((r) => r.id));
  for (const r of now) {
    if (chatWaitMs(r.ahead, DEFAULT_ORDER_RETRY_MS) === CHAT_WAIT_MAX_MS) continue;
    try {
      const job = await queue.getJob(outboxJobId(r.databaseId, r.id));
      if (!job || (await job.getState()) !== 'delayed') continue;
      if (r.ahead === 0) await job.promote();
      else await job.changeDelay(chatWaitMs(r.ahead, DEFAULT_ORDER_RETRY_MS));
    } catch {
      // Woken meanwhile by the row ahead, or already running: nothing left to do.
    }
  }
}

/** Hands batches of outbox rows (their ids by default) to BullMQ behind a producer (see `enqueueBehind`). */
export interface BatchEnqueuer<B = number[]> {
  /** Waits for the previous batch's enqueue (back-pressure), then starts this one without waiting for it. */
  onBatch(batch: B): Promise<void>;
  /** Waits for the last batch; returns the rows enqueued in all. Throws the first enqueue failure. */
  flush(): Promise<number>;
}

/**
 * Lets a producer of outbox batches (the reminder sweep) go on with its next batch while the previous one is
 * being enqueued: at most one enqueue is in flight, so memory stays bounded and BullMQ sees the batches in
 * order. A failed enqueue loses nothing (the rows stay pending for the relay), but it is reported by the next
 * `onBatch` or by `flush`, so the caller's job fails visibly.
 */
export function enqueueBehind<B = number[]>(enqueue: (batch: B) => Promise<number>): BatchEnqueuer<B> {
  // The last batch's enqueue. Each batch's enqueue starts when the one before it is done, so batches handed
  // over by several producers at once (the sweep's lanes) still go one at a time, in the order given; each
  // promise is awaited for its count by exactly one caller (the next onBatch, or flush).
  let tail: Promise<number> = Promise.resolve(0);
  let total = 0;
  return {
    async onBatch(batch) {
      const previous = tail;
      tail = previous.then(() => enqueue(batch));
      // Marked handled here; the error still surfaces through the next await of `tail`.
      tail.catch(() => undefined);
      // Not `total += await ...`: that reads `total` before waiting, and another caller adds meanwhile.
      const n = await previous;
      total += n;
    },
    async flush() {
      const last = tail;
      tail = Promise.resolve(0);
      const n = await last;
      total += n;
      return total;
    },
  };
}

/** What a delivery worker needs. */
export interface DeliveryWorkerOptions {
  orm: Orm;
  backend: QueueBackend;
  platform: Platform;
  senders: ReadonlyMap<string, PlatformSender>;
  /** Produces the files messages carry (charts, exports). */
  files?: FileSource;
  logger: Logger;
  /** Jobs in flight at once in this process. Default 10. */
  concurrency?: number;
  /**
   * The platform's limiter: at most `max` deliveries in any rolling `durationMs` across all workers (on Redis:
   * `takeLimiterSlots`; elsewhere BullMQ's fixed windows of `durationMs`). Unset: DEFAULT_LIMITER, because
   * BullMQ honours `worker.rateLimit` (a platform's Retry-After) only in a worker that has a limiter.
   */
  limiter?: { max: number; durationMs: number };
  /** How long a row right behind its chat's head waits before it looks again. Default 250 ms. */
  orderRetryMs?: number;
  /** The per-chat pace of a backlog; default: the platform module's `chatIntervalMs`. */
  chatIntervalMs?: number;
  /** Lock and stall settings (tests shorten them to recover from a killed worker quickly). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** DELIVERY_GIVE_UP_HOURS: a transiently failing message is dead this long after it was written. */
  giveUpHours?: number;
  /** Back-off settings (tests shorten them). */
  backoffMs?: number;
  maxBackoffMs?: number;
  breakerCooldownMs?: number;
}

/** The limiter of a platform without its own: high enough never to slow delivery, there so 429s pause it. */
export const DEFAULT_LIMITER = { max: 1000, durationMs: 1000 } as const;

/** Starts the delivery worker of one platform. */
export function startDeliveryWorker(opts: DeliveryWorkerOptions): JobWorker<DeliveryJobData> {
  const orderRetryMs = opts.orderRetryMs ?? DEFAULT_ORDER_RETRY_MS;
  const chatIntervalMs = opts.chatIntervalMs ?? platformModule(opts.platform).chatIntervalMs;
  const chatScoped = platformModule(opts.platform).chatScopedRateLimits === true;
  /** This process's latest sends to each chat (at most CHAT_BURST_SENDS), for `chatPace`. */
  const recentSends = new Map<string, number[]>();
  /**
   * A chat with messages queued gets at most CHAT_BURST_SENDS in any CHAT_BURST_SENDS x `chatIntervalMs`
   * (a short burst, then the platform's sustained per-chat pace), even when a row was woken early (its own
   * short wait, or a wake-up that found it already running). A message with nothing behind it is held only
   * when the chat already got the whole burst within one interval.
   */
  const chatPace = (chatId: string, behind: number): number => {
    if (chatIntervalMs <= 0) return 0;
    const now = Date.now();
    const windowMs = CHAT_BURST_SENDS * chatIntervalMs;
    const times = (recentSends.get(chatId) ?? []).filter((t) => now - t < windowMs);
    // Never more than the burst within one interval (a flood's first replies go out before any queue shows);
    // with a queue, no more than the burst within the burst's own window, so it drains at the sustained pace.
    const inInterval = times.filter((t) => now - t < chatIntervalMs);
    if (inInterval.length >= CHAT_BURST_SENDS) return inInterval[0]! + chatIntervalMs - now;
    if (behind >= 1 && times.length >= CHAT_BURST_SENDS) return times[0]! + windowMs - now;
    recentSends.set(chatId, [...times, now].slice(-CHAT_BURST_SENDS));
    if (recentSends.size > 10_000) for (const [c, ts] of recentSends) if (ts.every((t) => now - t >= windowMs)) recentSends.delete(c);
    return 0;
  };
  /** Chats this process saw limited (429), until when: a second chat limited meanwhile pauses the whole queue. */
  const limitedChats = new Map<string, number>();
  /**
   * The one rule for a 429 (single-row jobs and chunks alike): on a platform whose limits are per chat, one
   * chat over its flood limit waits alone (true: recorded until `waitMs` from now); a second chat limited
   * meanwhile, or any 429 elsewhere, pauses the whole queue (false).
   */
  const onlyThisChatWaits = (chatId: string, waitMs: number): boolean => {
    if (!chatScoped) return false;
    const now = Date.now();
    for (const [chat, until] of limitedChats) if (until <= now) limitedChats.delete(chat);
    if ([...limitedChats.keys()].some((c) => c !== chatId)) return false;
    limitedChats.set(chatId, now + waitMs);
    return true;
  };
  const sameQueue = opts.backend.queue<DeliveryJobData>(platformModule(opts.platform).deliveryQueue);
  /**
   * Row `line.next` may go now: its job (asleep, see `chatWaitMs`) is made due at once, or after the platform's
   * per-chat interval when the chat has a backlog, so a long backlog drains at that pace without the 429s that
   * would pause the whole queue (every chat) for their retry_after.
   */
  const handOn = async (line: ChatLine, doneJobId: string, look = 1): Promise<void> => {
    try {
      const job = await sameQueue.getJob(sameDatabaseJobId(doneJobId, line.next));
      if (!job) return;
      const state = await job.getState();
      // Running right now: it may have counted this row as still ahead and be about to sleep for
      // CHAT_WAIT_MAX_MS, after this wake-up would have found nothing asleep (the lost wake-up that held a
      // channel announcement for 30 s under load). Look again shortly, until it sleeps or is done.
      if (state === 'active' && look < HAND_ON_LOOKS) {
        setTimeout(() => void handOn(line, doneJobId, look + 1), HAND_ON_LOOK_MS).unref();
        return;
      }
      if (state !== 'delayed') return; // about to run, or done
      if (line.behind > CHAT_BURST && chatIntervalMs > 0) await job.changeDelay(chatIntervalMs);
      else await job.promote();
    } catch (err) {
      // The sleeping job looks again by itself; this was only a shortcut.
      opts.logger.debug({ err, outboxId: line.next }, 'could not wake the next message of the chat');
    }
  };
  const giveUpMs = (opts.giveUpHours ?? 24) * 3_600_000;
  const baseMs = opts.backoffMs ?? 2000;
  const maxBackoffMs = opts.maxBackoffMs ?? DELIVERY_MAX_BACKOFF_MS;
  const breaker = new CircuitBreaker(opts.breakerCooldownMs ?? BREAKER_COOLDOWN_MS, maxBackoffMs);
  let worker: JobWorker<DeliveryJobData> | undefined = undefined;
  // Concurrent jobs of this worker share their "sent" UPDATEs (one statement per event-loop turn).
  // The per-message read is prepared once per pooled connection (see DeliverOptions.prepared).
  const prepared = new TxRunner(opts.orm);
  const sentRecorder = new SentRecorder(opts.orm.em.fork() as EntityManager);
  const limiter = opts.limiter ?? DEFAULT_LIMITER;
  // Messages between their platform call and their "sent" record, at most `concurrency` in this process
  // whatever the jobs carry: a killed worker can have sent no more than that without recording it.
  const inFlight = new Slots(opts.concurrency ?? 10);
  /** Rows of a chunk that go back to single-row jobs, each after `delayMs` (0: now). */
  const handOff = async (chunkJobId: string, rows: readonly { id: number; delayMs: number }[]): Promise<void> => {
    if (rows.length === 0) return;
    await sameQueue.addBulk(rows.map(({ id, delayMs }) => rowJob(sameDatabaseJobId(chunkJobId, id), id, delayMs)));
  };
  /** Delivers the rows of a chunk job (DELIVERY_CHUNK_JOB). */
  const deliverChunk = async (job: Job<DeliveryJobData>, ids: readonly number[]): Promise<ChunkOutcome> => {
    const jobId = job.id as string;
    const outcome: ChunkOutcome = { sent: 0, failed: 0, handedOff: 0 };
    const client = opts.backend.kind === 'redis' ? await redisClientOf(sameQueue) : undefined;
    // Run again (it stalled, or failed after sending some rows), or no limiter script to count its sends: every
    // row becomes its own job, whose id keeps it from being sent by two jobs at once.
    if (job.attemptsStarted > 1 || job.attemptsMade > 0 || !client) {
      await handOff(jobId, ids.map((id) => ({ id, delayMs: 0 })));
      outcome.handedOff = ids.length;
      return outcome;
    }
    const em = opts.orm.em.fork() as EntityManager;
    const later: { id: number; delayMs: number }[] = [];
    const go: OutboxRow<OutgoingMessage>[] = [];
    for (const row of await outboxRowsForDelivery<OutgoingMessage>(txOf(em), ids)) {
      if (row.status !== 'pending') continue;
      if (row.ahead > 0) later.push({ id: row.id, delayMs: chatWaitMs(row.ahead, orderRetryMs) });
      else {
        const paceMs = chatPace(row.chatId, row.behind);
        if (paceMs > 0) later.push({ id: row.id, delayMs: paceMs });
        else go.push(row);
      }
    }
    let failure: unknown;
    const limited: { id: number; chatId: string; waitMs: number }[] = [];
    const sendOne = async (row: OutboxRow<OutgoingMessage>, slot: LimiterSlot): Promise<void> => {
      try {
        // The caller took this row's place among the messages in flight, and its limiter slot.
        const done = await deliverOutboxRow(em, opts.senders, row.id, { keepChatOrder: true, sentRecorder, files: opts.files, row, limiterSlot: async () => slot }).finally(() => inFlight.release(1));
        if (done.status === 'sent' || done.status === 'failed') {
          breaker.succeeded();
          outcome[done.status]++;
          if (done.line) await handOn(done.line, jobId);
        }
      } catch (err) {
        if (err instanceof DeliveryError && err.kind === 'rate_limited') {
          limited.push({ id: row.id, chatId: row.chatId, waitMs: Math.max(err.retryAfterMs ?? 1000, 1) });
        } else if (err instanceof DeliveryError && err.kind === 'transient') {
          // Its attempt is recorded; the single-row job retries it with the usual back-off and give-up clock.
          later.push({ id: row.id, delayMs: deliveryBackoffMs(1, baseMs, maxBackoffMs) });
          if (breaker.failed()) {
            opts.logger.warn({ platform: opts.platform, cooldownMs: breaker.cooldownMs, reason: err.message }, 'platform unreachable: circuit breaker open, delivery queue paused');
            await worker!.rateLimit(breaker.cooldownMs);
          }
        } else {
          failure ??= err;
          later.push({ id: row.id, delayMs: deliveryBackoffMs(1, baseMs, maxBackoffMs) });
        }
      }
    };
    // Rows go out as slots free up: first a place among this process's messages in flight, then a slot of the
    // limiter for each, so a slot is not taken long before its message goes (slots taken early and sent late
    // bunch up into more than the platform's rate within a second). BullMQ counted this job once when it
    // started it: the first row's slot of its fixed window, which the script uses instead of a new one.
    const sending: Promise<void>[] = [];
    let counted = 1;
    for (let next = 0; next < go.length; ) {
      const places = await inFlight.acquire(go.length - next);
      const { slots, waitMs } = await limiterSlots(client, places, counted);
      const n = slots.length;
      counted -= Math.min(counted, n);
      if (n < places) inFlight.release(places - n);
      if (n === 0) {
        await sleep(limiterRetryMs(waitMs));
        continue;
      }
      go.slice(next, next + n).forEach((row, i) => sending.push(sendOne(row, answeredSendsOf(client).slot(slots[i]!))));
      next += n;
    }
    await Promise.all(sending);
    if (limited.length > 0) {
      // A chunk holds one row per chat, so two limited rows are two chats: the whole queue pauses.
      const alone = limited.length === 1 && onlyThisChatWaits(limited[0]!.chatId, limited[0]!.waitMs);
      if (!alone) {
        const waitMs = Math.max(...limited.map((l) => l.waitMs));
        opts.logger.warn({ platform: opts.platform, waitMs }, 'platform rate limit: pausing the delivery queue');
        await worker!.rateLimit(waitMs);
      }
      for (const l of limited) later.push({ id: l.id, delayMs: l.waitMs });
    }
    await handOff(jobId, later);
    outcome.handedOff = later.length;
    // Rows not sent are in their own jobs by now; the failure is reported as the job's.
    if (failure !== undefined) throw new UnrecoverableError(failure instanceof Error ? failure.message : String(failure));
    return outcome;
  };
  /**
   * Until when this process last found the rolling window full: callers wait that out without asking Redis.
   * Every chunk refused a slot asking again each LIMITER_RETRY_MIN_MS made 4-4.5 script calls per message
   * delivered behind a reminder sweep, most of them refusals, on the CPU the sweep needed.
   */
  let windowFullUntil = 0;
  const limiterSlots = async (client: RedisEval, want: number, counted: number): Promise<LimiterSlots> => {
    const fullMs = windowFullUntil - Date.now();
    if (fullMs > 0) return { slots: [], waitMs: fullMs };
    const taken = await takeLimiterSlots(client, sameQueue, limiter, want, counted);
    if (taken.slots.length === 0) windowFullUntil = Date.now() + Math.max(taken.waitMs, LIMITER_RETRY_MIN_MS);
    return taken;
  };
  let answeredSends: AnsweredSends | undefined;
  const answeredSendsOf = (client: RedisEval): AnsweredSends =>
    (answeredSends ??= new AnsweredSends(client, limiterLogKey(sameQueue), limiter.durationMs, (err) => opts.logger.debug({ err, platform: opts.platform }, 'could not move answered sends in the limiter log')));
  /**
   * The send of a single-row job: BullMQ counted the job in its fixed window when it started it, and the send
   * also waits for room in the rolling window (`takeLimiterSlots`), so chunks see it and together they never
   * pass `max` in a rolling duration. Taken only when the row really goes (not when it must wait its turn); it
   * waits holding its place among the messages in flight, at most about one duration while the log is full.
   */
  const singleSendSlot = async (client: RedisEval): Promise<LimiterSlot> => {
    for (;;) {
      const { slots, waitMs } = await limiterSlots(client, 1, 1);
      if (slots.length > 0) return answeredSendsOf(client).slot(slots[0]!);
      await sleep(limiterRetryMs(waitMs));
    }
  };
  const processor = async (job: Job<DeliveryJobData>, token?: string): Promise<DeliveryOutcome | ChunkOutcome> => {
    if (job.name === DELIVERY_CHUNK_JOB && job.data.outboxIds) return deliverChunk(job, job.data.outboxIds);
    const em = opts.orm.em.fork() as EntityManager;
    const id = job.data.outboxId;
    const client = opts.backend.kind === 'redis' ? await redisClientOf(sameQueue) : undefined;
    const limiterSlot = client ? () => singleSendSlot(client) : undefined;
    try {
      const outcome = await inFlight.run(() => deliverOutboxRow(em, opts.senders, id, { keepChatOrder: true, sentRecorder, files: opts.files, chatPace, prepared, limiterSlot }));
      if (outcome.status === 'sent' || outcome.status === 'failed') {
        breaker.succeeded();
        if (outcome.line && job.id) await handOn(outcome.line, job.id);
      }
      if (outcome.status === 'waiting') {
        await job.moveToDelayed(Date.now() + (outcome.reason === 'chat_pace' ? outcome.retryInMs : chatWaitMs(outcome.ahead, orderRetryMs)), token);
        throw new DelayedError();
      }
      return outcome;
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      if (err instanceof DeliveryError && err.kind === 'rate_limited') {
        const waitMs = Math.max(err.retryAfterMs ?? 1000, 1);
        if (chatScoped) {
          const [where] = await outboxChats(txOf(em), opts.platform, [id]);
          if (where && onlyThisChatWaits(where.chatId, waitMs)) {
            opts.logger.warn({ platform: opts.platform, outboxId: id, waitMs }, 'chat rate limit: this chat waits, other chats go on');
            await job.moveToDelayed(Date.now() + waitMs, token);
            throw new DelayedError();
          }
        }
        opts.logger.warn({ platform: opts.platform, outboxId: id, waitMs }, 'platform rate limit: pausing the delivery queue');
        await worker!.rateLimit(waitMs);
        throw Worker.RateLimitError();
      }
      const reason = err instanceof Error ? err.message : String(err);
      const cap = job.opts.attempts ?? 1;
      // The row's own attempts and age decide (they survive a flushed Redis and the relay's fresh jobs).
      const row = await outboxRetryClock(txOf(em), id);
      if (!row) throw new UnrecoverableError(reason);
      const age = Date.now() - row.since.getTime();
      if (row.attempts >= cap || age >= giveUpMs) {
        const why = row.attempts >= cap ? `gave up after ${row.attempts} attempts` : `gave up after ${Math.round(age / 3_600_000)} h of retrying`;
        await markOutboxDead(em, id, `${why}: ${reason}`);
        opts.logger.error({ platform: opts.platform, outboxId: id, reason }, 'delivery dead after the last attempt');
        throw new UnrecoverableError(reason);
      }
      if (err instanceof DeliveryError && err.kind === 'transient' && breaker.failed()) {
        // Open: the whole queue pauses and this job goes back without using a BullMQ attempt.
        opts.logger.warn({ platform: opts.platform, cooldownMs: breaker.cooldownMs, reason }, 'platform unreachable: circuit breaker open, delivery queue paused');
        await worker!.rateLimit(breaker.cooldownMs);
        throw Worker.RateLimitError();
      }
      await job.moveToDelayed(Date.now() + deliveryBackoffMs(row.attempts, baseMs, maxBackoffMs), token);
      throw new DelayedError();
    }
  };
  worker = opts.backend.worker<DeliveryJobData>(platformModule(opts.platform).deliveryQueue, processor as never, {
    concurrency: opts.concurrency ?? 10,
    limiter: { max: (opts.limiter ?? DEFAULT_LIMITER).max, duration: (opts.limiter ?? DEFAULT_LIMITER).durationMs },
    lockDuration: opts.lockDurationMs,
    stalledInterval: opts.stalledIntervalMs,
    maxStalledCount: 5,
  });
  worker.on('error', (err) => opts.logger.error({ err, platform: opts.platform }, 'delivery worker error'));
  worker.on('closed', () => void sameQueue.close().catch(() => undefined));
  return worker;
}

/** At most `size` places taken at once; who asks for more waits their turn, first come first served. */
class Slots {
  private used = 0;
  private readonly waiting: { max: number; give: (n: number) => void }[] = [];

  constructor(private readonly size: number) {}

  /** Waits until a place is free, then takes as many as are free, up to `max` (at least 1). */
  acquire(max: number): Promise<number> {
    if (this.waiting.length === 0 && this.used < this.size) {
      const n = Math.min(max, this.size - this.used);
      this.used += n;
      return Promise.resolve(n);
    }
    return new Promise((give) => this.waiting.push({ max, give }));
  }

  release(n: number): void {
    this.used -= n;
    while (this.waiting.length > 0 && this.used < this.size) {
      const w = this.waiting.shift()!;
      const k = Math.min(w.max, this.size - this.used);
      this.used += k;
      w.give(k);
    }
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    await this.acquire(1);
    try {
      return await fn();
    } finally {
      this.release(1);
    }
  }
}

/** What a chunk job did with its rows (its return value). */
export interface ChunkOutcome {
  sent: number;
  failed: number;
  /** Rows that went back to single-row jobs (waiting for their chat, rate-limited, failed transiently). */
  handedOff: number;
}

/** The ioredis connection behind a queue on Redis (not part of the backend-neutral JobQueue type). */
async function redisClientOf<D>(queue: JobQueue<D>): Promise<RedisEval | undefined> {
  const backend = queue.getBackend() as unknown as { client?: Promise<RedisEval> };
  return backend.client;
}

/** The part of an ioredis client the limiter's scripts use. */
interface RedisEval {
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  evalsha(sha: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
}

/** A Lua script with its SHA-1, run by `runScript`. */
interface RedisScript {
  lua: string;
  sha: string;
}

function redisScript(lua: string): RedisScript {
  return { lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/** Runs `script` by its SHA-1; sent in full (which caches it) only when Redis does not have it yet, or lost it. */
async function runScript(client: RedisEval, script: RedisScript, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!(err instanceof Error && err.message.startsWith('NOSCRIPT'))) throw err;
    return client.eval(script.lua, keys.length, ...keys, ...args);
  }
}

/** The key of a queue's sliding log of sends (`takeLimiterSlots`), next to BullMQ's limiter counter. */
function limiterLogKey<D>(queue: JobQueue<D>): string {
  return `${queue.keys.limiter}:sends`;
}

/**
 * The shortest wait before asking the limiter again after it gave no slot: in a busy second slots free up one
 * by one, and asking for each as it frees would cost a Redis call per message and waiter.
 */
const LIMITER_RETRY_MIN_MS = 10;

/**
 * How long a caller refused a slot sleeps: the wait it was told, at least LIMITER_RETRY_MIN_MS, and a random
 * part of that again, so the waiting callers of a process wake one after another and the first one's answer
 * (a full window) keeps the others from asking Redis too.
 */
function limiterRetryMs(waitMs: number): number {
  return Math.max(waitMs, LIMITER_RETRY_MIN_MS) + Math.random() * LIMITER_RETRY_MIN_MS;
}

/** Slots taken (one log member per send, empty when none) and, when none, how long until one may be free. */
interface LimiterSlots {
  slots: string[];
  waitMs: number;
}

/**
 * The one rule of the platform's limiter for sends (chunk rows and single-row jobs alike): at most `max` in ANY
 * rolling `durationMs`, across all worker processes. Takes up to `want` slots.
 *
 * BullMQ's own limiter is a fixed window (a counter, `queue.keys.limiter`, incremented for each job it starts and
 * expiring one duration after the first): up to `max` at the end of one window and `max` more at the start of
 * the next, twice the platform's rate within a second (the 429s of bench:reminders). So each send is also
 * written to a sliding log of the last duration's sends (a sorted set next to the counter, scored by Redis's
 * clock, so the workers' clocks do not matter), and a slot is given only while that log holds fewer than `max`.
 * A send's entry is moved to the time of the platform's answer once it is in (`AnsweredSends`). The counter
 * is still incremented for every slot, so BullMQ starts no job while its window is full, and a queue paused by
 * `rateLimit` (the counter set far above `max`) gives no slot.
 *
 * `counted`: slots of the counter the caller already holds (BullMQ counted a job when it started it: the send
 * of a single-row job, or a chunk's first row). They are given even while the counter is full or paused, as a
 * started job always sent, but never beyond the log's room; they are not counted again.
 */
async function takeLimiterSlots<D>(client: RedisEval, queue: JobQueue<D>, limiter: { max: number; durationMs: number }, want: number, counted = 0): Promise<LimiterSlots> {
  const reply = (await runScript(client, LIMITER_SLOTS_SCRIPT, [queue.keys.limiter, limiterLogKey(queue)], [limiter.max, want, limiter.durationMs, counted])) as [number, number, string];
  const n = Number(reply[0]);
  return { slots: Array.from({ length: n }, (_, i) => `${reply[2]}:${i + 1}`), waitMs: Number(reply[1]) };
}

/**
 * KEYS: the fixed-window counter, the sliding log. ARGV: max, want, duration (ms), counted. Returns {slots,
 * wait ms, stamp}: the log's members of the slots are `<stamp>:1` .. `<stamp>:<slots>`, the stamp being Redis's
 * TIME `<seconds>.<microseconds>`, scored by that time in microseconds (exact in a double). The log expires one
 * duration after its last send, so a quiet queue leaves nothing behind.
 */
const LIMITER_SLOTS_SCRIPT = redisScript(`
local max = tonumber(ARGV[1])
local window = tonumber(ARGV[3]) * 1000
local counted = tonumber(ARGV[4])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
local room = max - redis.call('ZCARD', KEYS[2])
local free = counted + math.max(0, max - tonumber(redis.call('GET', KEYS[1]) or '0'))
local n = math.min(tonumber(ARGV[2]), room, free)
if n <= 0 then
  local waitMs = 1
  if room <= 0 then
    local oldest = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    waitMs = math.ceil((tonumber(oldest[2]) + window - now) / 1000)
  end
  if free <= 0 then
    local ttl = redis.call('PTTL', KEYS[1])
    if ttl < 0 then ttl = 10 end
    waitMs = math.max(waitMs, ttl)
  end
  return {0, math.max(waitMs, 1), ''}
end
-- A second call within one microsecond of Redis's clock (or after the clock was set back) must not overwrite
-- the first one's members: its stamp is lengthened until unused (a call's members leave the log together).
local stamp = time[1] .. '.' .. time[2]
while redis.call('ZSCORE', KEYS[2], stamp .. ':1') do stamp = stamp .. '+' end
local sends = {}
for i = 1, n do
  sends[2 * i - 1] = now
  sends[2 * i] = stamp .. ':' .. i
end
redis.call('ZADD', KEYS[2], unpack(sends))
redis.call('PEXPIRE', KEYS[2], ARGV[3])
local more = n - math.min(n, counted)
if more > 0 and redis.call('INCRBY', KEYS[1], more) == more then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return {n, 0, stamp}`);

/**
 * KEYS: the sliding log. ARGV: duration (ms), then the members of answered sends: each is scored with Redis's
 * time now (added again if it left the log meanwhile: a send that took longer than a duration).
 */
const LIMITER_ANSWERED_SCRIPT = redisScript(`
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000000 + tonumber(time[2])
local sends = {}
for i = 2, #ARGV do
  sends[2 * i - 3] = now
  sends[2 * i - 2] = ARGV[i]
end
redis.call('ZADD', KEYS[1], unpack(sends))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 0`);

/**
 * Moves the sends the platform has answered to the time of their answer in the limiter's log, those answered
 * in the same turn of the event loop in one script call. A send then counts until one duration after the
 * platform had it, not after its slot was granted: slots granted together but sent one after another (new
 * connections, a busy process: 25 ms apart in the test) would otherwise all free up one duration after the
 * grant, and their successors reach the platform less than a duration after them. Should the call fail, the
 * entries keep the time of their grant (a send counted a little too early, no more).
 */
class AnsweredSends {
  private members: string[] = [];
  private scheduled = false;

  constructor(
    private readonly client: RedisEval,
    private readonly logKey: string,
    private readonly durationMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** The slot of the send whose log member is `member`. */
  slot(member: string): LimiterSlot {
    return { answered: () => this.answered(member) };
  }

  private answered(member: string): void {
    this.members.push(member);
    if (this.scheduled) return;
    this.scheduled = true;
    // After this turn's I/O callbacks, so every send answered in it joins.
    setImmediate(() => {
      const members = this.members;
      this.members = [];
      this.scheduled = false;
      runScript(this.client, LIMITER_ANSWERED_SCRIPT, [this.logKey], [this.durationMs, ...members]).catch(this.onError);
    });
  }
}

/**
 * Counts consecutive transient failures of one platform in this process. Closed: deliveries go on. After
 * BREAKER_THRESHOLD in a row it reports open with a cool-down (doubling while it stays open); the first
 * delivery after the cool-down is the half-open probe: a success closes it, a failure re-opens it.
 */
export class CircuitBreaker {
  private failures = 0;
  private opened = 0;

  constructor(
    private readonly baseCooldownMs: number,
    private readonly maxCooldownMs: number,
  ) {}

  /** The cool-down of the current opening. */
  get cooldownMs(): number {
    return Math.min(this.maxCooldownMs, this.baseCooldownMs * 2 ** Math.max(0, this.opened - 1));
  }

  /** A transient failure; true when the breaker is (now) open. */
  failed(): boolean {
    this.failures++;
    if (this.failures < BREAKER_THRESHOLD) return false;
    this.opened++;
    return true;
  }

  /** The platform answered: closed again. */
  succeeded(): void {
    this.failures = 0;
    this.opened = 0;
  }
}

/** Which rows `kinerja outbox retry` re-drives. */
export interface OutboxRetryFilter {
  /** Rows that gave up on transient errors (default). */
  dead?: boolean;
  /** Rows that failed permanently (e.g. the person has since unblocked the bot). */
  failed?: boolean;
  /** Only rows written at or after this time. */
  since?: Date;
}

/**
 * Puts dead and/or failed rows back to pending with a fresh give-up clock and enqueues them. Returns how many
 * rows were re-driven.
 */
export async function retryOutbox(em: EntityManager, queues: DeliveryQueues, filter: OutboxRetryFilter): Promise<number> {
  const statuses: OutboxStatus[] = [...(filter.dead !== false ? (['dead'] as const) : []), ...(filter.failed ? (['failed'] as const) : [])];
  if (!statuses.length) return 0;
  const rows = await resetOutboxForRetry(txOf(em), statuses, filter.since ?? new Date(0));
  const database = rows.length ? await databaseId(txOf(em)) : '';
  for (const r of rows) {
    const queue = queues[r.platform as Platform];
    if (!queue) continue;
    const jobId = outboxJobId(database, r.id);
    // The old job (failed, or completed as failed) still holds the id: a new one would be ignored.
    const state = await queue.getJobState(jobId);
    if (state === 'completed' || state === 'failed') await queue.remove(jobId);
    await queue.add('deliver', { outboxId: r.id }, { jobId });
  }
  return rows.length;
}

/** States of a job that will still run (or is running). */
const LIVE_STATES = new Set<string>(['waiting', 'delayed', 'active', 'prioritized', 'waiting-children']);

/**
 * The rows of the chunk jobs (DELIVERY_CHUNK_JOB) that are waiting or running. The job ids are listed in one
 * step (one script on Redis), so a chunk moving from waiting to active meanwhile is not missed.
 */
async function rowsOfLiveChunks(queue: JobQueue<DeliveryJobData>): Promise<Set<number>> {
  const out = new Set<number>();
  // Chunks are made on Redis only: elsewhere there is nothing to list (and a backlog of single jobs is not read).
  if (!(await redisClientOf(queue))) return out;
  for (const job of await queue.getJobs(['waiting', 'delayed', 'active', 'prioritized'])) {
    if (job?.name === DELIVERY_CHUNK_JOB) for (const id of job.data.outboxIds ?? []) out.add(id);
  }
  return out;
}

/** What the relay did. */
export interface RelayResult {
  /** Pending rows older than the grace period. */
  candidates: number;
  /** Rows that had no live job and were enqueued again. */
  reenqueued: number;
}

/**
 * Re-enqueues outbox rows still pending `graceMs` after they were written whose job is missing (crash
 * before enqueue, flushed Redis) or finished without settling the row (crash after the last attempt).
 * Rows with a live job (waiting, delayed, active) are left alone.
 */
export async function relayPendingOutbox(
  em: EntityManager,
  queues: DeliveryQueues,
  opts: { clock: Clock; graceMs?: number; limit?: number },
): Promise<RelayResult> {
  const cutoff = new Date(opts.clock.now().getTime() - (opts.graceMs ?? 60_000));
  const rows = (await pendingOutboxBefore(txOf(em), cutoff, opts.limit ?? 2000)) as { id: number; platform: Platform }[];
  let reenqueued = 0;
  const database = rows.length ? await databaseId(txOf(em)) : '';
  const inChunks = new Map<Platform, Promise<Set<number>>>();
  for (const r of rows) {
    const queue = queues[r.platform];
    if (!queue) continue;
    const jobId = outboxJobId(database, r.id);
    const state = await queue.getJobState(jobId);
    if (LIVE_STATES.has(state)) continue;
    // A row of a chunk job has no job of its own until the chunk hands it on: covered while the chunk lives.
    let chunked = inChunks.get(r.platform);
    if (!chunked) inChunks.set(r.platform, (chunked = rowsOfLiveChunks(queue)));
    if ((await chunked).has(r.id)) continue;
    if (state === 'completed' || state === 'failed') await queue.remove(jobId);
    await queue.add('deliver', { outboxId: r.id }, { jobId });
    reenqueued++;
  }
  return { candidates: rows.length, reenqueued };
}
