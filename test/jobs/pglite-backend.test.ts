/**
 * BullMQ's PostgreSQL backend on the embedded PGlite, as the embedded default runs it: queues and workers
 * share the one PGlite session with the ORM's pool while both are busy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgliteDatabase, type TestDatabase } from '../support/db.js';
import { createQueueBackend, type QueueBackend } from '../../src/jobs/backend.js';

describe('BullMQ PostgreSQL backend on embedded PGlite', () => {
  let db: TestDatabase;
  let backend: QueueBackend;
  beforeAll(async () => {
    db = await createPgliteDatabase();
    backend = createQueueBackend({ databaseUrl: db.url, embedded: true });
  }, 60_000);
  afterAll(async () => {
    await backend?.close();
    await db?.close();
  });

  it('processes every job exactly once while the ORM queries the same database concurrently', async () => {
    const conn = db.orm.em.getConnection();
    const queue = backend.queue<{ n: number }>('pglite-smoke');
    const seen: number[] = [];
    const worker = backend.worker<{ n: number }>('pglite-smoke', async (job) => {
      // Parameterised queries from the worker and the ORM interleave on the one PGlite session.
      const rows = await conn.execute<{ n: number }[]>('select ?::int as n', [job.data.n]);
      seen.push(rows[0]!.n);
    });
    const adds = Array.from({ length: 40 }, (_, i) => queue.add('x', { n: i }, { jobId: `job-${i}` }));
    const again = Array.from({ length: 10 }, (_, i) => queue.add('x', { n: i }, { jobId: `job-${i}` }));
    const noise = Array.from({ length: 100 }, (_, i) => conn.execute<{ n: number }[]>('select ?::int + 1 as n', [i]));
    const answers = await Promise.all(noise);
    await Promise.all([...adds, ...again]);
    expect(answers.map((r) => r[0]!.n)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    const deadline = Date.now() + 30_000;
    while (seen.length < 40 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    await worker.close();
    await queue.close();
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 60_000);
});
