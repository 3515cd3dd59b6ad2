/**
 * `npm run bench:engine`: simulated employees (default 200 at once) each doing the whole self-assessment
 * as production does: every message is stored in the ingress inbox, the inbox consumer hands it to the
 * engine, and the "person" waits until it was handled (outbox writes included, platform sends excluded).
 *
 * Phases, in one run on one pool: the single-event path (every event alone), the batched path (group
 * commit, engine.ts `handleMany`), a paced phase for turn latency, each followed by the machine's floor at that
 * rate (minimal transactions offered as the paced phase offers messages: what the disk's slow flushes alone
 * cost at p99), and a baseline of minimal transactions (read one row by key, update it, insert one row). Per phase: messages/s, latency percentiles, client round
 * trips, WAL bytes and CPU (Node, PostgreSQL backends) per message, and time per message against the baseline.
 *
 * Flags: --single / --batched (only that path), --embedded (the embedded PGlite, where batching is off; its
 * data in a fresh directory on disk, as `npm start` keeps it under DATA_DIR, removed afterwards;
 * BENCH_DATA_DIR=memory:// for an in-memory one; BENCH_EMBEDDED_TCP=1 connects the ORM through the loopback socket
 * instead of in-process).
 * Environment: BENCH_DATABASE_URL (server; default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_USERS_AT_ONCE (200), BENCH_MESSAGES (20000 per phase; embedded 3000), BENCH_POOL (16),
 * BENCH_BATCH (32), BENCH_WINDOW_MS (the batch window; default the product's), BENCH_PACED_RATE (one rate, or a list: a paced phase each) / BENCH_PACED_MESSAGES (6000), BENCH_BASELINE=0 (skip it), BENCH_HISTORY (100000 rows
 * of earlier traffic seeded and analysed first; 0 = start from empty tables), BENCH_EMPLOYEES (20000 seeded),
 * BENCH_LOG_STATEMENTS=1 (the server logs every statement of the bench database with parse/bind/execute times:
 * how the planning cost of the batch write was found), BENCH_WAL_STATS=1 (per message of each engine phase: its WAL by record type, from
 * pg_walinspect, and the rows each table gained or rewrote with the index entries that cost: where a message's WAL
 * goes), BENCH_CPU_PROFILE=dir (a V8 CPU profile of each timed phase alone, seeding and shutdown left out, written
 * there as <phase>.cpuprofile: where a message's CPU goes), BENCH_HEAP_PROFILE=dir (who allocates, <phase>.heapprofile);
 * `node --import tsx scripts/profile-top.ts <file>` summarises a profile.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { systemClock } from '../src/clock.js';
import type { IncomingEvent, OutgoingMessage } from '../src/contract/index.js';
import { createEngine, type Engine } from '../src/engine/engine.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../src/db/embedded.js';
import { createInboxConsumer } from '../src/engine/inbox-consumer.js';
import { TxRunner } from '../src/db/sql.js';
import { migrate, openOrm } from '../src/db/orm.js';
import { createLogger } from '../src/logger.js';
import { addAssessmentsBulk, addCycle, addEmployeesBulk, addUnit, linkChatsBulk, STANDARD_INDICATORS, TRIWULAN_IV_2026 } from '../test/support/seed.js';

/** The quarter before the one the bench runs in (its history). */
const TRIWULAN_III_2026 = { ...TRIWULAN_IV_2026, name: 'Triwulan III 2026', periodStart: '2026-07-01', periodEnd: '2026-09-30', selfDeadline: '2026-10-07', reviewDeadline: '2026-10-20' };
import { capabilitiesOf } from '../src/engine/capabilities.js';
import { PLATFORM_MODULES } from '../src/platforms.js';
import { processCpuSeconds } from './proc-cpu.js';
import { profilePhase } from './cpu-profile.js';

const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const AT_ONCE = Number(process.env.BENCH_USERS_AT_ONCE ?? 200);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const POOL = Number(process.env.BENCH_POOL ?? 16);
/**
 * Later phases, for latency: users pace their messages so the offered load is this rate (0 = skip; a list such
 * as `200,400,800` runs one paced phase per rate: latency against load). Default: 800 msg/s or 70% of the
 * capacity just measured, whichever is lower, because a closed loop of 200 users with no think time measures
 * queueing (Little's law: latency = users / throughput), not turn latency.
 */
const PACED_RATE_SETTING = process.env.BENCH_PACED_RATE;
const PACED_RATES = PACED_RATE_SETTING === undefined ? null : PACED_RATE_SETTING.split(',').map(Number).filter((r) => r > 0).sort((a, b) => a - b);
const PACED_MESSAGES = Number(process.env.BENCH_PACED_MESSAGES ?? 6000);
const BATCH = Number(process.env.BENCH_BATCH ?? 32);
/** ENGINE_BATCH_WINDOW_MS for the batched consumer (unset: the product's default). */
const WINDOW_MS = process.env.BENCH_WINDOW_MS === undefined ? undefined : Number(process.env.BENCH_WINDOW_MS);
const ITEMS = 3;
/**
 * Rows a deployment a few weeks in already holds (event ids of the dedupe window, handled inbox rows, sent
 * messages, the previous quarter's answers), analysed before the run: with empty tables PostgreSQL plans
 * sequential scans that a real database never gets, and the bench would measure those. 0 = empty tables.
 */
const HISTORY = Number(process.env.BENCH_HISTORY ?? 100_000);
/** Employees seeded (at least as many as the phases need). */
const EMPLOYEES = Number(process.env.BENCH_EMPLOYEES ?? 20_000);
/** /penilaian + 3 per item + reflection (typed at the summary) + submit (the summary's "Kirim"). */
const PER_USER = 1 + 3 * ITEMS + 2;

/**
 * CPU seconds used so far by the PostgreSQL backends serving this database (Linux /proc, same machine),
 * to show where the time goes; null when /proc cannot be read.
 */
async function backendCpuSeconds(admin: pg.Client | null, db: string): Promise<number | null> {
  if (!admin) return null;
  let rows: { pid: number }[];
  try {
    ({ rows } = await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [db]));
  } catch {
    return null;
  }
  let seconds = 0;
  for (const { pid } of rows) {
    const used = processCpuSeconds(pid);
    if (used === null) return null;
    seconds += used;
  }
  return seconds;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(ms: number[]): { p50: number; p95: number; p99: number } {
  if (!ms.length) return { p50: NaN, p95: NaN, p99: NaN };
  const s = [...ms].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99) };
}

/**
 * The previous quarter (closed, every employee's answers) and `rows` rows each of handled event ids, done
 * inbox rows and sent outbox messages, spread over the employees' chats.
 */
async function seedHistory(em: ReturnType<Awaited<ReturnType<typeof openOrm>>['em']['fork']>, users: number, rows: number): Promise<void> {
  if (rows <= 0) return;
  const conn = em.getConnection();
  const previous = await addCycle(em, { ...TRIWULAN_III_2026, status: 'closed', indicators: STANDARD_INDICATORS.slice(0, 3) });
  await addAssessmentsBulk(em, previous, { supervisedOnly: true });
  await conn.execute(
    `insert into answer (assessment_id, item_key, indicator_id, realisasi, narrative, evidence)
     select a.id, 'ind:' || i.id, i.id, 90, 'Uraian triwulan lalu.', '["https://drive.example.go.id/bukti/lama"]'::jsonb
       from assessment a join indicator i on i.cycle_id = a.cycle_id where a.cycle_id = ?`,
    [previous],
  );
  await conn.execute(`update assessment set status = 'reviewed', submitted_at = now() - interval '60 days' where cycle_id = ?`, [previous]);
  await conn.execute(
    `insert into processed_event (platform, event_id, processed_at) select 'telegram', 'h' || g, now() - interval '3 days' from generate_series(1, ?) g`,
    [rows],
  );
  await conn.execute(
    `insert into inbox_event (platform, event_id, chat_key, payload, status, received_at, available_at, handled_at, attempts)
     select 'telegram', 'h' || g, 'telegram:u' || (1 + g % ?), '{}'::jsonb, 'done', now() - interval '3 days', now() - interval '3 days', now() - interval '3 days', 1
       from generate_series(1, ?) g`,
    [users, rows],
  );
  await conn.execute(
    `insert into outbox_message (platform, chat_id, payload, dedupe_key, status, created_at, sent_at)
     select 'telegram', 'u' || (1 + g % ?), '{"text":"Pesan lama."}'::jsonb, 'telegram:h' || g || ':1', 'sent', now() - interval '3 days', now() - interval '3 days'
       from generate_series(1, ?) g`,
    [users, rows],
  );
}

/** Every query message sent by this process's pg clients (one client round trip each), while counting. */
let roundTrips = 0;
const clientQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  roundTrips++;
  return (clientQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;

/** Server WAL position in bytes (cluster-wide: other databases' writes meanwhile count too). */
async function walBytes(admin: Queryable): Promise<number | null> {
  try {
    const r = await admin.query<{ b: string }>(`select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint as b`);
    return Number(r[0].b);
  } catch {
    return null;
  }
}

/** Rows inserted, updated (HOT among them) and deleted per table of the bench database so far (BENCH_WAL_STATS). */
async function tableWrites(db: Queryable): Promise<Map<string, { ins: number; upd: number; hot: number; del: number; indexes: number }>> {
  if (!process.env.BENCH_WAL_STATS) return new Map();
  // Busy backends report their counts about once a second: both ends of a phase lag alike.
  await db.query(`select pg_stat_clear_snapshot()`);
  const rows = await db.query<{ t: string; ins: string; upd: string; hot: string; del: string; ix: string }>(
    `select s.relname as t, n_tup_ins::text as ins, n_tup_upd::text as upd, n_tup_hot_upd::text as hot, n_tup_del::text as del,
            (select count(*) from pg_index i where i.indrelid = s.relid)::text as ix
       from pg_stat_user_tables s`,
  );
  return new Map(rows.map((r) => [r.t, { ins: Number(r.ins), upd: Number(r.upd), hot: Number(r.hot), del: Number(r.del), indexes: Number(r.ix) }]));
}

/** Per message, the rows each table gained, rewrote and lost between two `tableWrites`, busiest first. */
function printTableWrites(before: Awaited<ReturnType<typeof tableWrites>>, after: Awaited<ReturnType<typeof tableWrites>>, messages: number): void {
  if (!after.size) return;
  const per = (v: number) => (v / Math.max(1, messages)).toFixed(2).padStart(7);
  const lines = [...after].map(([t, a]) => {
    const b = before.get(t) ?? { ins: 0, upd: 0, hot: 0, del: 0 };
    const d = { ins: a.ins - b.ins, upd: a.upd - b.upd, hot: a.hot - b.hot, del: a.del - b.del };
    // Index entries written: every insert and every update that is not HOT adds one to each index (partial
    // indexes only when the row matches: an upper bound).
    return { t, d, entries: (d.ins + d.upd - d.hot) * a.indexes, indexes: a.indexes };
  }).filter((l) => l.d.ins + l.d.upd + l.d.del > 0).sort((x, y) => y.entries - x.entries);
  console.log(`  rows per message by table (inserted, updated, of them HOT, deleted; indexes; index entries at most):`);
  // Backends report their counts at most once a second (idle ones up to 10 s later): a short phase shows nothing.
  if (!lines.length) console.log(`    (no counts reported yet: PostgreSQL's backends report them about once a second; run a longer phase)`);
  for (const l of lines) console.log(`    ${l.t.padEnd(20)} ${per(l.d.ins)} ${per(l.d.upd)} ${per(l.d.hot)} ${per(l.d.del)} ${String(l.indexes).padStart(3)} ${per(l.entries)}`);
}

/** The current WAL position as PostgreSQL writes it (for `walBreakdown`). */
async function walLsn(admin: Queryable): Promise<string | null> {
  try {
    return (await admin.query<{ l: string }>(`select pg_current_wal_lsn()::text as l`))[0].l;
  } catch {
    return null;
  }
}

/**
 * BENCH_WAL_STATS=1: what the WAL between two positions holds, by record type (pg_walinspect, a contrib
 * extension created in the admin database), bytes per message, largest first: where a message's WAL goes.
 */
async function walBreakdown(admin: Queryable, from: string | null, to: string | null, messages: number): Promise<void> {
  if (!process.env.BENCH_WAL_STATS || !from || !to) return;
  try {
    await admin.query(`create extension if not exists pg_walinspect`);
    const rows = await admin.query<{ t: string; n: string; rec: string; fpi: string }>(
      `select "resource_manager/record_type" as t, count::text as n, record_size::text as rec, fpi_size::text as fpi
         from pg_get_wal_stats($1::pg_lsn, $2::pg_lsn, true) where count > 0 order by combined_size desc limit 12`,
      [from, to],
    );
    const per = (v: string) => (Number(v) / Math.max(1, messages)).toFixed(2).padStart(8);
    console.log(`  WAL per message by record type (count, record bytes, full-page image bytes):`);
    for (const r of rows) console.log(`    ${r.t.padEnd(28)} ${per(r.n)} ${per(r.rec)} ${per(r.fpi)}`);
  } catch (err) {
    console.log(`  WAL breakdown unavailable: ${(err as Error).message}`);
  }
}

interface Queryable {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

interface PhaseFigures {
  name: string;
  messages: number;
  sec: number;
  rate: number;
  lat: { p50: number; p95: number; p99: number };
  roundTrips: number;
  walBytes: number | null;
  nodeCpuMs: number;
  pgCpuMs: number | null;
  note?: string;
  kinds?: string;
}

async function main(): Promise<void> {
  const embedded = process.argv.includes('--embedded');
  const only = process.argv.includes('--single') ? 'single' : process.argv.includes('--batched') ? 'batched' : 'both';
  const dbName = `kinerja_bench_${process.pid}`;
  let admin: pg.Client | null = null;
  let orm: Awaited<ReturnType<typeof openOrm>>;
  let db: EmbeddedDatabase | null = null;
  // Stopped before the pool closes: its rounds must not outlive the database.
  let chainer: Engine['auditChainer'] | undefined;
  let dataDir: string | null = null;
  let databaseUrl: string;
  if (embedded) {
    dataDir = process.env.BENCH_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'kinerja-bench-'));
    db = await startEmbeddedDatabase({ dataDir });
    databaseUrl = db.url;
    // As `npm start`: the ORM's connections in-process (BENCH_EMBEDDED_TCP=1: through the loopback socket, as the CLI beside it).
    orm = await openOrm({ url: db.url, poolMax: 4, singleSession: true, ...(process.env.BENCH_EMBEDDED_TCP ? {} : { stream: db.connect }) });
  } else {
    admin = new pg.Client({ connectionString: SERVER });
    await admin.connect();
    await admin.query(`drop database if exists ${dbName}`);
    await admin.query(`create database ${dbName}`);
    if (process.env.BENCH_LOG_STATEMENTS) await admin.query(`alter database ${dbName} set log_min_duration_statement = 0`);
    const url = new URL(SERVER);
    url.pathname = `/${dbName}`;
    databaseUrl = url.toString();
    orm = await openOrm({ url: databaseUrl, poolMax: POOL });
  }
  const server = admin;
  /** The bench database through the ORM's pool; embedded, also the admin connection (there is no other). */
  const dbQ: Queryable = { query: async <T,>(sql: string, params?: unknown[]) => (await orm.em.getConnection().execute(sql, params ?? [])) as T[] };
  const adminQ: Queryable = server ? { query: async <T,>(sql: string, params?: unknown[]) => (await server.query(sql, params)).rows as T[] } : dbQ;
  try {
    await migrate(orm);
    const messages = embedded ? Number(process.env.BENCH_MESSAGES ?? 3000) : MESSAGES;
    const phasesPlanned = (only === 'both' ? 2 : 1) * messages + (embedded ? 0 : Math.ceil(1.3 * PACED_MESSAGES) * (PACED_RATES?.length ?? 1));
    const atOnce = embedded ? Math.min(AT_ONCE, 50) : AT_ONCE;
    // At least a province's worth of people: small tables are scanned whole, large ones by index.
    const users = Math.max(EMPLOYEES, Math.ceil(phasesPlanned / PER_USER) + 2 * atOnce);
    const supervisors = Math.ceil(users / 10);
    const conn = orm.em.getConnection();
    process.stdout.write(`seeding ${users} employees, ${supervisors} supervisors ... `);
    const em = orm.em.fork();
    const unitId = await addUnit(em, 'BENCH', { name: 'Dinas Bench' });
    await addEmployeesBulk(em, { count: supervisors, nipPrefix: '29', namePrefix: 'Atasan ', kind: 'administrator', unitIds: [unitId] });
    const supervisorIds = (await conn.execute<{ id: number }[]>(`select id from employee order by id`)).map((r) => r.id);
    await addEmployeesBulk(em, { count: users, nipPrefix: '19', namePrefix: 'Pegawai ', kind: 'pelaksana', unitIds: [unitId], supervisorIds });
    await linkChatsBulk(em, { platform: 'telegram', userPrefix: 'u', chatPrefix: 'u' });
    const cycleId = await addCycle(em, {
      ...TRIWULAN_IV_2026,
      indicators: [...STANDARD_INDICATORS.slice(0, 2), { code: 'inovasi', nameId: 'Inovasi', nameEn: 'Innovation', unitOfMeasure: 'inovasi', target: 2 }],
    });
    await addAssessmentsBulk(em, cycleId, { supervisedOnly: true });
    await seedHistory(em, users, HISTORY);
    await conn.execute(`create table bench_row (id int primary key, n int not null default 0); insert into bench_row (id) select g from generate_series(1, ${users}) g`);
    await conn.execute(`create table bench_log (id bigserial primary key, row_id int not null, at timestamptz not null default now())`);
    await conn.execute('analyze');
    console.log('done');

    const employeeIds = (await conn.execute<{ id: number }[]>(`select id from employee where supervisor_id is not null order by id`)).map((r) => r.id);
    const engine = createEngine({
      capabilities: capabilitiesOf(PLATFORM_MODULES),
      orm,
      config: { REALISASI_MAX_MULTIPLE: 5, EVIDENCE_MAX_MB: 20, DRAFT_IDLE_MINUTES: 60 },
      clock: systemClock,
      logger: createLogger('warn'),
    });
    chainer = engine.auditChainer;
    const runner = new TxRunner(orm);
    // Both consumers on the same engine and pool; only the batch size differs. Embedded: the default (off).
    const consumers = {
      single: createInboxConsumer({ orm, engine, logger: createLogger('warn'), batchSize: 1, concurrency: 16 }),
      batched: createInboxConsumer({ orm, engine, logger: createLogger('warn'), ...(embedded ? {} : { batchSize: BATCH }), ...(WINDOW_MS === undefined ? {} : { batchWindowMs: WINDOW_MS }) }),
    };
    let inbox = consumers.single;
    let seq = 0;
    let latencies: number[] = [];
    /** The same latencies by kind of turn: the command, an answer, the reflection, the submit press. */
    let byKind = new Map<string, number[]>();
    let sent = 0;
    let limit = 0;
    let thinkMs = 0;
    /**
     * Paced phase: users start at random moments over one script's length (`warmUpMs`) and only turns that
     * begin after it are counted (`measuredFrom`). Started together, 200 users stay near the same step of the
     * script, so every few seconds 200 submits arrive within half a second: a burst far above the offered
     * rate, not the steady mix of turns the paced figures are about.
     */
    let warmUpMs = 0;
    let measuredFrom = 0;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    const turn = async (userId: number, kind: IncomingEvent['kind'], payload: string, args?: string[]) => {
      // Paced phase: think between messages (uniform around the mean, so users do not move in lock-step).
      if (thinkMs > 0) await sleep(thinkMs * (0.5 + Math.random()));
      const ev: IncomingEvent = { platform: 'telegram', platformUserId: `u${userId}`, chatId: `u${userId}`, eventId: `b${++seq}`, kind, payload, ...(args ? { args } : {}) };
      const t0 = performance.now();
      // As the adapters do: store (the platform is acknowledged here), then the consumer runs the engine.
      const handled = inbox.awaitHandled('telegram', ev.eventId, 60_000);
      await inbox.store([{ platform: 'telegram', eventId: ev.eventId, orderKey: ev.chatId, payload: { event: ev } }]);
      const results = await handled;
      if (results === 'timeout') throw new Error(`event ${ev.eventId} not handled through the inbox within 60 s`);
      if (t0 < measuredFrom) return results[0];
      const ms = performance.now() - t0;
      latencies.push(ms);
      const kindOf = kind === 'command' ? `/${payload}` : kind === 'action' ? 'press' : 'text';
      // Pushed in place: copying the list on every turn made the bench's own garbage (and GC pauses) grow with the run.
      const list = byKind.get(kindOf);
      if (list) list.push(ms);
      else byKind.set(kindOf, [ms]);
      sent++;
      return results[0];
    };
    /** What the "platform" shows: read outside the timed turn, as a delivery worker would. */
    const buttonsOf = async (ids: number[]) => {
      const rows = await runner.run((tx) => tx.query<{ payload: OutgoingMessage }>(`select payload from outbox_message where id = any($1) order by id`, [ids]));
      return rows.flatMap((r) => r.payload.buttons?.flat() ?? []);
    };

    /** One employee's whole self-assessment; false when the message budget ran out first. */
    async function simulate(userId: number): Promise<boolean> {
      const script: (() => Promise<unknown>)[] = [];
      let last: number[] = [];
      script.push(async () => (last = (await turn(userId, 'command', 'penilaian')).outboxIds));
      for (let i = 0; i < ITEMS; i++) {
        script.push(async () => turn(userId, 'text', ['92,5', '20', '2'][i]));
        script.push(async () => turn(userId, 'text', 'Uraian pekerjaan yang cukup panjang untuk indikator ini.'));
        script.push(async () => turn(userId, 'text', `https://drive.example.go.id/bukti/${userId}/${i}`));
      }
      script.push(async () => (last = (await turn(userId, 'text', 'Saya menerapkan BerAKHLAK dalam pelayanan sehari-hari.')).outboxIds));
      script.push(async () => {
        const b = await buttonsOf(last);
        if (!b.length) throw new Error(`user ${userId}: the summary came without buttons`);
        await turn(userId, 'action', b[b.length - 1].token); // submit
      });
      for (const s of script) {
        if (sent >= limit) return false;
        await s();
      }
      return true;
    }

    let next = 0;
    /** Runs `atOnce` simulated users until `budget` messages were sent, with the figures of that phase. */
    async function phase(name: string, budget: number): Promise<PhaseFigures & { completed: number }> {
      sent = 0;
      limit = budget;
      latencies = [];
      byKind = new Map();
      let completed = 0;
      measuredFrom = Infinity;
      const startUsers = () => Promise.all(
        Array.from({ length: atOnce }, async () => {
          if (warmUpMs > 0) await sleep(Math.random() * warmUpMs);
          while (sent < limit && next < employeeIds.length) {
            if (await simulate(employeeIds[next++])) completed++;
          }
        }),
      );
      // Paced: the users start during the warm-up; closed loop: once the counters below are read.
      let users = warmUpMs > 0 ? startUsers() : null;
      if (warmUpMs > 0) await sleep(warmUpMs);
      const cpu0 = process.cpuUsage();
      const pg0 = await backendCpuSeconds(admin, dbName);
      const wal0 = await walBytes(adminQ);
      const lsn0 = await walLsn(adminQ);
      const writes0 = await tableWrites(dbQ);
      const rt0 = roundTrips;
      const stopProfile = profilePhase(name);
      const start = performance.now();
      measuredFrom = start;
      await (users ??= startUsers());
      const sec = (performance.now() - start) / 1000;
      const cpu = process.cpuUsage(cpu0);
      await stopProfile();
      const pg1 = await backendCpuSeconds(admin, dbName);
      const wal1 = await walBytes(adminQ);
      await walBreakdown(adminQ, lsn0, await walLsn(adminQ), sent);
      printTableWrites(writes0, await tableWrites(dbQ), sent);
      return {
        name,
        messages: sent,
        sec,
        rate: sent / sec,
        lat: summary(latencies),
        roundTrips: (roundTrips - rt0) / sent,
        walBytes: wal0 !== null && wal1 !== null ? (wal1 - wal0) / sent : null,
        nodeCpuMs: (cpu.user + cpu.system) / 1000 / sent,
        pgCpuMs: pg0 !== null && pg1 !== null ? ((pg1 - pg0) * 1000) / sent : null,
        completed,
      };
    }

    const load0 = loadavg()[0];
    const figures: PhaseFigures[] = [];
    for (const c of Object.values(consumers)) c.register('telegram', { resolve: async (payload) => [payload.event as IncomingEvent] });
    const runPhase = async (which: 'single' | 'batched', budget: number, label: string) => {
      inbox = consumers[which];
      await inbox.start();
      console.log(`${label}: ${atOnce} users at once, ${budget} messages through the inbox${thinkMs ? `, thinking ~${Math.round(thinkMs)} ms between messages, starting over ${(warmUpMs / 1000).toFixed(1)} s (not counted)` : ''}`);
      const r = await phase(label, budget);
      await inbox.stop();
      const kinds = [...byKind].map(([k, ms]) => {
        const q = summary(ms);
        return `${k} ${ms.length}: p50 ${q.p50.toFixed(0)} p99 ${q.p99.toFixed(0)}`;
      });
      r.kinds = `latency ms by turn: ${kinds.join('; ')}`;
      const s = consumers[which].stats;
      if (which === 'batched') r.note = `${s.batches} batches, ${(s.batched / Math.max(1, s.batches)).toFixed(1)} events per batch; ${engine.batchStats.inBatch} written in a batch's statement, ${engine.batchStats.alone} alone (cumulative)`;
      figures.push(r);
      return r;
    };
    const wanted: ('single' | 'batched')[] = only === 'both' ? ['single', 'batched'] : [only];
    for (const w of wanted) await runPhase(w, messages, w === 'single' ? 'single-event' : embedded ? 'embedded (default: not batched)' : 'batched');
    const capacity = figures[figures.length - 1];

    /** The baseline's unit of work: read one row by key, update it, insert one row, commit (one durable commit). */
    const minimalTransaction = (id: number) =>
      runner.run(async (tx) => {
        await tx.query(`select id, n from bench_row where id = $1`, [id]);
        await tx.exec(`update bench_row set n = n + 1 where id = $1`, [id]);
        await tx.exec(`insert into bench_log (row_id) values ($1)`, [id]);
      });

    /**
     * The machine's floor at a paced rate: minimal transactions offered exactly as the paced phase offers
     * messages (the same users, think times and warm-up). Each waits for one commit to reach the disk, as every
     * message does at least once (its store); the disk's occasional slow flushes (measured on this VM: fdatasync
     * p50 0.14 ms, p99.9 2.8 ms, up to 211 ms a few times a minute) hold up every commit in flight, so this
     * p99 is the lowest any design that commits an update before acknowledging it could show here.
     */
    async function pacedFloor(rate: number, budget: number): Promise<PhaseFigures> {
      const think = Math.max(1, (atOnce / rate) * 1000 - 2);
      const lat: number[] = [];
      let from = Infinity;
      let k = 0;
      const workers = Array.from({ length: atOnce }, async (_v, w) => {
        await sleep(Math.random() * think);
        while (lat.length < budget) {
          await sleep(think * (0.5 + Math.random()));
          const s = performance.now();
          await minimalTransaction(1 + ((k++ * 7 + w) % users));
          if (s >= from && lat.length < budget) lat.push(performance.now() - s);
        }
      });
      await sleep(think);
      const cpu0 = process.cpuUsage();
      const pg0 = await backendCpuSeconds(admin, dbName);
      const wal0 = await walBytes(adminQ);
      const rt0 = roundTrips;
      const start = performance.now();
      from = start;
      await Promise.all(workers);
      const sec = (performance.now() - start) / 1000;
      const cpu = process.cpuUsage(cpu0);
      const pg1 = await backendCpuSeconds(admin, dbName);
      const wal1 = await walBytes(adminQ);
      return {
        name: `paced floor (offered ~${rate}/s)`,
        messages: lat.length,
        sec,
        rate: lat.length / sec,
        lat: summary(lat),
        roundTrips: (roundTrips - rt0) / Math.max(1, lat.length),
        walBytes: wal0 !== null && wal1 !== null ? (wal1 - wal0) / Math.max(1, lat.length) : null,
        nodeCpuMs: (cpu.user + cpu.system) / 1000 / Math.max(1, lat.length),
        // Backends the pool closed while idle take their CPU time with them: then the figure is unknown.
        pgCpuMs: pg0 !== null && pg1 !== null && pg1 >= pg0 ? ((pg1 - pg0) * 1000) / Math.max(1, lat.length) : null,
      };
    }

    const pacedRates = embedded ? [] : (PACED_RATES ?? [Math.min(800, Math.floor(0.7 * capacity.rate))]);
    /** Per paced rate, the machine's floor measured right after the engine's paced phase (BENCH_BASELINE=0: none). */
    const floors = new Map<string, PhaseFigures>();
    for (const pacedRate of pacedRates) {
      // Each user's cycle is think + turn latency; subtract the expected latency so the offered rate holds.
      thinkMs = Math.max(1, (atOnce / pacedRate) * 1000 - 10);
      warmUpMs = PER_USER * thinkMs;
      const label = `paced ${wanted[wanted.length - 1]} (offered ~${pacedRate} msg/s)`;
      await runPhase(wanted[wanted.length - 1], PACED_MESSAGES, label);
      thinkMs = 0;
      warmUpMs = 0;
      if (process.env.BENCH_BASELINE !== '0') {
        console.log(`paced floor (offered ~${pacedRate}/s): ${PACED_MESSAGES} minimal transactions paced as the users above`);
        const floor = await pacedFloor(pacedRate, PACED_MESSAGES);
        floors.set(label, floor);
        figures.push(floor);
      }
    }

    const baseN = Math.max(...figures.map((f) => f.messages));
    console.log(`baseline: ${baseN} minimal transactions (select by key, update, insert), ${atOnce} at once, same pool`);
    const base: number[] = [];
    let done = process.env.BENCH_BASELINE === '0' ? baseN : 0;
    const bcpu0 = process.cpuUsage();
    const bpg0 = await backendCpuSeconds(admin, dbName);
    const bwal0 = await walBytes(adminQ);
    const brt0 = roundTrips;
    const t1 = performance.now();
    await Promise.all(
      Array.from({ length: atOnce }, async (_v, w) => {
        while (done < baseN) {
          const id = 1 + ((done++ * 7 + w) % users);
          const s = performance.now();
          await minimalTransaction(id);
          base.push(performance.now() - s);
        }
      }),
    );
    const baseSec = (performance.now() - t1) / 1000;
    const bcpu = process.cpuUsage(bcpu0);
    const bpg1 = await backendCpuSeconds(admin, dbName);
    const bwal1 = await walBytes(adminQ);
    const baseRate = base.length / baseSec;
    const baseline: PhaseFigures = {
      name: 'baseline',
      messages: base.length,
      sec: baseSec,
      rate: baseRate,
      lat: summary(base),
      roundTrips: (roundTrips - brt0) / Math.max(1, base.length),
      walBytes: bwal0 !== null && bwal1 !== null ? (bwal1 - bwal0) / Math.max(1, base.length) : null,
      nodeCpuMs: (bcpu.user + bcpu.system) / 1000 / Math.max(1, base.length),
      pgCpuMs: bpg0 !== null && bpg1 !== null ? ((bpg1 - bpg0) * 1000) / Math.max(1, base.length) : null,
    };

    const submitted = (await conn.execute<{ n: string }[]>(`select count(*) as n from assessment where status = 'submitted'`))[0].n;
    const outbox = (await conn.execute<{ n: string }[]>(`select count(*) as n from outbox_message`))[0].n;
    const f = (n: number | null, d = 1) => (n === null || Number.isNaN(n) ? '?' : n.toFixed(d));
    console.log('');
    console.log(`${embedded ? `embedded PGlite (${dataDir?.startsWith('memory://') ? 'in memory' : 'on disk'})` : 'PostgreSQL'}, pool ${embedded ? 4 : POOL}, batch size ${embedded ? 1 : BATCH}; per message: round trips (this process), WAL bytes (server-wide), CPU ms`);
    console.log('phase                              msg/s    p50 ms  p95 ms  p99 ms  trips  WAL B   Node ms  PG ms   time vs baseline');
    for (const r of [...figures, ...(base.length ? [baseline] : [])]) {
      console.log(
        `${r.name.padEnd(34)} ${f(r.rate).padStart(7)} ${f(r.lat.p50).padStart(8)} ${f(r.lat.p95).padStart(7)} ${f(r.lat.p99).padStart(7)} ${f(r.roundTrips, 2).padStart(6)} ${f(r.walBytes, 0).padStart(6)} ${f(r.nodeCpuMs, 2).padStart(8)} ${f(r.pgCpuMs, 2).padStart(6)}   ${f(baseRate / r.rate, 2)}`,
      );
      if (r.note) console.log(`${''.padEnd(34)} ${r.note}`);
      if (r.kinds) console.log(`${''.padEnd(34)} ${r.kinds}`);
    }
    console.log(`${submitted} self-assessments submitted, ${outbox} outbox rows, ${engine.retries} optimistic-lock re-runs`);
    // The chainer's rounds ran alongside (their cost is in the figures above); what still waits is chained now.
    await engine.auditChainer.drain();
    const chain = engine.auditChainer.stats;
    console.log(`audit: ${chain.chained} sealed entries chained after their commits in ${chain.rounds} rounds (${f(chain.chained / Math.max(1, chain.rounds), 1)} per round), ${chain.refused} refused`);
    console.log(`machine: load average ${load0.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end (above ~2 on 2 cores, other work shares the CPU and the figures are low)`);
    console.log('the p99 target is read from the paced phase: a closed loop measures queueing (users / throughput), not turn latency');
    const single = figures.find((x) => x.name === 'single-event');
    const batched = figures.find((x) => x.name === 'batched');
    // The target is read at the highest rate offered.
    const paced = figures.filter((x) => x.name.startsWith('paced') && !x.name.startsWith('paced floor')).at(-1);
    if (embedded) {
      console.log(`targets: embedded >= 180 msg/s: ${capacity.rate >= 180 ? 'met' : 'MISSED'} (${f(capacity.rate)})`);
    } else {
      const checks: string[] = [];
      if (single && batched) checks.push(`batched/single ${f(batched.rate / single.rate, 2)}x (>= 1.5: ${batched.rate >= 1.5 * single.rate ? 'met' : 'MISSED'})`);
      if (batched) checks.push(`batched ${f(batched.rate)} msg/s (>= 1300: ${batched.rate >= 1300 ? 'met' : 'MISSED'})`);
      if (batched && base.length) checks.push(`engine/baseline ${f(baseRate / batched.rate, 2)} (<= 3.0: ${baseRate / batched.rate <= 3 ? 'met' : 'MISSED'})`);
      if (paced) {
        const floor = floors.get(paced.name);
        checks.push(`paced p99 ${f(paced.lat.p99)} ms (<= 20: ${paced.lat.p99 <= 20 ? 'met' : 'MISSED'}${floor ? `; the machine's floor at that rate ${f(floor.lat.p99)} ms, engine/floor ${f(paced.lat.p99 / floor.lat.p99, 2)}` : ''})`);
      }
      console.log(`targets: ${checks.join('; ')}`);
    }
  } finally {
    await chainer?.stop();
    await orm.close(true);
    await db?.stop();
    if (dataDir && !process.env.BENCH_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    if (admin) {
      if (!process.env.BENCH_KEEP) await admin.query(`drop database if exists ${dbName} with (force)`);
      await admin.end();
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
