/**
 * The worker role (`kinerja worker`, and half of `npm start`): every queue worker and job scheduler of the
 * product in one process. Any number of these processes may run against the same PostgreSQL and Redis:
 * BullMQ hands each job to one of them, the sweep locks its rows with SKIP LOCKED, and the schedulers are
 * upserted under fixed ids, so starting a second process changes nothing but capacity.
 */
import { isSingleSession, type Orm } from '../db/orm.js';
import type { Config } from '../config.js';
import { isEmbedded } from '../config.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { FileSource, Platform, PlatformSender } from '../contract/index.js';
import { PLATFORM_MODULES } from '../platforms.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createQueueBackend, type JobQueue, type JobWorker, type QueueBackend } from './backend.js';
import { pruneEventIds, purgeHandledInbox } from '../db/inbox.js';
import { transaction, txOf } from '../db/sql.js';
import { anchorAuditChain, logAnchor } from './audit-checkpoint.js';
import { createDeliveryQueues, DELIVERY_CHUNK_ROWS, enqueueBehind, enqueueOutbox, enqueuePendingOutbox, relayPendingOutbox, startDeliveryWorker, type DeliveryQueues } from './delivery.js';
import type { PendingOutboxRow } from '../db/outbox.js';
import { sweepDueReminders } from './reminder-sweep.js';
import { closeDueCycles } from './cycle-close.js';

/** The maintenance queue: relay, reminder sweep, cycle close, inbox purge and the audit checkpoint, each driven by a job scheduler. */
export const MAINTENANCE_QUEUE_NAME = 'maintenance';
/** Scheduler ids and intervals. */
export const SCHEDULES = {
  'relay-outbox': 30_000,
  'sweep-reminders': 60_000,
  'close-cycles': 10 * 60_000,
  'purge-inbox': 60 * 60_000,
  // A signed checkpoint of the audit chain a day (src/jobs/audit-checkpoint.ts); skipped when nothing was appended.
  'audit-checkpoint': 24 * 60 * 60_000,
} as const;
export type MaintenanceJobName = keyof typeof SCHEDULES;
/**
 * How often the schedulers are checked for: an emptied or replaced Redis (no AOF, a failover to an empty
 * replica, FLUSHALL) loses them, and nothing would run the relay, the sweep or the close again.
 */
export const SCHEDULER_CHECK_MS = 15_000;

/** Every queue of the product, on one backend. */
export interface Queues {
  backend: QueueBackend;
  delivery: DeliveryQueues;
  maintenance: JobQueue<Record<string, never>>;
  /** First delivery back-off delay, when the caller set one (tests); the workers use it too. */
  deliveryBackoffMs?: number;
  /** Hands committed outbox rows to the delivery queues (the engine's onCommitted hook). */
  enqueueOutbox(ids: readonly number[], except?: readonly Platform[]): Promise<number>;
  /**
   * Hands a large batch of committed rows (the reminder sweep's, as the statement that wrote them returned
   * them: nothing is read again) to the delivery queues: on Redis several rows of different chats a job
   * (DELIVERY_CHUNK_ROWS), which costs BullMQ a sixteenth of the work per message.
   */
  enqueueOutboxBatch(written: readonly PendingOutboxRow[]): Promise<number>;
  /** All queues, for status and bull-board. */
  all(): JobQueue<unknown>[];
  close(): Promise<void>;
}

/** Builds the queues: Redis when REDIS_URL is set, else the PostgreSQL backend on `databaseUrl`. */
export function createQueues(opts: {
  orm: Orm;
  config: Pick<Config, 'REDIS_URL' | 'DATABASE_URL' | 'DELIVERY_MAX_ATTEMPTS'>;
  /** The database URL actually used (the embedded one when DATABASE_URL is unset). */
  databaseUrl: string;
  prefix?: string;
  backoffMs?: number;
}): Queues {
  const backend = createQueueBackend({
    redisUrl: opts.config.REDIS_URL,
    databaseUrl: opts.databaseUrl,
    embedded: !opts.config.DATABASE_URL,
    prefix: opts.prefix,
  });
  const delivery = createDeliveryQueues(backend, { attempts: opts.config.DELIVERY_MAX_ATTEMPTS, backoffMs: opts.backoffMs });
  const maintenance = backend.queue<Record<string, never>>(MAINTENANCE_QUEUE_NAME, {
    defaultJobOptions: { removeOnComplete: { count: 100 }, removeOnFail: { count: 1000 } },
  });
  return {
    backend,
    delivery,
    maintenance,
    deliveryBackoffMs: opts.backoffMs,
    enqueueOutbox: (ids, except) => enqueueOutbox(opts.orm.em.fork() as EntityManager, delivery, ids, except),
    enqueueOutboxBatch: (written) => enqueuePendingOutbox(opts.orm.em.fork() as EntityManager, delivery, written, [], backend.kind === 'redis' ? DELIVERY_CHUNK_ROWS : 1),
    all: () => [...Object.values(delivery), maintenance] as JobQueue<unknown>[],
    async close() {
      await Promise.all([...Object.values(delivery), maintenance].map((q) => q.close()));
      await backend.close();
    },
  };
}

/** What `startWorkers` needs. */
export interface WorkerRoleOptions {
  orm: Orm;
  config: Config;
  /** Senders per platform; a platform without one gets no delivery worker. */
  senders: ReadonlyMap<string, PlatformSender>;
  /** Produces the files messages carry (charts, exports); the service builds it from src/reports. */
  files?: FileSource;
  clock: Clock;
  logger: Logger;
  /** Queues to use; default: built from config (`databaseUrl` then required). */
  queues?: Queues;
  databaseUrl?: string;
  /** Deliveries in flight per platform in this process. Default 10. */
  deliveryConcurrency?: number;
  /** Run the schedulers (default true). */
  schedulers?: boolean;
  /** Relay grace: pending rows younger than this are left to their job. Default 60 s. */
  relayGraceMs?: number;
  /** Shorter locks for tests that kill workers. */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** Limiter override per platform (messages per second). */
  ratePerSec?: Partial<Record<Platform, number>>;
  /** How often missing schedulers are re-created (SCHEDULER_CHECK_MS). */
  schedulerCheckMs?: number;
  /** Delivery back-off and breaker settings (tests shorten them). */
  deliveryBackoff?: { backoffMs?: number; maxBackoffMs?: number; breakerCooldownMs?: number };
  /**
   * The per-chat pace of a backlog; default each platform module's `chatIntervalMs`. Tests whose scripted
   * people write far faster than anyone could read set 0, so their backlogs are not drained at 1 a second.
   */
  chatIntervalMs?: number;
}

/** A running worker role. */
export interface RunningWorkers {
  queues: Queues;
  workers: JobWorker<unknown>[];
  /** Graceful stop: no new jobs are taken, jobs in flight finish, then connections close. */
  stop(): Promise<void>;
}

/** Starts every delivery worker, the maintenance worker and the job schedulers. */
export async function startWorkers(opts: WorkerRoleOptions): Promise<RunningWorkers> {
  const { orm, config, clock, logger } = opts;
  const queues =
    opts.queues ??
    createQueues({ orm, config, databaseUrl: opts.databaseUrl ?? config.DATABASE_URL ?? failNoDatabase(config) });
  const workers: JobWorker<unknown>[] = [];
  for (const module of PLATFORM_MODULES) {
    const platform = module.name;
    if (!opts.senders.has(platform)) continue;
    const override = opts.ratePerSec?.[platform];
    // The module's limiter (Telegram: TELEGRAM_RATE_PER_SEC, Slack: SLACK_RATE_PER_SEC a second); every worker has one.
    const limiter = override ? { max: override, durationMs: 1000 } : module.rateLimit(config);
    workers.push(
      startDeliveryWorker({
        orm,
        backend: queues.backend,
        platform,
        senders: opts.senders,
        files: opts.files,
        logger,
        concurrency: opts.deliveryConcurrency,
        limiter,
        lockDurationMs: opts.lockDurationMs,
        stalledIntervalMs: opts.stalledIntervalMs,
        giveUpHours: config.DELIVERY_GIVE_UP_HOURS,
        backoffMs: queues.deliveryBackoffMs,
        ...opts.deliveryBackoff,
        ...(opts.chatIntervalMs !== undefined ? { chatIntervalMs: opts.chatIntervalMs } : {}),
      }) as JobWorker<unknown>,
    );
  }

  const maintenance = queues.backend.worker<Record<string, never>>(
    MAINTENANCE_QUEUE_NAME,
    async (job) => {
      const em = orm.em.fork() as EntityManager;
      switch (job.name as MaintenanceJobName) {
        case 'relay-outbox':
          return relayPendingOutbox(em, queues.delivery, { clock, graceMs: opts.relayGraceMs });
        case 'sweep-reminders': {
          // The next batch is swept while the previous one is being enqueued.
          const enqueuer = enqueueBehind(queues.enqueueOutboxBatch);
          // On the embedded PGlite (one session) a second lane would only wait for the first.
          const lanes = isSingleSession(orm) ? 1 : undefined;
          const r = await sweepDueReminders(em, { clock, config, onBatch: (_ids, written) => enqueuer.onBatch(written), lanes }).catch(async (err: unknown) => {
            await enqueuer.flush().catch(() => undefined);
            throw err;
          });
          await enqueuer.flush();
          return { processed: r.processed, messages: r.outboxIds.length, skipped: r.skipped, postponed: r.postponed };
        }
        case 'close-cycles':
          return closeDueCycles(em, { clock, config, enqueue: queues.enqueueOutbox, logger });
        case 'audit-checkpoint': {
          const anchor = await transaction(em, (tx) => anchorAuditChain(tx, { reason: 'daily', now: clock.now() }));
          logAnchor(logger, anchor.outcome);
          await queues.enqueueOutbox(anchor.outboxIds);
          return { outcome: anchor.outcome.kind, messages: anchor.outboxIds.length };
        }
        case 'purge-inbox': {
          // Batches keep each statement short; what is left goes at the next hourly run.
          const now = clock.now().getTime();
          const drain = async (step: () => Promise<number>) => {
            let total = 0;
            for (let i = 0; i < 20; i++) {
              const n = await step();
              total += n;
              if (n < 10_000) break;
            }
            return total;
          };
          const purged = await drain(() => purgeHandledInbox(txOf(em), new Date(now - config.INBOX_KEEP_DAYS * 86_400_000), 10_000));
          const forgotten = await drain(() => pruneEventIds(txOf(em), new Date(now - config.EVENT_DEDUPE_DAYS * 86_400_000), 10_000));
          return { purged, forgotten };
        }
        default:
          throw new Error(`unknown maintenance job ${job.name}`);
      }
    },
    { concurrency: 1, lockDuration: opts.lockDurationMs, stalledInterval: opts.stalledIntervalMs },
  );
  maintenance.on('error', (err) => logger.error({ err }, 'maintenance worker error'));
  maintenance.on('failed', (job, err) => logger.error({ err, job: job?.name }, 'maintenance job failed'));
  workers.push(maintenance as JobWorker<unknown>);

  let healer: NodeJS.Timeout | undefined;
  if (opts.schedulers !== false) {
    // At start every scheduler is upserted (so a changed interval takes effect); afterwards only a missing
    // one is re-created: re-upserting an existing one could push its next run back every time.
    for (const [name, every] of Object.entries(SCHEDULES)) {
      await queues.maintenance.upsertJobScheduler(name, { every }, { name, data: {} });
    }
    let checking = false;
    const heal = async () => {
      if (checking) return;
      checking = true;
      try {
        const missing = await missingSchedulers(queues.maintenance);
        for (const name of missing) {
          await queues.maintenance.upsertJobScheduler(name, { every: SCHEDULES[name] }, { name, data: {} });
          // The lost schedule may have hidden work: run it once now rather than a full interval later.
          await queues.maintenance.add(name, {}, { jobId: `${name}-heal-${Date.now()}` });
        }
        if (missing.length) logger.warn({ schedulers: missing }, 'job schedulers were missing from the queue store (emptied or replaced?); re-created');
      } catch (err) {
        logger.warn({ err }, 'could not check the job schedulers; trying again');
      } finally {
        checking = false;
      }
    };
    healer = setInterval(() => void heal(), opts.schedulerCheckMs ?? SCHEDULER_CHECK_MS);
    healer.unref();
    // A Redis that comes back (restarted, failed over) is checked at once, not at the next tick of the timer.
    if (queues.backend.kind === 'redis') {
      // On Redis the queue's backend holds an ioredis connection (not part of the backend-neutral JobQueue type).
      const backend = (queues.maintenance as unknown as { backend?: { client?: Promise<{ on(event: 'ready', fn: () => void): void }> } }).backend;
      const client = await backend?.client?.catch(() => undefined);
      if (client) client.on('ready', () => void heal());
      else logger.debug('no Redis connection to watch for re-connects; the timer checks the job schedulers');
    }
  }
  logger.info({ backend: queues.backend.kind, workers: workers.length }, 'workers started');
  return {
    queues,
    workers,
    async stop() {
      clearInterval(healer);
      // Worker.close waits for the jobs in flight to finish before it resolves.
      await Promise.all(workers.map((w) => w.close()));
      if (!opts.queues) await queues.close();
    },
  };
}

/** The maintenance schedulers the queue store does not hold. */
export async function missingSchedulers(queue: JobQueue<Record<string, never>>): Promise<MaintenanceJobName[]> {
  const names = Object.keys(SCHEDULES) as MaintenanceJobName[];
  const found = await Promise.all(names.map((n) => queue.getJobScheduler(n)));
  return names.filter((_, i) => !found[i]);
}

function failNoDatabase(config: Config): never {
  throw new Error(
    isEmbedded(config)
      ? 'startWorkers needs the embedded database URL: pass databaseUrl from startEmbeddedDatabase().'
      : 'DATABASE_URL is not set.',
  );
}
