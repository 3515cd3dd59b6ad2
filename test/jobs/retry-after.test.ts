/**
 * Retry-After on every platform: two real Slack worker processes (scripts/worker-child.ts, the Slack module's
 * own limiter) share one Redis; the fake platform answers the first message with 429 and `Retry-After: 2`, and
 * every request in the next two seconds the same way. The other 39 messages are queued once that answer came:
 * neither worker (not even the one that did not see the 429) sends anything before the window ends, and every
 * message is then delivered exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { startFakePlatform, type FakePlatform } from '../support/fake-platform.js';
import { createQueues, type Queues } from '../../src/jobs/worker-role.js';
import { sql } from '../support/seed.js';
import { addOutbox, eventually, testConfig, uniquePrefix } from './helpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const MESSAGES = 40;
const CONCURRENCY = 4;
const WINDOW_MS = 2000;

describe('Retry-After with two Slack worker processes', () => {
  let db: TestDatabase;
  let em: EntityManager;
  let queues: Queues;
  const prefix = uniquePrefix('retryafter');
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    em = db.orm.em.fork() as EntityManager;
    queues = createQueues({ orm: db.orm, config: testConfig({ REDIS_URL, DATABASE_URL: db.url }), databaseUrl: db.url, prefix });
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const q of queues?.all() ?? []) await q.obliterate({ force: true }).catch(() => undefined);
    await queues?.close();
    await db?.close();
  });

  function startChild(name: string, platform: FakePlatform): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/worker-child.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        REDIS_URL,
        QUEUE_PREFIX: prefix,
        FAKE_PLATFORM_URL: platform.url,
        WORKER_NAME: name,
        WORKER_PLATFORM: 'slack',
        DELIVERY_CONCURRENCY: String(CONCURRENCY),
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

  async function stopGracefully(child: ChildProcess) {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }

  it('no request before the window ends, from either worker; each message delivered once', { timeout: 60_000 }, async () => {
    let windowEnd = 0;
    const platform = await startFakePlatform({
      script: () => {
        const now = Date.now();
        windowEnd ||= now + WINDOW_MS;
        return now < windowEnd ? { status: 429, retryAfterSec: Math.ceil((windowEnd - now) / 1000) } : { status: 200 };
      },
    });
    try {
      const [a, b] = await Promise.all([startChild('A', platform), startChild('B', platform)]);
      const ids: number[] = [];
      for (let i = 0; i < MESSAGES; i++) ids.push(await addOutbox(em, `C${String(i).padStart(3, '0')}`, `pesan ${i}`, { platform: 'slack' }));
      await queues.enqueueOutbox(ids.slice(0, 1));
      await eventually(async () => platform.rejected429 > 0, 10_000, 'the first 429');
      await queues.enqueueOutbox(ids.slice(1));
      const sent = async () => Number((await sql<{ n: string }>(em, `select count(*) as n from outbox_message where status = 'sent'`))[0].n);
      await eventually(async () => (await sent()) === MESSAGES, 40_000, 'all delivered');

      const inWindow = platform.log.filter((r) => r.at < windowEnd);
      // The request that opened the window is the only one in it.
      expect(inWindow).toHaveLength(1);
      expect(inWindow[0].status).toBe(429);
      const counts = platform.counts();
      expect(counts.size).toBe(MESSAGES);
      expect([...counts.values()].every((n) => n === 1)).toBe(true);
      expect(new Set(platform.received.map((r) => r.worker))).toEqual(new Set(['A', 'B']));
      expect(Math.min(...platform.received.map((r) => r.at))).toBeGreaterThanOrEqual(windowEnd);
      expect(Number((await sql<{ n: string }>(em, `select count(*) as n from outbox_message where status <> 'sent'`))[0].n)).toBe(0);
      console.info(`retry-after: ${inWindow.length} request in the ${WINDOW_MS} ms window, first delivery ${Math.min(...platform.received.map((r) => r.at)) - windowEnd} ms after it, ${platform.requests} in all for ${MESSAGES} messages`);
      await Promise.all([stopGracefully(a), stopGracefully(b)]);
    } finally {
      await platform.close();
    }
  });
});
