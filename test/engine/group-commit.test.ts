/**
 * Group commit (issue 16): events of different people are claimed from the inbox together, read in one
 * statement and written in one transaction. These tests run with batching on, against the real
 * PostgreSQL, through the inbox consumer as production runs it, and check what batching must not change:
 * nothing handed on before its COMMIT, per-chat order, a replay changes nothing, a lost race with another
 * process is re-run, a double click is one transition, a restart resumes, old event ids are pruned.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { HandleResult, IncomingEvent, OutgoingMessage } from '../../src/contract/index.js';
import { walkAuditChain } from '../../src/db/audit.js';
import { pruneEventIds } from '../../src/db/inbox.js';
import { capabilitiesOf } from '../../src/engine/capabilities.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { createInboxConsumer, type InboxConsumer } from '../../src/engine/inbox-consumer.js';
import { createLogger } from '../../src/logger.js';
import { PLATFORM_MODULES } from '../../src/platforms.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { T0 } from '../support/engine.js';
import { addAssessmentsBulk, addCycle, addEmployeesBulk, addUnit, linkChatsBulk, STANDARD_INDICATORS, TRIWULAN_IV_2026 } from '../support/seed.js';

const PEOPLE = 16;

describe('group commit through the inbox (batching on, PostgreSQL)', () => {
  let db: TestDatabase;
  let users: string[];
  let clock: ManualClock;
  let engine: Engine;
  let consumer: InboxConsumer;
  let watcher: pg.Pool;
  /** Outbox ids handed on (onCommitted) that another connection could not see yet: must stay empty. */
  const handedOnUncommitted: number[] = [];
  let handedOn = 0;
  let seq = 0;

  const query = async <T,>(sql: string, params: unknown[] = []) => (await watcher.query(sql, params)).rows as T[];

  function start(): void {
    engine = createEngine({
      orm: db.orm,
      config: { REALISASI_MAX_MULTIPLE: 5, EVIDENCE_MAX_MB: 20, DRAFT_IDLE_MINUTES: 600 },
      clock,
      logger: createLogger('silent'),
      capabilities: capabilitiesOf(PLATFORM_MODULES),
      onCommitted: async (ids) => {
        handedOn += ids.length;
        // What a delivery worker would look up: every id handed on must already be committed.
        const seen = await query<{ id: string }>(`select id from outbox_message where id = any($1::bigint[])`, [ids]);
        const visible = new Set(seen.map((r) => Number(r.id)));
        handedOnUncommitted.push(...ids.filter((id) => !visible.has(id)));
      },
    });
    consumer = createInboxConsumer({ orm: db.orm, engine, logger: createLogger('silent'), batchSize: 32, batchWindowMs: 2, fallbackPollMs: 50 });
    consumer.register('telegram', { resolve: async (payload) => [payload.event as IncomingEvent] });
  }

  const event = (user: string, kind: IncomingEvent['kind'], payload: string): IncomingEvent => ({
    platform: 'telegram',
    platformUserId: user,
    chatId: user,
    eventId: `gc-${++seq}`,
    kind,
    payload,
  });

  /** Stores the events in one go (as a polling batch is stored) and waits until each was handled. */
  async function deliver(events: IncomingEvent[]): Promise<HandleResult[]> {
    const waits = events.map((e) => consumer.awaitHandled('telegram', e.eventId, 30_000));
    await consumer.store(events.map((e) => ({ platform: 'telegram', eventId: e.eventId, orderKey: e.chatId, payload: { event: e } })));
    const results = await Promise.all(waits);
    return results.map((r, i) => {
      if (r === 'timeout') throw new Error(`event ${events[i].eventId} was not handled within 30 s`);
      return r[0];
    });
  }

  /**
   * Another process runs `sql` in a transaction it keeps open; `events` are delivered and their batch's write
   * waits for that row; then the other process commits. The events' results.
   */
  async function whileAnotherProcessHolds(sql: string, params: unknown[], events: IncomingEvent[]): Promise<HandleResult[]> {
    const other = new pg.Client({ connectionString: db.url });
    await other.connect();
    await other.query('begin');
    await other.query(sql, params);
    const results = deliver(events);
    const deadline = Date.now() + 20_000;
    while ((await count(`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)) === 0) {
      if (Date.now() > deadline) throw new Error('the batch never waited for the row');
      await new Promise((r) => setTimeout(r, 20));
    }
    await other.query('commit');
    await other.end();
    return results;
  }

  const everyone = (kind: IncomingEvent['kind'], payload: (user: string) => string) => users.map((u) => event(u, kind, payload(u)));
  const stepOf = async (user: string) => (await query<{ step: string; version: number }>(`select step, version from conversation where platform = 'telegram' and platform_user_id = $1`, [user]))[0];
  const count = async (sql: string, params: unknown[] = []) => Number((await query<{ n: string }>(`select count(*) as n from (${sql}) x`, params))[0].n);

  beforeAll(async () => {
    db = await createTestDatabase({ poolMax: 12 });
    const em = db.orm.em.fork();
    const unitId = await addUnit(em, 'GC', { name: 'Dinas Group Commit' });
    await addEmployeesBulk(em, { count: 2, nipPrefix: '29', namePrefix: 'Atasan ', kind: 'administrator', unitIds: [unitId] });
    const supervisorIds = (await em.getConnection().execute<{ id: number }[]>(`select id from employee order by id`)).map((r) => r.id);
    await addEmployeesBulk(em, { count: PEOPLE, nipPrefix: '19', namePrefix: 'Pegawai ', kind: 'pelaksana', unitIds: [unitId], supervisorIds });
    await linkChatsBulk(em, { platform: 'telegram', userPrefix: 'u', chatPrefix: 'u' });
    const cycleId = await addCycle(em, { ...TRIWULAN_IV_2026, indicators: [...STANDARD_INDICATORS.slice(0, 3)] });
    await addAssessmentsBulk(em, cycleId, { supervisedOnly: true });
    users = (await em.getConnection().execute<{ id: number }[]>(`select id from employee where supervisor_id is not null order by id`)).map((r) => `u${r.id}`);
    watcher = new pg.Pool({ connectionString: db.url, max: 3 });
    clock = new ManualClock(T0);
    start();
    await consumer.start();
  });
  afterAll(async () => {
    await consumer?.stop();
    await watcher?.end();
    await db?.close();
  });

  it('sixteen people answer at once: their events share batches, each is applied once, in each chat’s order', async () => {
    const inBatch = engine.batchStats.inBatch;
    const opened = await deliver(everyone('command', () => '/penilaian'));
    expect(opened.every((r) => !r.duplicate && r.outboxIds.length > 0)).toBe(true);
    // Their first message: each conversation is created by the batch's statement (none ran alone).
    expect(engine.batchStats.inBatch - inBatch).toBe(PEOPLE);
    for (const u of users) expect(await stepOf(u)).toEqual({ step: 'realisasi', version: 1 });
    // Two messages of each chat stored together: the second waits for the first (per-chat order).
    const both = users.flatMap((u) => [event(u, 'text', '92,5'), event(u, 'text', `Uraian pekerjaan ${u} yang cukup panjang.`)]);
    const results = await deliver(both);
    expect(results.every((r) => !r.duplicate && r.outboxIds.length > 0)).toBe(true);
    for (const u of users) {
      const [a] = await query<{ realisasi: string; narrative: string }>(
        `select an.realisasi, an.narrative from answer an join assessment a on a.id = an.assessment_id join chat_identity ci on ci.employee_id = a.employee_id
          where ci.platform_user_id = $1 and an.item_key like 'ind:%' order by an.item_key limit 1`,
        [u],
      );
      expect({ realisasi: Number(a.realisasi), narrative: a.narrative }).toEqual({ realisasi: 92.5, narrative: `Uraian pekerjaan ${u} yang cukup panjang.` });
      expect((await stepOf(u)).step).toBe('evidence');
    }
    // Batching really happened: more events than batches.
    expect(consumer.stats.batched).toBeGreaterThan(consumer.stats.batches);
    // Each reply written once: one outbox row per reply key.
    expect(await count(`select dedupe_key from outbox_message group by dedupe_key having count(*) > 1`)).toBe(0);
    expect(handedOn).toBeGreaterThan(0);
    expect(handedOnUncommitted).toEqual([]);
    // The answers are in the audit log, written sealed by the batches' statements; once the chainer has given
    // them their places the chain is whole and nothing waits.
    expect(await count(`select 1 from audit_event where action = 'answer.saved'`)).toBeGreaterThanOrEqual(2 * PEOPLE);
    await engine.auditChainer.drain();
    const walk = await walkAuditChain({ query, exec: async () => 0, beforeCommit: () => undefined });
    expect(walk.broken).toBeNull();
    expect(walk.waiting).toBe(0);
    expect(walk.verified).toBe(await count(`select 1 from audit_event`));
  });

  it('a platform re-sending the same updates after the inbox forgot them changes nothing', async () => {
    const round = everyone('text', (u) => `https://drive.example.go.id/${u}`);
    await deliver(round);
    const outbox = await count(`select 1 from outbox_message`);
    const versions = await Promise.all(users.map(stepOf));
    // The inbox purge ran (INBOX_KEEP_DAYS); the engine's event ids are still kept (EVENT_DEDUPE_DAYS).
    await query(`delete from inbox_event`);
    const again = await deliver(round);
    expect(again.every((r) => r.duplicate && r.outboxIds.length === 0)).toBe(true);
    expect(await count(`select 1 from outbox_message`)).toBe(outbox);
    expect(await Promise.all(users.map(stepOf))).toEqual(versions);
  });

  it('a conversation changed by another process meanwhile: that event is re-run alone, the others commit in the batch', async () => {
    const [target, ...others] = users;
    const before = await stepOf(target);
    const retries = engine.retries;
    // Another process holds the conversation row (an update not yet committed): the batch's write waits
    // on it, and when it commits the version read by the batch is stale.
    const done = await whileAnotherProcessHolds(`update conversation set version = version + 1 where platform = 'telegram' and platform_user_id = $1`, [target], everyone('text', () => '20'));
    expect(done.every((r) => !r.duplicate && r.outboxIds.length > 0)).toBe(true);
    expect(engine.retries).toBeGreaterThan(retries);
    // The other process's change and then this event: two versions on.
    const after = await stepOf(target);
    expect(after.version).toBe(before.version + 2);
    expect(after.step).toBe('narrative');
    for (const u of others) expect((await stepOf(u)).step).toBe('narrative');
    expect(await count(`select 1 from answer an join assessment a on a.id = an.assessment_id join chat_identity ci on ci.employee_id = a.employee_id where ci.platform_user_id = $1 and an.realisasi = 20`, [target])).toBe(1);
  });

  it('a batch waiting for a lock another process holds does not hold up other chats (under light load one lane claims)', async () => {
    const [stuck, other] = [users[0], users[1]];
    const before = (await stepOf(other)).version;
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query(`select 1 from conversation where platform = 'telegram' and platform_user_id = $1 for update`, [stuck]);
      let stuckDone = false;
      const stuckTurn = deliver([event(stuck, 'text', '/status')]).then((r) => ((stuckDone = true), r));
      const deadline = Date.now() + 20_000;
      while ((await count(`select 1 from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`)) === 0) {
        if (Date.now() > deadline) throw new Error('the batch never waited for the row');
        await new Promise((r) => setTimeout(r, 20));
      }
      // Another person writes meanwhile: answered while the first batch still waits.
      const [answered] = await deliver([event(other, 'text', '/status')]);
      expect(answered.duplicate).toBe(false);
      expect(answered.outboxIds.length).toBeGreaterThan(0);
      expect((await stepOf(other)).version).toBe(before + 1);
      expect(stuckDone).toBe(false);
      await holder.query('commit');
      const [late] = await stuckTurn;
      expect(late.duplicate).toBe(false);
    } finally {
      await holder.end();
    }
  });

  it("the batch's own events are answered as soon as its statement commits, while an event of the same batch that runs alone still waits", async () => {
    const [slow, quick] = [users[2], 'stranger-quick'];
    // The slow one has a conversation (its row is what the other process holds).
    await deliver([event(slow, 'text', '/bantuan')]);
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query(`select 1 from conversation where platform = 'telegram' and platform_user_id = $1 for update`, [slow]);
      // One store, one batch: /status runs alone (it reads more) and waits for the row; the stranger's first message is in the batch's statement.
      const events = [event(slow, 'text', '/status'), event(quick, 'text', 'halo')];
      let slowDone = false;
      const slowTurn = consumer.awaitHandled('telegram', events[0].eventId, 30_000).then((r) => ((slowDone = true), r));
      const quickTurn = consumer.awaitHandled('telegram', events[1].eventId, 30_000);
      await consumer.store(events.map((e) => ({ platform: 'telegram', eventId: e.eventId, orderKey: e.chatId, payload: { event: e } })));
      const answered = await quickTurn;
      expect(answered).not.toBe('timeout');
      expect((answered as HandleResult[])[0]).toMatchObject({ duplicate: false, outboxIds: [expect.any(Number)] });
      expect(slowDone).toBe(false);
      await holder.query('commit');
      const late = await slowTurn;
      expect(late).not.toBe('timeout');
      expect((late as HandleResult[])[0].duplicate).toBe(false);
    } finally {
      await holder.end();
    }
  });

  it("a first message while another process creates that person's conversation: re-run alone on top of it; the other first message commits in the batch", async () => {
    const [late, fresh] = ['stranger-late', 'stranger-fresh'];
    const retries = engine.retries;
    const done = await whileAnotherProcessHolds(
      `insert into conversation (platform, platform_user_id, state) values ('telegram', $1, '{"inbox": {}, "tokens": {}, "stale": []}')`,
      [late],
      [event(late, 'text', 'halo'), event(fresh, 'text', 'halo')],
    );
    // Both strangers are answered (how to link their account), once each.
    expect(done.map((r) => !r.duplicate && r.outboxIds.length === 1)).toEqual([true, true]);
    expect(engine.retries).toBeGreaterThan(retries);
    // The other process's row, then this event on top of it; the fresh one was created at version 1.
    expect((await stepOf(late)).version).toBe(2);
    expect((await stepOf(fresh)).version).toBe(1);
    expect(await count(`select 1 from conversation where platform_user_id in ($1, $2)`, [late, fresh])).toBe(2);
  });

  it('inside one batch: a double click is one transition, an event and its replay are applied once', async () => {
    const [a, b] = users;
    await deliver([event(a, 'text', 'Uraian indikator kedua yang cukup panjang.'), event(b, 'text', 'Uraian indikator kedua yang cukup panjang.')]);
    const [prompt] = await query<{ payload: OutgoingMessage }>(
      `select payload from outbox_message where chat_id = $1 and payload ? 'buttons' order by id desc limit 1`,
      [a],
    );
    const skip = prompt.payload.buttons!.flat()[0];
    const outboxBefore = await count(`select 1 from outbox_message`);
    const pressA1 = event(a, 'action', skip.token);
    const pressA2 = event(a, 'action', skip.token);
    const forB = event(b, 'text', `https://drive.example.go.id/${b}/2`);
    const results = await engine.handleMany!([pressA1, forB, pressA2, forB]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
    const values = results.map((r) => (r as PromiseFulfilledResult<HandleResult>).value);
    // b's event once; its copy is a replay.
    expect(values.filter((v, i) => [1, 3].includes(i) && !v.duplicate)).toHaveLength(1);
    const texts = (await query<{ t: string }>(`select payload->>'text' as t from outbox_message order by id`)).slice(outboxBefore).map((r) => r.t);
    // a's press taken once (one edit, one summary), the second press silent; b's link once, then the summary.
    expect(texts.filter((t) => t.endsWith('✓ Lewati'))).toHaveLength(1);
    expect(texts.filter((t) => t.startsWith('Ringkasan penilaian diri'))).toHaveLength(2);
    expect(texts.filter((t) => t === 'Bukti dukung tersimpan.')).toHaveLength(1);
    expect(texts.filter((t) => t.includes('sudah tidak berlaku'))).toHaveLength(0);
    // ... and b's prompt loses its buttons (typed over): five messages in all.
    expect(texts).toHaveLength(5);
    expect((await stepOf(a)).step).toBe((await stepOf(b)).step);
  });

  it('a restart (new engine and consumer on the same database) resumes every conversation where it was', async () => {
    await consumer.stop();
    start();
    await consumer.start();
    const results = await deliver(users.slice(2).map((u) => event(u, 'text', 'Uraian indikator kedua yang cukup panjang.')));
    expect(results.every((r) => !r.duplicate)).toBe(true);
    for (const u of users.slice(2)) expect((await stepOf(u)).step).toBe('evidence');
    expect(handedOnUncommitted).toEqual([]);
  });

  it('event ids older than EVENT_DEDUPE_DAYS are pruned; younger ones stay and still stop a replay', async () => {
    const total = await count(`select 1 from processed_event`);
    await query(`update processed_event set processed_at = now() - interval '8 days' where id in (select id from processed_event order by id limit 5)`);
    expect(await pruneEventIds({ query }, new Date(Date.now() - 7 * 86_400_000), 10_000)).toBe(5);
    expect(await count(`select 1 from processed_event`)).toBe(total - 5);
  });
});
