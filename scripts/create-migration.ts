/**
 * Developer tool: writes a new migration with the difference between the entities and a database that has
 * every existing migration applied. Usage: node --import tsx scripts/create-migration.ts [name]
 * Needs a scratch PostgreSQL database (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres).
 */
import pg from 'pg';
import { migrate, openOrm } from '../src/db/orm.js';

const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const scratch = `kinerja_migration_${Date.now()}`;
const admin = new pg.Client({ connectionString: base });
await admin.connect();
await admin.query(`CREATE DATABASE ${scratch}`);
const url = new URL(base);
url.pathname = `/${scratch}`;
const orm = await openOrm({ url: url.toString() });
try {
  await migrate(orm);
  const result = await orm.getMigrator().createMigration('migrations', false, false, process.argv[2]);
  console.log(result.fileName ? `wrote migrations/${result.fileName}; add it to migrations/index.ts` : 'no changes');
} finally {
  await orm.close();
  await admin.query(`DROP DATABASE ${scratch}`);
  await admin.end();
}
