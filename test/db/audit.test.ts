import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { appendAudit, appendAuditAtCommit, auditBody, auditMac, canonicalJson, currentAuditKey, verifyAuditChain, walkAuditChain, type AuditEntry } from '../../src/db/audit.js';
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
    // The hash stored for the CLI's row is the keyed formula over the previous hash and the body.
    expect(rows[1].hash).toBe(auditMac(currentAuditKey(), rows[0].hash, auditBody(cliEntry, at)));

    // Editing the CLI's row breaks the chain exactly there.
    await tx.exec(`update audit_event set subject = 'other.csv' where id = $1`, [rows[1].id]);
    expect(await verifyAuditChain(tx)).toEqual({ id: Number(rows[1].id), reason: 'hash_mismatch' });
  });
});

describe('walking the chain (kinerja audit verify)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('counts entries page by page, starts --from a day anchored on the entry before, and names each kind of break', async () => {
    const em = db.orm.em.fork() as EntityManager;
    const tx = txOf(em);
    for (let i = 0; i < 7; i++) {
      await em.transactional(async (t) => appendAudit(txOf(t as EntityManager), { actor: 'hr', action: 'unit.rating_set', subject: `unit:U${i}`, data: { i } }, new Date(Date.UTC(2027, 0, 1 + i))));
    }
    const rows = await tx.query<{ id: string; hash: string; subject: string }>('select id, hash, subject from audit_event order by id');
    const id = (i: number) => Number(rows[i]!.id);
    expect(await walkAuditChain(tx, { pageSize: 3 })).toMatchObject({ verified: 7, broken: null, firstId: id(0) });
    expect(await walkAuditChain(tx, { from: new Date(Date.UTC(2027, 0, 5)), pageSize: 2 })).toMatchObject({ verified: 3, broken: null, firstId: id(4), end: { entries: 7, lastId: id(6) } });
    expect(await walkAuditChain(tx, { from: new Date(Date.UTC(2030, 0, 1)) })).toMatchObject({ verified: 0, broken: null, firstId: null });

    // Edited data: the hash no longer matches, with both hashes given.
    await tx.exec(`update audit_event set data = '{"i": 99}' where id = $1`, [id(2)]);
    expect(await walkAuditChain(tx, { pageSize: 2 })).toMatchObject({ verified: 2, firstId: id(0), broken: { id: id(2), reason: 'hash_mismatch', expected: expect.stringMatching(/^[0-9a-f]{64}$/), found: rows[2]!.hash } });
    await tx.exec(`update audit_event set data = '{"i": 2}' where id = $1`, [id(2)]);

    // A deleted entry: the next one no longer follows; --from just after it still notices.
    await tx.exec(`delete from audit_event where id = $1`, [id(3)]);
    expect((await walkAuditChain(tx)).broken).toEqual({ id: id(4), reason: 'prev_hash_mismatch', expected: rows[2]!.hash, found: rows[3]!.hash });
    expect((await walkAuditChain(tx, { from: new Date(Date.UTC(2027, 0, 5)) })).broken).toMatchObject({ id: id(4), reason: 'prev_hash_mismatch' });

    // An entry inserted in the gap with a made-up hash: it does not fit either.
    await tx.exec(`insert into audit_event (id, at, actor, action, subject, data, prev_hash, hash, chain) values ($1, now(), 'x', 'y', 'z', '{}', $2, $3, 2)`, [id(3), rows[2]!.hash, 'f'.repeat(64)]);
    expect((await walkAuditChain(tx)).broken).toMatchObject({ id: id(3), reason: 'hash_mismatch' });
    // The same row claiming the older, unkeyed formula: refused after keyed entries.
    await tx.exec(`update audit_event set chain = 1 where id = $1`, [id(3)]);
    expect((await walkAuditChain(tx)).broken).toMatchObject({ id: id(3), reason: 'unkeyed_after_keyed' });
  });
});

describe('the canonical text that entries are hashed over', () => {
  /** The formulation every stored hash was computed with (the product's is rewritten to allocate less). */
  function original(value: unknown): string {
    if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
    if (value instanceof Date) return JSON.stringify(value.toISOString());
    if (Array.isArray(value)) return `[${value.map((v) => original(v)).join(',')}]`;
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${original(v)}`).join(',')}}`;
  }

  it('is the same text as before for any entry data (so every stored hash still verifies)', () => {
    const leaf = fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.date({ noInvalidDate: true }), fc.string({ unit: 'binary' }), fc.double());
    const value = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node')), fc.dictionary(fc.string({ unit: 'binary' }), tie('node')), fc.sparseArray(tie('node'))),
    })).node;
    fc.assert(
      fc.property(value, (v) => {
        expect(canonicalJson(v)).toBe(original(v));
      }),
      { numRuns: 2000 },
    );
    // Keys that sort differently by code point and by UTF-16 unit, and one left out.
    const tricky = { '\u{1F600}': 1, '\uFF61': 2, b: undefined, a: [new Date(0), null, 'x'] };
    expect(canonicalJson(tricky)).toBe(original(tricky));
    // UTF-16 order puts the emoji (a surrogate pair, 0xD83D...) before U+FF61, though its code point is higher.
    expect(canonicalJson(tricky)).toBe('{"a":["1970-01-01T00:00:00.000Z",null,"x"],"\u{1F600}":1,"\uFF61":2}');
  });
});
