/**
 * A database dropped and created again (a reset, a fresh test environment) against the same Redis: outbox ids
 * start again at 1, and the old database's completed jobs are still in Redis (kept an hour). Job ids are
 * namespaced by the database's own id (table `installation`), so the new rows are delivered at once instead
 * of being taken for completed jobs and left to the relay a minute or more later.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { HttpTestSender, startFakePlatform, type FakePlatform } from '../support/fake-platform.js';
import { createQueues, startWorkers, type Queues, type RunningWorkers } from '../../src/jobs/worker-role.js';
import { outboxJobId } from '../../src/jobs/delivery.js';
import { databaseId } from '../../src/db/installation.js';
import { txOf } from '../../src/db/sql.js';
import { ManualClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import { sql } from '../support/seed.js';
import { addOutbox, eventually, testConfig, uniquePrefix } from './helpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('a recreated database against the same Redis', () => {
  const prefix = uniquePrefix('reset');
  let platform: FakePlatform;
  const open: { db: TestDatabase; queues: Queues; running: RunningWorkers }[] = [];

  afterAll(async () => {
    for (const o of open) {
      await o.running.stop().catch(() => undefined);
      for (const q of o.queues.all()) await q.obliterate({ force: true }).catch(() => undefined);
      await o.queues.close().catch(() => undefined);
      await o.db.close();
    }
    await platform?.close();
  });

  /** A fresh database with workers on the shared prefix. */
  async function boot() {
    const db = await createTestDatabase();
    const config = testConfig({ REDIS_URL, DATABASE_URL: db.url });
    const queues = createQueues({ orm: db.orm, config, databaseUrl: db.url, prefix });
    const running = await startWorkers({
      orm: db.orm,
      config,
      senders: new Map([['telegram', new HttpTestSender('telegram', platform.url)]]),
      clock: new ManualClock(new Date()),
      logger: createLogger('silent'),
      queues,
      schedulers: false,
      chatIntervalMs: 0,
    });
    const entry = { db, queues, running };
    open.push(entry);
    return { ...entry, em: db.orm.em.fork() as EntityManager };
  }

  const status = async (em: EntityManager, id: number) => (await sql<{ status: string }>(em, 'select status from outbox_message where id = ?', [id]))[0]?.status;

  it('delivers the new database\'s rows promptly although their ids equal the old rows\' completed jobs', { timeout: 30_000 }, async () => {
    platform = await startFakePlatform();
    const first = await boot();
    const oldIds: number[] = [];
    for (let i = 0; i < 3; i++) oldIds.push(await addOutbox(first.em, `chat-${i}`, `lama ${i}`));
    await first.queues.enqueueOutbox(oldIds);
    for (const id of oldIds) await eventually(async () => (await status(first.em, id)) === 'sent', 10_000, 'the old rows sent');
    const oldDatabase = await databaseId(txOf(first.em));
    for (const id of oldIds) expect(await first.queues.delivery.telegram.getJobState(outboxJobId(oldDatabase, id))).toBe('completed');
    await first.running.stop();

    // The reset: a new database (migrated from scratch), same Redis prefix, the old completed jobs still there.
    const second = await boot();
    const newDatabase = await databaseId(txOf(second.em));
    expect(newDatabase).not.toBe(oldDatabase);
    const t0 = Date.now();
    const newIds: number[] = [];
    for (let i = 0; i < 3; i++) newIds.push(await addOutbox(second.em, `chat-${i}`, `baru ${i}`));
    expect(newIds).toEqual(oldIds);
    await second.queues.enqueueOutbox(newIds);
    for (const id of newIds) await eventually(async () => (await status(second.em, id)) === 'sent', 5_000, 'the new rows sent promptly');
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(platform.received.filter((r) => r.text.startsWith('baru')).map((r) => r.text).sort()).toEqual(['baru 0', 'baru 1', 'baru 2']);
  });
});
