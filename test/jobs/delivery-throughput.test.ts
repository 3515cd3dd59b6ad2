/**
 * The pieces that keep delivery fast at benchmark scale: concurrent deliveries share their "sent" UPDATE
 * (SentRecorder), the sweep's batches are enqueued behind it (enqueueBehind), one enqueue call takes any
 * number of rows, the per-chat order check reads the partial index of pending rows, and the fake platform
 * counts duplicates without keeping message bodies. Real PostgreSQL and Redis; the platform is a local HTTP fake.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { HttpTestSender, startFakePlatform, type FakePlatform } from '../support/fake-platform.js';
import { deliverOutboxRow, SentRecorder } from '../../src/jobs/deliver-row.js';
import { createQueues, type Queues } from '../../src/jobs/worker-role.js';
import { enqueueBehind, outboxJobId } from '../../src/jobs/delivery.js';
import { sql } from '../support/seed.js';
import { databaseId } from '../../src/db/installation.js';
import { txOf, TxRunner } from '../../src/db/sql.js';
import { addOutbox, testConfig, uniquePrefix } from './helpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('delivery throughput pieces', () => {
  let db: TestDatabase;
  let em: EntityManager;
  /** This database's id: job ids are `outbox-<database>-<id>`. */
  let database: string;
  let platform: FakePlatform;
  let queues: Queues;

  beforeAll(async () => {
    db = await createTestDatabase();
    em = db.orm.em.fork() as EntityManager;
    database = await databaseId(txOf(em));
    platform = await startFakePlatform({ keepMessages: false });
    const config = testConfig({ REDIS_URL, DATABASE_URL: db.url });
    queues = createQueues({ orm: db.orm, config, databaseUrl: db.url, prefix: uniquePrefix('thru') });
  });
  afterAll(async () => {
    for (const q of queues?.all() ?? []) await q.obliterate({ force: true });
    await queues?.close();
    await platform?.close();
    await db?.close();
  });

  // The delivery worker reads through a prepared statement (`prepared`); other callers do not.
  it.each([
    ['unprepared', false],
    ['prepared', true],
  ])('concurrent deliveries sharing one SentRecorder each end with their own row sent and its own message ref (%s)', async (name, withPrepared) => {
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push(await addOutbox(em, `rec-${name}-${i}`, `pesan ${i}`));
    const prepared = withPrepared ? new TxRunner(db.orm) : undefined;
    const recorder = new SentRecorder(db.orm.em.fork() as EntityManager);
    const senders = new Map([['telegram', new HttpTestSender('telegram', platform.url)]]);
    const outcomes = await Promise.all(ids.map((id) => deliverOutboxRow(db.orm.em.fork() as EntityManager, senders, id, { keepChatOrder: true, sentRecorder: recorder, prepared })));
    expect(outcomes.every((o) => o.status === 'sent')).toBe(true);
    const rows = await sql<{ id: string; status: string; ref: string; attempts: number }>(
      em,
      'select id, status, platform_message_ref as ref, attempts from outbox_message where id = any(?::bigint[]) order by id',
      [`{${ids.join(',')}}`],
    );
    expect(rows.map((r) => r.status)).toEqual(ids.map(() => 'sent'));
    expect(rows.map((r) => r.attempts)).toEqual(ids.map(() => 1));
    // Each row holds the ref its own delivery returned, not a neighbour's from the same batch.
    const refOf = new Map(outcomes.map((o, i) => [ids[i], o.status === 'sent' ? o.platformMessageRef : '']));
    for (const r of rows) expect(r.ref).toBe(refOf.get(Number(r.id)));
    expect(new Set(rows.map((r) => r.ref)).size).toBe(ids.length);
    // A second delivery of a recorded row sends nothing.
    const before = platform.accepted;
    expect((await deliverOutboxRow(em, senders, ids[0], { sentRecorder: recorder, prepared })).status).toBe('skipped');
    expect(platform.accepted).toBe(before);
  });

  it('a partial index of pending rows per chat backs the order check, which holds a newer row back', async () => {
    const rows = await sql<{ indexdef: string }>(em, `select indexdef from pg_indexes where indexname = 'outbox_message_pending_chat_index'`);
    expect(rows[0]?.indexdef).toMatch(/WHERE \(\(?status\)?::text = 'pending'::text\)|WHERE \(status = 'pending'/);
    const held = await addOutbox(em, 'order-chat', 'pertama');
    const next = await addOutbox(em, 'order-chat', 'kedua');
    const senders = new Map([['telegram', new HttpTestSender('telegram', platform.url)]]);
    expect(await deliverOutboxRow(em, senders, next, { keepChatOrder: true })).toEqual({ status: 'waiting', reason: 'older_message_pending', ahead: 1 });
    // The sent row names the one waiting behind it, so the worker can wake it at once.
    expect(await deliverOutboxRow(em, senders, held, { keepChatOrder: true })).toMatchObject({ status: 'sent', line: { next, behind: 1 } });
    expect((await deliverOutboxRow(em, senders, next, { keepChatOrder: true })).status).toBe('sent');
  });

  it('the prepared read (the worker\'s) holds a newer row back too, and names the next row once the first is sent', async () => {
    const prepared = new TxRunner(db.orm);
    const held = await addOutbox(em, 'order-chat-prepared', 'pertama');
    const next = await addOutbox(em, 'order-chat-prepared', 'kedua');
    const senders = new Map([['telegram', new HttpTestSender('telegram', platform.url)]]);
    // More deliveries than PostgreSQL's custom plans (five) before it may switch a prepared statement to its generic plan.
    for (let i = 0; i < 7; i++) expect(await deliverOutboxRow(em, senders, next, { keepChatOrder: true, prepared })).toEqual({ status: 'waiting', reason: 'older_message_pending', ahead: 1 });
    expect(await deliverOutboxRow(em, senders, held, { keepChatOrder: true, prepared })).toMatchObject({ status: 'sent', line: { next, behind: 1 } });
    expect((await deliverOutboxRow(em, senders, next, { keepChatOrder: true, prepared })).status).toBe('sent');
  });

  it('one enqueue call takes thousands of rows: one job each, pending rows only', async () => {
    const values = Array.from({ length: 2500 }, (_, i) => `('telegram', 'bulk-${i}', '{"text":"x"}', 'bulk:${i}', 'pending', 0, now())`).join(',');
    const inserted = await sql<{ id: string }>(
      em,
      `insert into outbox_message (platform, chat_id, payload, dedupe_key, status, attempts, created_at) values ${values} returning id`,
    );
    const ids = inserted.map((r) => Number(r.id));
    await sql(em, `update outbox_message set status = 'sent' where id = ?`, [ids[7]]);
    // An id given twice (or unknown) is still one job (or none).
    expect(await queues.enqueueOutbox([...ids, ids[3], ids[2499], 999_999_999])).toBe(2499);
    expect(await queues.delivery.telegram.getJobState(outboxJobId(database, ids[0]))).toBe('waiting');
    expect(await queues.delivery.telegram.getJobState(outboxJobId(database, ids[2499]))).toBe('waiting');
    expect(await queues.delivery.telegram.getJobState(outboxJobId(database, ids[7]))).toBe('unknown');
    expect(await queues.delivery.telegram.getWaitingCount()).toBe(2499);
    await queues.delivery.telegram.obliterate({ force: true });
  });

  it('enqueueBehind lets the producer go on while one batch is enqueued, keeps order, and reports a failure', async () => {
    const started: number[][] = [];
    let release: () => void = () => undefined;
    const enqueuer = enqueueBehind(async (ids) => {
      started.push([...ids]);
      await new Promise<void>((r) => (release = r));
      return ids.length;
    });
    await enqueuer.onBatch([1, 2]);
    // The first batch is still being enqueued, yet the producer was not held up.
    expect(started).toEqual([[1, 2]]);
    const second = enqueuer.onBatch([3]);
    // The second waits for the first (one in flight at a time), then starts.
    expect(started).toHaveLength(1);
    release();
    await second;
    expect(started).toEqual([[1, 2], [3]]);
    release();
    expect(await enqueuer.flush()).toBe(3);

    // Several producers at once (the sweep's lanes): one enqueue at a time, in the order handed over, every row counted once.
    const order: number[][] = [];
    const shared = enqueueBehind(async (ids) => {
      order.push([...ids]);
      await new Promise((r) => setTimeout(r, 5));
      return ids.length;
    });
    let running = 0;
    let most = 0;
    const counting = enqueueBehind(async (ids) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 2));
      running--;
      return ids.length;
    });
    await Promise.all([shared.onBatch([1]), shared.onBatch([2, 3]), shared.onBatch([4])].concat([counting.onBatch([1]), counting.onBatch([2]), counting.onBatch([3])]));
    await Promise.all([shared.onBatch([5, 6]), shared.onBatch([7])]);
    expect(await shared.flush()).toBe(7);
    expect(order).toEqual([[1], [2, 3], [4], [5, 6], [7]]);
    expect(await counting.flush()).toBe(3);
    expect(most).toBe(1);

    const failing = enqueueBehind(async (ids) => {
      if (ids.includes(13)) throw new Error('Redis went away');
      return ids.length;
    });
    await failing.onBatch([13]);
    await expect(failing.flush()).rejects.toThrow('Redis went away');
  });

  it('the fake platform counts duplicates without keeping messages', async () => {
    const quiet = await startFakePlatform({ keepMessages: false });
    try {
      const sender = new HttpTestSender('telegram', quiet.url);
      for (const text of ['a', 'b', 'a']) await sender.deliver({ platform: 'telegram', chatId: 'dup' }, { text });
      await sender.deliver({ platform: 'telegram', chatId: 'other' }, { text: 'a' });
      sender.close();
      expect({ accepted: quiet.accepted, distinct: quiet.distinct, duplicates: quiet.duplicates }).toEqual({ accepted: 4, distinct: 3, duplicates: 1 });
      expect(quiet.received).toEqual([]);
      expect(quiet.lastAcceptedAt).toBeGreaterThanOrEqual(quiet.firstAcceptedAt);
    } finally {
      await quiet.close();
    }
  });
});
