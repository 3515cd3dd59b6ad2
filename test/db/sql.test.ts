import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlLiteral, TxRunner } from '../../src/db/sql.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

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
