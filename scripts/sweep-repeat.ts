/**
 * Sweeps a kept benchmark database again, as often as asked: a change to the sweep measured in seconds rather
 * than in the four minutes of a whole `npm run bench:reminders` (which seeds 100,000 people and opens a cycle
 * first). Make the database with `npm run bench:reminders -- --keep` (it prints the name), then:
 *
 *   node --max-old-space-size=256 --import tsx scripts/sweep-repeat.ts kinerja_bench_<n> [--times 3] [--lanes 2]
 *
 * Every sweep starts from the reminder rows as they were before that run's sweeps (the copy the benchmark kept,
 * KEPT_REMINDERS_TABLE), with an empty outbox and fresh statistics; the rows are left so afterwards. Prints each
 * sweep's seconds, its CPU seconds in this process and in PostgreSQL (all local server processes, from /proc) and
 * what it did. Nothing is delivered.
 * BENCH_CPU_PROFILE / BENCH_HEAP_PROFILE (dir) write a profile of each sweep, as in the benchmark. Drop the
 * database by hand afterwards (`dropdb`).
 */
import { parseArgs } from 'node:util';
import type { EntityManager } from '@mikro-orm/postgresql';
import { loadConfig } from '../src/config.js';
import { openOrm } from '../src/db/orm.js';
import { ManualClock } from '../src/clock.js';
import { txOf, type Tx } from '../src/db/sql.js';
import { sweepDueReminders } from '../src/jobs/reminder-sweep.js';
import { cpuSecondsOfProcessesNamed } from './proc-cpu.js';
import { profilePhase } from './cpu-profile.js';
import { BENCH_SWEEP_AT, KEPT_REMINDERS_TABLE } from './reminder-bench.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { times: { type: 'string', default: '3' }, lanes: { type: 'string', default: '2' } },
});
const USAGE = 'usage: sweep-repeat.ts kinerja_bench_<n> [--times N] [--lanes N]  (a database kept by `npm run bench:reminders -- --keep`)';
const database = positionals[0];
const times = Number(values.times);
const lanes = Number(values.lanes);
if (!database || !/^kinerja_bench_\d+$/.test(database) || !(Number.isInteger(times) && times > 0) || !(Number.isInteger(lanes) && lanes > 0)) {
  console.error(USAGE);
  process.exit(2);
}
const url = new URL(process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
url.pathname = `/${database}`;
const dbUrl = url.toString();

/** Puts the reminder rows back as they were before the benchmark's sweeps, with an empty outbox. */
async function restore(raw: Tx): Promise<void> {
  await raw.exec(`delete from outbox_message`);
  await raw.exec(`delete from reminder`);
  await raw.exec(`insert into reminder select * from ${KEPT_REMINDERS_TABLE}`);
  await raw.exec(`vacuum analyze`);
}

const orm = await openOrm({ url: dbUrl, poolMax: 20 });
try {
  const raw = txOf(orm.em.fork() as EntityManager);
  const [kept] = await raw.query<{ n: number }>(`select count(*)::int as n from pg_tables where tablename = $1`, [KEPT_REMINDERS_TABLE]);
  if (kept?.n !== 1) {
    console.error(`${database} has no ${KEPT_REMINDERS_TABLE} table: keep a database with \`npm run bench:reminders -- --keep\` and pass its name.`);
    process.exitCode = 2;
  } else {
    const config = loadConfig({ ...process.env, DATABASE_URL: dbUrl, LOG_LEVEL: 'warn' });
    for (let i = 1; i <= times; i++) {
      await restore(raw);
      const pg0 = cpuSecondsOfProcessesNamed('postgres');
      const node0 = process.cpuUsage();
      const t0 = Date.now();
      const stopProfile = profilePhase(`sweep-repeat-${i}`);
      const swept = await sweepDueReminders(orm.em.fork() as EntityManager, { clock: new ManualClock(new Date(BENCH_SWEEP_AT)), config, lanes });
      await stopProfile();
      const seconds = (Date.now() - t0) / 1000;
      const node = process.cpuUsage(node0);
      const pg1 = cpuSecondsOfProcessesNamed('postgres');
      const pg = pg0 === null || pg1 === null ? 'n/a' : (pg1 - pg0).toFixed(2);
      console.log(`sweep ${i}: ${seconds.toFixed(2)} s, cpu node ${((node.user + node.system) / 1e6).toFixed(2)} / postgres ${pg}, messages ${swept.outboxIds.length}, rows ${swept.processed} (skipped ${swept.skipped}, postponed ${swept.postponed})`);
    }
    // Leave the rows ready for the next call.
    await restore(raw);
  }
} finally {
  await orm.close(true);
}
