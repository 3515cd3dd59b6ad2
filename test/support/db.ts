/**
 * Test databases: every test file gets a fresh PostgreSQL database on the real server (dropped afterwards),
 * or a throw-away in-memory PGlite served over the same socket protocol as the embedded default.
 */
import pg from 'pg';
import { migrate, openOrm, type Orm } from '../../src/db/orm.js';
import { startEmbeddedDatabase } from '../../src/db/embedded.js';

export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  orm: Orm;
  url: string;
  close(): Promise<void>;
}

function withDatabase(base: string, name: string): string {
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A new, migrated database on the real PostgreSQL server. */
export async function createTestDatabase(opts: { migrate?: boolean; poolMax?: number } = {}): Promise<TestDatabase> {
  const name = `kinerja_t_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: TEST_PG_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = withDatabase(TEST_PG_URL, name);
  const orm = await openOrm({ url, poolMax: opts.poolMax });
  if (opts.migrate !== false) await migrate(orm);
  return {
    orm,
    url,
    async close() {
      await orm.close(true);
      const a = new pg.Client({ connectionString: TEST_PG_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** A migrated in-memory PGlite reached through pglite-socket, exactly as the embedded default runs. */
export async function createPgliteDatabase(opts: { migrate?: boolean } = {}): Promise<TestDatabase> {
  const embedded = await startEmbeddedDatabase({ dataDir: 'memory://' });
  const orm = await openOrm({ url: embedded.url, poolMax: 4, singleSession: true, stream: embedded.connect });
  if (opts.migrate !== false) await migrate(orm);
  return {
    orm,
    url: embedded.url,
    async close() {
      await orm.close(true);
      await embedded.stop();
    },
  };
}
