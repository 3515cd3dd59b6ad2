/**
 * Operations on Redis: `kinerja status` figures, bull-board behind basic auth with the queue readiness check,
 * and a graceful stop that lets the delivery in flight finish.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { HttpTestSender, startFakePlatform, type FakePlatform } from '../support/fake-platform.js';
import { createQueues, missingSchedulers, SCHEDULES, startWorkers, type Queues } from '../../src/jobs/worker-role.js';
import { Redis } from 'ioredis';
import { collectStatus, formatStatus } from '../../src/jobs/status.js';
import { mountQueueAdmin } from '../../src/http/queue-admin.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { ManualClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import { pino } from 'pino';
import { appendAudit } from '../../src/db/audit.js';
import { txOf } from '../../src/db/sql.js';
import { addAssessment, addCycle, addPerson, addUnit, sql } from '../support/seed.js';
import { addOutbox, eventually, testConfig, uniquePrefix } from './helpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('operations', () => {
  let db: TestDatabase;
  let em: EntityManager;
  let queues: Queues;
  let platform: FakePlatform;
  let http: HttpServer | undefined;
  const config = () => testConfig({ REDIS_URL, ADMIN_USER: 'admin', ADMIN_PASSWORD: 'rahasia-sekali', DATABASE_URL: db.url });

  beforeAll(async () => {
    db = await createTestDatabase();
    em = db.orm.em.fork() as EntityManager;
    platform = await startFakePlatform({ latencyMs: 400 });
    queues = createQueues({ orm: db.orm, config: config(), databaseUrl: db.url, prefix: uniquePrefix('ops') });
  });
  afterAll(async () => {
    await http?.stop();
    for (const q of queues?.all() ?? []) await q.obliterate({ force: true });
    await queues?.close();
    await platform?.close();
    await db?.close();
  });

  it('status shows queue depths, undelivered messages with their reason, and progress per unit', async () => {
    const unit = await addUnit(em, 'BAPPEDA');
    const cycle = await addCycle(em, { name: 'Semester I', selfDeadline: '2025-06-13', reviewDeadline: '2025-06-27' });
    const a = await addPerson(em, { name: 'Ani', unitId: unit });
    const b = await addPerson(em, { name: 'Bayu', unitId: unit });
    await addAssessment(em, cycle, a, { status: 'draft' });
    const sub = await addAssessment(em, cycle, b, { status: 'submitted' });
    await sql(em, `update assessment set submitted_at = now() where id = ?`, [sub]);
    const failed = await addOutbox(em, 'chat-Ani', 'halo');
    await sql(em, `update outbox_message set status = 'failed', last_error = 'Forbidden: bot was blocked by the user', recipient_id = ? where id = ?`, [a, failed]);
    await queues.delivery.telegram.add('deliver', { outboxId: 999999 }, { jobId: 'outbox-999999', delay: 60_000 });

    const status = await collectStatus(em, queues.all());
    expect(status.queues.find((q) => q.name === 'deliver-telegram')).toMatchObject({ delayed: 1 });
    expect(status.outbox.failed).toBe(1);
    expect(status.undelivered[0]).toMatchObject({ recipient: 'Ani', status: 'failed', reason: 'Forbidden: bot was blocked by the user' });
    expect(status.cycles[0].units[0]).toMatchObject({ unit: 'Unit BAPPEDA', total: 2, submitted: 1 });
    const text = formatStatus(status);
    expect(text).toContain('Ani: Forbidden: bot was blocked by the user');
    expect(text).toContain('1/2 submitted (50%)');
  });

  it('mounts bull-board behind basic auth and reports the queue backend in /readyz', async () => {
    http = createHttpServer({ port: 0, host: '127.0.0.1' });
    expect(mountQueueAdmin(http, queues, config())).toBe(true);
    const port = await http.start();
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/admin/queues`)).status).toBe(401);
    const wrong = Buffer.from('admin:salah').toString('base64');
    expect((await fetch(`${base}/admin/queues`, { headers: { authorization: `Basic ${wrong}` } })).status).toBe(401);
    const good = Buffer.from('admin:rahasia-sekali').toString('base64');
    const page = await fetch(`${base}/admin/queues/api/queues`, { headers: { authorization: `Basic ${good}` } });
    expect(page.status).toBe(200);
    expect(JSON.stringify(await page.json())).toContain('deliver-telegram');
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { queues: 'ok' } });
  });

  it('admin pages stay off without ADMIN_USER and ADMIN_PASSWORD', () => {
    const other = createHttpServer({ port: 0 });
    expect(mountQueueAdmin(other, queues, testConfig())).toBe(false);
  });

  it('a graceful stop lets the delivery in flight finish', async () => {
    const running = await startWorkers({
      orm: db.orm,
      config: config(),
      queues,
      senders: new Map([['telegram', new HttpTestSender('telegram', platform.url)]]),
      clock: new ManualClock(new Date()),
      logger: createLogger('silent'),
      schedulers: false,
    });
    const id = await addOutbox(em, 'chat-slow', 'pelan');
    await queues.enqueueOutbox([id]);
    await eventually(async () => platform.requests > 0, 10_000, 'the platform call started');
    await running.stop();
    const [row] = await sql<{ status: string }>(em, 'select status from outbox_message where id = ?', [id]);
    expect(row.status).toBe('sent');
  });

  it('job schedulers lost with an emptied Redis come back when the connection is ready again, without a restart', async () => {
    const running = await startWorkers({
      orm: db.orm,
      config: config(),
      queues,
      senders: new Map([['telegram', new HttpTestSender('telegram', platform.url)]]),
      clock: new ManualClock(new Date()),
      logger: createLogger('silent'),
      // The timer would heal too; an hour keeps it out of this test, so only the reconnect can.
      schedulerCheckMs: 3_600_000,
    });
    try {
      expect(await missingSchedulers(queues.maintenance)).toEqual([]);
      for (const name of Object.keys(SCHEDULES)) await queues.maintenance.removeJobScheduler(name);
      expect((await missingSchedulers(queues.maintenance)).sort()).toEqual(Object.keys(SCHEDULES).sort());
      // Redis restarted, as the queue's connection sees it: dropped, then connected again. (Only this queue's
      // connection is killed: other test files share the Redis server.)
      const client = await (queues.maintenance as unknown as { backend: { client: Promise<Redis> } }).backend.client;
      const id = await client.client('ID');
      const admin = new Redis(REDIS_URL);
      await admin.client('KILL', 'ID', String(id));
      admin.disconnect();
      await eventually(async () => (await missingSchedulers(queues.maintenance)).length === 0, 15_000, 'schedulers re-created after the reconnect');
    } finally {
      await running.stop();
    }
  });

  it('the daily audit checkpoint job signs the chain once it grew, logs the line and sends it to HR; nothing new, nothing sent', async () => {
    expect(SCHEDULES['audit-checkpoint']).toBe(24 * 60 * 60_000);
    const unit = await addUnit(em, 'BKD');
    const hr = await addPerson(em, { name: 'Hana HR', unitId: unit, roles: ['pegawai', 'admin'] });
    await sql(em, `insert into chat_identity (platform, platform_user_id, chat_id, employee_id, linked_at) values ('telegram', 'u-hana', 'c-hana', ?, now()) on conflict do nothing`, [hr]);
    await em.transactional(async (t) => appendAudit(txOf(t as EntityManager), { actor: 'ani.bkd', action: 'unit.rating_set', subject: 'unit:BKD' }, new Date()));
    const lines: { msg: string; auditCheckpoint?: { line: string; reason: string } }[] = [];
    const running = await startWorkers({
      orm: db.orm,
      config: config(),
      queues,
      senders: new Map([['telegram', new HttpTestSender('telegram', platform.url)]]),
      clock: new ManualClock(new Date()),
      logger: pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) }),
      schedulers: false,
    });
    try {
      await queues.maintenance.add('audit-checkpoint', {});
      const signed = await eventually(async () => lines.find((l) => l.msg === 'audit checkpoint signed'), 15_000, 'the checkpoint logged');
      expect(signed.auditCheckpoint!.reason).toBe('daily');
      const sent = await eventually(async () => (await sql<{ status: string; payload: { text: string } }>(em, `select status, payload from outbox_message where recipient_id = ? and dedupe_key like 'audit-checkpoint:%'`, [hr]))[0], 15_000, 'sent to HR');
      expect(sent.payload.text).toContain(signed.auditCheckpoint!.line);
      const second = await queues.maintenance.add('audit-checkpoint', {});
      await eventually(async () => (await second.getState()) === 'completed', 15_000, 'the second run');
      expect(second.id).toBeDefined();
      expect((await queues.maintenance.getJob(second.id!))?.returnvalue).toEqual({ outcome: 'unchanged', messages: 0 });
      expect(lines.filter((l) => l.msg === 'audit checkpoint signed')).toHaveLength(1);
      // (An earlier test's scheduled close signed one too: the daily one is signed once.)
      expect(await sql(em, `select 1 from audit_checkpoint where reason = 'daily'`)).toHaveLength(1);
    } finally {
      await running.stop();
    }
  });
});
