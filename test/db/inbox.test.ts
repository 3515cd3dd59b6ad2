/**
 * The durable ingress inbox on PostgreSQL: a re-sent update is stored once, each chat's rows are handed out
 * oldest first and one at a time (also to two consumers at once), a row that fails because the database is
 * away is retried, one that fails for its content is parked and shown by `kinerja status`, and handled rows
 * are purged after INBOX_KEEP_DAYS while parked ones stay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { claimInboxRows, pruneEventIds, purgeHandledInbox, storeInboxRows } from '../../src/db/inbox.js';
import { txOf } from '../../src/db/sql.js';
import { createInboxConsumer } from '../../src/engine/inbox-consumer.js';
import { collectStatus, formatStatus } from '../../src/jobs/status.js';
import { createLogger } from '../../src/logger.js';
import type { ConversationEngine, HandleResult, IncomingEvent } from '../../src/contract/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
let em: EntityManager;
const tx = () => txOf(db.orm.em.fork() as EntityManager);
const row = (eventId: string, chat: string, text = eventId) => ({ platform: 'telegram', eventId, chatKey: `telegram:${chat}`, payload: { text, chat } });

beforeAll(async () => {
  db = await createTestDatabase();
  em = db.orm.em.fork() as EntityManager;
});
afterAll(async () => {
  await db?.close();
});

async function statusOf(eventId: string): Promise<{ status: string; last_error: string | null } | undefined> {
  return (await tx().query<{ status: string; last_error: string | null }>(`select status, last_error from inbox_event where event_id = $1`, [eventId]))[0];
}

describe('inbox rows', () => {
  it('stores a re-sent update once', async () => {
    const first = await storeInboxRows(tx(), [row('u-dup', 'c0')]);
    const again = await storeInboxRows(tx(), [row('u-dup', 'c0')]);
    expect([...first]).toEqual(['telegram:u-dup']);
    expect([...again]).toEqual([]);
    expect(Number((await tx().query<{ n: string }>(`select count(*) as n from inbox_event where event_id = 'u-dup'`))[0].n)).toBe(1);
  });

  it("hands out each chat's oldest pending row only, and nothing more of that chat while it is held", async () => {
    await tx().exec(`delete from inbox_event`);
    await storeInboxRows(tx(), [row('a1', 'A'), row('a2', 'A'), row('b1', 'B')]);
    const first = await claimInboxRows(tx(), { platforms: ['telegram'], limit: 10, leaseMs: 60_000 });
    expect(first.map((r) => r.eventId)).toEqual(['a1', 'b1']);
    // A second consumer at the same time gets nothing: a1 and b1 are leased, a2 waits behind a1.
    expect(await claimInboxRows(tx(), { platforms: ['telegram'], limit: 10, leaseMs: 60_000 })).toEqual([]);
    // The first consumer's next claim marks a1 done in the same statement, and so gets a2 at once.
    const next = await claimInboxRows(tx(), { platforms: ['telegram'], limit: 10, leaseMs: 60_000, done: first.filter((r) => r.eventId === 'a1').map((r) => r.id) });
    expect(next.map((r) => r.eventId)).toEqual(['a2']);
    expect((await statusOf('a1'))?.status).toBe('done');
    expect((await statusOf('b1'))?.status).toBe('pending');
  });
});

describe('the consumer', () => {
  function recordingEngine(fail: (e: IncomingEvent) => 'database' | 'content' | null): ConversationEngine & { seen: string[] } {
    const seen: string[] = [];
    return {
      seen,
      async handle(event): Promise<HandleResult> {
        const why = fail(event);
        if (why === 'database') throw Object.assign(new Error('connection terminated'), { code: '57P01' });
        seen.push(event.payload);
        return why === 'content' ? { duplicate: false, outboxIds: [], failed: { errorId: 'ERR42', reason: 'TypeError: boom' } } : { duplicate: false, outboxIds: [] };
      },
    };
  }

  it("wakes another process's consumer at once when rows are stored, however many stores come together", async () => {
    await tx().exec(`delete from inbox_event`);
    const engine = recordingEngine(() => null);
    // The storing process consumes nothing (no handler); the other one listens and would poll only once a minute.
    const storer = createInboxConsumer({ orm: db.orm, engine: recordingEngine(() => null), logger: createLogger('silent'), fallbackPollMs: 60_000 });
    const other = createInboxConsumer({ orm: db.orm, engine, logger: createLogger('silent'), databaseUrl: db.url, fallbackPollMs: 60_000 });
    other.register('telegram', {
      async resolve(payload) {
        const p = payload as { text: string; chat: string };
        return [{ platform: 'telegram', eventId: p.text, kind: 'text', payload: p.text, platformUserId: p.chat, chatId: p.chat, receivedAt: new Date() } as IncomingEvent];
      },
    });
    await storer.start();
    await other.start();
    try {
      const ids = Array.from({ length: 40 }, (_v, i) => `w${i}`);
      const handled = ids.map((id) => other.awaitHandled('telegram', id, 10_000));
      // Forty stores at once (their notifications are merged), then one more after they all committed.
      await Promise.all(ids.slice(0, -1).map((id) => storer.store([{ platform: 'telegram', eventId: id, orderKey: id, payload: { text: id, chat: id } }])));
      await new Promise((r) => setTimeout(r, 200));
      const last = ids[ids.length - 1];
      await storer.store([{ platform: 'telegram', eventId: last, orderKey: last, payload: { text: last, chat: last } }]);
      expect((await Promise.all(handled)).filter((r) => r === 'timeout')).toEqual([]);
      expect([...engine.seen].sort()).toEqual([...ids].sort());
    } finally {
      await storer.stop();
      await other.stop();
    }
  });

  it('stores arriving together are written together; a caller whose rows cannot be stored fails alone; a copy in the same group is a replay', async () => {
    await tx().exec(`delete from inbox_event`);
    const engine = recordingEngine(() => null);
    const consumer = createInboxConsumer({ orm: db.orm, engine, logger: createLogger('silent'), fallbackPollMs: 60_000 });
    const entry = (id: string, chat = id) => ({ platform: 'telegram' as const, eventId: id, orderKey: chat, payload: { text: id, chat } });
    const writes = consumer.stats.storeWrites;
    const together = await Promise.allSettled(Array.from({ length: 60 }, (_v, i) => consumer.store([entry(`g${i}`)])));
    expect(together.every((o) => o.status === 'fulfilled')).toBe(true);
    // Sixty callers at once: the first two are written as they come, the other 58 in one insert.
    expect(consumer.stats.storeWrites - writes).toBe(3);
    const copy = consumer.awaitHandled('telegram', 'g-copy', 5_000);
    const outcomes = await Promise.allSettled([
      consumer.store([entry('g-first')]),
      consumer.store([entry('g-second')]),
      // A chat key longer than the column allows: this caller's store fails (its platform will re-send) ...
      consumer.store([entry('g-bad', 'x'.repeat(300))]),
      // ... and the callers merged with it are stored one by one.
      consumer.store([entry('g-copy')]),
      consumer.store([entry('g-copy')]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(await copy).toEqual([{ duplicate: true, outboxIds: [] }]);
    const stored = await tx().query<{ event_id: string }>(`select event_id from inbox_event where event_id like 'g%' order by id`);
    expect(stored.map((r) => r.event_id).sort()).toEqual([...Array.from({ length: 60 }, (_v, i) => `g${i}`), 'g-first', 'g-second', 'g-copy'].sort());
  });

  it('handles rows in per-chat order across two consumers, retries a database failure, parks a content failure', async () => {
    await tx().exec(`delete from inbox_event`);
    let databaseAway = true;
    const engine = recordingEngine((e) => (e.payload === 'x2' && databaseAway ? 'database' : e.payload === 'bad' ? 'content' : null));
    const consumers = [1, 2].map(() => createInboxConsumer({ orm: db.orm, engine, logger: createLogger('silent'), fallbackPollMs: 50 }));
    for (const c of consumers) {
      c.register('telegram', {
        async resolve(payload) {
          const p = payload as { text: string; chat: string };
          return [{ platform: 'telegram', eventId: p.text, kind: 'text', payload: p.text, platformUserId: p.chat, chatId: p.chat, receivedAt: new Date() } as IncomingEvent];
        },
      });
      await c.start();
    }
    try {
      await consumers[0].store(['x1', 'x2', 'x3', 'x4'].map((t) => ({ platform: 'telegram' as const, eventId: t, orderKey: 'X', payload: { text: t, chat: 'X' } })));
      await consumers[1].store([{ platform: 'telegram', eventId: 'bad', orderKey: 'Y', payload: { text: 'bad', chat: 'Y' } }]);
      await new Promise((r) => setTimeout(r, 800));
      // x2 failed for the database: x3 and x4 wait behind it, in order.
      expect(engine.seen.filter((t) => t.startsWith('x'))).toEqual(['x1']);
      expect((await statusOf('x2'))?.status).toBe('pending');
      databaseAway = false;
      const deadline = Date.now() + 15_000;
      while (engine.seen.filter((t) => t.startsWith('x')).length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(engine.seen.filter((t) => t.startsWith('x'))).toEqual(['x1', 'x2', 'x3', 'x4']);
      expect((await statusOf('bad'))).toEqual({ status: 'parked', last_error: 'error ERR42: TypeError: boom' });
      const status = formatStatus(await collectStatus(em, []));
      expect(status).toMatch(/Inbox: 0 pending, 4 handled, 1 parked/);
      expect(status).toContain('telegram update bad: error ERR42: TypeError: boom');
    } finally {
      for (const c of consumers) await c.stop();
    }
  });
});

describe('the purge', () => {
  it('deletes handled rows, and event ids, older than their cut-offs; parked and recent rows stay', async () => {
    await tx().exec(`delete from inbox_event`);
    await tx().exec(`delete from processed_event`);
    await storeInboxRows(tx(), [row('old-done', 'P'), row('old-parked', 'Q'), row('new-done', 'R')]);
    await tx().exec(`update inbox_event set status = 'done', handled_at = now() - interval '8 days' where event_id = 'old-done'`);
    await tx().exec(`update inbox_event set status = 'parked', handled_at = now() - interval '8 days' where event_id = 'old-parked'`);
    await tx().exec(`update inbox_event set status = 'done', handled_at = now() where event_id = 'new-done'`);
    await tx().exec(`insert into processed_event (platform, event_id, processed_at) values ('telegram', 'old-done', now() - interval '8 days'), ('telegram', 'new-done', now())`);
    const purged = await purgeHandledInbox(tx(), new Date(Date.now() - 7 * 86_400_000), 1000);
    expect(purged).toBe(1);
    const left = await tx().query<{ event_id: string }>(`select event_id from inbox_event order by event_id`);
    expect(left.map((r) => r.event_id)).toEqual(['new-done', 'old-parked']);
    // Event ids have their own cut-off (EVENT_DEDUPE_DAYS): the inbox purge leaves them.
    const before = await tx().query<{ event_id: string }>(`select event_id from processed_event order by event_id`);
    expect(before.map((r) => r.event_id)).toEqual(['new-done', 'old-done']);
    expect(await pruneEventIds(tx(), new Date(Date.now() - 7 * 86_400_000), 1000)).toBe(1);
    const ids = await tx().query<{ event_id: string }>(`select event_id from processed_event order by event_id`);
    expect(ids.map((r) => r.event_id)).toEqual(['new-done']);
  });
});
