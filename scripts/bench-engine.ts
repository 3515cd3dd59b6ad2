/**
 * `npm run bench:engine`: simulated employees (default 200 at once, 20,000 messages in all) each doing the
 * whole self-assessment through the conversation engine on the real PostgreSQL, outbox writes included and
 * platform sends excluded. In the same run and on the same pool, a baseline of as many minimal transactions
 * (read one row by key, update it, insert one row). Prints messages/s, turn latency percentiles and the
 * engine/baseline ratio.
 *
 * A last phase sends messages as production does: each is stored in the ingress inbox, the consumer hands it
 * to the engine, and the "person" waits until it was handled (BENCH_INBOX_MESSAGES, default 6000; 0 skips).
 *
 * Options (environment): BENCH_DATABASE_URL (server; default postgres://postgres@127.0.0.1:5432/postgres),
 * BENCH_USERS_AT_ONCE (200), BENCH_MESSAGES (20000), BENCH_POOL (16).
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { systemClock } from '../src/clock.js';
import type { IncomingEvent, OutgoingMessage } from '../src/contract/index.js';
import { createEngine } from '../src/engine/engine.js';
import { createInboxConsumer } from '../src/engine/inbox-consumer.js';
import { TxRunner } from '../src/db/sql.js';
import { migrate, openOrm } from '../src/db/orm.js';
import { createLogger } from '../src/logger.js';
import { addAssessmentsBulk, addCycle, addEmployeesBulk, addUnit, linkChatsBulk, STANDARD_INDICATORS, TRIWULAN_IV_2026 } from '../test/support/seed.js';
import { capabilitiesOf } from '../src/engine/capabilities.js';
import { PLATFORM_MODULES } from '../src/platforms.js';

const SERVER = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const AT_ONCE = Number(process.env.BENCH_USERS_AT_ONCE ?? 200);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 20_000);
const POOL = Number(process.env.BENCH_POOL ?? 16);
/**
 * Second phase, for latency: users pace their messages so the offered load is this rate (0 = skip). Default:
 * 800 msg/s or 70% of the capacity just measured, whichever is lower, because a closed loop of 200 users with
 * no think time measures queueing (Little's law: latency = users / throughput), not turn latency.
 */
const PACED_RATE_SETTING = process.env.BENCH_PACED_RATE;
const PACED_MESSAGES = Number(process.env.BENCH_PACED_MESSAGES ?? 6000);
const INBOX_MESSAGES = Number(process.env.BENCH_INBOX_MESSAGES ?? 6000);
const ITEMS = 3;
/** /penilaian + 3 per item + reflection (typed at the summary) + submit (the summary's "Kirim"). */
const PER_USER = 1 + 3 * ITEMS + 2;

/**
 * CPU seconds used so far by the PostgreSQL backends serving this database (Linux /proc, same machine),
 * to show where the time goes; null when /proc cannot be read.
 */
async function backendCpuSeconds(admin: pg.Client, db: string): Promise<number | null> {
  try {
    const { rows } = await admin.query<{ pid: number }>('select pid from pg_stat_activity where datname = $1', [db]);
    let ticks = 0;
    for (const { pid } of rows) {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime + stime
    }
    return ticks / 100;
  } catch {
    return null;
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function summary(ms: number[]): { p50: number; p95: number; p99: number } {
  if (!ms.length) return { p50: NaN, p95: NaN, p99: NaN };
  const s = [...ms].sort((a, b) => a - b);
  return { p50: percentile(s, 50), p95: percentile(s, 95), p99: percentile(s, 99) };
}

async function main(): Promise<void> {
  const dbName = `kinerja_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`drop database if exists ${dbName}`);
  await admin.query(`create database ${dbName}`);
  const url = new URL(SERVER);
  url.pathname = `/${dbName}`;
  const orm = await openOrm({ url: url.toString(), poolMax: POOL });
  try {
    await migrate(orm);
    const users = Math.ceil((MESSAGES + (PACED_RATE_SETTING === '0' ? 0 : PACED_MESSAGES)) / PER_USER) + AT_ONCE;
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
    await conn.execute(`create table bench_row (id int primary key, n int not null default 0); insert into bench_row (id) select g from generate_series(1, ${users}) g`);
    await conn.execute(`create table bench_log (id bigserial primary key, row_id int not null, at timestamptz not null default now())`);
    await conn.execute('analyze');
    console.log('done');

    const employeeIds = (await conn.execute<{ id: number }[]>(`select id from employee where supervisor_id is not null order by id`)).map((r) => r.id);
    const engine = createEngine({
    capabilities: capabilitiesOf(PLATFORM_MODULES), orm, config: { REALISASI_MAX_MULTIPLE: 5, EVIDENCE_MAX_MB: 20, DRAFT_IDLE_MINUTES: 60 }, clock: systemClock, logger: createLogger('warn') });
    const runner = new TxRunner(orm);
    const inbox = createInboxConsumer({ orm, engine, logger: createLogger('warn'), concurrency: 16 });
    let viaInbox = false;
    let seq = 0;
    let latencies: number[] = [];
    let sent = 0;
    let limit = MESSAGES;
    let thinkMs = 0;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    const turn = async (userId: number, kind: IncomingEvent['kind'], payload: string, args?: string[]) => {
      // Paced phase: think between messages (uniform around the mean, so users do not move in lock-step).
      if (thinkMs > 0) await sleep(thinkMs * (0.5 + Math.random()));
      const ev: IncomingEvent = { platform: 'telegram', platformUserId: `u${userId}`, chatId: `u${userId}`, eventId: `b${++seq}`, kind, payload, ...(args ? { args } : {}) };
      const t0 = performance.now();
      let r;
      if (viaInbox) {
        // As the adapters do: store (the platform is acknowledged here), then the consumer runs the engine.
        const handled = inbox.awaitHandled('telegram', ev.eventId, 60_000);
        await inbox.store([{ platform: 'telegram', eventId: ev.eventId, orderKey: ev.chatId, payload: { event: ev } }]);
        const results = await handled;
        if (results === 'timeout') throw new Error(`event ${ev.eventId} not handled through the inbox within 60 s`);
        r = results[0];
      } else r = await engine.handle(ev);
      latencies.push(performance.now() - t0);
      sent++;
      return r;
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
    /** Runs AT_ONCE simulated users until `budget` messages were sent; returns seconds and users completed. */
    async function phase(budget: number): Promise<{ sec: number; completed: number }> {
      sent = 0;
      limit = budget;
      latencies = [];
      let completed = 0;
      const start = performance.now();
      await Promise.all(
        Array.from({ length: AT_ONCE }, async () => {
          while (sent < limit && next < employeeIds.length) {
            if (await simulate(employeeIds[next++])) completed++;
          }
        }),
      );
      return { sec: (performance.now() - start) / 1000, completed };
    }

    // Other processes on the machine skew every figure below; the load average makes such a run recognisable.
    const load0 = loadavg()[0];
    console.log(`engine: ${AT_ONCE} users at once, ${MESSAGES} messages as fast as they are answered, pool ${POOL}`);
    const cpu0 = process.cpuUsage();
    const pg0 = await backendCpuSeconds(admin, dbName);
    const capacity = await phase(MESSAGES);
    const cpu1 = process.cpuUsage(cpu0);
    const pg1 = await backendCpuSeconds(admin, dbName);
    const engineSec = capacity.sec;
    const completed = capacity.completed;
    const e = summary(latencies);
    const engineSent = sent;
    const submitted = (await conn.execute<{ n: string }[]>(`select count(*) as n from assessment where status = 'submitted'`))[0].n;
    const outbox = (await conn.execute<{ n: string }[]>(`select count(*) as n from outbox_message`))[0].n;

    let paced: { rate: number; offered: number; lat: { p50: number; p95: number; p99: number } } | null = null;
    const pacedRate = PACED_RATE_SETTING !== undefined ? Number(PACED_RATE_SETTING) : Math.min(800, Math.floor((0.7 * sent) / engineSec));
    if (pacedRate > 0) {
      // Each user's cycle is think + turn latency; subtract the expected latency so the offered rate holds.
      thinkMs = Math.max(1, (AT_ONCE / pacedRate) * 1000 - 10);
      console.log(`paced: ${AT_ONCE} users thinking ~${Math.round(thinkMs)} ms between messages (offered ~${pacedRate} msg/s), ${PACED_MESSAGES} messages`);
      const r = await phase(PACED_MESSAGES);
      paced = { rate: sent / r.sec, offered: pacedRate, lat: summary(latencies) };
      thinkMs = 0;
      sent = engineSent;
    }

    let viaInboxResult: { rate: number; lat: { p50: number; p95: number; p99: number } } | null = null;
    if (INBOX_MESSAGES > 0) {
      inbox.register('telegram', { resolve: async (payload) => [payload.event as IncomingEvent] });
      await inbox.start();
      viaInbox = true;
      console.log(`inbox: ${AT_ONCE} users at once, ${INBOX_MESSAGES} messages stored in the inbox and handled by its consumer`);
      const r = await phase(INBOX_MESSAGES);
      viaInboxResult = { rate: sent / r.sec, lat: summary(latencies) };
      viaInbox = false;
      await inbox.stop();
      sent = engineSent;
    }

    console.log(`baseline: ${sent} minimal transactions (select by key, update, insert), ${AT_ONCE} at once, same pool`);
    const base: number[] = [];
    // BENCH_BASELINE=0 skips the baseline (to profile the engine alone).
    let done = process.env.BENCH_BASELINE === '0' ? sent : 0;
    const bcpu0 = process.cpuUsage();
    const bpg0 = await backendCpuSeconds(admin, dbName);
    const t1 = performance.now();
    await Promise.all(
      Array.from({ length: AT_ONCE }, async (_v, w) => {
        while (done < sent) {
          const id = 1 + ((done++ * 7 + w) % users);
          const s = performance.now();
          await runner.run(async (tx) => {
            await tx.query(`select id, n from bench_row where id = $1`, [id]);
            await tx.exec(`update bench_row set n = n + 1 where id = $1`, [id]);
            await tx.exec(`insert into bench_log (row_id) values ($1)`, [id]);
          });
          base.push(performance.now() - s);
        }
      }),
    );
    const baseSec = (performance.now() - t1) / 1000;
    const bcpu1 = process.cpuUsage(bcpu0);
    const bpg1 = await backendCpuSeconds(admin, dbName);
    const b = summary(base);

    const engineRate = sent / engineSec;
    const baseRate = base.length / baseSec;
    const f = (n: number) => n.toFixed(1);
    console.log('');
    console.log(`engine    ${sent} messages in ${f(engineSec)} s = ${f(engineRate)} msg/s; turn latency p50 ${f(e.p50)} ms, p95 ${f(e.p95)} ms, p99 ${f(e.p99)} ms`);
    const nodeMs = ((cpu1.user + cpu1.system) / 1000 / engineSent).toFixed(2);
    const pgMs = pg0 !== null && pg1 !== null ? (((pg1 - pg0) * 1000) / engineSent).toFixed(2) : '?';
    console.log(`          CPU per message: Node ${nodeMs} ms (engine + simulated users), PostgreSQL backends ${pgMs} ms`);
    console.log(`          ${completed} self-assessments completed, ${submitted} submitted, ${outbox} outbox rows, ${engine.retries} optimistic-lock retries`);
    console.log(`baseline  ${base.length} transactions in ${f(baseSec)} s = ${f(baseRate)} tx/s; latency p50 ${f(b.p50)} ms, p95 ${f(b.p95)} ms, p99 ${f(b.p99)} ms`);
    if (base.length) {
      const bn = ((bcpu1.user + bcpu1.system) / 1000 / base.length).toFixed(2);
      const bp = bpg0 !== null && bpg1 !== null ? (((bpg1 - bpg0) * 1000) / base.length).toFixed(2) : '?';
      console.log(`          CPU per transaction: Node ${bn} ms, PostgreSQL backends ${bp} ms`);
    }
    if (viaInboxResult) {
      console.log(`inbox     ${f(viaInboxResult.rate)} msg/s through the inbox (store, consumer, engine) = ${f((100 * viaInboxResult.rate) / engineRate)}% of the direct engine; latency p50 ${f(viaInboxResult.lat.p50)} ms, p95 ${f(viaInboxResult.lat.p95)} ms, p99 ${f(viaInboxResult.lat.p99)} ms`);
    }
    if (paced) console.log(`paced     ${f(paced.rate)} msg/s achieved of ~${paced.offered} offered; turn latency p50 ${f(paced.lat.p50)} ms, p95 ${f(paced.lat.p95)} ms, p99 ${f(paced.lat.p99)} ms`);
    console.log(`          the p99 target is read from the paced phase: the closed loop above measures queueing (${AT_ONCE} users / throughput), not turn latency`);
    console.log(`machine   load average ${load0.toFixed(1)} at start, ${loadavg()[0].toFixed(1)} at end (above ~2 on 2 cores, other work shares the CPU and the figures are low)`);
    console.log(`ratio     engine/baseline time per message = ${(baseRate / engineRate).toFixed(2)} (target <= 2.5)`);
    console.log(`targets   >= 800 msg/s: ${engineRate >= 800 ? 'met' : 'MISSED'}; p99 <= 50 ms: ${(paced?.lat.p99 ?? e.p99) <= 50 ? 'met' : 'MISSED'}${paced ? ' (paced phase)' : ''}; ratio <= 2.5: ${baseRate / engineRate <= 2.5 ? 'met' : 'MISSED'}`);
  } finally {
    await orm.close(true);
    if (!process.env.BENCH_KEEP) await admin.query(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
