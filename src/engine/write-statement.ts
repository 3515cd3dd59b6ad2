/**
 * The hot path's write: an ordinary turn (an answer, a reply, a pressed question) applied in one statement,
 * for one event or for a batch of events of different people (group commit, see engine.ts `handleMany`).
 *
 * Per event, every write after the first is conditional on the ones before (through RETURNING):
 *
 *   v: lock the conversation row if its version is still the one read (FOR UPDATE re-checks the version on
 *      the newest row when another transaction changed it meanwhile)
 *   p: record the event id (a replay inserts nothing)          -- only if v found the row
 *   c: save the conversation, version + 1                      -- only if p inserted
 *   answers, reflection, outbox rows, the pressed prompt's edit -- only if c saved
 *
 * so a replayed event writes nothing, an event whose conversation changed writes nothing (the engine runs it
 * again, alone), and one event's outcome never affects another's in the same statement. The answers' audit
 * entries are appended in the message that commits, for the events that wrote.
 */
import { appendTimedAuditAtCommit, type AuditEntry, type TimedAuditEntry } from '../db/audit.js';
import { answeredEditSelect, buttonsRemovedSelect, insertOutboxFrom, outboxValuesSelect, promptByKey, type OutboxDraft } from '../db/outbox.js';
import type { Session, Tx } from '../db/sql.js';
import { ANSWERED_SUFFIX, ConcurrentUpdate, auditOf, outboxKey, type ApplyArgs } from './apply.js';
import type { Effect } from './state.js';

/** Effects the single-statement write can carry; anything else takes the transactional path. */
const SIMPLE_EFFECTS = new Set<Effect['kind']>(['reply', 'save_answer', 'save_reflection', 'mark_answered', 'remove_buttons']);

/**
 * True when one statement can apply this step: an existing conversation and only simple effects. These
 * effects write the actor's own rows only (their conversation, answers, replies to their own chat), which
 * is also what lets the events of different people share one statement.
 */
export function fitsOneStatement(args: ApplyArgs): boolean {
  if (args.conversation.id === null) return false;
  const keys = new Set<string>();
  let edits = 0;
  for (const e of args.effects) {
    if (!SIMPLE_EFFECTS.has(e.kind)) return false;
    // One edit of the answered prompt per turn (it has one dedupe key).
    if ((e.kind === 'mark_answered' || e.kind === 'remove_buttons') && ++edits > 1) return false;
    // An inbox button's prompt is searched for; only a recorded prompt key fits the one statement.
    if (e.kind === 'mark_answered' && e.prompt === null) return false;
    if (e.kind === 'save_answer') {
      // One statement cannot upsert the same row twice.
      if (keys.has(e.itemKey)) return false;
      keys.add(e.itemKey);
    }
  }
  return true;
}

/** What the statement did with one event. */
export type WriteOutcome =
  | { kind: 'done'; outboxIds: number[] }
  /** The event id was recorded before: nothing written. */
  | { kind: 'duplicate' }
  /** The conversation changed since it was read: nothing written; the event must be run again. */
  | { kind: 'conflict' };

/** One event's write. Throws ConcurrentUpdate when the conversation changed (the engine re-runs the event). */
export async function applyInOneStatement(session: Session, args: ApplyArgs): Promise<{ kind: 'duplicate' } | { kind: 'done'; outboxIds: number[] }> {
  const [r] = await applyManyInOneStatement(session, [args]);
  if (r.kind === 'conflict') throw new ConcurrentUpdate('conversation');
  return r;
}

/**
 * The events' writes in one statement (each `fitsOneStatement`, at most one per conversation), plus their
 * audit entries at COMMIT when any has one. Outcomes in the order of `list`.
 */
export async function applyManyInOneStatement(session: Session, list: readonly ApplyArgs[]): Promise<WriteOutcome[]> {
  const audits = list.map(auditEntriesOf);
  // A batch's text differs from batch to batch: sent unnamed. A single event's text repeats: prepared.
  const once = list.length > 1;
  if (audits.every((a) => a.length === 0)) return writeAll(session, list, once);
  // The audit entries (answers) commit with the writes: the chain's lock and inserts travel with COMMIT, and
  // only for the events that wrote (a replay or a lost race writes nothing and appends nothing).
  return session.transaction(async (tx) => {
    const out = await writeAll(tx, list, once);
    const entries: TimedAuditEntry[] = out.flatMap((r, i) => (r.kind === 'done' ? audits[i].map((entry) => ({ entry, at: list[i].now })) : []));
    await appendTimedAuditAtCommit(tx, entries);
    return out;
  });
}

function auditEntriesOf(args: ApplyArgs): AuditEntry[] {
  const actorRef = args.actor ? args.actor.nip : `${args.event.platform}:${args.event.platformUserId}`;
  const out: AuditEntry[] = [];
  for (const e of args.effects) {
    const own = auditOf(e);
    if (own) out.push({ actor: actorRef, ...own, data: { ...own.data, platform: args.event.platform } });
  }
  return out;
}

async function writeAll(tx: Tx, list: readonly ApplyArgs[], once: boolean): Promise<WriteOutcome[]> {
  const vals: unknown[] = [];
  const $ = (v: unknown, cast: string) => {
    vals.push(v);
    return `$${vals.length}::${cast}`;
  };
  const ctes: string[] = [];
  const results: string[] = [];
  list.forEach((args, n) => {
    const name = (s: string) => `e${n}_${s}`;
    ctes.push(...eventCtes(args, $, name));
    results.push(
      `select ${n} as n, (select count(*) from ${name('v')})::int as v, (select count(*) from ${name('p')})::int as p,
              (select array_agg(id order by id) from (select id from ${name('m')} union all select id from ${name('o')}) x) as ids`,
    );
  });
  const rows = await tx.query<{ n: number; v: number; p: number; ids: (string | number)[] | null }>(`with ${ctes.join(',\n')}\n${results.join('\nunion all\n')}`, vals, { once });
  const out: WriteOutcome[] = list.map(() => ({ kind: 'conflict' }));
  for (const r of rows) {
    out[r.n] = r.v === 0 ? { kind: 'conflict' } : r.p === 0 ? { kind: 'duplicate' } : { kind: 'done', outboxIds: (r.ids ?? []).map(Number) };
  }
  return out;
}

/** The CTEs of one event (names from `name`, parameters through `$`), as the module comment describes. */
function eventCtes(args: ApplyArgs, $: (v: unknown, cast: string) => string, name: (s: string) => string): string[] {
  const { event, now } = args;
  const { flow, step, ...rest } = args.state;
  const expires = flow === 'idle' ? null : new Date(now.getTime() + args.idleMinutes * 60_000);
  const saved = `exists (select 1 from ${name('c')})`;
  const ctes: string[] = [
    `${name('v')} as (select id from conversation where id = ${$(args.conversation.id, 'int')} and version = ${$(args.conversation.version, 'int')} for update)`,
    `${name('p')} as (insert into processed_event (platform, event_id) select ${$(event.platform, 'text')}, ${$(event.eventId, 'text')} where exists (select 1 from ${name('v')})
             on conflict do nothing returning 1)`,
    `${name('c')} as (update conversation set flow = ${$(flow, 'text')}, step = ${$(step, 'text')}, state = ${$(JSON.stringify(rest), 'jsonb')}, version = version + 1,
             last_activity_at = ${$(now, 'timestamptz')}, expires_at = ${$(expires, 'timestamptz')}
            where id in (select id from ${name('v')}) and exists (select 1 from ${name('p')}) returning 1)`,
  ];
  const outbox: OutboxDraft[] = [];
  let answered = false;
  args.effects.forEach((e, i) => {
    if (e.kind === 'reply') outbox.push({ platform: event.platform, chatId: event.chatId, recipient: args.actor?.id ?? null, payload: e.message, key: outboxKey(event, i) });
    else if (e.kind === 'mark_answered' && e.prompt !== null) {
      answered = true;
      const source = promptByKey($(e.prompt, 'text'), saved);
      ctes.push(`${name('m')} as (${insertOutboxFrom(answeredEditSelect($(e.token, 'text'), $(outboxKey(event, ANSWERED_SUFFIX), 'text'), source))})`);
    } else if (e.kind === 'remove_buttons') {
      // Typed over a question with buttons: the buttons go (the same key as a pressed prompt's edit).
      answered = true;
      ctes.push(`${name('m')} as (${insertOutboxFrom(buttonsRemovedSelect($(outboxKey(event, ANSWERED_SUFFIX), 'text'), promptByKey($(e.prompt, 'text'), saved)))})`);
    } else if (e.kind === 'save_reflection') {
      ctes.push(`${name(`w${i}`)} as (update assessment set reflection = ${$(e.text, 'text')}, updated_at = ${$(now, 'timestamptz')} where id = ${$(e.assessmentId, 'int')} and ${saved})`);
    } else if (e.kind === 'save_answer') {
      const cols = ['assessment_id', 'item_key', 'indicator_id', 'target_id', 'updated_at'];
      const sel = [$(e.assessmentId, 'int'), $(e.itemKey, 'text'), $(e.indicatorId, 'int'), $(e.targetId, 'int'), $(now, 'timestamptz')];
      const sets = ['updated_at = excluded.updated_at'];
      const put = (col: string, v: unknown, cast: string) => {
        cols.push(col);
        sel.push($(v, cast));
        sets.push(`${col} = excluded.${col}`);
      };
      if (e.patch.realisasi !== undefined) put('realisasi', e.patch.realisasi, 'numeric');
      if (e.patch.narrative !== undefined) put('narrative', e.patch.narrative, 'text');
      if (e.patch.evidence !== undefined) put('evidence', JSON.stringify(e.patch.evidence), 'jsonb');
      if (e.patch.evidenceSkipped !== undefined) put('evidence_skipped', e.patch.evidenceSkipped, 'boolean');
      ctes.push(
        `${name(`w${i}`)} as (insert into answer (${cols.join(', ')}) select ${sel.join(', ')} where ${saved}
                   on conflict (assessment_id, item_key) do update set ${sets.join(', ')})`,
      );
    }
  });
  if (outbox.length) {
    const tuples = outbox.map(
      (r) => `(${$(r.platform, 'text')}, ${$(r.chatId, 'text')}, ${$(r.recipient, 'int')}, ${$(JSON.stringify(r.payload), 'jsonb')}, ${$(r.key, 'text')})`,
    );
    ctes.push(`${name('o')} as (${insertOutboxFrom(outboxValuesSelect(tuples, saved))})`);
  } else ctes.push(`${name('o')} as (select null::bigint as id where false)`);
  if (!answered) ctes.push(`${name('m')} as (select null::bigint as id where false)`);
  return ctes;
}
