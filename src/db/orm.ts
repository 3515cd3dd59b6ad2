/**
 * The MikroORM set-up shared by every process role and the CLI. The database is the source of truth, so this
 * is the one place that knows how to connect, migrate and close.
 */
import type { Duplex } from 'node:stream';
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { ALL_ENTITIES } from './entities/index.js';
import { MIGRATIONS } from '../../migrations/index.js';

export type Orm = MikroORM;

export interface OrmOptions {
  url: string;
  /** Pool size; the embedded database serialises queries anyway, so it gets a small pool. */
  poolMax?: number;
  debug?: boolean;
  /**
   * True for the embedded PGlite: every pooled connection shares ONE PostgreSQL session, so per-connection
   * state such as named prepared statements would collide between connections.
   */
  singleSession?: boolean;
  /**
   * Opens each pooled connection's transport instead of a TCP socket to `url` (node-postgres's `stream`
   * option): the embedded database's in-process connections (`EmbeddedDatabase.connect`), when this process
   * runs it.
   */
  stream?: () => Duplex;
}

const singleSessionOrms = new WeakSet<MikroORM>();

/** Whether `orm` talks to a database whose connections share one session (the embedded PGlite). */
export function isSingleSession(orm: MikroORM): boolean {
  return singleSessionOrms.has(orm);
}

export function ormConfig(opts: OrmOptions): Options {
  return {
    clientUrl: opts.url,
    entities: ALL_ENTITIES,
    extensions: [Migrator],
    debug: opts.debug ?? false,
    pool: { min: 0, max: opts.poolMax ?? 10 },
    ...(opts.stream ? { driverOptions: { connection: { stream: opts.stream } } } : {}),
    // Entities are declared with defineEntity; nothing to discover from the file system.
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: false,
    forceUtcTimezone: true,
    migrations: {
      tableName: 'mikro_orm_migrations',
      path: 'migrations',
      pathTs: 'migrations',
      emit: 'ts',
      snapshot: false,
      transactional: true,
      silent: true,
      allOrNothing: true,
      migrationsList: MIGRATIONS,
    },
  };
}

export async function openOrm(opts: OrmOptions): Promise<Orm> {
  const orm = await MikroORM.init(ormConfig(opts));
  if (opts.singleSession) singleSessionOrms.add(orm);
  return orm;
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(orm: Orm): Promise<string[]> {
  const applied = await orm.getMigrator().up();
  return applied.map((m) => m.name);
}
