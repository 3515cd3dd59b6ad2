/**
 * Import benchmark (issue 2, "Done when"): a 10,000-employee CSV with 5 bad rows must write nothing and list
 * exactly those 5 lines; the fixed file must import in well under 30 s. Runs against the real PostgreSQL in a
 * scratch database it creates and drops (server: DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres).
 *
 * Usage: npm run bench:import [-- --count 10000 --units 50]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { migrate, openOrm } from '../src/db/orm.js';
import { importEmployeesFile } from '../src/setup/employees.js';
import { ImportRejectedError } from '../src/setup/problems.js';
import { generateEmployees } from './gen-employees.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

const count = arg('count', 10_000);
const units = arg('units', 50);
const BAD = 5;
const server = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const scratch = `kinerja_bench_import_${Date.now().toString(36)}`;
const url = new URL(server);
url.pathname = `/${scratch}`;

const admin = new pg.Client({ connectionString: server });
await admin.connect();
await admin.query(`CREATE DATABASE ${scratch}`);
const dir = mkdtempSync(join(tmpdir(), 'kinerja-bench-'));
const orm = await openOrm({ url: url.toString(), poolMax: 4 });
let failed = false;
try {
  await migrate(orm);
  const employees = async () => Number((await orm.em.fork().getConnection().execute<{ n: string }[]>('select count(*) as n from employee'))[0]!.n);

  console.log(`kinerja bench:import: ${count} employees in ${units} units, PostgreSQL ${(await admin.query('show server_version')).rows[0].server_version}`);
  const bad = generateEmployees({ count, units, badRows: BAD });
  const badFile = join(dir, 'pegawai-5-salah.csv');
  writeFileSync(badFile, bad.csv);
  let t = performance.now();
  const err = await importEmployeesFile(orm.em.fork(), badFile, { actor: 'bench' }).catch((e: unknown) => e);
  const rejectMs = performance.now() - t;
  if (!(err instanceof ImportRejectedError)) throw new Error('the file with bad rows was not refused');
  const reported = [...new Set(err.problems.map((p) => p.line))];
  const expected = bad.bad.map((b) => b.line);
  const exact = JSON.stringify(reported) === JSON.stringify(expected);
  console.log(`\n1. file with ${BAD} bad rows: refused in ${(rejectMs / 1000).toFixed(2)} s; employees in the database: ${await employees()}`);
  for (const p of err.problems) console.log(`   line ${p.line} (${p.code}): ${p.message}`);
  console.log(`   reported lines ${JSON.stringify(reported)} ${exact ? '==' : '!='} spoiled lines ${JSON.stringify(expected)}`);
  failed ||= !exact || (await employees()) !== 0;

  const good = generateEmployees({ count, units });
  const goodFile = join(dir, 'pegawai.csv');
  writeFileSync(goodFile, good.csv);
  t = performance.now();
  const first = await importEmployeesFile(orm.em.fork(), goodFile, { actor: 'bench' });
  const firstMs = performance.now() - t;
  console.log(`\n2. fixed file: ${first.created} new employees, ${first.unitsCreated} units in ${(firstMs / 1000).toFixed(2)} s (${Math.round(count / (firstMs / 1000))} rows/s)`);
  t = performance.now();
  const again = await importEmployeesFile(orm.em.fork(), goodFile, { actor: 'bench', deactivateMissing: true });
  const againMs = performance.now() - t;
  console.log(`3. same file again (--deactivate-missing): ${again.updated} updated, ${again.created} new in ${(againMs / 1000).toFixed(2)} s (${Math.round(count / (againMs / 1000))} rows/s)`);
  console.log(`   employees in the database: ${await employees()}`);
  failed ||= firstMs > 30_000 || (await employees()) !== count;
  console.log(failed ? '\nFAILED' : '\nOK: bad file wrote nothing and listed exactly its bad lines; fixed file well under 30 s');
} finally {
  await orm.close(true);
  await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
