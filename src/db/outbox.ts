/**
 * Every read and write of `outbox_message` rows. A message is a row written in the transaction that decides
 * it (unique `dedupe_key`: a replayed event or a second sweeper writes nothing), delivered after commit by
 * a worker that records the outcome on the row (sent with the platform's message ref, failed, dead).
 *
 * The engine's one-statement fast path builds its CTE from the fragments exported here
 * (`insertOutboxFrom`, `answeredEditSelect`, `buttonsRemovedSelect`), so each statement is written once.
 */
import { asJson, pgArray, type Tx } from './sql.js';
import { DATABASE_ID_SQL } from './installation.js';

/** One message to write. `payload` is the engine's OutgoingMessage (stored as jsonb). */
export interface OutboxDraft {
  platform: string;
  chatId: string;
  recipient: number | null;
  payload: object;
  /** Unique: a second insert with the same key writes nothing. */
  key: string;
}

/** Lifecycle of a row. */
export type OutboxStatus = 'pending' | 'sent' | 'failed' | 'dead';

/**
 * The insert of whatever `select` yields as (platform, chat_id, recipient_id, payload, dedupe_key), for an
 * event's messages only: returns the new ids (`returning id`). It has no `ON CONFLICT` (an arbiter check per
 * row, measurable on the hot path) because an event's keys cannot collide: they are `<platform>:<event
 * id>:<n>` (src/engine/apply.ts `outboxKey`), and the event id was recorded in processed_event by the same
 * transaction or statement, so a replay stops before writing any of them. A collision anyway (an event id
 * replayed after its processed_event row was pruned) fails the write loudly instead of dropping a message.
 * Keys that can collide (reminders, jobs, an event's ':error' reply) go through `insertOutbox`.
 */
export function insertOutboxFrom(select: string): string {
  return `insert into outbox_message (platform, chat_id, recipient_id, payload, dedupe_key)
          ${select}
          returning id`;
}

/**
 * The edit of a pressed prompt `o` (an outbox row from `source`): its text plus a line naming the chosen
 * button (`token`), with buttons, rich blocks and any form dropped, and `replaceOutboxId` set so the sender
 * edits it in place. Yields no row when the prompt does not carry the token. `token` and `key` are SQL
 * expressions (parameters).
 */
export function answeredEditSelect(token: string, key: string, source: string): string {
  return `select o.platform, o.chat_id, o.recipient_id,
            (o.payload - 'buttons' - 'blocks' - 'form' - 'threadRoot') || jsonb_build_object('text', (o.payload->>'text') || E'\\n✓ ' || b.label, 'replaceOutboxId', o.id),
            ${key}
       from ${source} o cross join lateral (
        select e->>'label' as label from jsonb_array_elements(coalesce(o.payload->'buttons', '[]'::jsonb)) r(btns), jsonb_array_elements(r.btns) e
         where e->>'token' = ${token} limit 1) b`;
}

/**
 * The edit that takes the buttons off prompt `o` (an outbox row from `source`), its text unchanged, under
 * dedupe key `key` (an SQL expression): the question was answered by typing. No row when it has no buttons.
 */
export function buttonsRemovedSelect(key: string, source: string): string {
  return `select o.platform, o.chat_id, o.recipient_id,
              (o.payload - 'buttons' - 'form' - 'threadRoot') || jsonb_build_object('replaceOutboxId', o.id, 'buttonsRemoved', true), ${key}
         from ${source} o where jsonb_array_length(coalesce(o.payload->'buttons', '[]'::jsonb)) > 0`;
}

/**
 * Writes the edit that takes the buttons off prompt `promptKey` (an outbox dedupe key), its text unchanged,
 * under dedupe key `key` (an event's: see `insertOutboxFrom`): the question was answered by typing. Nothing
 * when the prompt has no buttons.
 */
export async function insertButtonsRemovedEdit(tx: Tx, args: { promptKey: string; key: string }): Promise<number[]> {
  const rows = await tx.query<{ id: string }>(insertOutboxFrom(buttonsRemovedEditSelect('$1', '$2')), [args.promptKey, args.key]);
  return rows.map((r) => Number(r.id));
}

/** The `select` of `insertButtonsRemovedEdit` (`promptKey` and `key` are SQL expressions), for one-statement writes. */
export function buttonsRemovedEditSelect(promptKey: string, key: string): string {
  return buttonsRemovedSelect(key, promptByKey(promptKey));
}

/**
 * Without a recorded prompt (an inbox button): the newest message in chat (`platform`, `chatId`) carrying a
 * button with the token (`buttons`: the JSON `{"buttons":[[{"token":...}]]}`, see `tokenButtonsJson`). SQL expressions.
 */
export function promptCarryingToken(buttons: string, platform: string, chatId: string): string {
  return `(select * from outbox_message where platform = ${platform} and chat_id = ${chatId} and payload @> ${buttons}::jsonb order by id desc limit 1)`;
}

/** The containment pattern `promptCarryingToken` searches for. */
export function tokenButtonsJson(token: string): string {
  return JSON.stringify({ buttons: [[{ token }]] });
}

/** The prompt row recorded under dedupe key `key` (an SQL expression), when `condition` holds. */
export function promptByKey(key: string, condition = 'true'): string {
  return `(select * from outbox_message where dedupe_key = ${key} and ${condition})`;
}

/**
 * Writes the answered edit of a prompt (see `answeredEditSelect`) under dedupe key `key` (an event's: see
 * `insertOutboxFrom`). The prompt is the
 * row recorded under `prompt.key`, or without a recorded prompt (an inbox button) the newest message in
 * the presser's chat carrying the token. Returns the new outbox id, if any.
 */
export async function insertAnsweredEdit(
  tx: Tx,
  args: { token: string; key: string; prompt: { key: string } | { platform: string; chatId: string } },
): Promise<number[]> {
  const params: unknown[] = [args.token, args.key];
  let source: string;
  if ('key' in args.prompt) {
    params.push(args.prompt.key);
    source = promptByKey('$3');
  } else {
    params.push(tokenButtonsJson(args.token), args.prompt.platform, args.prompt.chatId);
    source = promptCarryingToken('$3', '$4', '$5');
  }
  const rows = await tx.query<{ id: string }>(insertOutboxFrom(answeredEditSelect('$1', '$2', source)), params);
  return rows.map((r) => Number(r.id));
}

/**
 * Writes messages (a key already written is skipped); `createdAt` defaults to the transaction's time.
 * Returns the new rows' ids with their keys, in id order. `eventKeys`: the keys are an event's, which cannot
 * collide (see `insertOutboxFrom`), so no `ON CONFLICT` is needed.
 */
export async function insertOutbox(tx: Tx, drafts: readonly OutboxDraft[], createdAt: Date | null = null, opts: { eventKeys?: boolean } = {}): Promise<{ id: number; key: string }[]> {
  if (drafts.length === 0) return [];
  const rows = await tx.query<{ id: string; dedupe_key: string }>(
    insertOutboxRowsSql(`jsonb_to_recordset($1::jsonb) as m(${OUTBOX_DRAFT_COLUMNS})`, '$2::timestamptz', opts),
    [asJson(drafts.map(outboxDraftJson)), createdAt],
  );
  return insertedOutbox(rows);
}

/** The columns of `outboxDraftJson`'s objects, for `jsonb_to_recordset(...) as m(...)`. */
export const OUTBOX_DRAFT_COLUMNS = 'platform text, chat_id text, recipient_id int, payload jsonb, dedupe_key text';

/** A draft as one object of the JSON parameter `insertOutboxRowsSql` reads. */
export function outboxDraftJson(d: OutboxDraft): { platform: string; chat_id: string; recipient_id: number | null; payload: object; dedupe_key: string } {
  return { platform: d.platform, chat_id: d.chatId, recipient_id: d.recipient, payload: d.payload, dedupe_key: d.key };
}

/**
 * The insert of `insertOutbox` from `source`, a FROM item named `m` with the columns of OUTBOX_DRAFT_COLUMNS,
 * created at `createdAt` (an SQL expression; null: now()), returning `id, dedupe_key`. Usable as a CTE, so a
 * caller can settle what the messages stand for in the same statement (the reminder sweep).
 */
export function insertOutboxRowsSql(source: string, createdAt: string, opts: { eventKeys?: boolean; returning?: string } = {}): string {
  return `insert into outbox_message (platform, chat_id, recipient_id, payload, dedupe_key, created_at)
     select m.platform, m.chat_id, m.recipient_id, m.payload, m.dedupe_key, coalesce(${createdAt}, now())
       from ${source}
     ${opts.eventKeys ? '' : 'on conflict (dedupe_key) do nothing'} returning ${opts.returning ?? 'id, dedupe_key'}`;
}

/** The rows `insertOutboxRowsSql` returned, in id order. */
export function insertedOutbox(rows: readonly { id: string; dedupe_key: string }[]): { id: number; key: string }[] {
  return rows.map((r) => ({ id: Number(r.id), key: r.dedupe_key })).sort((a, b) => a.id - b.id);
}

/** A row as the delivery worker reads it. */
export interface OutboxRow<P = unknown> {
  id: number;
  platform: string;
  chatId: string;
  payload: P;
  status: OutboxStatus;
  /** With `keepChatOrder`: older rows of the same chat still pending (0, 1, or CHAT_AHEAD_CAP meaning "more"). */
  ahead: number;
  /** With `keepChatOrder`: the next pending row of the same chat (the one waiting for this one), if any. */
  next: number | null;
  /** With `keepChatOrder`: pending rows of the same chat after this one, counted up to CHAT_BACKLOG_CAP. */
  behind: number;
}

/** How far `behind` is counted: enough to tell a backlog from a message or two. */
export const CHAT_BACKLOG_CAP = 8;

/**
 * Row `id` for delivery; with `keepChatOrder`, its place in its chat's line: the older rows still pending, and
 * the next one (three probes of the partial index of pending rows per chat, in the same query).
 */
export async function outboxRowForDelivery<P>(tx: Tx, id: number, keepChatOrder: boolean): Promise<OutboxRow<P> | null> {
  const line = keepChatOrder ? chatLineSql('o') : '0 as ahead, null as next, 0 as behind';
  const rows = await tx.query<DeliveryRowRecord<P>>(`select o.id, o.platform, o.chat_id, o.payload, o.status, ${line} from outbox_message o where o.id = $1`, [id]);
  return rows[0] ? outboxRowOf(rows[0]) : null;
}

/** A row as the delivery reads select it. */
interface DeliveryRowRecord<P> {
  id: string;
  platform: string;
  chat_id: string;
  payload: P;
  status: OutboxStatus;
  ahead: number;
  next: string | null;
  behind: number;
}

function outboxRowOf<P>(r: DeliveryRowRecord<P>): OutboxRow<P> {
  return { id: Number(r.id), platform: r.platform, chatId: r.chat_id, payload: r.payload, status: r.status, ahead: Number(r.ahead), next: r.next === null ? null : Number(r.next), behind: Number(r.behind) };
}

/**
 * Rows `ids` for delivery, each with its place in its chat's line (as `outboxRowForDelivery` with
 * `keepChatOrder`), in id order; ids with no row are left out. One statement for a job that carries several
 * rows, each looked up by primary key.
 */
export async function outboxRowsForDelivery<P>(tx: Tx, ids: readonly number[]): Promise<OutboxRow<P>[]> {
  if (ids.length === 0) return [];
  const rows = await tx.query<DeliveryRowRecord<P>>(
    `select o.id, o.platform, o.chat_id, o.payload, o.status, ${chatLineSql('o')}
       from (select distinct unnest($1::bigint[]) as id) i
       cross join lateral (select * from outbox_message o where o.id = i.id) o
      order by o.id`,
    [pgArray(ids)],
  );
  return rows.map(outboxRowOf);
}

/** The `ahead`, `next` and `behind` columns of row `o` (three probes of the partial index of pending rows per chat). */
function chatLineSql(o: string): string {
  return `${aheadSql(o)} as ahead,
       (select min(n.id) from outbox_message n where n.platform = ${o}.platform and n.chat_id = ${o}.chat_id and n.id > ${o}.id and n.status = 'pending') as next,
       (select count(*) from (select 1 from outbox_message n where n.platform = ${o}.platform and n.chat_id = ${o}.chat_id and n.id > ${o}.id and n.status = 'pending' limit ${CHAT_BACKLOG_CAP}) b)::int as behind`;
}

/** Marks rows sent with their platform message refs, one statement for all. */
export async function markOutboxSent(tx: Tx, sent: readonly { id: number; ref: string }[]): Promise<void> {
  if (sent.length === 0) return;
  await tx.exec(
    `update outbox_message o set status = 'sent', platform_message_ref = u.ref, sent_at = now(), attempts = o.attempts + 1, last_error = null
       from jsonb_to_recordset($1::jsonb) as u(id bigint, ref text) where o.id = u.id`,
    [asJson(sent)],
  );
}

/** A permanent failure: the row will not be tried again. */
export async function markOutboxFailed(tx: Tx, id: number, reason: string): Promise<void> {
  await tx.exec(`update outbox_message set status = 'failed', last_error = $1, attempts = attempts + 1 where id = $2`, [reason, id]);
}

/** A failed attempt that will be retried: the row stays pending. */
export async function recordOutboxAttempt(tx: Tx, id: number, error: string): Promise<void> {
  await tx.exec(`update outbox_message set attempts = attempts + 1, last_error = $1 where id = $2`, [error, id]);
}

/** Marks a still-pending row dead after its last transient attempt. */
export async function markOutboxDead(tx: Tx, id: number, reason: string): Promise<void> {
  await tx.exec(`update outbox_message set status = 'dead', last_error = $1 where id = $2 and status = 'pending'`, [reason, id]);
}

/** The platform message ref of row `id`, once delivered. */
export async function messageRefOf(tx: Tx, id: number): Promise<string | null> {
  const rows = await tx.query<{ ref: string | null }>('select platform_message_ref as ref from outbox_message where id = $1', [id]);
  return rows[0]?.ref ?? null;
}

/** The platform message ref of the first delivered thread-root message of `threadKey` in a chat (Slack thread_ts). */
export async function threadRootRef(tx: Tx, platform: string, chatId: string, threadKey: string): Promise<string | null> {
  const rows = await tx.query<{ ref: string }>(
    `select platform_message_ref as ref from outbox_message
      where platform = $1 and chat_id = $2 and payload->>'threadKey' = $3 and payload->>'threadRoot' = 'true'
        and platform_message_ref is not null order by id limit 1`,
    [platform, chatId, threadKey],
  );
  return rows[0]?.ref ?? null;
}

/**
 * The thread key the bot's message `messageRef` in a chat carried (a reply to it, or a Slack thread under
 * it, belongs to that assessment thread). Several rows can share a message ref (edits in place): the newest
 * wins; an edit keeps its prompt's thread key.
 */
export async function threadKeyOf(tx: Tx, platform: string, chatId: string, messageRef: string): Promise<string | null> {
  const rows = await tx.query<{ key: string | null }>(
    `select payload->>'threadKey' as key from outbox_message
      where platform = $1 and chat_id = $2
        -- A message sent in parts has the ids of all its parts, comma-separated (Telegram's sender).
        and (platform_message_ref = $3 or $3 = any(string_to_array(platform_message_ref, ',')))
      order by id desc limit 1`,
    [platform, chatId, messageRef],
  );
  return rows[0]?.key ?? null;
}

/** The form the bot last offered in a chat with this token (for an "open form" button). */
export async function offeredForm<F>(tx: Tx, platform: string, chatId: string, formToken: string): Promise<F | null> {
  const rows = await tx.query<{ form: F }>(
    `select payload->'form' as form from outbox_message
      where platform = $1 and chat_id = $2 and payload->'form'->>'token' = $3 order by id desc limit 1`,
    [platform, chatId, formToken],
  );
  return rows[0]?.form ?? null;
}

/**
 * How many older rows of the same chat are still pending, counted no further than `CHAT_AHEAD_CAP` (one probe
 * of the partial index of pending rows per chat). The delivery worker only needs "none", "one" or "more".
 */
export const CHAT_AHEAD_CAP = 2;
const aheadSql = (o: string) =>
  `(select count(*) from (select 1 from outbox_message p where p.platform = ${o}.platform and p.chat_id = ${o}.chat_id and p.id < ${o}.id and p.status = 'pending' limit ${CHAT_AHEAD_CAP}) a)::int`;

/** A pending row as the delivery queues take it: its platform, its place in its chat's line, the database's id. */
export interface PendingOutboxRow {
  id: number;
  platform: string;
  /** Older rows of the same chat still pending (0, 1, or CHAT_AHEAD_CAP meaning "more"). */
  ahead: number;
  /** The database's id (src/db/installation.ts), which namespaces the row's job. */
  databaseId: string;
}

/**
 * The columns `platform, ahead, database_id` of a `PendingOutboxRow` for the outbox row `o` (an SQL alias).
 * In the statement that inserts `o`, `ahead` counts the rows of its chat written before the statement.
 */
export function pendingOutboxColumnsSql(o: string): string {
  return `${o}.platform, ${aheadSql(o)} as ahead, ${DATABASE_ID_SQL} as database_id`;
}

/**
 * Of rows `ids`, the still-pending ones with their platform and place in their chat's line, in id order (to
 * enqueue them), each with the database's id (src/db/installation.ts) that namespaces its job.
 *
 * Each id is looked up by primary key (a LATERAL per id): as `o.id = any($1)` PostgreSQL, misled by statistics
 * of a table a sweep is filling, read the whole partial index of pending rows and compared every entry with
 * every id (7.8 s for a batch of 2,000 ids with 100,000 rows pending; 11 ms by key).
 */
export async function pendingOutbox(tx: Tx, ids: readonly number[]): Promise<PendingOutboxRow[]> {
  if (ids.length === 0) return [];
  const rows = await tx.query<{ id: string; platform: string; ahead: number; database_id: string }>(
    `select o.id, ${pendingOutboxColumnsSql('o')}
       from (select distinct unnest($1::bigint[]) as id) i
       cross join lateral (select * from outbox_message o where o.id = i.id and o.status = 'pending') o
      order by o.id`,
    [pgArray(ids)],
  );
  return pendingOutboxRows(rows);
}

/** Rows read with `pendingOutboxColumnsSql`, in id order. */
export function pendingOutboxRows(rows: readonly { id: string | number; platform: string; ahead: number; database_id: string }[]): PendingOutboxRow[] {
  return rows.map((r) => ({ id: Number(r.id), platform: r.platform, ahead: Number(r.ahead), databaseId: r.database_id })).sort((a, b) => a.id - b.id);
}

/** Rows still pending that were written before `before`, oldest first (the relay's candidates). */
export async function pendingOutboxBefore(tx: Tx, before: Date, limit: number): Promise<{ id: number; platform: string }[]> {
  const rows = await tx.query<{ id: string; platform: string }>(
    `select id, platform from outbox_message where status = 'pending' and created_at < $1 order by id limit $2`,
    [before, limit],
  );
  return rows.map((r) => ({ id: Number(r.id), platform: r.platform }));
}

/** Of rows `ids`, those of `platform` with their chats, in id order. */
export async function outboxChats(tx: Tx, platform: string, ids: readonly number[]): Promise<{ id: number; chatId: string }[]> {
  if (ids.length === 0) return [];
  const rows = await tx.query<{ id: string; chat_id: string }>(
    `select id, chat_id from outbox_message where id = any($1::bigint[]) and platform = $2 order by id`,
    [pgArray(ids), platform],
  );
  return rows.map((r) => ({ id: Number(r.id), chatId: r.chat_id }));
}

/** Rows per status, every status present (0 when none). */
export async function outboxCounts(tx: Tx): Promise<Record<OutboxStatus, number>> {
  const rows = await tx.query<{ status: string; n: string }>(`select status, count(*) as n from outbox_message group by status`);
  const out: Record<OutboxStatus, number> = { pending: 0, sent: 0, failed: 0, dead: 0 };
  for (const r of rows) if (r.status in out) out[r.status as OutboxStatus] = Number(r.n);
  return out;
}

/** A message that was not delivered, for HR's status report. */
export interface UndeliveredRow {
  id: number;
  platform: string;
  chatId: string;
  recipient: string | null;
  status: 'failed' | 'dead';
  lastError: string | null;
  attempts: number;
  createdAt: Date;
}

/** The newest failed or dead rows, with the recipient's name. */
export async function undeliveredOutbox(tx: Tx, limit: number): Promise<UndeliveredRow[]> {
  const rows = await tx.query<{ id: string; platform: string; chat_id: string; recipient: string | null; status: 'failed' | 'dead'; last_error: string | null; attempts: number; created_at: string | Date }>(
    `select o.id, o.platform, o.chat_id, e.name as recipient, o.status, o.last_error, o.attempts, o.created_at
       from outbox_message o left join employee e on e.id = o.recipient_id
      where o.status in ('failed', 'dead') order by o.id desc limit $1`,
    [limit],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    platform: r.platform,
    chatId: r.chat_id,
    recipient: r.recipient,
    status: r.status,
    lastError: r.last_error,
    attempts: r.attempts,
    createdAt: new Date(r.created_at),
  }));
}

/** How many of rows `ids` are still pending. */
export async function countPendingOutbox(tx: Tx, ids: readonly number[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await tx.query<{ n: string }>(`select count(*)::text as n from outbox_message where id = any($1::bigint[]) and status = 'pending'`, [pgArray(ids)]);
  return Number(rows[0]?.n ?? 0);
}

/** A row's delivery attempts and the time its give-up clock started (`kinerja outbox retry` restarts it). */
export async function outboxRetryClock(tx: Tx, id: number): Promise<{ attempts: number; since: Date } | null> {
  const rows = await tx.query<{ attempts: number; since: Date }>(`select attempts, coalesce(retry_from, created_at) as since from outbox_message where id = $1`, [id]);
  return rows[0] ? { attempts: rows[0].attempts, since: new Date(rows[0].since) } : null;
}

/** Puts rows of `statuses` written at or after `since` back to pending with a fresh give-up clock; returns them in id order. */
export async function resetOutboxForRetry(tx: Tx, statuses: readonly OutboxStatus[], since: Date): Promise<{ id: number; platform: string }[]> {
  const rows = await tx.query<{ id: string; platform: string }>(
    `update outbox_message set status = 'pending', attempts = 0, retry_from = now(), last_error = null
      where status = any($1::text[]) and created_at >= $2 returning id, platform`,
    [statuses, since],
  );
  return rows.map((r) => ({ id: Number(r.id), platform: r.platform })).sort((a, b) => a.id - b.id);
}
