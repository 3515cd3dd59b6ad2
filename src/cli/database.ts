/**
 * How a CLI command reaches the database: the configured PostgreSQL (DATABASE_URL) or, when it is unset,
 * the embedded PGlite under DATA_DIR, migrated on start exactly as the service does.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Config } from '../config.js';
import type { EmbeddedDatabase } from '../db/embedded.js';
import { migrate, openOrm, type Orm } from '../db/orm.js';
import { UserFacingError } from '../setup/problems.js';
import { auditKey, useAuditKey } from '../db/audit.js';

/** An open connection for one command. */
export interface CliDatabase {
  readonly orm: Orm;
  /** A fresh entity manager for the command. */
  em(): EntityManager;
  readonly embedded: boolean;
  /** The PostgreSQL URL in use (the embedded server's loopback URL on the embedded default). */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Opens the database. On a server database, pending migrations are an error (unless `forMigrate`): the
 * schema is changed only by an explicit `kinerja db migrate`. The embedded database migrates itself.
 */
export async function openCliDatabase(cfg: Config, opts: { forMigrate?: boolean } = {}): Promise<CliDatabase> {
  // Every command that writes or verifies the audit chain signs with AUDIT_KEY (the development key when unset).
  useAuditKey(auditKey(cfg.AUDIT_KEY));
  let embedded: EmbeddedDatabase | undefined;
  let url = cfg.DATABASE_URL;
  // While `npm start` serves the embedded database, go through its server (PGlite is single-process).
  // PGlite is loaded only on the embedded default.
  const pglite = url ? null : await import('../db/embedded.js');
  const shared = pglite ? pglite.runningEmbeddedServer(cfg.DATA_DIR) : null;
  if (shared) url = shared.url;
  if (!url) {
    embedded = await (pglite ?? (await import('../db/embedded.js'))).startEmbeddedDatabase({ dataDir: cfg.DATA_DIR });
    url = embedded.url;
  }
  let orm: Orm;
  try {
    orm = await openOrm({ url, poolMax: embedded ? 4 : 5, singleSession: Boolean(embedded || shared), ...(embedded ? { stream: embedded.connect } : {}) });
  } catch (err) {
    await embedded?.stop();
    throw new UserFacingError(`cannot connect to the database (${(err as Error).message}); check DATABASE_URL and that PostgreSQL is running`);
  }
  const db: CliDatabase = {
    orm,
    em: () => orm.em.fork() as EntityManager,
    embedded: embedded !== undefined,
    url,
    async close() {
      await orm.close(true);
      await embedded?.stop();
    },
  };
  try {
    if (embedded) await migrate(orm);
    else if (!opts.forMigrate && !shared) {
      const pending = await orm.getMigrator().getPendingMigrations();
      if (pending.length > 0) {
        throw new UserFacingError(`the database is missing ${pending.length} migration(s) (${pending.map((m) => m.name).join(', ')}); run: kinerja db migrate`);
      }
    }
  } catch (err) {
    await db.close();
    if (err instanceof UserFacingError) throw err;
    throw new UserFacingError(`cannot use the database (${(err as Error).message}); check DATABASE_URL and that PostgreSQL is running`);
  }
  return db;
}

/** Runs `fn` with an open database and always closes it. */
export async function withDatabase<T>(cfg: Config, fn: (db: CliDatabase) => Promise<T>, opts: { forMigrate?: boolean } = {}): Promise<T> {
  const db = await openCliDatabase(cfg, opts);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}
