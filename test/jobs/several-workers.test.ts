/**
 * Several workers: two real worker processes (scripts/worker-child.ts) on one Redis and one PostgreSQL
 * database sweep 1,000 due reminders and deliver them to a fake platform. Then again, killing one worker
 * with SIGKILL in the middle of delivery: every message still arrives, and the only duplicates are messages
 * the killed worker had sent but not yet recorded (in flight at the kill).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startFakePlatform, type FakePlatform } from '../support/fake-platform.js';
import { createQueues, type Queues } from '../../src/jobs/worker-role.js';
import { addAssessmentsBulk, addCycle, addEmployeesBulk, addUnit, linkChatsBulk, sql } from '../support/seed.js';
import { eventually, testConfig, uniquePrefix } from './helpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const NOW = '2025-03-05T03:00:00Z';
const PEOPLE = 1000;
/** Deliveries one worker process runs at once in the kill run: the most that can be in flight at the kill. */
const IN_FLIGHT_MAX = 8;

describe('two worker processes on one Redis', () => {
  let db: TestDatabase;
  let em: EntityManager;
  let queues: Queues;
  const prefix = uniquePrefix('multi');
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    em = db.orm.em.fork() as EntityManager;
    queues = createQueues({ orm: db.orm, config: testConfig({ REDIS_URL, DATABASE_URL: db.url }), databaseUrl: db.url, prefix });
    const unit = await addUnit(em, 'MASSAL');
    await addEmployeesBulk(em, { count: PEOPLE, nipPrefix: '', unitIds: [unit] });
    await linkChatsBulk(em, { platform: 'telegram', userPrefix: '', chatPrefix: 'chat-' });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const q of queues?.all() ?? []) await q.obliterate({ force: true }).catch(() => undefined);
    await queues?.close();
    await db?.close();
  });

  /** A fresh cycle whose 1,000 self-assessment reminders are all due at NOW. */
  async function dueReminders(name: string) {
    await sql(em, 'truncate reminder, outbox_message');
    const cycle = await addCycle(em, { name, selfDeadline: '2025-03-14', reviewDeadline: '2025-03-28' });
    await addAssessmentsBulk(em, cycle);
    await sql(
      em,
      `insert into reminder (assessment_id, recipient_id, audience, kind, due_at, local_date, status) select a.id, a.employee_id, 'employee', 'self:h_minus_7', ?, '2025-03-05', 'pending' from assessment a where a.cycle_id = ?`,
      [new Date(NOW), cycle],
    );
  }

  function startChild(name: string, platform: FakePlatform, concurrency: number): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/worker-child.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        REDIS_URL,
        QUEUE_PREFIX: prefix,
        FAKE_PLATFORM_URL: platform.url,
        WORKER_NAME: name,
        FIXED_NOW: NOW,
        DELIVERY_CONCURRENCY: String(concurrency),
        RATE_PER_SEC: '1000',
        LOCK_MS: '2000',
        STALLED_MS: '1000',
        SCHEDULERS: 'false',
        LOG_LEVEL: 'silent',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    return new Promise((resolve, reject) => {
      child.stdout!.on('data', (d: Buffer) => {
        if (d.toString().includes('ready')) resolve(child);
      });
      child.once('exit', (code) => reject(new Error(`worker ${name} exited with ${code} before it was ready`)));
    });
  }

  const pendingCount = async () => Number((await sql<{ n: string }>(em, `select count(*) as n from outbox_message where status <> 'sent'`))[0].n);
  const sentCount = async () => Number((await sql<{ n: string }>(em, `select count(*) as n from outbox_message where status = 'sent'`))[0].n);

  async function stopGracefully(child: ChildProcess) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  it('delivers 1,000 due reminders exactly once with two workers', { timeout: 90_000 }, async () => {
    await dueReminders('Run 1');
    const platform = await startFakePlatform();
    try {
      const [a, b] = await Promise.all([startChild('A', platform, 16), startChild('B', platform, 16)]);
      await queues.maintenance.add('sweep-reminders', {});
      await eventually(async () => (await sentCount()) === PEOPLE && (await pendingCount()) === 0, 60_000, 'all delivered');
      const counts = platform.counts();
      expect(counts.size).toBe(PEOPLE);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      // Both processes took part.
      expect(new Set(platform.received.map((r) => r.worker))).toEqual(new Set(['A', 'B']));
      await Promise.all([stopGracefully(a), stopGracefully(b)]);
    } finally {
      await platform.close();
    }
  });

  it('kill -9 of one worker mid-delivery: every message arrives, duplicates only among those in flight', { timeout: 120_000 }, async () => {
    await dueReminders('Run 2');
    const platform = await startFakePlatform({ latencyMs: 15 });
    try {
      const [victim, survivor] = await Promise.all([startChild('victim', platform, IN_FLIGHT_MAX), startChild('survivor', platform, IN_FLIGHT_MAX)]);
      await queues.maintenance.add('sweep-reminders', {});
      await eventually(async () => platform.received.filter((r) => r.worker === 'victim').length >= 150, 60_000, 'victim delivering');
      const dead = new Promise((r) => victim.once('exit', r));
      victim.kill('SIGKILL');
      await dead;
      // In flight at the kill: the platform accepted them from the victim, but their rows are not marked sent.
      const fromVictim = new Set(platform.received.filter((r) => r.worker === 'victim').map((r) => r.chatId));
      const unrecorded = await sql<{ chat_id: string }>(em, `select chat_id from outbox_message where status = 'pending'`);
      const inFlight = unrecorded.filter((r) => fromVictim.has(r.chat_id)).length;

      await eventually(async () => (await sentCount()) === PEOPLE, 90_000, 'all delivered after the kill');
      const counts = platform.counts();
      expect(counts.size).toBe(PEOPLE);
      const duplicates = [...counts.values()].reduce((sum, n) => sum + (n - 1), 0);
      expect(duplicates).toBeLessThanOrEqual(inFlight);
      expect(inFlight).toBeLessThanOrEqual(IN_FLIGHT_MAX);
      console.info(`several workers: killed one worker after ${fromVictim.size} deliveries; in flight at the kill ${inFlight}, duplicates ${duplicates}`);
      await stopGracefully(survivor);
    } finally {
      await platform.close();
    }
  });
});
