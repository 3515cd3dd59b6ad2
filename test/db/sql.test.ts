import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlLiteral, TxRunner } from '../../src/db/sql.js';
import { createPgliteDatabase, createTestDatabase, type TestDatabase } from '../support/db.js';

describe('engine SQL session', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase({ migrate: false });
  });
  afterAll(async () => {
    await db?.close();
  });

  it('quotes any text as a literal PostgreSQL reads back unchanged', async () => {
    const runner = new TxRunner(db.orm);
    for (const v of [`it's`, `back\\slash`, `both ' and \\ and ''`, `Budi's "quote" \\n`, 'emoji 🙂']) {
      const rows = await runner.run(async (tx) => tx.query<{ v: string }>(`select ${sqlLiteral(v)}::text as v`));
      expect(rows[0].v).toBe(v);
    }
  });

  it('runs beforeCommit SQL in the committing message, and discards it on rollback', async () => {
    const runner = new TxRunner(db.orm);
    await runner.run(async (tx) => tx.exec('create table t_commit (v text)'));
    await runner.run(async (tx) => tx.beforeCommit(`insert into t_commit values ('kept')`));
    await expect(
      runner.run(async (tx) => {
        tx.beforeCommit(`insert into t_commit values ('lost')`);
        throw new Error('step failed');
      }),
    ).rejects.toThrow('step failed');
    const rows = await runner.run(async (tx) => tx.query<{ v: string }>('select v from t_commit'));
    expect(rows.map((r) => r.v)).toEqual(['kept']);
    await expect(runner.session(async (s) => s.beforeCommit('select 1'))).rejects.toThrow('outside a transaction');
  });
});

describe('engine SQL session on the embedded PGlite (one session shared by the pool)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createPgliteDatabase({ migrate: false });
  }, 120_000);
  afterAll(async () => {
    await db?.close();
  });

  it('runs the same statements from every pooled connection at once, also after a first use that failed', async () => {
    const runner = new TxRunner(db.orm);
    await runner.run(async (tx) => tx.exec('create table t_shared (k int primary key, v text not null)'));
    await runner.run(async (tx) => tx.exec(`insert into t_shared values (0, 'zero')`));
    const insert = 'insert into t_shared (k, v) values ($1, $2)';
    // The first use of the text fails (a duplicate key) after it was parsed: the statement still exists.
    await expect(runner.run(async (tx) => tx.exec(insert, [0, 'again']))).rejects.toThrow(/duplicate key/);
    const read = 'select v from t_shared where k = $1';
    // Every pooled connection open (each holds one while the others are asked for).
    await Promise.all(Array.from({ length: 4 }, () => runner.session(async (s) => s.query('select pg_sleep(0.05)', [], { once: true }))));
    // More sessions than connections, all using `read` for the first time at once (autocommit, as the
    // engine's first read: no transaction keeps the other connections waiting).
    const got = await Promise.all(
      Array.from({ length: 24 }, (_v, i) =>
        runner.session(async (tx) => {
          const before = (await tx.query<{ v: string }>(read, [0]))[0]?.v;
          await tx.exec(insert, [i + 1, `v${i + 1}`]);
          return `${before} ${(await tx.query<{ v: string }>(read, [i + 1]))[0]?.v}`;
        }),
      ),
    );
    expect(got).toEqual(Array.from({ length: 24 }, (_v, i) => `zero v${i + 1}`));
    // A second runner on the same database (another part of the process) uses the statements as they are.
    expect(await new TxRunner(db.orm).session(async (s) => s.query<{ v: string }>(read, [3]))).toEqual([{ v: 'v3' }]);
  });
});
