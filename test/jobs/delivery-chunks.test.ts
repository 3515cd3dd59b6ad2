/**
 * Chunk jobs on the real Redis: the reminder sweep's batches go out several rows of different chats a job
 * (`enqueueOutboxBatch`). Every message still arrives once, in its chat's order, counted one by one by the
 * platform's limiter; a row that fails goes on alone under the single-row rules; the relay leaves the rows of
 * a live chunk alone. The platform is a fake HTTP API.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { HttpTestSender, startFakePlatform, type FakePlatform } from '../support/fake-platform.js';
import { createQueues, startWorkers, type Queues, type RunningWorkers } from '../../src/jobs/worker-role.js';
import { DELIVERY_CHUNK_JOB, DELIVERY_CHUNK_ROWS, relayPendingOutbox } from '../../src/jobs/delivery.js';
import { ManualClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import { addAssessmentsBulk, addCycle, addEmployeesBulk, addUnit, linkChatsBulk, sql } from '../support/seed.js';
import { sweepDueReminders } from '../../src/jobs/reminder-sweep.js';
import { pendingOutbox, type PendingOutboxRow } from '../../src/db/outbox.js';
import { txOf } from '../../src/db/sql.js';
import { addOutbox, eventually, testConfig, uniquePrefix } from './helpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** The limiter of the workers below: few enough messages a second that a chunk cannot hide inside one slot. */
const RATE = 20;

/** Delivery workers for Telegram against the fake platform at `platformUrl`, limited to RATE messages a second. */
function telegramWorkers(db: TestDatabase, config: ReturnType<typeof testConfig>, queues: Queues, platformUrl: string, senderName?: string): Promise<RunningWorkers> {
  return startWorkers({
    orm: db.orm,
    config,
    senders: new Map([['telegram', new HttpTestSender('telegram', platformUrl, senderName)]]),
    clock: new ManualClock(new Date()),
    logger: createLogger('silent'),
    queues,
    schedulers: false,
    deliveryConcurrency: 8,
    ratePerSec: { telegram: RATE },
  });
}

/** Whether every row of `ids` is marked sent. */
async function allSentIn(em: EntityManager, ids: number[]): Promise<boolean> {
  return Number((await sql<{ n: string }>(em, `select count(*) as n from outbox_message where id in (${ids.join(',')}) and status = 'sent'`))[0].n) === ids.length;
}

describe('chunk jobs on Redis', () => {
  let db: TestDatabase;
  let platform: FakePlatform;
  let queues: Queues;
  let running: RunningWorkers;
  let em: EntityManager;

  beforeAll(async () => {
    db = await createTestDatabase();
    em = db.orm.em.fork() as EntityManager;
    platform = await startFakePlatform();
    const config = testConfig({ REDIS_URL, DELIVERY_MAX_ATTEMPTS: '3', DATABASE_URL: db.url });
    queues = createQueues({ orm: db.orm, config, databaseUrl: db.url, prefix: uniquePrefix('chunk'), backoffMs: 20 });
    running = await telegramWorkers(db, config, queues, platform.url);
  });
  beforeEach(() => {
    platform.setScript(undefined);
  });
  afterAll(async () => {
    await running?.stop();
    for (const q of queues?.all() ?? []) await q.obliterate({ force: true });
    await queues?.close();
    await platform?.close();
    await db?.close();
  });

  const status = async (id: number) => (await sql<{ status: string; last_error: string | null }>(em, 'select status, last_error from outbox_message where id = ?', [id]))[0];
  const allSent = (ids: number[]) => allSentIn(em, ids);
  const sentTo = (chatId: string) => platform.received.filter((r) => r.chatId === chatId).map((r) => r.text);
  /** As the sweep hands over a batch: the rows as `pendingOutbox` reads them. */
  const enqueueBatch = async (ids: number[]) => queues.enqueueOutboxBatch(await pendingOutbox(txOf(em), ids));
  const chunkJobs = async () => (await queues.delivery.telegram.getJobs(['completed', 'failed'])).filter((j) => j?.name === DELIVERY_CHUNK_JOB);

  it("every message of a batch arrives once and in its chat's order, with far fewer jobs than messages", { timeout: 30_000 }, async () => {
    const ids: number[] = [];
    // A chat with three messages: the later two wait for the first (they are not in a chunk).
    for (const text of ['satu', 'dua', 'tiga']) ids.push(await addOutbox(em, 'c-line', text));
    for (let i = 0; i < 36; i++) ids.push(await addOutbox(em, `c-batch-${i}`, `pesan ${i}`));
    const before = (await chunkJobs()).length;
    expect(await enqueueBatch(ids)).toBe(ids.length);
    await eventually(() => allSent(ids), 20_000, 'every row sent');
    expect(sentTo('c-line')).toEqual(['satu', 'dua', 'tiga']);
    for (let i = 0; i < 36; i++) expect(sentTo(`c-batch-${i}`)).toEqual([`pesan ${i}`]);
    // 37 rows with nothing older pending in their chat: three chunk jobs instead of 37 jobs.
    expect((await chunkJobs()).length - before).toBe(Math.ceil(37 / DELIVERY_CHUNK_ROWS));
  });

  it('a swept reminder to a chat whose older message is still pending arrives after it; the rest of the batch goes in chunks', { timeout: 30_000 }, async () => {
    const NOW = new Date('2025-03-05T03:00:00Z');
    const unit = await addUnit(em, 'SAPU');
    await addEmployeesBulk(em, { count: 20, nipPrefix: '77', unitIds: [unit] });
    await linkChatsBulk(em, { platform: 'telegram', userPrefix: 'sapu-', chatPrefix: 'sapu-' });
    const cycle = await addCycle(em, { name: 'Sapu', selfDeadline: '2025-03-14', reviewDeadline: '2025-03-28' });
    await addAssessmentsBulk(em, cycle);
    await sql(
      em,
      `insert into reminder (assessment_id, recipient_id, audience, kind, due_at, local_date, status) select a.id, a.employee_id, 'employee', 'self:h_minus_7', ?, '2025-03-05', 'pending' from assessment a where a.cycle_id = ?`,
      [NOW, cycle],
    );
    const [first] = await sql<{ id: number }>(em, 'select id from employee where unit_id = ? order by id limit 1', [unit]);
    const older = await addOutbox(em, `sapu-${first.id}`, 'pesan lama');
    const written: PendingOutboxRow[] = [];
    const chunksBefore = (await chunkJobs()).length;
    await sweepDueReminders(db.orm.em.fork() as EntityManager, {
      clock: new ManualClock(NOW),
      config: testConfig(),
      onBatch: async (_ids, rows) => {
        written.push(...rows);
        await queues.enqueueOutboxBatch(rows);
      },
    });
    // The write itself told the queues where each message stands in its chat's line.
    expect(written).toHaveLength(20);
    expect(written.filter((w) => w.ahead > 0)).toHaveLength(1);
    await enqueueBatch([older]);
    await eventually(() => allSent([older, ...written.map((w) => w.id)]), 20_000, 'every row sent');
    const toFirst = sentTo(`sapu-${first.id}`);
    expect(toFirst).toHaveLength(2);
    expect(toFirst[0]).toBe('pesan lama');
    expect((await chunkJobs()).length - chunksBefore).toBe(Math.ceil(19 / DELIVERY_CHUNK_ROWS));
  });

  it("the platform's limiter counts each message of a chunk, not each job", { timeout: 30_000 }, async () => {
    const ids: number[] = [];
    for (let i = 0; i < 3 * RATE + 10; i++) ids.push(await addOutbox(em, `c-rate-${i}`, `kabar ${i}`));
    const from = platform.received.length;
    await enqueueBatch(ids);
    await eventually(() => allSent(ids), 20_000, 'every row sent');
    const at = platform.received.slice(from).map((r) => r.at);
    // 70 messages at 20 a second need four windows of the limiter, the first perhaps already half used by the
    // test before: two whole windows at least lie between the first and the last (five chunk jobs counted as
    // five would all go in one window).
    expect(at.length).toBe(ids.length);
    expect(Math.max(...at) - Math.min(...at)).toBeGreaterThanOrEqual(1_900);
  });

  it('a row of a chunk that fails goes on alone: blocked is failed with the reason, a 5xx is retried and sent', { timeout: 30_000 }, async () => {
    let flaky = true;
    platform.setScript(({ chatId }) => {
      if (chatId === 'c-chunk-blocked') return { status: 403, description: 'Forbidden: bot was blocked by the user' };
      if (chatId === 'c-chunk-flaky' && flaky) {
        flaky = false;
        return { status: 500 };
      }
      return { status: 200 };
    });
    const blocked = await addOutbox(em, 'c-chunk-blocked', 'halo');
    const flakyId = await addOutbox(em, 'c-chunk-flaky', 'coba lagi');
    const fine = await addOutbox(em, 'c-chunk-fine', 'lancar');
    await enqueueBatch([blocked, flakyId, fine]);
    await eventually(async () => (await status(blocked)).status === 'failed' && (await allSent([flakyId, fine])), 15_000, 'settled');
    expect((await status(blocked)).last_error).toBe('Forbidden: bot was blocked by the user');
    expect(sentTo('c-chunk-flaky')).toEqual(['coba lagi']);
    expect(sentTo('c-chunk-fine')).toEqual(['lancar']);
    expect(sentTo('c-chunk-blocked')).toEqual([]);
  });
});

describe("the platform's limiter over a rolling window", () => {
  let db: TestDatabase;
  let platform: FakePlatform;
  let queues: Queues;
  const running: RunningWorkers[] = [];
  let em: EntityManager;

  beforeAll(async () => {
    db = await createTestDatabase();
    em = db.orm.em.fork() as EntityManager;
    // The platform allows exactly the limiter's rate: a token bucket of RATE a second with a one-second burst.
    platform = await startFakePlatform({ ratePerSec: RATE });
    const config = testConfig({ REDIS_URL, DELIVERY_MAX_ATTEMPTS: '3', DATABASE_URL: db.url });
    queues = createQueues({ orm: db.orm, config, databaseUrl: db.url, prefix: uniquePrefix('window'), backoffMs: 20 });
    // Two workers on one queue, each with its own messages in flight, as two processes would be.
    for (const name of ['w1', 'w2']) running.push(await telegramWorkers(db, config, queues, platform.url, name));
  });
  afterAll(async () => {
    for (const r of running) await r.stop();
    for (const q of queues?.all() ?? []) await q.obliterate({ force: true });
    await queues?.close();
    await platform?.close();
    await db?.close();
  });

  const allSent = (ids: number[]) => allSentIn(em, ids);
  /** The most messages the platform accepted within any `windowMs` (from each acceptance on). */
  const mostWithin = (times: number[], windowMs: number): number => {
    const at = [...times].sort((a, b) => a - b);
    let most = 0;
    for (let i = 0, j = 0; i < at.length; i++) {
      while (j < at.length && at[j]! - at[i]! < windowMs) j++;
      most = Math.max(most, j - i);
    }
    return most;
  };

  it('never lets more than the limit through in any rolling second, even when a window opened before the batch came', { timeout: 30_000 }, async () => {
    // One message opens a window of the limiter; the batch comes in that window's last part. Fixed windows let
    // the rest of that window's slots go at once and the next window's whole share right after it: nearly
    // twice the limit within a second, which the platform answers with 429s.
    const first = await addOutbox(em, 'c-window-first', 'pembuka');
    await queues.enqueueOutbox([first]);
    await eventually(() => allSent([first]), 10_000, 'the first message sent');
    await new Promise((r) => setTimeout(r, 600));
    const ids: number[] = [];
    for (let i = 0; i < 3 * RATE + 10; i++) ids.push(await addOutbox(em, `c-window-${i}`, `kabar ${i}`));
    await queues.enqueueOutboxBatch(await pendingOutbox(txOf(em), ids));
    await eventually(() => allSent(ids), 20_000, 'every row sent');
    const at = platform.received.map((r) => r.at);
    expect(at).toHaveLength(ids.length + 1);
    // No allowance for the time a send takes: the limiter counts a send from its answer (Redis's clock, this
    // machine's), which comes after the platform took it (Date.now(), the same clock).
    expect(mostWithin(at, 1000)).toBeLessThanOrEqual(RATE);
    expect(platform.rejected429).toBe(0);
    // And the batch still went at the limiter's pace: 71 messages at 20 a second take more than three seconds.
    expect(Math.max(...at) - Math.min(...at)).toBeGreaterThanOrEqual(3_000);
  });
});

describe('the relay and chunk jobs', () => {
  let db: TestDatabase;
  let queues: Queues;
  let em: EntityManager;

  beforeAll(async () => {
    db = await createTestDatabase();
    em = db.orm.em.fork() as EntityManager;
    // No worker: the chunk job stays waiting.
    queues = createQueues({ orm: db.orm, config: testConfig({ REDIS_URL, DATABASE_URL: db.url }), databaseUrl: db.url, prefix: uniquePrefix('chunkrelay') });
  });
  afterAll(async () => {
    for (const q of queues?.all() ?? []) await q.obliterate({ force: true });
    await queues?.close();
    await db?.close();
  });

  const enqueueBatch = async (ids: number[]) => queues.enqueueOutboxBatch(await pendingOutbox(txOf(em), ids));

  it('leaves the rows of a waiting chunk alone, and re-enqueues them once the chunk is lost', async () => {
    const old = new Date(Date.now() - 5 * 60_000);
    const ids = [await addOutbox(em, 'c-r1', 'a', { createdAt: old }), await addOutbox(em, 'c-r2', 'b', { createdAt: old }), await addOutbox(em, 'c-r3', 'c', { createdAt: old })];
    await enqueueBatch(ids);
    const clock = new ManualClock(new Date());
    expect(await relayPendingOutbox(em, queues.delivery, { clock, graceMs: 60_000 })).toEqual({ candidates: 3, reenqueued: 0 });
    // A flushed Redis: the chunk is gone, so each row gets its own job.
    await queues.delivery.telegram.obliterate({ force: true });
    expect(await relayPendingOutbox(em, queues.delivery, { clock, graceMs: 60_000 })).toEqual({ candidates: 3, reenqueued: 3 });
    const jobs = await queues.delivery.telegram.getJobs(['waiting']);
    expect(jobs.map((j) => j.data.outboxId).sort((a, b) => a - b)).toEqual(ids);
    expect(jobs.every((j) => j.name === 'deliver')).toBe(true);
  });
});
