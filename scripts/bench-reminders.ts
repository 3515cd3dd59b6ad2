/**
 * Benchmark (`npm run bench:reminders`): 100,000 synthetic employees in 300 units in a scratch database it
 * creates and drops. Phases: open the cycle as `kinerja cycle open` does (assessments, the reminder rows of the
 * plan, the supervisors' feedback nudge checks), sweep every due reminder into the outbox once alone (the
 * baseline: no delivery running, nothing enqueued), put the reminder rows back as they were, then sweep again
 * with the delivery workers running, delivering everything through BullMQ to a local fake platform that accepts
 * at most L messages/s. The machine's load average is printed with the figures (the machine may be shared).
 * As in production, the workers are running before the sweep, and the sweep enqueues each batch as it commits,
 * so delivery overlaps the sweep. Prints each phase's time, peak RSS of this process and of each worker
 * process, duplicates and losses, and the achieved rate / L, where the achieved rate is the number of messages
 * the platform accepted divided by the seconds from the first job enqueued to the last message accepted.
 * CPU figures, robust to a machine whose speed changes between runs: each sweep's CPU seconds in this process
 * (its GC pauses within) and in every PostgreSQL process of the machine (/proc, when the server is local); the
 * commits in the scratch database per message delivered; and per message delivered, the worker processes' CPU
 * and PostgreSQL's once the sweep is over. The worker processes inherit this process's node flags (package.json:
 * Node's default young generation, as docker-compose runs the worker role).
 *
 * Options: --employees N (100000) --units N (300) --rate L (1000) --concurrency N (delivery jobs in flight
 * across all workers, 128: at 60-100 ms per job on two busy cores, 64 in flight cannot keep 1,000/s)
 * --batch N (sweep batch, 2000) --workers N (delivery worker processes, scripts/worker-child.ts, default 2;
 * 0 runs the workers inside this process) --keep (keep the scratch database afterwards and print its name, for
 * EXPLAIN on the swept rows; drop it by hand). Needs PostgreSQL (BENCH_DATABASE_URL or DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/postgres) and Redis (REDIS_URL, default redis://127.0.0.1:6379).
 * BENCH_CPU_PROFILE=dir writes a V8 CPU profile of this process for each sweep (sweep-alone, sweep-with-delivery),
 * BENCH_HEAP_PROFILE=dir an allocation profile; `node --import tsx scripts/profile-top.ts <file>` summarises one.
 * BENCH_AUTO_EXPLAIN=ms logs the plans of the scratch database's statements that take that long (see below).
 * With --keep, `node --import tsx scripts/sweep-repeat.ts <database>` sweeps the kept rows again and again.
 */
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { cpuSecondsOfProcessesNamed, processCpuSeconds } from './proc-cpu.js';
import { profilePhase } from './cpu-profile.js';
import { BENCH_SWEEP_AT, KEPT_REMINDERS_TABLE } from './reminder-bench.js';
import { spawn, type ChildProcess } from 'node:child_process';
import pg from 'pg';
import { Redis } from 'ioredis';
import type { EntityManager } from '@mikro-orm/postgresql';
import { loadConfig } from '../src/config.js';
import { migrate, openOrm } from '../src/db/orm.js';
import { ManualClock } from '../src/clock.js';
import { createLogger } from '../src/logger.js';
import { openCycle } from '../src/setup/cycles.js';
import { scheduleFeedbackNudges, scheduleSelfAssessmentReminders } from '../src/db/reminders.js';
import { txOf } from '../src/db/sql.js';
import { sweepDueReminders } from '../src/jobs/reminder-sweep.js';
import { createQueues, startWorkers } from '../src/jobs/worker-role.js';
import { enqueueBehind } from '../src/jobs/delivery.js';
import { HttpTestSender, startFakePlatform, type FakePlatform } from '../test/support/fake-platform.js';
import { addCycle, addEmployeesBulk, addUnitsBulk, linkChatsBulk, superviseByUnitHeads } from '../test/support/seed.js';

const { values } = parseArgs({
  options: {
    employees: { type: 'string', default: '100000' },
    units: { type: 'string', default: '300' },
    rate: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '128' },
    batch: { type: 'string', default: '2000' },
    workers: { type: 'string', default: '2' },
    keep: { type: 'boolean', default: false },
    // Internal: run only the fake platform, reporting its counters to the parent benchmark over IPC.
    'serve-platform': { type: 'boolean', default: false },
  },
});
/** The fake platform's counters, as its process reports them. */
type PlatformStats = Pick<FakePlatform, 'url' | 'accepted' | 'distinct' | 'duplicates' | 'rejected429' | 'firstAcceptedAt' | 'lastAcceptedAt'> & {
  maxRssMb: number;
};

// The fake platform stands in for Telegram, so it runs in its own process: its HTTP work and memory are not
// charged to the product code this process runs (open, sweep, enqueue).
if (values['serve-platform']) {
  const platform = await startFakePlatform({ ratePerSec: Number(values.rate), keepMessages: false });
  const report = () =>
    process.send!({
      url: platform.url,
      accepted: platform.accepted,
      distinct: platform.distinct,
      duplicates: platform.duplicates,
      rejected429: platform.rejected429,
      firstAcceptedAt: platform.firstAcceptedAt,
      lastAcceptedAt: platform.lastAcceptedAt,
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    } satisfies PlatformStats);
  report();
  const timer = setInterval(report, 50);
  process.on('message', (m) => {
    if (m !== 'close') return;
    clearInterval(timer);
    report();
    void platform.close().then(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
  await new Promise<never>(() => undefined);
}

/** Starts the fake platform process; `stats` is refreshed every 50 ms. */
async function spawnPlatform(rate: number): Promise<{ stats: PlatformStats; pid: number; close(): Promise<void> }> {
  const child = spawn(process.execPath, [...process.execArgv, 'scripts/bench-reminders.ts', '--serve-platform', '--rate', String(rate)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const stats = await new Promise<PlatformStats>((resolve, reject) => {
    child.once('message', (m) => resolve(m as PlatformStats));
    child.once('exit', (code) => reject(new Error(`the fake platform process exited with ${code}`)));
  });
  child.on('message', (m) => Object.assign(stats, m as PlatformStats));
  return {
    stats,
    pid: child.pid!,
    close: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send('close');
      }),
  };
}

const EMPLOYEES = Number(values.employees);
const UNITS = Number(values.units);
const RATE = Number(values.rate);
const base = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

const scratch = `kinerja_bench_${Date.now()}`;
const admin = new pg.Client({ connectionString: base });
await admin.connect();
await admin.query(`CREATE DATABASE ${scratch}`);
// BENCH_AUTO_EXPLAIN=ms: the server logs the plan of every statement of the scratch database that takes at least
// that long, with its buffers and WAL (auto_explain; BENCH_AUTO_EXPLAIN_SAMPLE=0.1 logs a tenth of them): where a
// statement's time goes, statement by statement, the sweep's and the delivery workers' alike. The plans land in
// the server's log (on Debian /var/log/postgresql/postgresql-<version>-main.log).
if (process.env.BENCH_AUTO_EXPLAIN !== undefined) {
  const settings = {
    session_preload_libraries: `'auto_explain'`,
    'auto_explain.log_min_duration': Number(process.env.BENCH_AUTO_EXPLAIN),
    'auto_explain.log_analyze': 'on',
    // Timing each plan node costs more than the node in the sweep's nested loops: figures without it.
    'auto_explain.log_timing': 'off',
    'auto_explain.log_buffers': 'on',
    'auto_explain.log_wal': 'on',
    'auto_explain.log_nested_statements': 'on',
    'auto_explain.sample_rate': Number(process.env.BENCH_AUTO_EXPLAIN_SAMPLE ?? 1),
  };
  for (const [name, value] of Object.entries(settings)) await admin.query(`ALTER DATABASE ${scratch} SET ${name} = ${value}`);
}
const url = new URL(base);
url.pathname = `/${scratch}`;
const dbUrl = url.toString();
const peakRss = () => Math.round(process.resourceUsage().maxRSS / 1024);
const seconds = (ms: number) => (ms / 1000).toFixed(1);
const prefix = `bench_${Date.now().toString(36)}`;
const figures: Record<string, string | number> = {};
/** The 1, 5 and 15 minute load averages (what `uptime` prints): the figures mean little without them. */
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');
figures.load_at_start = load();

/** CPU seconds used so far by every PostgreSQL process of this machine (null when the server is not local). */
const postgresCpuSeconds = () => cpuSecondsOfProcessesNamed('postgres');
/** Milliseconds this process has spent in garbage collection pauses. */
let gcMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcMs += entry.duration;
}).observe({ entryTypes: ['gc'] });
/** CPU seconds of this process (the one that sweeps; its GC pauses within) and of PostgreSQL since `from`. */
function cpuSince(from: { node: NodeJS.CpuUsage; gcMs: number; pg: number | null }): string {
  const node = process.cpuUsage(from.node);
  const pg = postgresCpuSeconds();
  const nodeS = ((node.user + node.system) / 1e6).toFixed(1);
  return `node ${nodeS} (gc ${((gcMs - from.gcMs) / 1000).toFixed(1)}) / postgres ${pg === null || from.pg === null ? 'n/a' : (pg - from.pg).toFixed(1)}`;
}
const cpuNow = () => ({ node: process.cpuUsage(), gcMs, pg: postgresCpuSeconds() });

const orm = await openOrm({ url: dbUrl, poolMax: 20 });
try {
  await migrate(orm);
  const em = orm.em.fork() as EntityManager;
  const t0 = Date.now();
  // Synthetic organisation: units in three time zones, a head per unit (its HR admin too) supervising the rest.
  const unitIds = await addUnitsBulk(em, UNITS);
  await addEmployeesBulk(em, {
    count: EMPLOYEES,
    unitIds,
    timezones: ['Asia/Jakarta', 'Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura'],
    admins: UNITS,
  });
  // The first UNITS people land one in each unit: they head it.
  const heads = (await em.execute<{ id: number }[]>(`select id from employee order by id limit ?`, [UNITS])).map((r) => r.id);
  await superviseByUnitHeads(em, heads);
  await linkChatsBulk(em, { platform: 'telegram', userPrefix: '', chatPrefix: 'chat-' });
  const cycle = { id: await addCycle(em, { selfDeadline: '2025-03-14', reviewDeadline: '2025-03-28', status: 'draft', indicators: 5 }) };
  figures.seed_s = seconds(Date.now() - t0);

  const config = loadConfig({ ...process.env, DATABASE_URL: dbUrl, REDIS_URL: redisUrl, LOG_LEVEL: 'warn' });
  // Phase 1: open (assessments for everyone, then the reminder rows of the plan). Each phase gets its own
  // EntityManager fork so nothing one phase loaded stays reachable in the next.
  const openedAt = new ManualClock(new Date('2025-03-01T00:00:00Z'));
  const t1 = Date.now();
  const opened = await openCycle(orm.em.fork() as EntityManager, cycle.id, { clock: openedAt });
  const tAssess = Date.now();
  const reminders = await scheduleSelfAssessmentReminders(txOf(orm.em.fork() as EntityManager), cycle.id, { clock: openedAt, config });
  const tPlanned = Date.now();
  // As `kinerja cycle open` does next: the supervisors' first feedback nudge checks.
  const nudges = await scheduleFeedbackNudges(txOf(orm.em.fork() as EntityManager), cycle.id, { clock: openedAt, config });
  const t2 = Date.now();
  figures.open_s = seconds(t2 - t1);
  figures.open_assessments = opened.created;
  figures.open_assessments_s = seconds(tAssess - t1);
  figures.open_reminder_rows = reminders;
  figures.open_reminder_rows_s = seconds(tPlanned - tAssess);
  figures.open_nudge_rows = nudges;
  figures.load_after_open = load();
  figures.rss_after_open_mb = peakRss();

  // Baseline in the same run: the same sweep with nothing else running and nothing enqueued. The reminder rows
  // are copied first and put back after, so the measured sweep below starts from the same rows.
  const sweepClock = new ManualClock(new Date(BENCH_SWEEP_AT));
  const raw = txOf(orm.em.fork() as EntityManager);
  await raw.exec(`create table ${KEPT_REMINDERS_TABLE} as select * from reminder`);
  await raw.exec(`vacuum analyze`);
  const tb = Date.now();
  const cpuAlone = cpuNow();
  const stopAloneProfile = profilePhase('sweep-alone');
  const alone = await sweepDueReminders(orm.em.fork() as EntityManager, { clock: sweepClock, config, batchSize: Number(values.batch) });
  await stopAloneProfile();
  figures.sweep_alone_s = seconds(Date.now() - tb);
  figures.sweep_alone_cpu_s = cpuSince(cpuAlone);
  figures.sweep_alone_messages = alone.outboxIds.length;
  figures.load_after_sweep_alone = load();
  await raw.exec(`delete from outbox_message`);
  await raw.exec(`delete from reminder`);
  await raw.exec(`insert into reminder select * from ${KEPT_REMINDERS_TABLE}`);
  // Kept with --keep: scripts/sweep-repeat.ts sweeps these rows again.
  if (!values.keep) await raw.exec(`drop table ${KEPT_REMINDERS_TABLE}`);
  await raw.exec(`vacuum analyze`);

  // The delivery side is up before the sweep, as in production: the sweep's batches are enqueued as they
  // commit and the workers deliver while the sweep goes on.
  const platformProcess = await spawnPlatform(RATE);
  const platform = platformProcess.stats;
  const queues = createQueues({ orm, config, databaseUrl: dbUrl, prefix });
  const workerCount = Number(values.workers);
  const inProcessSender = new HttpTestSender('telegram', platform.url);
  const running =
    workerCount === 0
      ? await startWorkers({
          orm,
          config,
          queues,
          clock: sweepClock,
          logger: createLogger('warn'),
          senders: new Map([['telegram', inProcessSender]]),
          deliveryConcurrency: Number(values.concurrency),
          ratePerSec: { telegram: RATE },
          schedulers: false,
        })
      : undefined;
  const children: { child: ChildProcess; rssMb: number; cpuS: number }[] = [];
  for (let i = 0; i < workerCount; i++) {
    // Same node flags as this process (--import tsx, and e.g. --cpu-prof when profiling the benchmark).
    const child = spawn(process.execPath, [...process.execArgv, 'scripts/worker-child.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: dbUrl,
        REDIS_URL: redisUrl,
        QUEUE_PREFIX: prefix,
        FAKE_PLATFORM_URL: platform.url,
        WORKER_NAME: `w${i}`,
        FIXED_NOW: sweepClock.now().toISOString(),
        DELIVERY_CONCURRENCY: String(Math.ceil(Number(values.concurrency) / workerCount)),
        RATE_PER_SEC: String(RATE),
        SCHEDULERS: 'false',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const entry = { child, rssMb: 0, cpuS: 0 };
    children.push(entry);
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        const text = d.toString();
        const m = /maxrss (\d+)/.exec(text);
        if (m) entry.rssMb = Number(m[1]);
        const cpu = / cpu ([\d.]+)/.exec(text);
        if (cpu) entry.cpuS = Number(cpu[1]);
        if (text.includes('ready')) resolve();
      });
      child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`worker ${i} exited with ${code}`))));
    });
  }

  // Phase 2: sweep every reminder due at 09:00 WIB on 5 March (7 working days before; WITA/WIT earlier),
  // enqueueing each committed batch as the worker role's sweep job does (enqueueBehind).
  // Transactions committed in the scratch database from here to the end of delivery, per message: each
  // commit is a WAL flush the sweep's own commits queue behind.
  const commitsNow = async () =>
    Number((await raw.query<{ n: string }>(`select xact_commit::text as n from pg_stat_database where datname = current_database()`))[0]!.n);
  const commitsBefore = await commitsNow();
  let firstEnqueueAt = 0;
  const enqueuer = enqueueBehind(queues.enqueueOutboxBatch);
  // The other parties' CPU over the same window: on two cores every second they take is one the sweep waits for.
  const othersCpu = () => ({
    workers: children.reduce((sum, c) => sum + (processCpuSeconds(c.child.pid!) ?? 0), 0),
    platform: processCpuSeconds(platformProcess.pid) ?? 0,
    redis: cpuSecondsOfProcessesNamed('redis-server') ?? 0,
  });
  const othersBefore = othersCpu();
  const stopSweepProfile = profilePhase('sweep-with-delivery');
  const t3 = Date.now();
  const cpuSweep = cpuNow();
  const swept = await sweepDueReminders(orm.em.fork() as EntityManager, {
    clock: sweepClock,
    config,
    batchSize: Number(values.batch),
    onBatch: (_ids, written) => {
      firstEnqueueAt ||= Date.now();
      return enqueuer.onBatch(written);
    },
  });
  const tSwept = Date.now();
  const enqueued = await enqueuer.flush();
  const t4 = Date.now();
  await stopSweepProfile();
  const expected = swept.outboxIds.length;
  // Delivery alone from here on: PostgreSQL's CPU per message delivered after the sweep.
  const afterSweep = { pg: postgresCpuSeconds(), delivered: platform.distinct };
  swept.outboxIds.length = 0;
  figures.sweep_s = seconds(t4 - t3);
  // The PostgreSQL figure includes the delivery workers' statements meanwhile.
  figures.sweep_cpu_s = cpuSince(cpuSweep);
  const othersAfter = othersCpu();
  figures.sweep_cpu_others_s = `workers ${(othersAfter.workers - othersBefore.workers).toFixed(1)} / platform ${(othersAfter.platform - othersBefore.platform).toFixed(1)} / redis ${(othersAfter.redis - othersBefore.redis).toFixed(1)}`;
  figures.sweep_delivered = platform.distinct;
  figures.sweep_vs_alone = (Number(figures.sweep_s) / Number(figures.sweep_alone_s)).toFixed(2);
  figures.load_after_sweep = load();
  figures.sweep_rows_s = seconds(tSwept - t3);
  figures.sweep_messages = expected;
  figures.enqueued = enqueued;
  figures.rss_after_sweep_mb = peakRss();

  // Phase 3: wait until the platform has accepted every message, then until every row is settled. The fake
  // platform counts acceptances itself, so waiting costs no database query until the count is reached.
  const STALL_MS = 60_000;
  let lastProgress = Date.now();
  let lastSeen = -1;
  let lastLog = Date.now();
  while (platform.distinct < expected) {
    if (platform.accepted !== lastSeen) {
      lastSeen = platform.accepted;
      lastProgress = Date.now();
    } else if (Date.now() - lastProgress > STALL_MS) {
      console.log(`  no delivery for ${STALL_MS / 1000} s: stopping with ${expected - platform.distinct} messages undelivered`);
      break;
    }
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      console.log(`  delivering: ${platform.distinct}/${expected} accepted, ${platform.rejected429} answered 429`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const lastDelivered = platform.lastAcceptedAt;
  const pgAfter = postgresCpuSeconds();
  const deliveredAfter = platform.distinct - afterSweep.delivered;
  const settleEnd = Date.now() + 30_000;
  let pending = 0;
  do {
    const [{ n }] = await orm.em.fork().execute<{ n: string }[]>(`select count(*) as n from outbox_message where status = 'pending'`);
    pending = Number(n);
    if (pending > 0) await new Promise((r) => setTimeout(r, 200));
  } while (pending > 0 && Date.now() < settleEnd);
  const tSettled = Date.now();
  const [{ sent }] = await orm.em.fork().execute<{ sent: string }[]>(`select count(*) as sent from outbox_message where status = 'sent'`);
  // Backends report their commits to the statistics at most about once a second.
  await new Promise((r) => setTimeout(r, 1500));
  figures.commits_per_message = (((await commitsNow()) - commitsBefore) / Math.max(1, platform.distinct)).toFixed(2);
  // Achieved rate = messages delivered / seconds from the first job enqueued to the last message the platform
  // accepted. The window starts when the sweep hands over its first batch, so enqueueing is inside it.
  const window = (lastDelivered - firstEnqueueAt) / 1000;
  figures.deliver_s = window.toFixed(1);
  figures.rows_settled_after_s = seconds(tSettled - lastDelivered);
  figures.achieved_rate_per_s = Math.round(platform.distinct / window);
  figures.rate_ratio = (platform.distinct / window / RATE).toFixed(3);
  figures.platform_429 = platform.rejected429;
  figures.duplicates = platform.duplicates;
  figures.losses = expected - platform.distinct;
  figures.rows_sent = Number(sent);
  figures.rows_pending = pending;
  await running?.stop();
  inProcessSender.close();
  await Promise.all(
    children.map(({ child }) => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      return exited;
    }),
  );
  figures.peak_rss_mb = peakRss();
  figures.worker_peak_rss_mb = children.map((c) => c.rssMb).join(' / ') || '(in process)';
  // CPU per message delivered: the worker processes over their whole run; PostgreSQL after the sweep ended.
  const workerCpuS = children.reduce((sum, c) => sum + c.cpuS, 0);
  figures.delivery_cpu_ms_per_msg = `workers ${children.length > 0 ? ((workerCpuS * 1000) / Math.max(1, platform.distinct)).toFixed(3) : 'n/a'} / postgres ${
    pgAfter === null || afterSweep.pg === null ? 'n/a' : (((pgAfter - afterSweep.pg) * 1000) / Math.max(1, deliveredAfter)).toFixed(3)
  }`;
  for (const q of queues.all()) await q.obliterate({ force: true }).catch(() => undefined);
  await queues.close();
  await platformProcess.close();
  figures.platform_peak_rss_mb = platform.maxRssMb;
  figures.load_at_end = load();
} finally {
  await orm.close(true);
  if (values.keep) console.log(`kept database ${scratch}`);
  else await admin.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
  await admin.end();
  const r = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await r.del(...keys);
  } while (cursor !== '0');
  r.disconnect();
}

const targets: [string, boolean][] = [
  ['open <= 10 s', Number(figures.open_s) <= 10],
  ['sweep (delivery alongside) <= 10 s', Number(figures.sweep_s) <= 10],
  ['rate >= 0.95 L', Number(figures.rate_ratio) >= 0.95],
  ['0 duplicates', figures.duplicates === 0],
  ['0 losses', figures.losses === 0 && figures.rows_sent === figures.sweep_messages],
  ['peak RSS <= 400 MB', Number(figures.peak_rss_mb) <= 400],
  ['worker peak RSS <= 300 MB', String(figures.worker_peak_rss_mb).split(' / ').map(Number).filter((n) => !Number.isNaN(n)).every((n) => n <= 300)],
];
console.log(`\nbench:reminders  ${EMPLOYEES} employees, ${UNITS} units, L = ${RATE}/s`);
for (const [k, v] of Object.entries(figures)) console.log(`  ${k.padEnd(22)} ${v}`);
console.log('  (achieved rate = messages the platform accepted / seconds from the first job enqueued to the last accepted;');
console.log('   sweep_s includes enqueueing every batch, with the worker processes delivering; sweep_alone_s is the same sweep');
console.log('   earlier in this run with nothing delivering and nothing enqueued; load_* are the 1/5/15 min load averages;');
console.log('   the fake platform runs in its own process, standing in for Telegram)');
console.log('targets:');
for (const [name, ok] of targets) console.log(`  ${ok ? 'met ' : 'MISS'}  ${name}`);
process.exit(0);
