/**
 * The one place that knows which datastore BullMQ runs on. Production uses Redis (REDIS_URL, BullMQ's most
 * battle-tested backend); without Redis, BullMQ's PostgreSQL backend runs in the application database, so a
 * new user needs nothing but Node.js. Every queue, worker and scheduler is built through a `QueueBackend`,
 * which keeps the job code identical on both.
 *
 * Namespacing: on Redis every key starts with `prefix`; on PostgreSQL the queues live in the schema
 * `bullmq_<prefix>`. The embedded database (PGlite behind pglite-socket) is the exception: pglite-socket
 * multiplexes every client onto one PostgreSQL session and ignores the start-up `options` parameter that
 * BullMQ uses to pin `search_path` to its schema, so BullMQ's SQL functions created in their own schema are
 * not found ("function add_job(...) does not exist"). There the queues share the `public` schema (BullMQ's
 * table names do not clash with ours), and only one installation may use one embedded database.
 * Concurrent clients on that one session are made safe in src/db/embedded.ts, which keeps each client's
 * extended-protocol cycle together (test/jobs/pglite-backend.test.ts).
 */
import {
  Queue,
  Worker,
  createPostgresBackend,
  withBackend,
  type IQueueBackend,
  type Processor,
  type QueueOptions,
  type WorkerOptions,
} from 'bullmq';
import pg from 'pg';
import { Redis } from 'ioredis';

/** A queue on either backend; job data type `D`. */
export type JobQueue<D = unknown> = Queue<D, unknown, string, D, unknown, string, IQueueBackend, unknown>;
/** A worker on either backend; job data type `D`. */
export type JobWorker<D = unknown> = Worker<D, unknown, string, IQueueBackend, number | object | string | boolean, unknown>;
/** A job processor on either backend. */
export type JobProcessor<D = unknown> = Processor<D, unknown, string>;

/** Worker options the caller may set; the backend supplies the connection and namespace. */
export type WorkerSettings = Omit<WorkerOptions, 'connection' | 'prefix'>;
/** Queue options the caller may set; the backend supplies the connection and namespace. */
export type QueueSettings = Omit<QueueOptions, 'connection' | 'prefix'>;

/** Builds queues and workers on one datastore. */
export interface QueueBackend {
  readonly kind: 'redis' | 'postgres';
  /** Namespace of every queue built here (Redis key prefix; part of the PostgreSQL schema name). */
  readonly prefix: string;
  queue<D>(name: string, settings?: QueueSettings): JobQueue<D>;
  worker<D>(name: string, processor: JobProcessor<D>, settings?: WorkerSettings): JobWorker<D>;
  /** Throws when the datastore cannot be reached (readiness check). */
  ping(): Promise<void>;
  /** Closes the backend's own helper connections (queues and workers close themselves). */
  close(): Promise<void>;
}

/** Where the queues live. */
export interface BackendOptions {
  /** REDIS_URL; when set Redis is used. */
  redisUrl?: string;
  /** The application database, used when there is no Redis. */
  databaseUrl: string;
  /** True for the embedded PGlite database (see the file comment for why it matters). */
  embedded?: boolean;
  /** Namespace; default `kinerja`. Tests use a unique one so parallel files do not collide. */
  prefix?: string;
}

/** Chooses Redis when `redisUrl` is set, else BullMQ's PostgreSQL backend on `databaseUrl`. */
export function createQueueBackend(opts: BackendOptions): QueueBackend {
  const prefix = opts.prefix ?? 'kinerja';
  if (!/^[a-z][a-z0-9_]{0,40}$/.test(prefix)) {
    throw new Error(`Queue prefix "${prefix}" is not usable: use lower-case letters, digits and _ (it also names a PostgreSQL schema).`);
  }
  return opts.redisUrl ? redisBackend(opts.redisUrl, prefix) : postgresBackend(opts.databaseUrl, prefix, opts.embedded ?? false);
}

function redisBackend(url: string, prefix: string): QueueBackend {
  let pinger: Redis | undefined;
  return {
    kind: 'redis',
    prefix,
    queue<D>(name: string, settings: QueueSettings = {}) {
      // Producers fail fast (maxRetriesPerRequest default) so an HTTP request does not hang on a dead Redis.
      return new Queue<D>(name, { ...settings, connection: { url }, prefix }) as unknown as JobQueue<D>;
    },
    worker<D>(name: string, processor: JobProcessor<D>, settings: WorkerSettings = {}) {
      // Workers block on Redis; BullMQ requires maxRetriesPerRequest: null for their connections.
      return new Worker<D>(name, processor, { ...defined(settings), connection: { url, maxRetriesPerRequest: null }, prefix }) as unknown as JobWorker<D>;
    },
    async ping() {
      pinger ??= new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true, connectTimeout: 2000 });
      const answer = await pinger.ping();
      if (answer !== 'PONG') throw new Error(`Redis answered ${answer} to PING`);
    },
    async close() {
      pinger?.disconnect();
    },
  };
}

function postgresBackend(url: string, prefix: string, embedded: boolean): QueueBackend {
  const classes = withBackend(createPostgresBackend);
  const connection = { connectionString: url, schema: embedded ? 'public' : `bullmq_${prefix}`, migrate: true, max: embedded ? 4 : 10 };
  let pool: pg.Pool | undefined;
  return {
    kind: 'postgres',
    prefix,
    queue<D>(name: string, settings: QueueSettings = {}) {
      return new classes.Queue<D>(name, { ...settings, connection }) as unknown as JobQueue<D>;
    },
    worker<D>(name: string, processor: JobProcessor<D>, settings: WorkerSettings = {}) {
      return new classes.Worker<D>(name, processor, { ...defined(settings), connection }) as unknown as JobWorker<D>;
    },
    async ping() {
      pool ??= new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 2000 });
      await pool.query('select 1');
    },
    async close() {
      await pool?.end();
    },
  };
}

/** Drops undefined options: BullMQ spreads options over its defaults, so an explicit undefined would erase one. */
function defined<T extends object>(settings: T): Partial<T> {
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as Partial<T>;
}
