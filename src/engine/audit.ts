/**
 * Audit entries written by the engine, chained exactly like every other writer of `audit_event`
 * (src/setup/audit.ts owns the hash format and the lock key; its `verifyAuditChain` checks the chain).
 *
 * The chain is one global sequence, so appends queue on a shared advisory lock held until COMMIT. To keep
 * that queue short the engine sends lock, inserts and COMMIT in one message; the previous hash is read and
 * the new hash computed by PostgreSQL (sha256 of previous hash + canonical JSON body, the same formula as
 * `auditHash`).
 */
import { AUDIT_LOCK_KEY, canonicalJson } from '../setup/audit.js';
import { sqlLiteral, type Tx } from './sql.js';

export interface AuditEntry {
  actor: string;
  action: string;
  subject: string;
  data: Record<string, unknown>;
  at: Date;
}

/**
 * Queues the entries to be appended, chained onto the latest row, in the message that commits the
 * transaction: lock, insert(s) and COMMIT travel together, so the chain's lock is held only while
 * PostgreSQL executes them.
 */
export function appendAuditAtCommit(tx: Tx, entries: AuditEntry[]): void {
  if (!entries.length) return;
  // Its own statement: the inserts after it must see rows committed while this transaction waited.
  const parts = [`select pg_advisory_xact_lock(${AUDIT_LOCK_KEY})`];
  for (const e of entries) {
    // Milliseconds only, as src/setup/audit.ts: the hash must be recomputable from what is stored.
    const at = new Date(e.at.getTime()).toISOString();
    const body = canonicalJson({ at, actor: e.actor, action: e.action, subject: e.subject, data: e.data });
    parts.push(
      `insert into audit_event (at, actor, action, subject, data, prev_hash, hash)
       select ${sqlLiteral(at)}::timestamptz, ${sqlLiteral(e.actor)}, ${sqlLiteral(e.action)}, ${sqlLiteral(e.subject)}, ${sqlLiteral(JSON.stringify(e.data))}::jsonb,
              prev.hash, encode(sha256(convert_to(coalesce(prev.hash, '') || ${sqlLiteral(body)}, 'UTF8')), 'hex')
         from (select (select hash from audit_event order by id desc limit 1) as hash) prev`,
    );
  }
  tx.beforeCommit(parts.join(';\n'));
}
