/**
 * Signed checkpoints of the audit chain (src/db/audit.ts): how many entries the chain had, the newest one's
 * id and hash, when, and an HMAC under AUDIT_KEY over all of it. A keyed chain already refuses edits,
 * insertions, middle deletions, re-ordering and re-hashing without the key; what it cannot show by itself is
 * entries deleted from its end (the rest is still a valid chain). A checkpoint can: the chain must pass
 * through every checkpoint, and have at least as many entries as the newest one.
 *
 * A checkpoint is only signed over a chain that verifies since the previous checkpoint, so it never blesses
 * tampering. Each is also logged and sent to HR in chat (src/jobs/audit-checkpoint.ts): copies outside the
 * database, for when the checkpoints themselves are deleted with the entries (`kinerja audit verify
 * --checkpoint LINE` checks the chain against such a copy).
 */
import { chainSealedEntries, walkAuditChain, type AuditChainBreak, type AuditKey, type ChainAnchor, currentAuditKey } from './audit.js';
import type { Tx } from './sql.js';

/** Why a checkpoint was written. */
export type CheckpointReason = 'daily' | 'cycle.closed' | 'cycle.announced';

/** A signed checkpoint. */
export interface AuditCheckpoint extends ChainAnchor {
  /** Null for a copy given on the command line (not a row). */
  readonly id: number | null;
  readonly at: Date;
  readonly reason: string;
  readonly mac: string;
}

/** The signed text of a checkpoint. */
function signedText(cp: Omit<AuditCheckpoint, 'id' | 'mac' | 'reason'>): string {
  return `checkpoint\n${cp.entries}\n${cp.lastId ?? ''}\n${cp.headHash ?? ''}\n${cp.at.toISOString()}`;
}

/** The HMAC of a checkpoint under `key`. */
export function checkpointMac(key: AuditKey, cp: Omit<AuditCheckpoint, 'id' | 'mac' | 'reason'>): string {
  return key.mac(signedText(cp));
}

const LINE_PREFIX = 'KA1';

/**
 * A checkpoint as one line to keep outside the database (the log, the HR chat message):
 * `KA1-<entries>-<last id>-<head hash>-<at ms>-<mac>` (`x` for an empty chain's id and hash).
 */
export function checkpointLine(cp: AuditCheckpoint): string {
  return [LINE_PREFIX, cp.entries, cp.lastId ?? 'x', cp.headHash ?? 'x', cp.at.getTime(), cp.mac].join('-');
}

/** Reads a line written by `checkpointLine`; null when it is not one. */
export function parseCheckpointLine(line: string): AuditCheckpoint | null {
  const m = /^KA1-(\d{1,15})-(\d{1,18}|x)-([0-9a-f]{64}|x)-(\d{1,15})-([0-9a-f]{64})$/.exec(line.trim());
  if (!m) return null;
  return {
    id: null,
    entries: Number(m[1]),
    lastId: m[2] === 'x' ? null : Number(m[2]),
    headHash: m[3] === 'x' ? null : m[3]!,
    at: new Date(Number(m[4])),
    reason: 'copy',
    mac: m[5]!,
  };
}

type CheckpointRow = { id: string; at: Date; entries: string; last_id: string | null; head_hash: string | null; reason: string; mac: string };

function fromRow(r: CheckpointRow): AuditCheckpoint {
  return { id: Number(r.id), at: new Date(r.at), entries: Number(r.entries), lastId: r.last_id === null ? null : Number(r.last_id), headHash: r.head_hash, reason: r.reason, mac: r.mac };
}

/** Every checkpoint in the order written. */
export async function listCheckpoints(tx: Tx): Promise<AuditCheckpoint[]> {
  const rows = await tx.query<CheckpointRow>('select id, at, entries, last_id, head_hash, reason, mac from audit_checkpoint order by id');
  return rows.map(fromRow);
}

/** Something that keeps a checkpoint from holding. */
export interface CheckpointProblem {
  /**
   * `checkpoint_forged`: its HMAC does not fit (written without the key, edited, or signed with another key);
   * `head_mismatch`: the chain passes its count with another entry or hash (entries deleted, inserted or re-hashed before it);
   * `entries_missing`: the chain has fewer entries than it signed (entries deleted from the end).
   */
  readonly kind: 'checkpoint_forged' | 'head_mismatch' | 'entries_missing';
  readonly checkpoint: AuditCheckpoint;
  /** With `head_mismatch`: the entry the chain has at that count. With `entries_missing`: the count the chain has. */
  readonly found?: { entries: number; lastId: number | null; headHash: string | null };
}

/** The outcome of `verifyAuditTrail`. */
export interface AuditVerification {
  /** Entries verified (from the start, or from `from`). */
  readonly verified: number;
  /** The chain's own first break (an edit, a forged or moved entry, a middle deletion). */
  readonly broken: AuditChainBreak | null;
  /** Checkpoints that do not hold, in the order found. */
  readonly problems: readonly CheckpointProblem[];
  /** Checkpoints the chain passed through (their HMAC valid, count and head matching). */
  readonly matched: readonly AuditCheckpoint[];
  /** Entries written before the keyed chain (verified by the older sha256 formula). */
  readonly unkeyed: number;
  /** Sealed entries (seal verified) still waiting for their place in the chain. */
  readonly waiting: number;
  /** Where the chain ends. */
  readonly end: ChainAnchor;
  readonly firstId: number | null;
  /** Every checkpoint considered (the stored ones and the copies given). */
  readonly checkpoints: number;
}

/**
 * Walks the chain (every hash, under `key`) and holds it against every stored checkpoint and the `copies`
 * given (lines kept outside the database): each must have a valid HMAC, the chain must pass through it, and
 * must not end before it. With `from`, only the entries from that instant are walked, and only checkpoints
 * at or after where the walk starts are compared.
 */
export async function verifyAuditTrail(tx: Tx, opts: { key?: AuditKey; from?: Date; copies?: readonly AuditCheckpoint[]; pageSize?: number } = {}): Promise<AuditVerification> {
  const key = opts.key ?? currentAuditKey();
  const all = [...(await listCheckpoints(tx)), ...(opts.copies ?? [])];
  const problems: CheckpointProblem[] = [];
  const valid: AuditCheckpoint[] = [];
  for (const cp of all) {
    if (checkpointMac(key, cp) === cp.mac) valid.push(cp);
    else problems.push({ kind: 'checkpoint_forged', checkpoint: cp });
  }
  // Compared in chain order as the walk passes each count.
  const byCount = new Map<number, AuditCheckpoint[]>();
  for (const cp of valid) byCount.set(cp.entries, [...(byCount.get(cp.entries) ?? []), cp]);
  const matched: AuditCheckpoint[] = [];
  const compare = (at: ChainAnchor) => {
    for (const cp of byCount.get(at.entries) ?? []) {
      if (cp.lastId === at.lastId && cp.headHash === at.headHash) matched.push(cp);
      else problems.push({ kind: 'head_mismatch', checkpoint: cp, found: { ...at } });
    }
  };
  // A walk from `from` starts past the checkpoints before it: those are neither matched nor refused.
  const walk = await walkAuditChain(tx, { key, from: opts.from, pageSize: opts.pageSize, onRow: compare });
  if (!walk.broken) {
    // An empty chain passes checkpoints of 0 entries without a row to call onRow.
    if (walk.end.entries === 0 && walk.verified === 0) compare(walk.end);
    for (const cp of valid) {
      if (cp.entries > walk.end.entries) problems.push({ kind: 'entries_missing', checkpoint: cp, found: { ...walk.end } });
    }
  }
  return { verified: walk.verified, broken: walk.broken, problems, matched, unkeyed: walk.unkeyed, waiting: walk.waiting, end: walk.end, firstId: walk.firstId, checkpoints: all.length };
}

/** What `signAuditCheckpoint` did. */
export type CheckpointOutcome =
  | { kind: 'signed'; checkpoint: AuditCheckpoint }
  /** A daily checkpoint when nothing was appended since the last one: nothing new to anchor. */
  | { kind: 'unchanged'; checkpoint: AuditCheckpoint }
  /** A daily checkpoint of a chain with no entries yet: nothing to anchor. */
  | { kind: 'empty' }
  /** The chain does not verify since the last checkpoint (or that checkpoint does not): nothing signed. */
  | { kind: 'refused'; broken: AuditChainBreak | null; problem: CheckpointProblem | null };

/**
 * Signs a checkpoint of the chain as it stands in this transaction: takes the chain's lock (held until
 * COMMIT, so no entry is appended between the count and the signature), verifies the entries since the last
 * checkpoint (and that checkpoint's HMAC), then writes the checkpoint. A `daily` checkpoint is skipped when
 * nothing was appended since the last one (or the chain is still empty).
 */
export async function signAuditCheckpoint(tx: Tx, opts: { reason: CheckpointReason; at: Date; key?: AuditKey }): Promise<CheckpointOutcome> {
  const key = opts.key ?? currentAuditKey();
  // The sealed entries committed so far get their place first (the rounds take the chain's lock, held from
  // here until COMMIT), so the checkpoint covers everything written before it.
  while ((await chainSealedEntries(tx)).more);
  const [lastRow] = await tx.query<CheckpointRow>('select id, at, entries, last_id, head_hash, reason, mac from audit_checkpoint order by id desc limit 1');
  const last = lastRow ? fromRow(lastRow) : null;
  if (last && checkpointMac(key, last) !== last.mac) return { kind: 'refused', broken: null, problem: { kind: 'checkpoint_forged', checkpoint: last } };
  // The last checkpoint's own entry must still be there with its hash, or the walk after it proves nothing.
  if (last && last.lastId !== null) {
    const [head] = await tx.query<{ hash: string; n: string }>(`select a.hash, (select count(*) from audit_event where pos > 0 and pos <= a.pos) as n from audit_event a where a.id = $1 and a.pos > 0`, [last.lastId]);
    if (!head || head.hash !== last.headHash || Number(head.n) !== last.entries) {
      return { kind: 'refused', broken: null, problem: { kind: 'head_mismatch', checkpoint: last, found: head ? { entries: Number(head.n), lastId: last.lastId, headHash: head.hash } : undefined } };
    }
  }
  const walk = await walkAuditChain(tx, { key, ...(last ? { after: last } : {}) });
  if (walk.broken) return { kind: 'refused', broken: walk.broken, problem: null };
  if (last && opts.reason === 'daily' && walk.end.entries === last.entries) return { kind: 'unchanged', checkpoint: last };
  if (!last && opts.reason === 'daily' && walk.end.entries === 0) return { kind: 'empty' };
  const draft = { entries: walk.end.entries, lastId: walk.end.lastId, headHash: walk.end.headHash, at: new Date(opts.at.getTime()) };
  const mac = checkpointMac(key, draft);
  const [row] = await tx.query<{ id: string }>(
    `insert into audit_checkpoint (at, entries, last_id, head_hash, reason, mac) values ($1, $2, $3, $4, $5, $6) returning id`,
    [draft.at, draft.entries, draft.lastId, draft.headHash, opts.reason, mac],
  );
  return { kind: 'signed', checkpoint: { id: Number(row!.id), ...draft, reason: opts.reason, mac } };
}
