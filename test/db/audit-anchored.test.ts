/**
 * The anchored audit chain (src/db/audit.ts, src/db/audit-checkpoint.ts): entries signed with AUDIT_KEY, and
 * signed checkpoints. Each way of tampering an attacker with write access to the database but without the key
 * might try: edit, delete in the middle, delete the tail, re-order, forge and re-compute (with a guessed key,
 * or with the older unkeyed formula), forge the checkpoints too. Plus the migration path (entries from before
 * the key), concurrent writers, and checkpoint signing refusing a broken chain.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  appendAudit,
  appendAuditAtCommit,
  auditBody,
  auditHash,
  auditKey,
  auditMac,
  currentAuditKey,
  useAuditKey,
  walkAuditChain,
  type AuditKey,
} from '../../src/db/audit.js';
import { checkpointLine, checkpointMac, listCheckpoints, parseCheckpointLine, signAuditCheckpoint, verifyAuditTrail } from '../../src/db/audit-checkpoint.js';
import { TxRunner, txOf, type Tx } from '../../src/db/sql.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const KEY = auditKey('k'.repeat(16) + 'rahasia-audit-kunci-uji-0123456789');
/** What an attacker without AUDIT_KEY might sign with. */
const GUESSED = auditKey('tebakan-kunci-yang-salah-0123456789abcdef');

describe('the anchored audit chain', () => {
  let db: TestDatabase;
  let tx: Tx;
  beforeAll(async () => {
    db = await createTestDatabase();
    tx = txOf(db.orm.em.fork() as EntityManager);
    useAuditKey(KEY);
  });
  afterAll(async () => {
    useAuditKey(auditKey(undefined));
    await db?.close();
  });
  beforeEach(async () => {
    await tx.exec('truncate audit_event, audit_checkpoint restart identity');
  });

  const at = (i: number) => new Date(Date.UTC(2027, 0, 1, 8, i));
  async function append(n: number, from = 0): Promise<void> {
    const em = db.orm.em.fork() as EntityManager;
    for (let i = from; i < from + n; i++) {
      await em.transactional(async (t) => appendAudit(txOf(t as EntityManager), { actor: 'ani.bkd', action: 'unit.rating_set', subject: `unit:U${i}`, data: { i, rating: 'baik' } }, at(i)));
    }
  }
  async function checkpoint(reason: 'daily' | 'cycle.closed' = 'cycle.closed') {
    const em = db.orm.em.fork() as EntityManager;
    const r = await em.transactional(async (t) => signAuditCheckpoint(txOf(t as EntityManager), { reason, at: new Date() }));
    if (r.kind !== 'signed') throw new Error(`checkpoint not signed: ${r.kind}`);
    return r.checkpoint;
  }
  type Row = { id: string; at: Date; actor: string; action: string; subject: string; data: Record<string, unknown>; prev_hash: string | null; hash: string };
  const rows = () => tx.query<Row>('select id, at, actor, action, subject, data, prev_hash, hash from audit_event order by id');
  /** What an attacker does after tampering: re-computes every hash from entry `fromId` on with `hash`, marking rows `chain`. */
  async function recompute(fromId: number, hash: (prev: string | null, body: string) => string, chain: 1 | 2, toId = Infinity): Promise<void> {
    let prev: string | null = null;
    for (const r of await rows()) {
      if (Number(r.id) >= fromId && Number(r.id) <= toId) {
        const h = hash(prev, auditBody(r, new Date(r.at)));
        await tx.exec('update audit_event set prev_hash = $1, hash = $2, chain = $3 where id = $4', [prev, h, chain, r.id]);
        prev = h;
      } else prev = r.hash;
    }
  }
  const verify = (copies: string[] = []) => verifyAuditTrail(tx, { key: KEY, copies: copies.map((l) => parseCheckpointLine(l)!) });

  it('intact: every entry verified, every checkpoint holds, entries after the newest counted', async () => {
    await append(6);
    const cp = await checkpoint();
    await append(2, 6);
    const v = await verify([checkpointLine(cp)]);
    expect(v).toMatchObject({ verified: 8, broken: null, problems: [], unkeyed: 0, end: { entries: 8, lastId: 8 } });
    expect(v.matched.map((m) => m.entries)).toEqual([6, 6]);
    expect(cp).toMatchObject({ entries: 6, lastId: 6, reason: 'cycle.closed' });
    expect(checkpointMac(KEY, cp)).toBe(cp.mac);
  });

  it('an edited entry: its signature no longer fits', async () => {
    await append(6);
    await checkpoint();
    await tx.exec(`update audit_event set data = '{"i": 2, "rating": "sangat_baik"}' where id = 3`);
    const v = await verify();
    expect(v.broken).toMatchObject({ id: 3, reason: 'hash_mismatch' });
    expect(v.verified).toBe(2);
  });

  it('an entry deleted in the middle: the next one no longer follows', async () => {
    await append(6);
    await checkpoint();
    await tx.exec('delete from audit_event where id = 4');
    expect((await verify()).broken).toMatchObject({ id: 5, reason: 'prev_hash_mismatch' });
  });

  it('entries deleted from the end: the shorter chain is intact, but the checkpoint signed more', async () => {
    await append(6);
    const cp = await checkpoint();
    await tx.exec('delete from audit_event where id >= 5');
    const v = await verify();
    expect(v.broken).toBeNull();
    expect(v.problems).toEqual([expect.objectContaining({ kind: 'entries_missing', checkpoint: expect.objectContaining({ entries: 6 }), found: expect.objectContaining({ entries: 4, lastId: 4 }) })]);
    // The checkpoints deleted too: the copy HR got in chat (or the log's) still says 6.
    await tx.exec('delete from audit_checkpoint');
    expect((await verify()).problems).toEqual([]);
    expect((await verify([checkpointLine(cp)])).problems).toEqual([expect.objectContaining({ kind: 'entries_missing' })]);
  });

  it('re-ordered entries: out of line; re-signed with a guessed key: the signatures do not fit', async () => {
    await append(6);
    await checkpoint();
    // Swapped places (the chain's order) along with their ids.
    await tx.exec('update audit_event set id = -1, pos = -1 where id = 3');
    await tx.exec('update audit_event set id = 3, pos = 3 where id = 4');
    await tx.exec('update audit_event set id = 4, pos = 4 where id = -1');
    expect((await verify()).broken).toMatchObject({ id: 3, reason: 'prev_hash_mismatch' });
    await recompute(3, (prev, body) => auditMac(GUESSED, prev, body), 2);
    expect((await verify()).broken).toMatchObject({ id: 3, reason: 'hash_mismatch' });
  });

  it('forged and re-computed without the key: a guessed key, the development key and the unkeyed formula are all caught', async () => {
    await append(6);
    const cp = await checkpoint();
    await append(2, 6);
    await tx.exec(`update audit_event set data = '{"i": 2, "rating": "sangat_baik"}' where id = 3`);
    // 1. Re-signed with a guessed key from the edit on.
    await recompute(3, (prev, body) => auditMac(GUESSED, prev, body), 2);
    expect((await verify()).broken).toMatchObject({ id: 3, reason: 'hash_mismatch' });
    // 2. With the public development key: caught, and named as such.
    await recompute(3, (prev, body) => auditMac(auditKey(undefined), prev, body), 2);
    expect((await verify()).broken).toMatchObject({ id: 3, reason: 'hash_mismatch', developmentKey: true });
    // 3. From the edit on with the older unkeyed formula: an unkeyed entry after keyed ones.
    await recompute(3, auditHash, 1);
    expect((await verify()).broken).toMatchObject({ id: 3, reason: 'unkeyed_after_keyed' });
    // 4. The whole chain re-computed with the unkeyed formula (as if it predated the key): the chain itself
    //    walks, but it no longer passes through the signed checkpoint.
    await recompute(1, auditHash, 1);
    const v = await verify();
    expect(v.broken).toBeNull();
    expect(v.problems).toEqual([expect.objectContaining({ kind: 'head_mismatch', checkpoint: expect.objectContaining({ entries: 6 }) })]);
    // 5. The checkpoint forged to match, signed with a guessed key: its signature does not fit.
    const rs = await rows();
    const forged = { at: cp.at, entries: 6, lastId: 6, headHash: rs[5]!.hash };
    await tx.exec('update audit_checkpoint set head_hash = $1, mac = $2', [forged.headHash, checkpointMac(GUESSED, forged)]);
    expect((await verify()).problems).toEqual([expect.objectContaining({ kind: 'checkpoint_forged' })]);
    // 6. The checkpoints deleted: the copy kept outside the database still refuses the forged chain.
    await tx.exec('delete from audit_checkpoint');
    expect((await verify([checkpointLine(cp)])).problems).toEqual([expect.objectContaining({ kind: 'head_mismatch' })]);
  });

  it('a checkpoint line that was altered does not verify', async () => {
    await append(3);
    const line = checkpointLine(await checkpoint());
    const altered = line.replace(/^KA1-3-/, 'KA1-2-');
    expect(parseCheckpointLine(altered)).not.toBeNull();
    expect((await verify([altered])).problems).toEqual([expect.objectContaining({ kind: 'checkpoint_forged' })]);
    expect(parseCheckpointLine('KA1-3-x')).toBeNull();
  });

  it('the migration path: entries written before the key (sha256) are verified by that formula, and the keyed chain continues from them', async () => {
    // Written by the previous version: sha256, `chain` = 1 (as the migration marks existing rows).
    let prev: string | null = null;
    for (let i = 0; i < 3; i++) {
      const entry = { actor: 'system', action: 'cycle.opened', subject: `cycle:${i}`, data: { i } };
      const hash = auditHash(prev, auditBody(entry, at(i)));
      await tx.exec(`insert into audit_event (at, actor, action, subject, data, prev_hash, hash, chain) values ($1, $2, $3, $4, $5::jsonb, $6, $7, 1)`, [at(i), entry.actor, entry.action, entry.subject, JSON.stringify(entry.data), prev, hash]);
      prev = hash;
    }
    await append(2, 3);
    const [first] = await tx.query<{ prev_hash: string; chain: number }>('select prev_hash, chain from audit_event where id = 4');
    expect(first).toEqual({ prev_hash: prev, chain: 2 });
    await checkpoint();
    expect(await verify()).toMatchObject({ verified: 5, unkeyed: 3, broken: null, problems: [] });
    // Re-hashing an old entry changes what the first keyed entry covers.
    await tx.exec(`update audit_event set subject = 'cycle:99' where id = 2`);
    await recompute(2, auditHash, 1, 3);
    expect((await verify()).broken).toMatchObject({ id: 4, reason: 'prev_hash_mismatch' });
    // Going on to re-hash the keyed entries with the unkeyed formula too: the checkpoint no longer holds.
    await recompute(4, auditHash, 1);
    expect((await verify()).problems).toEqual([expect.objectContaining({ kind: 'head_mismatch' })]);
  });

  it('concurrent writers (at COMMIT and in ORM transactions) keep one chain', async () => {
    const runner = new TxRunner(db.orm);
    const em = db.orm.em.fork() as EntityManager;
    await Promise.all(
      Array.from({ length: 24 }, (_, i) =>
        i % 2
          ? runner.run(async (t) => appendAuditAtCommit(t, [{ actor: `a${i}`, action: 'answer.saved', subject: `assessment:${i}` }, { actor: `a${i}`, action: 'answer.saved', subject: `assessment:${i}b` }], at(i)))
          : em.fork().transactional(async (t) => appendAudit(txOf(t as EntityManager), { actor: `b${i}`, action: 'unit.rating_set', subject: `unit:${i}` }, at(i))),
      ),
    );
    const v = await verify();
    expect(v).toMatchObject({ verified: 36, broken: null });
  });

  it('a checkpoint is only signed over a chain that verifies; a daily one is skipped when nothing was appended', async () => {
    await append(3);
    const first = await checkpoint('daily');
    const em = db.orm.em.fork() as EntityManager;
    const sign = (reason: 'daily' | 'cycle.closed') => em.transactional(async (t) => signAuditCheckpoint(txOf(t as EntityManager), { reason, at: new Date() }));
    expect(await sign('daily')).toMatchObject({ kind: 'unchanged', checkpoint: { id: first.id } });
    expect(await sign('cycle.closed')).toMatchObject({ kind: 'signed', checkpoint: { entries: 3 } });
    await append(2, 3);
    await tx.exec(`update audit_event set subject = 'lain' where id = 5`);
    expect(await sign('daily')).toMatchObject({ kind: 'refused', broken: { id: 5, reason: 'hash_mismatch' } });
    await tx.exec(`update audit_event set subject = 'unit:U4' where id = 5`);
    expect(await sign('daily')).toMatchObject({ kind: 'signed', checkpoint: { entries: 5 } });
    // The newest checkpoint's own entry deleted: the walk after it would prove nothing, so nothing is signed.
    await tx.exec('delete from audit_event where id = 5');
    expect(await sign('daily')).toMatchObject({ kind: 'refused', problem: { kind: 'head_mismatch' } });
    await tx.exec('delete from audit_checkpoint where id = (select max(id) from audit_checkpoint)');
    // A checkpoint signed with another key is not built upon either.
    await tx.exec('update audit_checkpoint set mac = $1 where id = (select max(id) from audit_checkpoint)', ['0'.repeat(64)]);
    expect(await sign('daily')).toMatchObject({ kind: 'refused', problem: { kind: 'checkpoint_forged' } });
    expect((await listCheckpoints(tx)).length).toBe(2);
  });

  it('entries signed with the development key are named as such when AUDIT_KEY is set later', async () => {
    const dev: AuditKey = auditKey(undefined);
    useAuditKey(dev);
    try {
      await append(2);
    } finally {
      useAuditKey(KEY);
    }
    expect(currentAuditKey().source).toBe('configured');
    expect((await walkAuditChain(tx, { key: KEY })).broken).toMatchObject({ id: 1, reason: 'hash_mismatch', developmentKey: true });
    expect((await walkAuditChain(tx, { key: dev })).broken).toBeNull();
  });
});
