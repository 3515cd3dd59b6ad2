/**
 * Sealed audit entries (src/db/audit.ts): the engine writes them without the chain's lock, the chainer gives
 * them their place after the commit, and the walk holds every one of them to its seal meanwhile. Forged,
 * edited and copied entries never get a place.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  appendAudit,
  appendSealedAudit,
  auditKey,
  auditSeal,
  auditBody,
  chainSealedEntries,
  useAuditKey,
  walkAuditChain,
  type AuditEntry,
} from '../../src/db/audit.js';
import { createAuditChainer } from '../../src/engine/audit-chainer.js';
import { signAuditCheckpoint, verifyAuditTrail } from '../../src/db/audit-checkpoint.js';
import { TxRunner, type Tx } from '../../src/db/sql.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const entry = (i: number): AuditEntry => ({ actor: `19800101200604100${i % 10}`, action: 'answer.saved', subject: `assessment:${i}`, data: { item: `K${i}`, realisasi: i, note: `it's "${i}" ✓` } });
const at = (i: number) => new Date(Date.UTC(2027, 0, 4, 2, 0, 0, i));

describe('sealed audit entries, chained after their commit', () => {
  let db: TestDatabase;
  let runner: TxRunner;
  let tx: Tx;
  beforeAll(async () => {
    db = await createTestDatabase();
    runner = new TxRunner(db.orm);
    // A configured key, as production runs (the development key is public).
    useAuditKey(auditKey('a configured key for this test file'));
  });
  afterAll(async () => {
    useAuditKey(auditKey(undefined));
    await db?.close();
  });
  beforeEach(async () => {
    await runner.session(async (s) => {
      await s.exec('delete from audit_checkpoint');
      await s.exec('delete from audit_event');
    });
    tx = { query: (sql, params) => runner.session((s) => s.query(sql, params)), exec: (sql, params) => runner.session((s) => s.exec(sql, params)), beforeCommit: () => undefined };
  });

  const sealed = (from: number, n: number) =>
    runner.run(async (t) => appendSealedAudit(t, Array.from({ length: n }, (_, k) => ({ entry: entry(from + k), at: at(from + k) }))));
  const chained = (i: number) => runner.run(async (t) => appendAudit(t, entry(i), at(i)));
  const chainAll = async () => {
    for (;;) if (!(await runner.run((t) => chainSealedEntries(t, { atCommit: true }))).more) return;
  };

  it('waiting entries verify by their seal; chained after entries appended under the lock, the chain is whole', async () => {
    await chained(1);
    await sealed(2, 3);
    await chained(5);
    const before = await walkAuditChain(tx);
    expect(before).toMatchObject({ broken: null, verified: 2, waiting: 3 });
    await chainAll();
    const after = await walkAuditChain(tx);
    expect(after).toMatchObject({ broken: null, verified: 5, waiting: 0 });
    // In the order they got their place: the two chained on insert, then the sealed ones in id order.
    const order = await tx.query<{ subject: string }>('select subject from audit_event order by pos');
    expect(order.map((r) => r.subject)).toEqual(['assessment:1', 'assessment:5', 'assessment:2', 'assessment:3', 'assessment:4']);
    // An entry appended under the lock now follows the last chained one.
    await chained(6);
    expect(await walkAuditChain(tx)).toMatchObject({ broken: null, verified: 6 });
  });

  it('a round takes at most its share; the next one goes on where it stopped', async () => {
    await sealed(1, 5);
    expect(await runner.run((t) => chainSealedEntries(t, { max: 2, atCommit: true }))).toMatchObject({ chained: 2, more: true });
    expect(await walkAuditChain(tx)).toMatchObject({ broken: null, verified: 2, waiting: 3 });
    await chainAll();
    expect(await walkAuditChain(tx)).toMatchObject({ broken: null, verified: 5, waiting: 0 });
  });

  it('an entry inserted without the key, or edited while it waits, breaks the walk and is refused by the chainer; the others are chained', async () => {
    await sealed(1, 2);
    const [first] = await tx.query<{ id: string }>('select id from audit_event order by id limit 1');
    // Forged: no seal, a seal under a guessed key.
    await tx.exec(`insert into audit_event (at, actor, action, subject, data) values (now(), 'x', 'review.recorded', 'assessment:99', '{}')`);
    const guessed = auditKey('guessed');
    const body = auditBody(entry(50), at(50));
    await tx.exec(`insert into audit_event (at, actor, action, subject, data, nonce, seal) values ($1, $2, $3, $4, $5::jsonb, 'n50', $6)`, [
      at(50), entry(50).actor, entry(50).action, entry(50).subject, JSON.stringify(entry(50).data), auditSeal(guessed, 'n50', body),
    ]);
    // Edited while waiting: the realisasi changed.
    await tx.exec(`update audit_event set data = jsonb_set(data, '{realisasi}', '100') where id = $1`, [first!.id]);
    expect((await walkAuditChain(tx)).broken).toEqual({ id: Number(first!.id), reason: 'seal_mismatch', found: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const round = await runner.run((t) => chainSealedEntries(t, { atCommit: true }));
    expect(round.chained).toBe(1);
    expect(round.refused).toHaveLength(3);
    const refused = await tx.query<{ id: string; pos: string }>('select id, pos from audit_event where pos < 0 order by id');
    expect(refused.map((r) => Number(r.pos))).toEqual(refused.map((r) => -Number(r.id)));
    // Never chained, and still reported: the first of them.
    expect((await walkAuditChain(tx)).broken).toMatchObject({ id: Number(first!.id), reason: 'seal_mismatch' });
    expect((await walkAuditChain(tx)).verified).toBe(1);
    // A checkpoint is not signed over them.
    expect(await runner.run((t) => signAuditCheckpoint(t, { reason: 'daily', at: at(60) }))).toMatchObject({ kind: 'refused', broken: { reason: 'seal_mismatch' } });
  });

  it('a copy of a sealed entry (same nonce and seal) cannot be inserted to be chained twice', async () => {
    await sealed(1, 1);
    await expect(
      tx.exec(`insert into audit_event (at, actor, action, subject, data, nonce, seal) select at, actor, action, subject, data, nonce, seal from audit_event`),
    ).rejects.toThrow(/audit_event_nonce_unique/);
  });

  it('with the unique index on nonce dropped, a copy of a sealed entry is chained like the original, and the walk names it as a copy', async () => {
    await sealed(1, 2);
    await chainAll();
    expect(await walkAuditChain(tx)).toMatchObject({ broken: null, verified: 2 });
    await tx.exec('drop index audit_event_nonce_unique');
    try {
      // Intact without the index as long as there is no copy.
      expect(await walkAuditChain(tx)).toMatchObject({ broken: null, verified: 2 });
      const [original] = await tx.query<{ id: string }>('select id from audit_event order by id limit 1');
      const [copy] = await tx.query<{ id: string }>(
        `insert into audit_event (at, actor, action, subject, data, nonce, seal) select at, actor, action, subject, data, nonce, seal from audit_event where id = $1 returning id`,
        [original!.id],
      );
      // Its seal fits, so the chainer cannot tell: it gets a place, and each hash along the chain fits.
      await chainAll();
      const walk = await walkAuditChain(tx);
      expect(walk.verified).toBe(3);
      expect(walk.broken).toEqual({ id: Number(copy!.id), reason: 'nonce_reused', copyOf: Number(original!.id) });
      expect(await runner.run((t) => signAuditCheckpoint(t, { reason: 'daily', at: at(60) }))).toMatchObject({ kind: 'refused', broken: { reason: 'nonce_reused' } });
    } finally {
      await tx.exec('delete from audit_event where id in (select id from (select id, row_number() over (partition by nonce order by id) as k from audit_event where nonce is not null) x where k > 1)');
      await tx.exec('create unique index audit_event_nonce_unique on audit_event (nonce) where nonce is not null');
    }
  });

  it('two chainers at once (two processes) give every entry one place', async () => {
    await sealed(1, 40);
    const other = new TxRunner(db.orm);
    await Promise.all([chainAll(), (async () => {
      for (;;) if (!(await other.run((t) => chainSealedEntries(t, { max: 7, atCommit: true }))).more) return;
    })()]);
    const walk = await walkAuditChain(tx);
    expect(walk).toMatchObject({ broken: null, verified: 40, waiting: 0 });
    expect((await tx.query<{ n: number }>('select count(distinct pos)::int as n from audit_event'))[0]!.n).toBe(40);
  });

  it('a checkpoint chains what waits first, so it covers every entry committed before it', async () => {
    await chained(1);
    await sealed(2, 3);
    const signed = await runner.run((t) => signAuditCheckpoint(t, { reason: 'daily', at: at(10) }));
    expect(signed).toMatchObject({ kind: 'signed', checkpoint: { entries: 4 } });
    const v = await verifyAuditTrail(tx);
    expect(v).toMatchObject({ broken: null, problems: [], waiting: 0, verified: 4 });
    expect(v.matched).toHaveLength(1);
  });

  it('the chainer: nudged after commits it chains soon; a round that fails is tried again and loses nothing', async () => {
    const logger = createLogger('silent');
    const chainer = createAuditChainer({ runner, logger, delayMs: 5 });
    try {
      await sealed(1, 3);
      // The chainer's rounds fail for a while (as when the database is away).
      await runner.session((s) => s.exec(`alter function audit_chain_take(bigint, int) rename to audit_chain_take_away`));
      chainer.nudge();
      // The failing round is retried after a second; meanwhile the entries wait, sealed.
      await new Promise((r) => setTimeout(r, 100));
      expect(await walkAuditChain(tx)).toMatchObject({ broken: null, verified: 0, waiting: 3 });
      await runner.session((s) => s.exec(`alter function audit_chain_take_away(bigint, int) rename to audit_chain_take`));
      await sealed(4, 2);
      for (let i = 0; i < 100 && (await walkAuditChain(tx)).waiting > 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await walkAuditChain(tx)).toMatchObject({ broken: null, verified: 5, waiting: 0 });
      expect(chainer.stats.chained).toBe(5);
    } finally {
      await chainer.stop();
    }
  });
});
