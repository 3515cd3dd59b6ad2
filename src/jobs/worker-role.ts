/**
 * The worker role (`kinerja worker`, and half of `npm start`): every queue worker and job scheduler of the
 * product in one process. Any number of these processes may run against the same PostgreSQL and Redis:
 * BullMQ hands each job to one of them, the sweep locks its rows with SKIP LOCKED, and the schedulers are
 * upserted under fixed ids, so starting a second process changes nothing but capacity.
 */
import type { Orm } from '../db/orm.js';
import type { Config } from '../config.js';
import { isEmbedded } from '../config.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { FileSource, Platform, PlatformSender } from '../contract/index.js';
import { PLATFORM_MODULES } from '../platforms.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createQueueBackend, type JobQueue, type JobWorker, type QueueBackend } from './backend.js';
import { createDeliveryQueues, enqueueBehind, enqueueOutbox, relayPendingOutbox, startDeliveryWorker, type DeliveryQueues } from './delivery.js';
import { sweepDueReminders } from './reminder-sweep.js';
import { closeDueCycles } from './cycle-close.js';

/** The maintenance queue: relay, reminder sweep and cycle close, each driven by a job scheduler. */
export const MAINTENANCE_QUEUE_NAME = 'maintenance';
/** Scheduler ids and intervals. */
export const SCHEDULES = {
  'relay-outbox': 30_000,
  'sweep-reminders': 60_000,
  'close-cycles': 10 * 60_000,
} as const;
export type MaintenanceJobName = keyof typeof SCHEDULES;

/** Every queue of the product, on one backend. */
export interface Queues {
  backend: QueueBackend;
  delivery: DeliveryQueues;
  maintenance: JobQueue<Record<string, never>>;
  /** Hands committed outbox rows to the delivery queues (the engine's onCommitted hook). */
  enqueueOutbox(ids: readonly number[], except?: readonly Platform[]): Promise<number>;
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
    enqueueOutbox: (ids, except) => enqueueOutbox(opts.orm.em.fork() as EntityManager, delivery, ids, except),
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
    // The module's limiter (Telegram: TELEGRAM_RATE_PER_SEC a second); Slack has none and is limited by its 429s.
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
          const enqueuer = enqueueBehind(queues.enqueueOutbox);
          const r = await sweepDueReminders(em, { clock, config, onBatch: enqueuer.onBatch }).catch(async (err: unknown) => {
            await enqueuer.flush().catch(() => undefined);
            throw err;
          });
          await enqueuer.flush();
          return { processed: r.processed, messages: r.outboxIds.length, skipped: r.skipped, postponed: r.postponed };
        }
        case 'close-cycles':
          return closeDueCycles(em, { clock, config, enqueue: queues.enqueueOutbox });
        default:
          throw new Error(`unknown maintenance job ${job.name}`);
      }
    },
    { concurrency: 1, lockDuration: opts.lockDurationMs, stalledInterval: opts.stalledIntervalMs },
  );
  maintenance.on('error', (err) => logger.error({ err }, 'maintenance worker error'));
  maintenance.on('failed', (job, err) => logger.error({ err, job: job?.name }, 'maintenance job failed'));
  workers.push(maintenance as JobWorker<unknown>);

  if (opts.schedulers !== false) {
    for (const [name, every] of Object.entries(SCHEDULES)) {
      await queues.maintenance.upsertJobScheduler(name, { every }, { name, data: {} });
    }
  }
  logger.info({ backend: queues.backend.kind, workers: workers.length }, 'workers started');
  return {
    queues,
    workers,
    async stop() {
      // Worker.close waits for the jobs in flight to finish before it resolves.
      await Promise.all(workers.map((w) => w.close()));
      if (!opts.queues) await queues.close();
    },
  };
}

function failNoDatabase(config: Config): never {
  throw new Error(
    isEmbedded(config)
      ? 'startWorkers needs the embedded database URL: pass databaseUrl from startEmbeddedDatabase().'
      : 'DATABASE_URL is not set.',
  );
}
