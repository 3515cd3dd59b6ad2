/**
 * The append-only, anchored audit log: every writer (the engine, the CLI's set-up commands, the jobs) appends
 * through this module, `walkAuditChain` checks what they wrote, and src/db/audit-checkpoint.ts signs where
 * the chain stood.
 *
 * The formula. `auditBody` is the canonical JSON (keys sorted at every level) of `{ at, actor, action,
 * subject, data }` with `at` in milliseconds. Each entry's hash covers its body and the previous entry's hash:
 * - `chain` = 2 (every entry written since the keyed chain): `hash = hmac_sha256_hex(AUDIT_KEY, 'entry\n' ||
 *   prev_hash ?? '' || body)`. Without the key nobody can write an entry that fits, nor re-hash the chain
 *   after editing, inserting, deleting or re-ordering entries.
 * - `chain` = 1 (entries written before the keyed chain, kept as they were): `hash = sha256_hex(prev_hash ??
 *   '' || body)`. They are verified by that formula; the first keyed entry chains onto the last of them, so
 *   re-hashing them changes what that keyed entry covers. A `chain` = 1 entry after a keyed one is refused.
 * Entries deleted from the end leave a shorter intact chain: the signed checkpoints catch that.
 *
 * The key. AUDIT_KEY comes from the environment and is never sent to the database: hashes are made here, in
 * JavaScript, with the previous hash read under the chain's advisory lock (`audit_chain_head()`, one round
 * trip), and written with the entry. Without AUDIT_KEY (development, tests) a public development key signs,
 * with a warning at start-up; production (NODE_ENV=production) refuses to start without AUDIT_KEY
 * (src/config.ts). The process sets its key once (`useAuditKey`) before anything appends.
 *
 * Two ways in. The set-up commands and the jobs append *chained*: under the chain's lock, after its head, in
 * their own transaction (`appendAudit`, `appendAuditAtCommit`). The engine appends *sealed* (`sealedAuditRows`,
 * `appendSealedAudit`): each entry carries a fresh nonce and `seal = hmac_sha256_hex(AUDIT_KEY, 'seal\n' || nonce
 * || '\n' || body)`, and no place in the chain yet, so a turn takes no lock and waits for no other turn. A
 * chainer (`chainSealedEntries`, scheduled by src/engine/audit-chainer.ts right after the engine's commits) checks
 * each seal and gives the entries their place (`pos`) and hash under the lock. The chain is walked in `pos`
 * order; an entry chained on insert takes its id as its place (a trigger), so older rows and checkpoints keep
 * their meaning. Without the key nobody can seal an entry the chainer would take: one with a missing or wrong
 * seal is refused (`pos` < 0) and reported by the walk, as is one waiting with a bad seal. A sealed entry
 * deleted before it is chained (a few milliseconds) leaves no trace, as deleting the newest chained entries
 * leaves none until a checkpoint is compared.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
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

/** `audit_event.chain`: how an entry's hash was made. */
export const CHAIN_SHA256 = 1;
export const CHAIN_HMAC = 2;

/**
 * The key that signs when AUDIT_KEY is not set. It is public (it is in this file), so what it signs proves
 * nothing: it only lets development and tests run the same code. Production refuses to start without AUDIT_KEY.
 */
export const DEVELOPMENT_AUDIT_KEY = 'kinerja-bot development audit key: public, set AUDIT_KEY in production';

/** A signing key for the chain and its checkpoints. The secret stays inside (never logged, never stored). */
export interface AuditKey {
  /** `configured`: AUDIT_KEY; `development`: the public development key. */
  readonly source: 'configured' | 'development';
  /** HMAC-SHA256 of `text` under the key, hex. */
  mac(text: string): string;
}

/** The key from AUDIT_KEY, or the development key when it is unset. */
export function auditKey(secret: string | undefined): AuditKey {
  const key = Buffer.from(secret ?? DEVELOPMENT_AUDIT_KEY, 'utf8');
  return {
    source: secret ? 'configured' : 'development',
    mac: (text) => createHmac('sha256', key).update(text, 'utf8').digest('hex'),
  };
}

let signingKey: AuditKey = auditKey(undefined);

/** Sets the key this process signs with (service and CLI start-up, from AUDIT_KEY). */
export function useAuditKey(key: AuditKey): void {
  signingKey = key;
}

/** The key this process signs with. */
export function currentAuditKey(): AuditKey {
  return signingKey;
}

/** JSON with object keys sorted at every level, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  // Built with one string and no intermediate arrays: every chat turn seals an entry and the chainer reads it
  // back, and the arrays of entries, filters and maps were a tenth of what the bot allocated per message.
  // The text must never change (stored hashes are recomputed from it): test/db/audit.test.ts compares it with
  // the original formulation on generated values.
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i ? ',' : '') + (i in value ? canonicalJson(value[i]) : '');
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  // Default sort: UTF-16 code unit order, as comparing keys with < does.
  const keys = Object.keys(record).sort();
  let out = '{';
  for (const k of keys) {
    const v = record[k];
    if (v === undefined) continue;
    out += `${out.length > 1 ? ',' : ''}${JSON.stringify(k)}:${canonicalJson(v)}`;
  }
  return `${out}}`;
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

/** The sha256 hash of an entry written before the keyed chain (`chain` = 1). */
export function auditHash(prevHash: string | null, body: string): string {
  return createHash('sha256').update((prevHash ?? '') + body).digest('hex');
}

/** The keyed hash of an entry (`chain` = 2): HMAC under `key` of its body after the previous entry's hash. */
export function auditMac(key: AuditKey, prevHash: string | null, body: string): string {
  return key.mac(`entry\n${prevHash ?? ''}${body}`);
}

/**
 * Takes the chain's lock (held until COMMIT) and reads the newest chained entry's hash, in one round trip: the
 * migration's `audit_chain_head()` reads after the lock is granted, so it sees entries chained meanwhile.
 */
async function lockedHead(tx: Tx): Promise<string | null> {
  const rows = await tx.query<{ hash: string }>(`select hash from audit_chain_head(${AUDIT_LOCK_KEY})`);
  return rows[0]?.hash ?? null;
}

/** An entry with the instant it is stamped with (a batch of events appends entries of different instants). */
export interface TimedAuditEntry {
  readonly entry: AuditEntry;
  readonly at: Date;
}

/**
 * The insert of `entries` after an entry whose hash is `head`, hashed here under the process's key, in
 * chain order: one statement whatever their number (a batch of 32 answers is parsed and planned once, not
 * 32 times), its rows inserted and numbered in the order listed. Literals are inlined (`sqlLiteral`) so
 * the statement can travel with COMMIT.
 */
function insertStatement(entries: readonly TimedAuditEntry[], head: string | null): string {
  const key = signingKey;
  let prev = head;
  const rows = entries.map(({ entry: e, at }) => {
    const hash = auditMac(key, prev, auditBody(e, at));
    const row = `(${sqlLiteral(stamp(at))}::timestamptz, ${sqlLiteral(e.actor)}, ${sqlLiteral(e.action)}, ${sqlLiteral(e.subject)}, ${sqlLiteral(JSON.stringify(e.data ?? {}))}::jsonb,
               ${prev === null ? 'null' : sqlLiteral(prev)}, ${sqlLiteral(hash)}, ${CHAIN_HMAC})`;
    prev = hash;
    return row;
  });
  return `insert into audit_event (at, actor, action, subject, data, prev_hash, hash, chain) values ${rows.join(',\n       ')}`;
}

/**
 * Appends the entries chained, in the message that commits the transaction (a `TxRunner` transaction): the
 * lock is taken and the head read now (one round trip), the inserts travel with COMMIT, so the chain's lock is
 * held for that round trip and the commit only.
 */
export async function appendAuditAtCommit(tx: Tx, entries: readonly AuditEntry[], at: Date): Promise<void> {
  if (!entries.length) return;
  const head = await lockedHead(tx);
  tx.beforeCommit(
    insertStatement(
      entries.map((entry) => ({ entry, at })),
      head,
    ),
  );
}

/**
 * Appends one entry now. Call it inside the transaction that makes the change, so the change and its audit
 * commit together (the lock is held until that COMMIT).
 */
export async function appendAudit(tx: Tx, entry: AuditEntry, at: Date): Promise<void> {
  const head = await lockedHead(tx);
  await tx.exec(insertStatement([{ entry, at }], head));
}

/** The seal of an entry written before its place in the chain: HMAC under `key` of its nonce and body. */
export function auditSeal(key: AuditKey, nonce: string, body: string): string {
  return key.mac(`seal\n${nonce}\n${body}`);
}

/** True when a stored entry's nonce and seal are there and fit its content under `key` (written by a holder of the key). */
function sealFits(key: AuditKey, row: AuditEntry & { at: Date; nonce: string | null; seal: string | null }, body = auditBody(row, new Date(row.at))): boolean {
  return row.nonce !== null && row.seal !== null && auditSeal(key, row.nonce, body) === row.seal;
}

/** A sealed entry as a row of a JSON parameter (`insertSealedAuditFrom` reads these columns). */
export interface SealedAuditRow {
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly subject: string;
  readonly data: Record<string, unknown>;
  readonly nonce: string;
  readonly seal: string;
}

/** The entries sealed under the process's key, each with a fresh nonce, in the order given. */
export function sealedAuditRows(entries: readonly TimedAuditEntry[]): SealedAuditRow[] {
  const key = signingKey;
  return entries.map(({ entry: e, at }) => {
    const nonce = randomBytes(16).toString('hex');
    return { at: stamp(at), actor: e.actor, action: e.action, subject: e.subject, data: e.data ?? {}, nonce, seal: auditSeal(key, nonce, auditBody(e, at)) };
  });
}

/**
 * The insert of sealed entries from `source`, a select of `SealedAuditRow` columns (a statement that writes
 * something else carries it as a CTE, so the entries commit with the change and cost no round trip).
 */
export function insertSealedAuditFrom(source: string): string {
  return `insert into audit_event (at, actor, action, subject, data, nonce, seal) select s.at, s.actor, s.action, s.subject, s.data, s.nonce, s.seal from (${source}) s`;
}

/** The columns of a `jsonb_to_recordset` over `SealedAuditRow`s. */
export const SEALED_AUDIT_RECORD = 'at timestamptz, actor text, action text, subject text, data jsonb, nonce text, seal text';

/**
 * Appends the entries sealed, in the message that commits the transaction: no lock, no round trip. The chainer
 * gives them their place after the commit (the engine nudges it).
 */
export function appendSealedAudit(tx: Tx, entries: readonly TimedAuditEntry[]): void {
  if (!entries.length) return;
  const rows = sealedAuditRows(entries).map(
    (r) => `(${sqlLiteral(r.at)}::timestamptz, ${sqlLiteral(r.actor)}, ${sqlLiteral(r.action)}, ${sqlLiteral(r.subject)}, ${sqlLiteral(JSON.stringify(r.data))}::jsonb, ${sqlLiteral(r.nonce)}, ${sqlLiteral(r.seal)})`,
  );
  tx.beforeCommit(`insert into audit_event (at, actor, action, subject, data, nonce, seal) values ${rows.join(',\n       ')}`);
}

/** Sealed entries chained per round at most (one statement of updates; the rest wait for the next round). */
export const CHAIN_ROUND_MAX = 2000;

/** What one chaining round did. */
export interface ChainRound {
  /** Entries given their place and hash. */
  readonly chained: number;
  /** Entries refused (seal missing or wrong: not written by a holder of the key); their ids. */
  readonly refused: readonly number[];
  /** True when the round took as many as it may: more may be waiting. */
  readonly more: boolean;
}

type TakenRow = { head: string | null; id: string | null; pos: string | null; at: Date; actor: string; action: string; subject: string; data: Record<string, unknown>; nonce: string | null; seal: string | null };

/**
 * One chaining round, inside `tx` (a transaction: the chain's lock is held until its COMMIT): under the lock, the
 * head and the oldest sealed entries waiting (`audit_chain_take`, with a place reserved for each from the ids'
 * sequence); each seal checked under the process's key; the entries chained in id order after the head. An
 * entry whose seal does not fit is refused (`pos` = -id) and never chained. With `atCommit` (a `TxRunner`
 * transaction) the updates travel with COMMIT; else they run now.
 */
export async function chainSealedEntries(tx: Tx, opts: { max?: number; atCommit?: boolean } = {}): Promise<ChainRound> {
  const max = opts.max ?? CHAIN_ROUND_MAX;
  const rows = await tx.query<TakenRow>('select * from audit_chain_take($1, $2)', [AUDIT_LOCK_KEY, max]);
  const waiting = rows.filter((r) => r.id !== null);
  if (!waiting.length) return { chained: 0, refused: [], more: false };
  const key = signingKey;
  // Places reserved in the round, in any order: given out ascending in chain order.
  const places = waiting.map((r) => BigInt(r.pos!)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  let prev = rows[0]!.head;
  const chained: { id: string; pos: string; prev: string | null; hash: string }[] = [];
  const refused: number[] = [];
  for (const r of waiting) {
    // The body once: the seal and the chain's hash are both over it.
    const body = auditBody(r, new Date(r.at));
    if (!sealFits(key, r, body)) {
      refused.push(Number(r.id));
      continue;
    }
    const hash = auditMac(key, prev, body);
    chained.push({ id: r.id!, pos: String(places[chained.length]), prev, hash });
    prev = hash;
  }
  const parts: string[] = [];
  if (chained.length) {
    parts.push(`update audit_event a set pos = x.pos, prev_hash = x.prev, hash = x.hash, chain = ${CHAIN_HMAC}
       from jsonb_to_recordset(${sqlLiteral(JSON.stringify(chained))}::jsonb) as x(id bigint, pos bigint, prev text, hash text)
      where a.id = x.id and a.pos is null`);
  }
  if (refused.length) parts.push(`update audit_event set pos = -id where id in (${refused.join(',')}) and pos is null`);
  for (const p of parts) {
    if (opts.atCommit) tx.beforeCommit(p);
    else await tx.exec(p);
  }
  return { chained: chained.length, refused, more: waiting.length >= max };
}

/** Where the chain breaks: the first row whose hash does not match its content and predecessor. */
export interface AuditChainBreak {
  readonly id: number;
  /**
   * `prev_hash_mismatch`: the row does not follow the one before it (a row was deleted, inserted or moved);
   * `hash_mismatch`: the row's content is not what was hashed (edited, forged, or signed with another key);
   * `unkeyed_after_keyed`: a row hashed without the key after keyed rows (forged, or written by an old version);
   * `seal_mismatch`: a row waiting to be chained, or refused by the chainer, whose seal is missing or does not fit
   * its content (inserted or edited by someone without the key);
   * `nonce_reused`: a row with the nonce (and so the seal) of an earlier one (`copyOf`): a copy of a sealed entry,
   * which the chainer cannot tell from the original. Only possible once the unique index on `nonce` is gone, so
   * the walk looks for copies only then.
   */
  readonly reason: 'prev_hash_mismatch' | 'hash_mismatch' | 'unkeyed_after_keyed' | 'seal_mismatch' | 'nonce_reused';
  /** What the row should hold (the previous row's hash, or the hash of its own content) and what it holds. */
  readonly expected?: string | null;
  readonly found?: string | null;
  /** With `hash_mismatch`: the row fits under the public development key (written while AUDIT_KEY was unset). */
  readonly developmentKey?: boolean;
  /** With `nonce_reused`: the earliest entry with the same nonce. */
  readonly copyOf?: number;
}

/** A point the walk must pass through: after `entries` entries, the newest one's id and hash. */
export interface ChainAnchor {
  readonly entries: number;
  readonly lastId: number | null;
  readonly headHash: string | null;
}

/** The outcome of walking the chain. */
export interface AuditWalk {
  /** Rows checked before the first break (all of them when intact). */
  readonly verified: number;
  readonly broken: AuditChainBreak | null;
  /** The first row checked (with `from`, the first row at or after it); null when there were none. */
  readonly firstId: number | null;
  /** Where the walk ended: entries counted from the start of the chain, the last verified row's id and hash. */
  readonly end: ChainAnchor;
  /** Entries written before the keyed chain (`chain` = 1) among those verified. */
  readonly unkeyed: number;
  /** Sealed entries whose seal verified, still waiting for their place in the chain (the chainer is behind, or was stopped). */
  readonly waiting: number;
}

type AuditRow = { id: string; pos: string; at: Date; actor: string; action: string; subject: string; data: Record<string, unknown>; prev_hash: string | null; hash: string; chain: number };

/** What `walkAuditChain` is told. */
export interface WalkOptions {
  /** Start at the first row at or after this instant, anchored on the row just before it. */
  from?: Date;
  /** Start right after this anchor (a checkpoint that was verified): only the rows after it are read. */
  after?: ChainAnchor;
  /** The key keyed rows must fit (default: the process's key). */
  key?: AuditKey;
  pageSize?: number;
  /** Called after each verified row with the position reached (checkpoints are compared there). */
  onRow?: (at: ChainAnchor) => void;
}

/**
 * Re-computes every hash in chain order (`pos`), page by page (memory stays flat at any length), then checks
 * the seals of the entries not chained yet. With `from`, the walk starts at the first row at or after that
 * instant and anchors on the hash of the row just before it, so a row deleted at the boundary is still found.
 * Deleting the newest rows leaves a shorter, intact chain: the checkpoints (src/db/audit-checkpoint.ts) catch
 * that. Anchors name rows by id; the walk finds their place.
 */
export async function walkAuditChain(tx: Tx, opts: WalkOptions = {}): Promise<AuditWalk> {
  const pageSize = opts.pageSize ?? 5000;
  const key = opts.key ?? signingKey;
  const development = key.source === 'development' ? null : auditKey(undefined);
  // The place walked past (chained places are > 0; refused entries have negative ones).
  let lastPos = '0';
  let prev: string | null = null;
  let entries = 0;
  // Whether a keyed row was seen before the start (a walk from the middle must know it).
  let keyedSeen = false;
  let beforeId: number | null = null;
  if (opts.after) {
    beforeId = opts.after.lastId;
    prev = opts.after.headHash;
    entries = opts.after.entries;
    if (beforeId !== null) {
      const [k] = await tx.query<{ pos: string | null; keyed: boolean }>(
        `select a.pos, exists (select 1 from audit_event where pos > 0 and pos <= a.pos and chain = ${CHAIN_HMAC}) as keyed from audit_event a where a.id = $1`,
        [beforeId],
      );
      // The anchor's row is gone: walk from the start of what is left after its place, which breaks at once.
      lastPos = k?.pos ?? String(beforeId);
      keyedSeen = k?.keyed ?? false;
    }
  } else if (opts.from) {
    const [first] = await tx.query<{ id: string; pos: string }>('select id, pos from audit_event where at >= $1 and pos > 0 order by pos limit 1', [opts.from]);
    if (!first) {
      const [all] = await tx.query<{ n: string; id: string | null; hash: string | null }>(
        `select count(*) as n, (select id from audit_event where pos > 0 order by pos desc limit 1) as id, (select hash from audit_event where pos > 0 order by pos desc limit 1) as hash
           from audit_event where pos > 0`,
      );
      const waiting = await unchained(tx, key);
      return { verified: 0, broken: waiting.broken, firstId: null, unkeyed: 0, waiting: waiting.count, end: { entries: Number(all?.n ?? 0), lastId: all?.id ? Number(all.id) : null, headHash: all?.hash ?? null } };
    }
    const [before] = await tx.query<{ id: string | null; hash: string | null; pos: string | null; n: string; keyed: boolean | null }>(
      `select (select id from audit_event where pos > 0 and pos < $1 order by pos desc limit 1) as id, (select hash from audit_event where pos > 0 and pos < $1 order by pos desc limit 1) as hash,
              (select pos from audit_event where pos > 0 and pos < $1 order by pos desc limit 1) as pos,
              count(*) as n, bool_or(chain = ${CHAIN_HMAC}) as keyed from audit_event where pos > 0 and pos < $1`,
      [first.pos],
    );
    prev = before?.hash ?? null;
    beforeId = before?.id ? Number(before.id) : null;
    lastPos = before?.pos ?? '0';
    entries = Number(before?.n ?? 0);
    keyedSeen = before?.keyed ?? false;
  }
  let verified = 0;
  let unkeyed = 0;
  let firstId: number | null = null;
  let headId: number | null = beforeId;
  const end = (): ChainAnchor => ({ entries, lastId: headId, headHash: prev });
  const done = (broken: AuditChainBreak | null, waiting = 0): AuditWalk => ({ verified, broken, firstId, unkeyed, waiting, end: end() });
  for (;;) {
    const rows = await tx.query<AuditRow>(
      'select id, pos, at, actor, action, subject, data, prev_hash, hash, chain from audit_event where pos > $1 order by pos limit $2',
      [lastPos, pageSize],
    );
    for (const r of rows) {
      const id = Number(r.id);
      firstId ??= id;
      if (r.prev_hash !== prev) return done({ id, reason: 'prev_hash_mismatch', expected: prev, found: r.prev_hash });
      const body = auditBody(r, new Date(r.at));
      if (r.chain === CHAIN_HMAC) {
        keyedSeen = true;
        const expected = auditMac(key, prev, body);
        if (expected !== r.hash) {
          const developmentKey = development !== null && auditMac(development, prev, body) === r.hash;
          return done({ id, reason: 'hash_mismatch', expected, found: r.hash, ...(developmentKey ? { developmentKey } : {}) });
        }
      } else {
        if (keyedSeen) return done({ id, reason: 'unkeyed_after_keyed', found: r.hash });
        const expected = auditHash(prev, body);
        if (expected !== r.hash) return done({ id, reason: 'hash_mismatch', expected, found: r.hash });
        unkeyed += 1;
      }
      prev = r.hash;
      headId = id;
      verified += 1;
      entries += 1;
      lastPos = r.pos;
      opts.onRow?.(end());
    }
    if (rows.length < pageSize) {
      const waiting = await unchained(tx, key);
      return done(waiting.broken, waiting.count);
    }
  }
}

/**
 * The entries without a place in the chain: those waiting (their seals must fit) and those the chainer refused
 * (always a break). Few at any time: the chainer runs right after the engine's commits.
 */
async function unchained(tx: Tx, key: AuditKey): Promise<{ count: number; broken: AuditChainBreak | null }> {
  const rows = await tx.query<{ id: string; pos: string | null; at: Date; actor: string; action: string; subject: string; data: Record<string, unknown>; nonce: string | null; seal: string | null }>(
    'select id, pos, at, actor, action, subject, data, nonce, seal from audit_event where pos is null or pos < 0 order by id',
  );
  for (const r of rows) {
    // Waiting with a seal that fits; refused ones (pos < 0) are breaks whatever their seal.
    if (r.pos !== null || !sealFits(key, r)) return { count: 0, broken: { id: Number(r.id), reason: 'seal_mismatch', found: r.seal } };
  }
  // A copy of a sealed entry carries a seal that fits, so the chainer gives it a place like the original. The
  // unique index on `nonce` refuses copies; when it is missing (dropped by someone with write access), the
  // whole table is searched for them.
  const [guard] = await tx.query<{ ok: boolean }>(
    `select exists (select 1 from pg_index i join pg_class c on c.oid = i.indexrelid where c.relname = 'audit_event_nonce_unique' and i.indisunique and i.indisvalid) as ok`,
  );
  if (!guard?.ok) {
    const [copy] = await tx.query<{ id: string; first: string }>(
      `select (array_agg(id order by id))[2] as id, min(id) as first from audit_event where nonce is not null group by nonce having count(*) > 1 order by 1 limit 1`,
    );
    if (copy) return { count: 0, broken: { id: Number(copy.id), reason: 'nonce_reused', copyOf: Number(copy.first) } };
  }
  return { count: rows.length, broken: null };
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
