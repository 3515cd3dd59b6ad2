/**
 * Sweeps a kept benchmark database again, as often as asked: a change to the sweep measured in seconds rather
 * than in the four minutes of a whole `npm run bench:reminders` (which seeds 100,000 people and opens a cycle
 * first). Make the database with `npm run bench:reminders -- --keep` (it prints the name), then:
 *
 *   node --max-old-space-size=256 --import tsx scripts/sweep-repeat.ts kinerja_bench_<n> [--times 3] [--lanes 2]
 *
 * The first call puts the kept rows back as they were before that run's sweeps (the rows it sent pending again,
 * the feedback nudge checks those sweeps planned removed) and keeps a copy (`sweep_repeat_rows`); every sweep
 * starts from that copy, with an empty outbox and fresh statistics. Prints each sweep's seconds, its CPU seconds in
 * this process and in PostgreSQL (all local server processes, from /proc) and what it did. Nothing is delivered.
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

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { times: { type: 'string', default: '3' }, lanes: { type: 'string', default: '2' } },
});
const database = positionals[0];
if (!database || !/^kinerja_bench_\d+$/.test(database)) {
  console.error('usage: sweep-repeat.ts kinerja_bench_<n> [--times N] [--lanes N]  (a database kept by `npm run bench:reminders -- --keep`)');
  process.exit(2);
}
const url = new URL(process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
url.pathname = `/${database}`;
const dbUrl = url.toString();
/** The instant the benchmark sweeps at (scripts/bench-reminders.ts). */
const SWEEP_AT = new Date('2025-03-05T02:00:00Z');

async function restore(raw: Tx): Promise<void> {
  const [kept] = await raw.query<{ n: number }>(`select count(*)::int as n from pg_tables where tablename = 'sweep_repeat_rows'`);
  if (kept?.n === 0) {
    await raw.exec(`delete from reminder where kind = 'fbnudge' and created_at >= $1`, [SWEEP_AT]);
    await raw.exec(`update reminder set status = 'pending', sent_at = null where status = 'sent'`);
    await raw.exec(`create table sweep_repeat_rows as select * from reminder`);
  }
  await raw.exec(`delete from outbox_message`);
  await raw.exec(`delete from reminder`);
  await raw.exec(`insert into reminder select * from sweep_repeat_rows`);
  await raw.exec(`vacuum analyze`);
}

const orm = await openOrm({ url: dbUrl, poolMax: 20 });
try {
  const raw = txOf(orm.em.fork() as EntityManager);
  const config = loadConfig({ ...process.env, DATABASE_URL: dbUrl, LOG_LEVEL: 'warn' });
  for (let i = 1; i <= Number(values.times); i++) {
    await restore(raw);
    const pg0 = cpuSecondsOfProcessesNamed('postgres');
    const node0 = process.cpuUsage();
    const t0 = Date.now();
    const stopProfile = profilePhase(`sweep-repeat-${i}`);
    const swept = await sweepDueReminders(orm.em.fork() as EntityManager, { clock: new ManualClock(SWEEP_AT), config, lanes: Number(values.lanes) });
    await stopProfile();
    const seconds = (Date.now() - t0) / 1000;
    const node = process.cpuUsage(node0);
    const pg1 = cpuSecondsOfProcessesNamed('postgres');
    const pg = pg0 === null || pg1 === null ? 'n/a' : (pg1 - pg0).toFixed(2);
    console.log(`sweep ${i}: ${seconds.toFixed(2)} s, cpu node ${((node.user + node.system) / 1e6).toFixed(2)} / postgres ${pg}, messages ${swept.outboxIds.length}, rows ${swept.processed} (skipped ${swept.skipped}, postponed ${swept.postponed})`);
  }
  // Leave the rows as the first call found them, ready for the next.
  await restore(raw);
} finally {
  await orm.close(true);
}
