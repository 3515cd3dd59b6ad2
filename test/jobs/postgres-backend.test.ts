/**
 * Smoke suite of BullMQ's PostgreSQL backend (no Redis) on the real PostgreSQL server: the same worker role
 * delivers outbox rows, keeps a 429 from failing the message, and runs the reminder sweep as a maintenance job.
 *
 * Not run on the embedded PGlite: there BullMQ's backend fails as soon as BullMQ and MikroORM query at the
 * same time through pglite-socket ("error: unnamed prepared statement does not exist" from BullMQ's
 * add_jobs: pglite-socket runs every client on one PostgreSQL session, so concurrent extended-protocol
 * queries overwrite each other's unnamed statement), and Worker.close() then hangs. A single client works.
 * See src/jobs/backend.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { HttpTestSender, startFakePlatform, type FakePlatform } from '../support/fake-platform.js';
import { createQueues, startWorkers, type Queues, type RunningWorkers } from '../../src/jobs/worker-role.js';
import { ManualClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import { addAssessment, addCycle, addPerson, addUnit, sql } from '../support/seed.js';
import { addOutbox, eventually, testConfig, uniquePrefix } from './helpers.js';
import { scheduleSelfAssessmentReminders } from '../../src/db/reminders.js';
import { txOf } from '../../src/db/sql.js';

describe('BullMQ on the PostgreSQL backend (PostgreSQL server)', () => {
  let db: TestDatabase;
  let em: EntityManager;
  let platform: FakePlatform;
  let queues: Queues;
  let running: RunningWorkers;

  beforeAll(async () => {
    db = await createTestDatabase();
    em = db.orm.em.fork() as EntityManager;
    platform = await startFakePlatform();
    const config = testConfig({ DATABASE_URL: db.url });
    queues = createQueues({ orm: db.orm, config, databaseUrl: db.url, prefix: uniquePrefix('pg'), backoffMs: 20 });
    expect(queues.backend.kind).toBe('postgres');
    running = await startWorkers({
      orm: db.orm,
      config,
      queues,
      senders: new Map([['telegram', new HttpTestSender('telegram', platform.url)]]),
      clock: new ManualClock(new Date('2025-03-05T02:00:00Z')),
      logger: createLogger('silent'),
      schedulers: false,
    });
  }, 60_000);
  afterAll(async () => {
    await running?.stop();
    await queues?.close();
    await platform?.close();
    await db?.close();
  });

  const status = async (id: number) => (await sql<{ status: string }>(em, 'select status from outbox_message where id = ?', [id]))[0].status;

  it('delivers outbox rows in order per chat, once each', async () => {
    const ids = [await addOutbox(em, 'pg-chat', 'satu'), await addOutbox(em, 'pg-chat', 'dua')];
    await queues.enqueueOutbox([...ids].reverse());
    await queues.enqueueOutbox(ids);
    await eventually(async () => (await status(ids[1])) === 'sent', 20_000, 'delivered');
    expect(platform.received.filter((r) => r.chatId === 'pg-chat').map((r) => r.text)).toEqual(['satu', 'dua']);
  });

  it('a 429 pauses and the message is still delivered', async () => {
    let first = true;
    platform.setScript(() => (first ? ((first = false), { status: 429, retryAfterSec: 1 }) : { status: 200 }));
    const id = await addOutbox(em, 'pg-429', 'nanti');
    await queues.enqueueOutbox([id]);
    await eventually(async () => (await status(id)) === 'sent', 20_000, 'delivered after the pause');
    expect(platform.rejected429).toBe(1);
    platform.setScript(undefined);
  });

  it('runs the reminder sweep as a maintenance job and delivers the reminder', async () => {
    const unit = await addUnit(em, 'PGU');
    const person = await addPerson(em, { name: 'Rina', unitId: unit });
    const cycle = await addCycle(em, { selfDeadline: '2025-03-14', reviewDeadline: '2025-03-28' });
    await addAssessment(em, cycle, person);
    await scheduleSelfAssessmentReminders(txOf(em), cycle, { clock: new ManualClock(new Date('2025-03-01T00:00:00Z')), config: testConfig() });
    await queues.maintenance.add('sweep-reminders', {});
    await eventually(async () => platform.received.some((r) => r.chatId === 'chat-Rina'), 20_000, 'reminder delivered');
    expect(platform.received.find((r) => r.chatId === 'chat-Rina')!.text).toContain('7 hari kerja');
  });
});
