/**
 * The append-only, hash-chained audit log: every writer (the engine, the CLI's set-up commands) appends
 * through this module, and `verifyAuditChain` checks what they wrote.
 *
 * The one formula: `hash = sha256_hex(prev_hash ?? '' || auditBody(entry, at))`, where `auditBody` is the
 * canonical JSON (keys sorted at every level) of `{ at, actor, action, subject, data }` with `at` in
 * milliseconds. The body is made here in JavaScript; PostgreSQL applies sha256 when a row is appended (the
 * previous hash is read under the chain's lock, at commit for the engine), and `verifyAuditChain`
 * recomputes it in JavaScript with `auditHash`. A deleted or edited row breaks the chain there.
 */
import { createHash } from 'node:crypto';
import { sqlLiteral, type Tx } from './sql.js';

/** What happened, who did it, to what. `data` must be JSON (no secrets: link codes never go here). */
export interface AuditEntry {
  /** A person (CLI `--actor`, an employee's NIP or `platform:user`) or a process (`system`). */
  readonly actor: string;
  /** Dotted verb, e.g. `employees.imported`, `cycle.opened`, `assessment.submitted`. */
  readonly action: string;
  /** What it was done to, e.g. a file name, `cycle:12`, a NIP. */
  readonly subject: string;
  readonly data?: Record<string, unknown>;
}

/**
 * Advisory-lock key that serialises writers of the chain: every writer of audit_event queues on this one
 * lock until its COMMIT, or two transactions could chain onto the same row.
 */
export const AUDIT_LOCK_KEY = 0x6b696e65; // "kine"

/** JSON with object keys sorted at every level, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * Milliseconds only: PostgreSQL keeps microseconds, but JavaScript reads back milliseconds, and the hash
 * must be recomputable from what is stored.
 */
function stamp(at: Date): string {
  return new Date(at.getTime()).toISOString();
}

/** The hashed text of one entry. */
export function auditBody(entry: AuditEntry, at: Date): string {
  return canonicalJson({ at: stamp(at), actor: entry.actor, action: entry.action, subject: entry.subject, data: entry.data ?? {} });
}

/** The hash of a row with body `body` after a row with hash `prevHash` (null: the first row). */
export function auditHash(prevHash: string | null, body: string): string {
  return createHash('sha256').update((prevHash ?? '') + body).digest('hex');
}

/**
 * The statements that append `entries` at `at`, chained onto the latest row: the lock first (its own
 * statement, so the inserts after it see rows committed while this transaction waited), then one insert
 * per entry. Literals are inlined (`sqlLiteral`) so the statements can travel with COMMIT.
 */
function appendStatements(entries: readonly AuditEntry[], at: Date): string[] {
  const parts = [`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`];
  for (const e of entries) {
    parts.push(
      `insert into audit_event (at, actor, action, subject, data, prev_hash, hash)
       select ${sqlLiteral(stamp(at))}::timestamptz, ${sqlLiteral(e.actor)}, ${sqlLiteral(e.action)}, ${sqlLiteral(e.subject)}, ${sqlLiteral(JSON.stringify(e.data ?? {}))}::jsonb,
              prev.hash, encode(sha256(convert_to(coalesce(prev.hash, '') || ${sqlLiteral(auditBody(e, at))}, 'UTF8')), 'hex')
         from (select (select hash from audit_event order by id desc limit 1) as hash) prev`,
    );
  }
  return parts;
}

/**
 * Queues the entries to be appended in the message that commits the transaction (a `TxRunner`
 * transaction): lock, insert(s) and COMMIT travel together, so the chain's lock is held only while
 * PostgreSQL executes them.
 */
export function appendAuditAtCommit(tx: Tx, entries: readonly AuditEntry[], at: Date): void {
  if (!entries.length) return;
  tx.beforeCommit(appendStatements(entries, at).join(';\n'));
}

/**
 * Appends one entry now. Call it inside the transaction that makes the change, so the change and its audit
 * commit together (the lock is held until that COMMIT).
 */
export async function appendAudit(tx: Tx, entry: AuditEntry, at: Date): Promise<void> {
  for (const sql of appendStatements([entry], at)) await tx.exec(sql);
}

/** Where the chain breaks: the first row whose hash does not match its content and predecessor. */
export interface AuditChainBreak {
  readonly id: number;
  /**
   * `prev_hash_mismatch`: the row does not follow the one before it (a row was deleted, inserted or moved);
   * `hash_mismatch`: the row's content is not what was hashed (it was edited).
   */
  readonly reason: 'prev_hash_mismatch' | 'hash_mismatch';
  /** What the row should hold (the previous row's hash, or the hash of its own content) and what it holds. */
  readonly expected?: string | null;
  readonly found?: string | null;
}

/** The outcome of walking the chain. */
export interface AuditWalk {
  /** Rows checked before the first break (all of them when intact). */
  readonly verified: number;
  readonly broken: AuditChainBreak | null;
  /** The first row checked (with `from`, the first row at or after it); null when there were none. */
  readonly firstId: number | null;
}

type AuditRow = { id: string; at: Date; actor: string; action: string; subject: string; data: Record<string, unknown>; prev_hash: string | null; hash: string };

/**
 * Re-computes every hash in order of id, page by page (memory stays flat at any length). With `from`, the
 * walk starts at the first row at or after that instant and anchors on the hash of the row just before it,
 * so a row deleted at the boundary is still found. Deleting the newest rows leaves a shorter, intact chain:
 * compare the count with what you expect (`verified`).
 */
export async function walkAuditChain(tx: Tx, opts: { from?: Date; pageSize?: number } = {}): Promise<AuditWalk> {
  const pageSize = opts.pageSize ?? 5000;
  let lastId = 0;
  let prev: string | null = null;
  if (opts.from) {
    const [first] = await tx.query<{ id: string }>('select id from audit_event where at >= $1 order by id limit 1', [opts.from]);
    if (!first) return { verified: 0, broken: null, firstId: null };
    lastId = Number(first.id) - 1;
    const [before] = await tx.query<{ hash: string }>('select hash from audit_event where id < $1 order by id desc limit 1', [first.id]);
    prev = before?.hash ?? null;
  }
  let verified = 0;
  let firstId: number | null = null;
  for (;;) {
    const rows = await tx.query<AuditRow>(
      'select id, at, actor, action, subject, data, prev_hash, hash from audit_event where id > $1 order by id limit $2',
      [lastId, pageSize],
    );
    for (const r of rows) {
      const id = Number(r.id);
      firstId ??= id;
      if (r.prev_hash !== prev) return { verified, firstId, broken: { id, reason: 'prev_hash_mismatch', expected: prev, found: r.prev_hash } };
      const expected = auditHash(prev, auditBody(r, new Date(r.at)));
      if (expected !== r.hash) return { verified, firstId, broken: { id, reason: 'hash_mismatch', expected, found: r.hash } };
      prev = r.hash;
      verified += 1;
      lastId = id;
    }
    if (rows.length < pageSize) return { verified, broken: null, firstId };
  }
}

/** Re-computes every hash in order; `null` when the chain is intact. */
export async function verifyAuditChain(tx: Tx): Promise<AuditChainBreak | null> {
  const walk = await walkAuditChain(tx);
  return walk.broken ? { id: walk.broken.id, reason: walk.broken.reason } : null;
}

/** A digest of a text the audit log must not hold (an answer's narrative, feedback): sha256 hex of its UTF-8. */
export function textDigest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
