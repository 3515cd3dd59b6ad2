import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, appendAuditAtCommit, auditBody, auditHash, verifyAuditChain, type AuditEntry } from '../../src/db/audit.js';
import { TxRunner, txOf } from '../../src/db/sql.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('the audit chain (one formula for every writer)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('chains entries written by the engine (at COMMIT) and by the CLI (in an ORM transaction), and one function verifies both', async () => {
    const runner = new TxRunner(db.orm);
    const em = db.orm.em.fork() as EntityManager;
    // Text PostgreSQL and JavaScript could encode differently: quotes, backslashes, non-ASCII, nested keys.
    const engineEntry: AuditEntry = { actor: '198001012006041001', action: 'assessment.submitted', subject: 'assessment:7', data: { late: false, note: `it's a "test" \\ ✓`, platform: 'telegram' } };
    const cliEntry: AuditEntry = { actor: 'ani.hr', action: 'employees.imported', subject: 'pegawai (1).csv', data: { z: 1, a: { y: [1, 'dua'], b: null } } };
    const at = new Date('2026-03-14T17:30:00.123Z');

    await runner.run(async (tx) => appendAuditAtCommit(tx, [engineEntry], at));
    await em.transactional(async (t) => appendAudit(txOf(t as EntityManager), cliEntry, at));
    await runner.run(async (tx) => appendAuditAtCommit(tx, [engineEntry, { ...engineEntry, subject: 'assessment:8' }], new Date(at.getTime() + 1)));

    const tx = txOf(em);
    expect(await verifyAuditChain(tx)).toBeNull();
    const rows = await tx.query<{ id: string; prev_hash: string | null; hash: string; actor: string }>('select id, prev_hash, hash, actor from audit_event order by id');
    expect(rows.map((r) => r.actor)).toEqual([engineEntry.actor, cliEntry.actor, engineEntry.actor, engineEntry.actor]);
    // The hash PostgreSQL stored for the CLI's row is the JavaScript formula over the previous hash and the body.
    expect(rows[1].hash).toBe(auditHash(rows[0].hash, auditBody(cliEntry, at)));

    // Editing the CLI's row breaks the chain exactly there.
    await tx.exec(`update audit_event set subject = 'other.csv' where id = $1`, [rows[1].id]);
    expect(await verifyAuditChain(tx)).toEqual({ id: Number(rows[1].id), reason: 'hash_mismatch' });
  });
});
