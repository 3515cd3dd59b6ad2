/**
 * Outbox delivery on BullMQ: one queue per platform, one job per outbox row (job id `outbox-<id>`, so
 * enqueueing a row twice is a no-op while its job exists, and the row's status stops a late duplicate after
 * that), a limiter per platform, and the relay that re-enqueues rows left pending (a crash between commit and
 * enqueue, or a flushed Redis: the database is the source of truth).
 *
 * Failures, as classified by the platform sender (`DeliveryError`):
 * - rate_limited: the whole platform queue pauses for the platform's retry_after (`worker.rateLimit`) and
 *   the job goes back to waiting without using an attempt, instead of a worker holding it while sleeping;
 * - permanent (bot blocked, chat not found): `deliverOutboxRow` marks the row failed with the reason;
 * - transient: BullMQ retries with exponential back-off; the last attempt marks the row dead.
 *
 * Order per chat. Messages to one chat must arrive in the order the engine wrote them (outbox id order), yet
 * jobs run concurrently on several workers, and a retried job falls behind newer ones. The processor
 * therefore refuses to send a row while an older row for the same chat is still pending, and re-schedules
 * itself a moment later (`moveToDelayed`). We chose this over a per-chat group key because BullMQ's groups
 * are a BullMQ Pro feature, and because the check reads the database, it also holds across a flushed Redis,
 * the relay and the two backends. The cost is one EXISTS on a partial index of pending rows per chat, folded
 * into the query that loads the row; a chat waits at most for its own older message, never for other chats.
 *
 * Cost per job: one query that loads the row with its order check, the platform call, and a share of one
 * UPDATE that marks every row sent whose call finished in the same event-loop turn (`SentRecorder`).
 */
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Orm } from '../db/orm.js';
import { DeliveryError, type FileSource, type Platform, type PlatformSender } from '../contract/index.js';
import { PLATFORM_MODULES, platformModule } from '../platforms.js';
import { deliverOutboxRow, markOutboxDead, SentRecorder, type DeliveryOutcome } from './deliver-row.js';
import type { Logger } from '../logger.js';
import type { Clock } from '../clock.js';
import type { JobQueue, JobWorker, QueueBackend } from './backend.js';
import { pendingOutbox, pendingOutboxBefore } from '../db/outbox.js';
import { txOf } from '../db/sql.js';

/** The delivery queue of each registered platform (src/platforms.ts). */
export const DELIVERY_QUEUE_NAMES: Readonly<Record<Platform, string>> = Object.fromEntries(PLATFORM_MODULES.map((m) => [m.name, m.deliveryQueue]));

/** The data of a delivery job. */
export interface DeliveryJobData {
  outboxId: number;
}

/** BullMQ refuses purely numeric custom ids, so the outbox id gets a prefix. */
export function outboxJobId(outboxId: number): string {
  return `outbox-${outboxId}`;
}

/** Retry settings of delivery jobs. */
export interface DeliveryRetry {
  /** DELIVERY_MAX_ATTEMPTS. */
  attempts: number;
  /** First back-off delay; doubles each attempt. Default 2000 ms. */
  backoffMs?: number;
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
): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = (await pendingOutbox(txOf(em), ids)) as { id: number; platform: Platform }[];
  const byPlatform = new Map<Platform, number[]>();
  for (const r of rows) {
    let list = byPlatform.get(r.platform);
    if (!list) byPlatform.set(r.platform, (list = []));
    list.push(Number(r.id));
  }
  for (const [platform, list] of byPlatform) {
    const queue = queues[platform];
    if (!queue || except.includes(platform)) continue;
    for (let i = 0; i < list.length; i += ADD_BULK_SIZE) {
      await queue.addBulk(list.slice(i, i + ADD_BULK_SIZE).map((outboxId) => ({ name: 'deliver', data: { outboxId }, opts: { jobId: outboxJobId(outboxId) } })));
    }
  }
  return rows.length;
}

/** Hands batches of outbox ids to BullMQ behind a producer (see `enqueueBehind`). */
export interface BatchEnqueuer {
  /** Waits for the previous batch's enqueue (back-pressure), then starts this one without waiting for it. */
  onBatch(ids: number[]): Promise<void>;
  /** Waits for the last batch; returns the rows enqueued in all. Throws the first enqueue failure. */
  flush(): Promise<number>;
}

/**
 * Lets a producer of outbox batches (the reminder sweep) go on with its next batch while the previous one is
 * being enqueued: at most one enqueue is in flight, so memory stays bounded and BullMQ sees the batches in
 * order. A failed enqueue loses nothing (the rows stay pending for the relay), but it is reported by the next
 * `onBatch` or by `flush`, so the caller's job fails visibly.
 */
export function enqueueBehind(enqueue: (ids: readonly number[]) => Promise<number>): BatchEnqueuer {
  let inFlight: Promise<number> = Promise.resolve(0);
  let total = 0;
  return {
    async onBatch(ids) {
      total += await inFlight;
      inFlight = enqueue(ids);
      // Marked handled here; the error still surfaces through the next await of `inFlight`.
      inFlight.catch(() => undefined);
    },
    async flush() {
      total += await inFlight;
      inFlight = Promise.resolve(0);
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
  /** BullMQ limiter: at most `max` deliveries per `durationMs` across all workers. Unset: no limiter. */
  limiter?: { max: number; durationMs: number };
  /** How long a row waits when an older message to the same chat is still pending. Default 250 ms. */
  orderRetryMs?: number;
  /** Lock and stall settings (tests shorten them to recover from a killed worker quickly). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
}

/** Starts the delivery worker of one platform. */
export function startDeliveryWorker(opts: DeliveryWorkerOptions): JobWorker<DeliveryJobData> {
  const orderRetryMs = opts.orderRetryMs ?? 250;
  let worker: JobWorker<DeliveryJobData> | undefined = undefined;
  // Concurrent jobs of this worker share their "sent" UPDATEs (one statement per event-loop turn).
  const sentRecorder = new SentRecorder(opts.orm.em.fork() as EntityManager);
  const processor = async (job: Job<DeliveryJobData>, token?: string): Promise<DeliveryOutcome> => {
    const em = opts.orm.em.fork() as EntityManager;
    const id = job.data.outboxId;
    try {
      const outcome = await deliverOutboxRow(em, opts.senders, id, { keepChatOrder: true, sentRecorder, files: opts.files });
      if (outcome.status === 'waiting') {
        await job.moveToDelayed(Date.now() + orderRetryMs, token);
        throw new DelayedError();
      }
      return outcome;
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      if (err instanceof DeliveryError && err.kind === 'rate_limited') {
        const waitMs = Math.max(err.retryAfterMs ?? 1000, 1);
        opts.logger.warn({ platform: opts.platform, outboxId: id, waitMs }, 'platform rate limit: pausing the delivery queue');
        await worker!.rateLimit(waitMs);
        throw Worker.RateLimitError();
      }
      const reason = err instanceof Error ? err.message : String(err);
      const attempts = job.opts.attempts ?? 1;
      if (job.attemptsMade + 1 >= attempts) {
        await markOutboxDead(em, id, `gave up after ${attempts} attempts: ${reason}`);
        opts.logger.error({ platform: opts.platform, outboxId: id, reason }, 'delivery dead after the last attempt');
        throw new UnrecoverableError(reason);
      }
      throw err;
    }
  };
  worker = opts.backend.worker<DeliveryJobData>(platformModule(opts.platform).deliveryQueue, processor as never, {
    concurrency: opts.concurrency ?? 10,
    limiter: opts.limiter ? { max: opts.limiter.max, duration: opts.limiter.durationMs } : undefined,
    lockDuration: opts.lockDurationMs,
    stalledInterval: opts.stalledIntervalMs,
    maxStalledCount: 5,
  });
  worker.on('error', (err) => opts.logger.error({ err, platform: opts.platform }, 'delivery worker error'));
  return worker;
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
  for (const r of rows) {
    const queue = queues[r.platform];
    if (!queue) continue;
    const jobId = outboxJobId(Number(r.id));
    const state = await queue.getJobState(jobId);
    if (state === 'waiting' || state === 'delayed' || state === 'active' || state === 'prioritized' || state === 'waiting-children') continue;
    if (state === 'completed' || state === 'failed') await queue.remove(jobId);
    await queue.add('deliver', { outboxId: Number(r.id) }, { jobId });
    reenqueued++;
  }
  return { candidates: rows.length, reenqueued };
}
