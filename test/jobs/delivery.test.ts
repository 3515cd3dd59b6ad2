/**
 * Delivery on the real Redis: one job per outbox row, 429 pauses the queue, permanent and transient failures,
 * the relay after a Redis flush, and order per chat. The platform is a fake HTTP API.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { HttpTestSender, startFakePlatform, type FakePlatform } from '../support/fake-platform.js';
import { createQueues, startWorkers, type Queues, type RunningWorkers } from '../../src/jobs/worker-role.js';
import { enqueueOutbox, outboxJobId, relayPendingOutbox, retryOutbox } from '../../src/jobs/delivery.js';
import { ManualClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import { sql } from '../support/seed.js';
import { databaseId } from '../../src/db/installation.js';
import { txOf } from '../../src/db/sql.js';
import { addOutbox, eventually, testConfig, uniquePrefix } from './helpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('delivery on Redis', () => {
  let db: TestDatabase;
  let platform: FakePlatform;
  let queues: Queues;
  let running: RunningWorkers;
  let em: EntityManager;
  /** This database's id: job ids are `outbox-<database>-<id>`. */
  let database: string;
  const prefix = uniquePrefix('deliv');
  const redis = new Redis(REDIS_URL);

  beforeAll(async () => {
    db = await createTestDatabase();
    em = db.orm.em.fork() as EntityManager;
    database = await databaseId(txOf(em));
    platform = await startFakePlatform();
    const config = testConfig({ REDIS_URL, DELIVERY_MAX_ATTEMPTS: '3', DATABASE_URL: db.url });
    queues = createQueues({ orm: db.orm, config, databaseUrl: db.url, prefix, backoffMs: 20 });
    running = await startWorkers({
      orm: db.orm,
      config,
      senders: new Map([['telegram', new HttpTestSender('telegram', platform.url)]]),
      clock: new ManualClock(new Date()),
      logger: createLogger('silent'),
      queues,
      schedulers: false,
      deliveryConcurrency: 5,
    });
  });
  beforeEach(() => {
    platform.setScript(undefined);
  });
  afterAll(async () => {
    await running?.stop();
    for (const q of queues?.all() ?? []) await q.obliterate({ force: true });
    await queues?.close();
    await platform?.close();
    redis.disconnect();
    await db?.close();
  });

  const row = async (id: number) => (await sql<{ status: string; last_error: string | null; attempts: number }>(em, 'select status, last_error, attempts from outbox_message where id = ?', [id]))[0];
  const sentTo = (chatId: string) => platform.received.filter((r) => r.chatId === chatId).map((r) => r.text);

  it('delivers a row once even when it is enqueued twice', async () => {
    const id = await addOutbox(em, 'c-once', 'halo');
    await queues.enqueueOutbox([id]);
    await queues.enqueueOutbox([id]);
    await eventually(async () => (await row(id)).status === 'sent', 10_000, 'row sent');
    await queues.enqueueOutbox([id]);
    await new Promise((r) => setTimeout(r, 300));
    expect(sentTo('c-once')).toEqual(['halo']);
    expect(await queues.delivery.telegram.getJobState(outboxJobId(database, id))).toBe('completed');
  });

  it("a 429 for one chat (Telegram's flood control) delays that chat only; a second chat limited meanwhile pauses the whole queue; nothing fails", async () => {
    let first = true;
    platform.setScript(({ chatId }) => {
      if (chatId === 'c-429' && first) {
        first = false;
        return { status: 429, retryAfterSec: 2 };
      }
      return { status: 200 };
    });
    const t0 = Date.now();
    const id = await addOutbox(em, 'c-429', 'sabar');
    await queues.enqueueOutbox([id]);
    await eventually(async () => platform.rejected429 > 0, 5000, 'a 429');
    // Another chat's message is not held up by one chat's limit.
    const other = await addOutbox(em, 'c-429-other', 'jalan terus');
    await queues.enqueueOutbox([other]);
    await eventually(async () => (await row(other)).status === 'sent', 5_000, 'the other chat served');
    const at = (chat: string) => platform.received.find((r) => r.chatId === chat)!.at;
    expect(at('c-429-other') - t0).toBeLessThan(1_500);
    await eventually(async () => (await row(id)).status === 'sent', 10_000, 'the limited chat served after its wait');
    expect(at('c-429') - t0).toBeGreaterThanOrEqual(1_900);
    expect(sentTo('c-429')).toEqual(['sabar']);
    expect(await queues.delivery.telegram.getJobState(outboxJobId(database, id))).toBe('completed');

    // Two chats limited within the wait: the limit is the bot's, so the whole queue pauses.
    const limited = new Set(['c-429-a', 'c-429-b']);
    platform.setScript(({ chatId }) => {
      if (limited.has(chatId)) {
        limited.delete(chatId);
        return { status: 429, retryAfterSec: 1 };
      }
      return { status: 200 };
    });
    const t1 = Date.now();
    const a = await addOutbox(em, 'c-429-a', 'satu');
    await queues.enqueueOutbox([a]);
    await eventually(async () => limited.size === 1, 5000, 'the first 429');
    const b = await addOutbox(em, 'c-429-b', 'dua');
    await queues.enqueueOutbox([b]);
    await eventually(async () => limited.size === 0, 5000, 'the second 429');
    const bystander = await addOutbox(em, 'c-429-c', 'tiga');
    await queues.enqueueOutbox([bystander]);
    await eventually(async () => (await row(bystander)).status === 'sent' && (await row(a)).status === 'sent' && (await row(b)).status === 'sent', 10_000, 'all sent');
    expect(platform.received.find((r) => r.chatId === 'c-429-c')!.at - t1).toBeGreaterThanOrEqual(900);
  });

  it('a permanent error marks the row failed with the platform reason, without retrying', async () => {
    platform.setScript(({ chatId }) => (chatId === 'c-blocked' ? { status: 403, description: 'Forbidden: bot was blocked by the user' } : { status: 200 }));
    const id = await addOutbox(em, 'c-blocked', 'halo');
    await queues.enqueueOutbox([id]);
    const r = await eventually(async () => {
      const x = await row(id);
      return x.status === 'failed' ? x : undefined;
    });
    expect(r.last_error).toBe('Forbidden: bot was blocked by the user');
    expect(r.attempts).toBe(1);
  });

  it('a transient error is retried with back-off, then the row is dead with the reason', async () => {
    platform.setScript(({ chatId }) => (chatId === 'c-down' ? { status: 500 } : { status: 200 }));
    const id = await addOutbox(em, 'c-down', 'halo');
    await queues.enqueueOutbox([id]);
    const r = await eventually(async () => {
      const x = await row(id);
      return x.status === 'dead' ? x : undefined;
    });
    expect(r.attempts).toBe(3);
    expect(r.last_error).toContain('gave up after 3 attempts');
    expect(platform.requests).toBeGreaterThanOrEqual(3);
  });

  it('`kinerja outbox retry` sends a dead message again once the platform answers, with a fresh give-up clock', async () => {
    platform.setScript(({ chatId }) => (chatId === 'c-redrive' ? { status: 500 } : { status: 200 }));
    const id = await addOutbox(em, 'c-redrive', 'halo lagi');
    await queues.enqueueOutbox([id]);
    await eventually(async () => ((await row(id)).status === 'dead' ? true : undefined));
    platform.setScript(undefined);
    // Every dead row is re-driven (the earlier test's too); a since date narrows it.
    expect(await retryOutbox(em, queues.delivery, { dead: true, since: new Date(Date.now() + 60_000) })).toBe(0);
    expect(await retryOutbox(em, queues.delivery, { dead: true })).toBeGreaterThanOrEqual(1);
    const r = await eventually(async () => {
      const x = await row(id);
      return x.status === 'sent' ? x : undefined;
    });
    expect(r.attempts).toBe(1);
    expect(sentTo('c-redrive')).toEqual(['halo lagi']);
  });

  it('a transient error that clears is delivered on a retry', async () => {
    let fails = 1;
    platform.setScript(({ chatId }) => (chatId === 'c-flaky' && fails-- > 0 ? { status: 500 } : { status: 200 }));
    const id = await addOutbox(em, 'c-flaky', 'lagi');
    await queues.enqueueOutbox([id]);
    await eventually(async () => (await row(id)).status === 'sent');
    expect((await row(id)).attempts).toBe(2);
    expect(sentTo('c-flaky')).toEqual(['lagi']);
  });

  it('messages to one chat arrive in outbox order even when the first one is retried', async () => {
    let fails = 2;
    platform.setScript(({ chatId, text }) => (chatId === 'c-order' && text === 'satu' && fails-- > 0 ? { status: 500 } : { status: 200 }));
    const ids = [];
    for (const text of ['satu', 'dua', 'tiga', 'empat']) ids.push(await addOutbox(em, 'c-order', text));
    await queues.enqueueOutbox([...ids].reverse());
    await eventually(async () => sentTo('c-order').length === 4, 15_000, 'four messages');
    expect(sentTo('c-order')).toEqual(['satu', 'dua', 'tiga', 'empat']);
  });

  it('a message enqueued asleep behind two older ones that are sent before its job exists still goes out at once, not after the 30 s safety net', { timeout: 20_000 }, async () => {
    const [first, second, third] = [await addOutbox(em, 'c-race', 'pertama'), await addOutbox(em, 'c-race', 'kedua'), await addOutbox(em, 'c-race', 'ketiga')];
    await queues.enqueueOutbox([first, second]);
    // The race, forced: the third row's place in line is read (two rows ahead: it is to sleep 30 s and be woken
    // by the second), then its job is added only after both rows ahead were sent and their wake-ups had looked.
    const real = queues.delivery.telegram;
    const late = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop !== 'addBulk') return Reflect.get(target, prop, receiver);
        return async (...args: Parameters<typeof real.addBulk>) => {
          await eventually(async () => (await row(second)).status === 'sent', 10_000, 'the rows ahead sent');
          await new Promise((r) => setTimeout(r, 300));
          return target.addBulk(...args);
        };
      },
    });
    const started = Date.now();
    await enqueueOutbox(em, { ...queues.delivery, telegram: late }, [third]);
    await eventually(async () => sentTo('c-race').length === 3, 5_000, 'the third message without the 30 s wait');
    expect(sentTo('c-race')).toEqual(['pertama', 'kedua', 'ketiga']);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("one chat's backlog sleeps instead of queueing in front: another chat's message goes first, the backlog follows in order at the per-chat pace", { timeout: 40_000 }, async () => {
    const backlog: number[] = [];
    for (let i = 1; i <= 10; i++) backlog.push(await addOutbox(em, 'c-backlog', `antre ${i}`));
    const bystander = await addOutbox(em, 'c-bystander', 'jawaban untuk orang lain');
    await queues.enqueueOutbox([...backlog, bystander]);
    // Only the head of the backlog is due; the rest wait asleep (no worker or limiter slot spent on them).
    const states = await Promise.all(backlog.map((id) => queues.delivery.telegram.getJobState(outboxJobId(database, id))));
    expect(states.slice(1).every((s) => s === 'delayed')).toBe(true);
    await eventually(async () => sentTo('c-bystander').length === 1, 10_000, "the bystander's message");
    const received = platform.received.filter((r) => r.chatId === 'c-backlog' || r.chatId === 'c-bystander');
    const bystanderAt = received.findIndex((r) => r.chatId === 'c-bystander');
    expect(bystanderAt).toBeLessThan(3); // not behind the backlog
    // Each row is woken by the one before it (not by the 30 s safety net), and the whole backlog arrives in order.
    await eventually(async () => sentTo('c-backlog').length === 10, 25_000, 'the backlog');
    expect(sentTo('c-backlog')).toEqual(backlog.map((_, i) => `antre ${i + 1}`));
    // While more than CHAT_BURST rows waited behind, the chat was served at about one message a second.
    const at = platform.received.filter((r) => r.chatId === 'c-backlog').map((r) => r.at);
    const paced = at.slice(1, 5).map((t, i) => t - at[i]);
    expect(Math.min(...paced)).toBeGreaterThanOrEqual(900);
  });

  it('the relay re-enqueues a pending row whose job was lost in a Redis flush', async () => {
    const worker = running.workers[0];
    await worker.pause();
    const id = await addOutbox(em, 'c-relay', 'masih ada', { createdAt: new Date(Date.now() - 5 * 60_000) });
    await queues.enqueueOutbox([id]);
    expect(await queues.delivery.telegram.getJobState(outboxJobId(database, id))).toBe('waiting');
    // Flush this test's keys only (the Redis is shared with parallel test files).
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
    expect(await queues.delivery.telegram.getJobState(outboxJobId(database, id))).toBe('unknown');
    worker.resume();
    const relayed = await relayPendingOutbox(em, queues.delivery, { clock: new ManualClock(new Date()), graceMs: 60_000 });
    expect(relayed.reenqueued).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await row(id)).status === 'sent', 10_000, 'relayed row sent');
    expect(sentTo('c-relay')).toEqual(['masih ada']);
  });
});
