/**
 * Exclusive roles on PostgreSQL advisory locks (src/db/exclusive.ts), as two bot processes would use them
 * for Telegram polling: one holds, the other stands by; the holder's session killed -> its lease is lost and
 * the stand-by takes over within a few seconds; a release hands over at once; abort stops a waiter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExclusiveRoles } from '../../src/db/exclusive.js';
import { createLogger } from '../../src/logger.js';
import type { ExclusiveLease } from '../../src/contract/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

let db: TestDatabase;
const logger = createLogger('silent');

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

const roles = () => createExclusiveRoles({ databaseUrl: db.url, singleSession: false, logger, retryMs: 200, heartbeatMs: 500 });

describe('exclusive roles', () => {
  it('one process holds a role; a second stands by and takes over when the holder session dies', async () => {
    const a = roles();
    const b = roles();
    const stop = new AbortController();
    const leaseA = await a.acquire('telegram-polling', stop.signal);
    let leaseB: ExclusiveLease | undefined;
    const waiting = b.acquire('telegram-polling', stop.signal).then((l) => (leaseB = l));
    await new Promise((r) => setTimeout(r, 800));
    expect(leaseB).toBeUndefined(); // still standing by

    // The holder's session ends as it would when its process is killed.
    const killed = Date.now();
    await db.orm.em.fork().getConnection().execute(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'kinerja telegram-polling' and pid in (select pid from pg_locks where locktype = 'advisory' and granted)`);
    await waiting;
    expect(leaseB).toBeDefined();
    expect(Date.now() - killed).toBeLessThan(3_000);
    // The old holder knows it lost the role (its work must stop).
    await expect.poll(() => leaseA.lost.aborted, { timeout: 3_000 }).toBe(true);
    expect(leaseB!.lost.aborted).toBe(false);
    await leaseA.release();
    await leaseB!.release();
  });

  it('a released role is taken by the stand-by; other roles are independent', async () => {
    const a = roles();
    const b = roles();
    const stop = new AbortController();
    const first = await a.acquire('role-x', stop.signal);
    const other = await b.acquire('role-y', stop.signal); // a different role: not blocked
    const next = b.acquire('role-x', stop.signal);
    await first.release();
    const second = await next;
    expect(second.lost.aborted).toBe(false);
    await second.release();
    await other.release();
  });

  it('a stand-by stops waiting when aborted (the process shuts down)', async () => {
    const stop = new AbortController();
    const holder = await roles().acquire('role-z', stop.signal);
    const shutdown = new AbortController();
    const waiting = roles().acquire('role-z', shutdown.signal);
    setTimeout(() => shutdown.abort(new Error('shutting down')), 300);
    await expect(waiting).rejects.toThrow('shutting down');
    await holder.release();
    // Nothing left behind: the role is free again.
    const again = await roles().acquire('role-z', stop.signal);
    await again.release();
  });

  it('the embedded database (one session, one process) grants the role at once', async () => {
    const lease = await createExclusiveRoles({ databaseUrl: db.url, singleSession: true, logger }).acquire('telegram-polling', new AbortController().signal);
    expect(lease.lost.aborted).toBe(false);
    await lease.release();
  });
});
