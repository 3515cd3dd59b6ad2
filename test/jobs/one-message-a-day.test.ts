/**
 * One message a day, really (issue 15 item 9): everything the reminder system has for one person on one day
 * (their deadline reminder, the digest of their late people, feedback nudges and requests, HR digests of
 * several units) reaches the platform as ONE message. Real PostgreSQL, BullMQ on Redis, the delivery workers
 * and a fake platform; sweepers running side by side.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { HttpTestSender, startFakePlatform, type FakePlatform } from '../support/fake-platform.js';
import { createQueues, startWorkers, type Queues, type RunningWorkers } from '../../src/jobs/worker-role.js';
import { sweepDueReminders } from '../../src/jobs/reminder-sweep.js';
import { ManualClock, systemClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import { addAssessment, addCycle, addPerson, addUnit, sql } from '../support/seed.js';
import { eventually, testConfig, uniquePrefix } from './helpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
// Tuesday 18 March 2025, 09:00 WIB: two working days after the self-assessment deadline of Friday 14 March.
const DAY = new Date('2025-03-18T02:00:00Z');

describe('one message a person a day, delivered', () => {
  let db: TestDatabase;
  let em: EntityManager;
  let platform: FakePlatform;
  let queues: Queues;
  let running: RunningWorkers;
  const config = testConfig({ REDIS_URL });

  beforeAll(async () => {
    db = await createTestDatabase();
    platform = await startFakePlatform();
    const cfg = testConfig({ REDIS_URL, DATABASE_URL: db.url });
    queues = createQueues({ orm: db.orm, config: cfg, databaseUrl: db.url, prefix: uniquePrefix('oneaday'), backoffMs: 20 });
    running = await startWorkers({
      orm: db.orm,
      config: cfg,
      senders: new Map([['telegram', new HttpTestSender('telegram', platform.url)]]),
      clock: systemClock,
      logger: createLogger('silent'),
      queues,
      schedulers: false,
      chatIntervalMs: 0,
    });
  });
  afterAll(async () => {
    await running?.stop();
    for (const q of queues?.all() ?? []) await q.obliterate({ force: true });
    await queues?.close();
    await platform?.close();
    await db?.close();
  });
  beforeEach(async () => {
    em = db.orm.em.fork() as EntityManager;
    // Ids keep counting: the delivery jobs are named after outbox ids, and the queue remembers finished ones.
    await sql(em, 'truncate reminder, outbox_message, feedback_request, feedback, answer, assessment, indicator, cycle, chat_identity, employee, unit cascade');
    platform.received.length = 0;
  });

  /** Two units under one agency with one HR officer; a supervisor in each; everyone due something on DAY. */
  async function scenario() {
    const agency = await addUnit(em, 'BKD');
    const disdik = await addUnit(em, 'DISDIK', { parentId: agency });
    const dinkes = await addUnit(em, 'DINKES', { parentId: agency });
    const hr = await addPerson(em, { name: 'Hana HR', unitId: agency, roles: ['pegawai', 'admin'] });
    const boss = await addPerson(em, { name: 'Budi Atasan', unitId: disdik });
    const boss2 = await addPerson(em, { name: 'Citra Atasan', unitId: dinkes });
    const ani = await addPerson(em, { name: 'Ani Pegawai', unitId: disdik, supervisorId: boss });
    const dedi = await addPerson(em, { name: 'Dedi Pegawai', unitId: disdik, supervisorId: boss });
    const eka = await addPerson(em, { name: 'Eka Pegawai', unitId: dinkes, supervisorId: boss2 });
    const cycle = await addCycle(em, { selfDeadline: '2025-03-14', reviewDeadline: '2025-03-28' });
    const a = { ani: await addAssessment(em, cycle, ani), dedi: await addAssessment(em, cycle, dedi), eka: await addAssessment(em, cycle, eka), boss: await addAssessment(em, cycle, boss) };
    const row = (assessment: number | null, recipient: number, audience: string, kind: string, extra: { cycle?: number; request?: number } = {}) =>
      sql(em, `insert into reminder (assessment_id, cycle_id, feedback_request_id, recipient_id, audience, kind, due_at, local_date, status) values (?, ?, ?, ?, ?, ?, ?, '2025-03-18', 'pending')`, [
        assessment, extra.cycle ?? null, extra.request ?? null, recipient, audience, kind, DAY,
      ]);
    // Budi: his own overdue self-assessment, the digest of his two late people, a feedback nudge, Ani's request.
    await row(a.boss, boss, 'employee', 'self:overdue');
    await row(a.ani, ani, 'supervisor', 'self:escalate_supervisor');
    await row(a.dedi, dedi, 'supervisor', 'self:escalate_supervisor');
    await row(null, boss, 'employee', 'fbnudge', { cycle });
    const [req] = await sql<{ id: number }>(em, `insert into feedback_request (employee_id, rater_id, topic, created_at) values (?, ?, 'target triwulan', ?) returning id`, [ani, boss, new Date('2025-03-11T03:00:00Z')]);
    await row(null, boss, 'employee', 'fbreq', { request: req!.id });
    // Citra: the digest of her late person. Hana: HR of both units.
    await row(a.eka, eka, 'supervisor', 'self:escalate_supervisor');
    await row(a.ani, ani, 'hr', 'self:escalate_hr');
    await row(a.eka, eka, 'hr', 'self:escalate_hr');
    return { hr, boss, boss2 };
  }

  const deliveredTo = (name: string) => platform.received.filter((r) => r.chatId === `chat-${name}`).map((r) => r.text);

  it('each person gets one message holding everything due for them, HR one for every unit', async () => {
    await scenario();
    // Small batches: the sweep pulls a person's other due rows into the batch that has one of them.
    const r = await sweepDueReminders(em, { clock: new ManualClock(DAY), config, batchSize: 2, onBatch: async (ids) => void (await queues.enqueueOutbox(ids)) });
    expect(r.outboxIds).toHaveLength(3);
    await eventually(async () => platform.received.length >= 3, 15_000, 'three deliveries');

    const [budi] = deliveredTo('Budi Atasan');
    expect(deliveredTo('Budi Atasan')).toHaveLength(1);
    expect(budi).toContain('sudah lewat batas'); // his own self-assessment
    expect(budi).toContain('Pegawai Anda yang belum menyelesaikan penilaian diri');
    expect(budi).toContain('Ani Pegawai (NIP');
    expect(budi).toContain('Dedi Pegawai (NIP');
    expect(budi).toContain('Anda belum memberi umpan balik selama 30 hari kepada:');
    expect(budi).toContain('Ani Pegawai meminta umpan balik dari Anda pada 11 Maret 2025 tentang "target triwulan"');
    expect(deliveredTo('Citra Atasan')).toHaveLength(1);
    const hana = deliveredTo('Hana HR');
    expect(hana).toHaveLength(1);
    expect(hana[0]).toContain('Unit DISDIK');
    expect(hana[0]).toContain('Unit DINKES');
    // Everything went; only the nudge's next check waits, 30 days on.
    expect(await sql(em, `select kind, to_char(local_date, 'YYYY-MM-DD') as on from reminder where status = 'pending'`)).toEqual([{ kind: 'fbnudge', on: '2025-04-17' }]);
  });

  it('one sweep, two lanes, batches of one: no supervisor\'s late people are split between two messages', async () => {
    // Each of 80 supervisors' two escalations sit next to each other in due order: a lane that claimed the first
    // must also hold the second, or the other lane writes a second digest, finds the day's message written,
    // and the second late person waits a day. Lanes used to claim at the same time and split them.
    const unit = await addUnit(em, 'DISDIK');
    const cycle = await addCycle(em, { selfDeadline: '2025-03-14', reviewDeadline: '2025-03-28' });
    const bosses: string[] = [];
    for (let i = 0; i < 80; i++) {
      const name = `Atasan ${i}`;
      const boss = await addPerson(em, { name, unitId: unit });
      bosses.push(name);
      for (const who of ['A', 'B']) {
        const person = await addPerson(em, { name: `Pegawai ${who}${i}`, unitId: unit, supervisorId: boss });
        const assessment = await addAssessment(em, cycle, person);
        await sql(em, `insert into reminder (assessment_id, recipient_id, audience, kind, due_at, local_date, status) values (?, ?, 'supervisor', 'self:escalate_supervisor', ?, '2025-03-18', 'pending')`, [assessment, person, DAY]);
      }
    }
    const r = await sweepDueReminders(em, { clock: new ManualClock(DAY), config, batchSize: 1, lanes: 2, onBatch: async (ids) => void (await queues.enqueueOutbox(ids)) });
    expect(r.outboxIds).toHaveLength(80);
    await eventually(async () => platform.received.length >= 80, 15_000, 'eighty digests');
    for (const [i, name] of bosses.entries()) {
      const got = deliveredTo(name);
      expect(got, name).toHaveLength(1);
      expect(got[0], name).toContain(`Pegawai A${i} (NIP`);
      expect(got[0], name).toContain(`Pegawai B${i} (NIP`);
    }
    expect(await sql(em, `select count(*)::int as n from reminder where status <> 'sent'`)).toEqual([{ n: 0 }]);
  });

  it('sweepers side by side: still one message a person; what one could not send waits for tomorrow', async () => {
    await scenario();
    const sweeper = () => sweepDueReminders(db.orm.em.fork() as EntityManager, { clock: new ManualClock(DAY), config, batchSize: 1, onBatch: async (ids) => void (await queues.enqueueOutbox(ids)) });
    await Promise.all([sweeper(), sweeper(), sweeper()]);
    const outbox = await sql<{ chat_id: string; dedupe_key: string }>(em, `select chat_id, dedupe_key from outbox_message`);
    await eventually(async () => platform.received.length >= outbox.length, 15_000, `deliveries (${outbox.map((o) => o.dedupe_key).join(', ')}; received ${platform.received.length})`);
    const perChat = new Map<string, number>();
    for (const m of platform.received) perChat.set(m.chatId, (perChat.get(m.chatId) ?? 0) + 1);
    expect([...perChat.keys()].sort()).toEqual(['chat-Budi Atasan', 'chat-Citra Atasan', 'chat-Hana HR']);
    expect([...perChat.values()].every((n) => n === 1)).toBe(true);
    // Nothing is lost: every row was sent, or waits for the next working day, or was a deadline reminder.
    const left = await sql<{ kind: string; status: string; local_date: string }>(em, `select kind, status, to_char(local_date, 'YYYY-MM-DD') as local_date from reminder where status <> 'sent' and created_at > ?`, [new Date('2026-01-01')]);
    for (const x of left) expect(x.status === 'pending' ? x.local_date : x.kind).toMatch(/^(2025-03-19|self:overdue)$/);
  });
});
