/**
 * Data access of the ingress inbox (table `inbox_event`). Every function takes any `$1`-parameter query
 * runner (the engine's session, a pg client), so callers decide the connection and the transaction.
 */
import type { InboxStatus } from './entities/inbox.js';

/** The one thing these statements need from a connection. */
export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/** One platform update as stored before it is acknowledged. */
export interface NewInboxRow {
  platform: string;
  eventId: string;
  /** `<platform>:<chat>`: the unit of ordering. */
  chatKey: string;
  payload: Record<string, unknown>;
  /** Stored parked with this reason (an update that cannot be read); never handed to a consumer. */
  parked?: string;
}

/** A row handed to a consumer. */
export interface ClaimedInboxRow {
  id: number;
  platform: string;
  eventId: string;
  chatKey: string;
  payload: Record<string, unknown>;
  /** Including this claim. */
  attempts: number;
}

/** The channel a store notifies, so consumers in other processes wake at once. */
export const INBOX_CHANNEL = 'kinerja_inbox';

/**
 * Stores the rows in one statement (so one transaction, however many rows a polling batch holds); a row
 * whose (platform, event id) is already stored is skipped: the platform re-sent it. Returns the rows newly
 * stored, as `<platform>:<event id>`. Other processes are told with `announceInboxRows`, after the commit and not in it: a
 * transaction that NOTIFYs holds one database-wide lock from its commit until its WAL is flushed, so a
 * NOTIFY in every store made all stores commit one after another (measured: the inbox alone ran at 56 % of
 * a minimal transaction's rate with it, 82 % without).
 */
export async function storeInboxRows(db: Queryable, rows: readonly NewInboxRow[]): Promise<Set<string>> {
  if (!rows.length) return new Set();
  const stored = await db.query<{ platform: string; event_id: string }>(
    `with stored as (
       insert into inbox_event (platform, event_id, chat_key, payload, status, last_error, handled_at)
       select p, e, c, j, case when r is null then 'pending' else 'parked' end, r, case when r is null then null else clock_timestamp() end
         from unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::text[]) as t(p, e, c, j, r)
       on conflict (platform, event_id) do nothing
       returning platform, event_id)
     select platform, event_id from stored`,
    [rows.map((r) => r.platform), rows.map((r) => r.eventId), rows.map((r) => r.chatKey), rows.map((r) => JSON.stringify(r.payload)), rows.map((r) => (r.parked === undefined ? null : r.parked.slice(0, 2000)))],
  );
  return new Set(stored.map((r) => `${r.platform}:${r.event_id}`));
}

/** Wakes the consumers of other processes (LISTEN on `INBOX_CHANNEL`): rows were stored and committed. */
export async function announceInboxRows(db: Queryable): Promise<void> {
  await db.query(`select pg_notify('${INBOX_CHANNEL}', '')`);
}

/**
 * How many of the oldest pending rows a claim looks at. A chat's oldest pending row is always among them
 * when any row of that chat is (they are the oldest by id), so the rows handed out keep each chat's order;
 * rows further back wait until the window reaches them, which only happens while more than this many rows
 * are pending in chats whose oldest row is being handled (one chat flooding with thousands of updates).
 */
export const INBOX_CLAIM_WINDOW = 2000;

/**
 * Marks `done` handled (as `markInboxDone`; the rows just marked are not pending to this claim), then hands
 * out up to `limit` rows, each the oldest pending row of its chat, none of a chat that already has a
 * row being handled (its lease is in the future, and it is still pending, so the chat's later rows have an
 * older pending row and are not eligible). Claiming sets the lease: a consumer that dies without finishing
 * leaves the row to be claimed again when the lease runs out. SKIP LOCKED lets several consumers claim at
 * the same time without waiting for or taking each other's rows.
 *
 * The shape is chosen so no estimate can turn it quadratic: PostgreSQL's statistics almost always say no
 * row is pending (they are taken when the inbox is idle), and the obvious "no older pending row of the
 * chat" probe was then planned as a scan of all pending rows per candidate (15 ms for 260 pending rows,
 * 1.6 s with a backlog of 100,000). Here the window is read once in id order, the chats' first rows are
 * picked from it, and those rows are locked by primary key: the status test there is written so that it
 * cannot match a partial index (whose scan would read every pending row). Measured: 3.7 ms and 6.7 ms.
 */
export async function claimInboxRows(
  db: Queryable,
  opts: { platforms: readonly string[]; limit: number; leaseMs: number; done?: readonly number[] },
): Promise<ClaimedInboxRow[]> {
  const rows = await db.query<{ id: string; platform: string; event_id: string; chat_key: string; payload: Record<string, unknown>; attempts: number }>(
    `with done as (${markDoneSql('$5')} returning id)
     update inbox_event set available_at = clock_timestamp() + $3 * interval '1 millisecond', attempts = attempts + 1
      where id in (
        select i.id from inbox_event i
         where i.id = any(array(
                 select h.id from (select distinct on (w.chat_key) w.id, w.platform, w.available_at
                                     from (select id, chat_key, platform, available_at from inbox_event
                                            where status = 'pending' and not (id = any($5::bigint[])) order by id limit $4) w
                                    order by w.chat_key, w.id) h
                  where h.available_at <= clock_timestamp() and h.platform = any($1::text[])
                  order by h.id
                  limit $2))
           and i.status || '' = 'pending' and i.available_at <= clock_timestamp()
         for update of i skip locked)
      returning id, platform, event_id, chat_key, payload, attempts`,
    [opts.platforms, opts.limit, opts.leaseMs, INBOX_CLAIM_WINDOW, opts.done ?? []],
  );
  return rows.map((r) => ({ id: Number(r.id), platform: r.platform, eventId: r.event_id, chatKey: r.chat_key, payload: r.payload, attempts: r.attempts })).sort((a, b) => a.id - b.id);
}

/** The rows whose ids are parameter `ids` were handled (their effects are committed): they leave the pending set. Idempotent. */
function markDoneSql(ids: string): string {
  return `update inbox_event set status = 'done', handled_at = clock_timestamp(), last_error = null where id = any(${ids}::bigint[]) and status = 'pending'`;
}

/**
 * The rows were handled (their effects are committed): they leave the pending set. Idempotent. A consumer
 * that goes on claiming passes them to its next claim instead (`done`), which marks them in the same
 * statement: one round trip and one commit fewer per batch.
 */
export async function markInboxDone(db: Queryable, ids: readonly number[]): Promise<void> {
  if (!ids.length) return;
  await db.query(markDoneSql('$1'), [ids]);
}

/** Handling failed for a reason that may pass (the database was away): try again after `retryInMs`. */
export async function retryInboxRowLater(db: Queryable, id: number, error: string, retryInMs: number): Promise<void> {
  await db.query(
    `update inbox_event set last_error = $2, available_at = clock_timestamp() + $3 * interval '1 millisecond' where id = $1 and status = 'pending'`,
    [id, error.slice(0, 2000), retryInMs],
  );
}

/** Handling failed for the row's content: it is set aside (the person already got the error reply). */
export async function parkInboxRow(db: Queryable, id: number, reason: string): Promise<void> {
  await db.query(`update inbox_event set status = 'parked', last_error = $2, handled_at = clock_timestamp() where id = $1 and status = 'pending'`, [id, reason.slice(0, 2000)]);
}

/** Counts per status, and the age of the oldest pending row, for `kinerja status`. */
export async function inboxSummary(db: Queryable): Promise<{ counts: Record<InboxStatus, number>; oldestPendingSeconds: number | null; parked: { id: number; platform: string; eventId: string; reason: string | null; at: Date | null }[] }> {
  const rows = await db.query<{ status: InboxStatus; n: string; oldest: Date | null }>(
    `select status, count(*) as n, min(received_at) filter (where status = 'pending') as oldest from inbox_event group by status`,
  );
  const counts: Record<InboxStatus, number> = { pending: 0, done: 0, parked: 0 };
  let oldest: Date | null = null;
  for (const r of rows) {
    counts[r.status] = Number(r.n);
    if (r.oldest) oldest = new Date(r.oldest);
  }
  const parked = await db.query<{ id: string; platform: string; event_id: string; last_error: string | null; handled_at: Date | null }>(
    `select id, platform, event_id, last_error, handled_at from inbox_event where status = 'parked' order by id desc limit 10`,
  );
  return {
    counts,
    oldestPendingSeconds: oldest ? Math.max(0, Math.round((Date.now() - oldest.getTime()) / 1000)) : null,
    parked: parked.map((p) => ({ id: Number(p.id), platform: p.platform, eventId: p.event_id, reason: p.last_error, at: p.handled_at })),
  };
}

/**
 * Deletes handled rows (done, never parked) handled before `before`, at most `limit` per call; returns how
 * many went.
 */
export async function purgeHandledInbox(db: Queryable, before: Date, limit: number): Promise<number> {
  const gone = await db.query<{ n: string }>(
    `with gone as (delete from inbox_event where id in (select id from inbox_event where status = 'done' and handled_at < $1 order by id limit $2) returning 1)
     select count(*) as n from gone`,
    [before, limit],
  );
  return Number(gone[0]?.n ?? 0);
}

/**
 * Forgets the engine's handled event ids recorded before `before` (EVENT_DEDUPE_DAYS ago), at most `limit`
 * per call; returns how many went. Platforms re-send an update for hours at most (Telegram keeps them
 * 24 h), so an id that old can no longer come back.
 */
export async function pruneEventIds(db: Queryable, before: Date, limit: number): Promise<number> {
  const gone = await db.query<{ n: string }>(
    `with gone as (delete from processed_event where id in (select id from processed_event where processed_at < $1 order by id limit $2) returning 1)
     select count(*) as n from gone`,
    [before, limit],
  );
  return Number(gone[0]?.n ?? 0);
}
