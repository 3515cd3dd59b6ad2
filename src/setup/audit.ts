/**
 * The append-only audit log. Each row carries the SHA-256 of the previous row's hash plus its own content in
 * canonical JSON, so a deleted or edited row breaks the chain and `verifyAuditChain` finds where.
 */
import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { systemClock, type Clock } from '../clock.js';
import { queryRows } from './sql.js';

/** What happened, who did it, to what. `data` must be JSON (no secrets: link codes never go here). */
export interface AuditEntry {
  /** A person (CLI `--actor`, an employee's NIP) or a process (`system`). */
  readonly actor: string;
  /** Dotted verb, e.g. `employees.imported`, `cycle.opened`. */
  readonly action: string;
  /** What it was done to, e.g. a file name, `cycle:12`, a NIP. */
  readonly subject: string;
  readonly data?: Record<string, unknown>;
}

/** A stored audit row, as hashed. */
export interface AuditRecord extends Required<AuditEntry> {
  readonly id: number;
  readonly at: Date;
  readonly prevHash: string | null;
  readonly hash: string;
}

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

/** The hash of one row given the previous row's hash. */
export function auditHash(prevHash: string | null, entry: Required<AuditEntry> & { at: Date }): string {
  const body = canonicalJson({ at: entry.at.toISOString(), actor: entry.actor, action: entry.action, subject: entry.subject, data: entry.data });
  return createHash('sha256').update((prevHash ?? '') + body).digest('hex');
}

/**
 * Advisory-lock key that serialises writers of the chain. The same value as src/engine/audit.ts: every
 * writer of audit_event must queue on one lock, or two transactions could chain onto the same row.
 */
export const AUDIT_LOCK_KEY = 0x6b696e65; // "kine"

/**
 * Appends one audit row, chained to the latest. Call it inside the transaction that makes the change, so
 * the change and its audit commit together; concurrent writers queue on an advisory lock so the chain
 * never forks.
 */
export async function appendAudit(em: EntityManager, entry: AuditEntry, opts: { clock?: Clock } = {}): Promise<AuditRecord> {
  const run = async (tx: EntityManager): Promise<AuditRecord> => {
    await queryRows(tx, 'select pg_advisory_xact_lock(?)', [AUDIT_LOCK_KEY]);
    const [last] = await queryRows<{ hash: string }>(tx, 'select hash from audit_event order by id desc limit 1');
    const prevHash = last?.hash ?? null;
    // Milliseconds only: PostgreSQL keeps microseconds, but JavaScript reads back milliseconds, and the hash
    // must be recomputable from what is stored.
    const at = new Date((opts.clock ?? systemClock).now().getTime());
    const full = { actor: entry.actor, action: entry.action, subject: entry.subject, data: entry.data ?? {}, at };
    const hash = auditHash(prevHash, full);
    const [row] = await queryRows<{ id: string }>(
      tx,
      'insert into audit_event (at, actor, action, subject, data, prev_hash, hash) values (?, ?, ?, ?, ?::jsonb, ?, ?) returning id',
      [at, full.actor, full.action, full.subject, JSON.stringify(full.data), prevHash, hash],
    );
    return { id: Number(row!.id), ...full, prevHash, hash };
  };
  return em.getTransactionContext() ? run(em) : em.transactional(run);
}

/** Where the chain breaks: the first row whose hash does not match its content and predecessor. */
export interface AuditChainBreak {
  readonly id: number;
  readonly reason: 'prev_hash_mismatch' | 'hash_mismatch';
}

/** Re-computes every hash in order; `null` when the chain is intact. */
export async function verifyAuditChain(em: EntityManager): Promise<AuditChainBreak | null> {
  const rows = await queryRows<{ id: string; at: Date; actor: string; action: string; subject: string; data: Record<string, unknown>; prev_hash: string | null; hash: string }>(
    em,
    'select id, at, actor, action, subject, data, prev_hash, hash from audit_event order by id',
  );
  let prev: string | null = null;
  for (const r of rows) {
    if (r.prev_hash !== prev) return { id: Number(r.id), reason: 'prev_hash_mismatch' };
    if (auditHash(prev, { at: new Date(r.at), actor: r.actor, action: r.action, subject: r.subject, data: r.data }) !== r.hash) {
      return { id: Number(r.id), reason: 'hash_mismatch' };
    }
    prev = r.hash;
  }
  return null;
}
