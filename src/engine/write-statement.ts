/**
 * The hot path's write: an ordinary turn (an answer, a reply, a pressed question) applied in one statement,
 * for one event or for a batch of events of different people (group commit, see engine.ts `handleMany`).
 *
 * Per event, every write after the first is conditional on the ones before (through RETURNING):
 *
 *   v: lock the conversation row if its version is still the one read (FOR UPDATE re-checks the version on
 *      the newest row when another transaction changed it meanwhile); a person's first message creates the
 *      row instead (someone else creating it first is a conflict, as a changed version is)
 *   p: record the event id (a replay inserts nothing)          -- only if v found the row
 *   c: save the conversation, version + 1                      -- only if p inserted
 *   answers, reflection, outbox rows, the pressed prompt's edit -- only if c saved
 *
 * so a replayed event writes nothing, an event whose conversation changed writes nothing (the engine runs it
 * again, alone), and one event's outcome never affects another's in the same statement. The audit entries
 * (answers) of the events that wrote are inserted sealed by the same statement (src/db/audit.ts): no lock,
 * and the statement commits on its own. The engine nudges the chainer after it.
 */
import { insertSealedAuditFrom, SEALED_AUDIT_RECORD, sealedAuditRows, type AuditEntry } from '../db/audit.js';
import { answeredEditSelect, buttonsRemovedSelect, insertOutboxFrom } from '../db/outbox.js';
import { asJson, type Session } from '../db/sql.js';
import { ANSWERED_SUFFIX, ConcurrentUpdate, effectAudit, outboxKey, type ApplyArgs } from './apply.js';
import type { Effect } from './state.js';

/** Effects the single-statement write can carry; anything else takes the transactional path. */
const SIMPLE_EFFECTS = new Set<Effect['kind']>(['reply', 'save_answer', 'save_reflection', 'mark_answered', 'remove_buttons']);

/**
 * True when one statement can apply this step: only simple effects. These effects write the actor's own
 * rows only (their conversation, created on their first message, answers, replies to their own chat), which
 * is also what lets the events of different people share one statement.
 */
export function fitsOneStatement(args: ApplyArgs): boolean {
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
 * The events' writes in one statement (each `fitsOneStatement`, at most one per conversation), their sealed
 * audit entries with them; it commits on its own. Outcomes in the order of `list`.
 */
export async function applyManyInOneStatement(session: Session, list: readonly ApplyArgs[]): Promise<WriteOutcome[]> {
  return writeAll(session, list);
}

function auditEntriesOf(args: ApplyArgs): AuditEntry[] {
  return args.effects.map((e) => effectAudit(args, e)).filter((a): a is AuditEntry => a !== null);
}

/**
 * The statement: one text for any batch (the events' rows travel as JSON parameters), so each connection
 * plans it once and a batch costs its execution only. Rows of existing tables are reached by key
 * (`= any(array(...))` of the batch's ids): the planner guesses 100 rows for a JSON parameter, and for a
 * plain join with that guess it may read the whole conversation or outbox table. Per event as the module comment says; the outbox
 * rows come back with their keys, which name their event. A data-modifying CTE runs when it is first read:
 * the final select reads the prompt edits before the replies, so an edit goes out before the next question.
 */
const WRITE_SQL = `with ev as (
    select * from jsonb_to_recordset($1::jsonb) as x(n int, conv_id int, version int, platform text, platform_user_id text, employee_id int, event_id text,
      flow text, step text, state jsonb, at timestamptz, expires timestamptz)),
  v as (select ev.n from conversation cv join ev on cv.id = ev.conv_id and cv.version = ev.version
          where cv.id = any(array(select conv_id from ev)) for update of cv),
  nw as (insert into conversation (platform, platform_user_id, employee_id, flow, step, state, version, last_activity_at, expires_at)
          select ev.platform, ev.platform_user_id, ev.employee_id, ev.flow, ev.step, ev.state, 1, ev.at, ev.expires from ev
           where ev.conv_id is null and not exists (select 1 from processed_event pe where pe.platform = ev.platform and pe.event_id = ev.event_id)
          on conflict (platform, platform_user_id) do nothing returning platform, platform_user_id),
  vn as (select ev.n from ev join nw on nw.platform = ev.platform and nw.platform_user_id = ev.platform_user_id where ev.conv_id is null),
  p as (insert into processed_event (platform, event_id) select ev.platform, ev.event_id from ev where ev.n in (select n from v union all select n from vn)
          on conflict do nothing returning platform, event_id),
  cu as (update conversation cv set flow = ev.flow, step = ev.step, state = ev.state, version = cv.version + 1, last_activity_at = ev.at, expires_at = ev.expires,
            employee_id = ev.employee_id
          from ev join p on p.platform = ev.platform and p.event_id = ev.event_id
         where cv.id = ev.conv_id and cv.id = any(array(select conv_id from ev)) returning ev.n),
  c as (select n from cu union all select ev.n from ev join p on p.platform = ev.platform and p.event_id = ev.event_id where ev.conv_id is null),
  ans as (select * from jsonb_to_recordset($2::jsonb) as x(n int, assessment_id int, item_key text, indicator_id int, target_id int, at timestamptz,
            realisasi numeric, narrative text, evidence jsonb, evidence_skipped boolean, set_realisasi boolean, set_narrative boolean, set_evidence boolean, set_skipped boolean)),
  w as (insert into answer as an (assessment_id, item_key, indicator_id, target_id, updated_at, realisasi, narrative, evidence, evidence_skipped)
          select x.assessment_id, x.item_key, x.indicator_id, x.target_id, x.at, x.realisasi, x.narrative, coalesce(x.evidence, '[]'::jsonb), coalesce(x.evidence_skipped, false)
            from ans x where x.n in (select n from c)
          on conflict (assessment_id, item_key) do update set updated_at = excluded.updated_at,
            realisasi = case when (select y.set_realisasi from ans y where y.assessment_id = an.assessment_id and y.item_key = an.item_key) then excluded.realisasi else an.realisasi end,
            narrative = case when (select y.set_narrative from ans y where y.assessment_id = an.assessment_id and y.item_key = an.item_key) then excluded.narrative else an.narrative end,
            evidence = case when (select y.set_evidence from ans y where y.assessment_id = an.assessment_id and y.item_key = an.item_key) then excluded.evidence else an.evidence end,
            evidence_skipped = case when (select y.set_skipped from ans y where y.assessment_id = an.assessment_id and y.item_key = an.item_key) then excluded.evidence_skipped else an.evidence_skipped end
          returning 1),
  rfx as (select * from jsonb_to_recordset($3::jsonb) as x(n int, assessment_id int, text text, at timestamptz)),
  rf as (update assessment a set reflection = x.text, updated_at = x.at from rfx x
          where a.id = x.assessment_id and a.id = any(array(select assessment_id from rfx)) and x.n in (select n from c) returning 1),
  o as (${insertOutboxFrom(`select x.platform, x.chat_id, x.recipient, x.payload, x.key from jsonb_to_recordset($4::jsonb) as x(n int, i int, platform text, chat_id text, recipient int, payload jsonb, key text)
          where x.n in (select n from c) order by x.n, x.i`)}, dedupe_key),
  edx as (select * from jsonb_to_recordset($5::jsonb) as x(n int, kind text, prompt text, token text, key text)),
  ed as (select x.n, x.kind, x.token, x.key, ob.* from edx x join outbox_message ob on ob.dedupe_key = x.prompt
          where ob.dedupe_key = any(array(select prompt from edx)) and x.n in (select n from c)),
  ma as (${insertOutboxFrom(answeredEditSelect('o.token', 'o.key', `(select * from ed where kind = 'answered')`))}, dedupe_key),
  mr as (${insertOutboxFrom(buttonsRemovedSelect('o.key', `(select * from ed where kind = 'removed')`))}, dedupe_key),
  au as (${insertSealedAuditFrom(`select x.at, x.actor, x.action, x.subject, x.data, x.nonce, x.seal from jsonb_to_recordset($6::jsonb) as x(n int, i int, ${SEALED_AUDIT_RECORD})
          where x.n in (select n from c) order by x.n, x.i`)})
select ev.n, ev.n in (select n from v union all select n from vn) as v, exists (select 1 from p where p.platform = ev.platform and p.event_id = ev.event_id) as p, null::bigint as id, null::text as key from ev
union all
select null, null, null, z.id, z.dedupe_key from (select id, dedupe_key from ma union all select id, dedupe_key from mr union all select id, dedupe_key from o) z`;

/** The statement's outcomes. */
async function writeAll(session: Session, list: readonly ApplyArgs[]): Promise<WriteOutcome[]> {
  const ev: object[] = [];
  const au: object[] = [];
  const ans: object[] = [];
  const rf: object[] = [];
  const out: object[] = [];
  const ed: object[] = [];
  const owner = new Map<string, number>();
  list.forEach((args, n) => {
    const { event, now } = args;
    const { flow, step, ...rest } = args.state;
    const expires = flow === 'idle' ? null : new Date(now.getTime() + args.idleMinutes * 60_000);
    ev.push({
      n,
      conv_id: args.conversation.id,
      version: args.conversation.version,
      platform: event.platform,
      platform_user_id: event.platformUserId,
      employee_id: args.actor?.id ?? null,
      event_id: event.eventId,
      flow,
      step,
      state: rest,
      at: now,
      expires,
    });
    for (const [i, row] of sealedAuditRows(auditEntriesOf(args).map((entry) => ({ entry, at: now }))).entries()) au.push({ n, i, ...row });
    args.effects.forEach((e, i) => {
      if (e.kind === 'reply') {
        const key = outboxKey(event, i);
        owner.set(key, n);
        out.push({ n, i, platform: event.platform, chat_id: event.chatId, recipient: args.actor?.id ?? null, payload: e.message, key });
      } else if (e.kind === 'mark_answered' || e.kind === 'remove_buttons') {
        const key = outboxKey(event, ANSWERED_SUFFIX);
        owner.set(key, n);
        ed.push({ n, kind: e.kind === 'mark_answered' ? 'answered' : 'removed', prompt: e.prompt, token: e.kind === 'mark_answered' ? e.token : null, key });
      } else if (e.kind === 'save_reflection') rf.push({ n, assessment_id: e.assessmentId, text: e.text, at: now });
      else if (e.kind === 'save_answer') {
        const p = e.patch;
        ans.push({
          n,
          assessment_id: e.assessmentId,
          item_key: e.itemKey,
          indicator_id: e.indicatorId,
          target_id: e.targetId,
          at: now,
          realisasi: p.realisasi ?? null,
          narrative: p.narrative ?? null,
          evidence: p.evidence ?? null,
          evidence_skipped: p.evidenceSkipped ?? null,
          set_realisasi: p.realisasi !== undefined,
          set_narrative: p.narrative !== undefined,
          set_evidence: p.evidence !== undefined,
          set_skipped: p.evidenceSkipped !== undefined,
        });
      }
    });
  });
  const rows = await session.query<{ n: number | null; v: boolean | null; p: boolean | null; id: string | null; key: string | null }>(WRITE_SQL, [
    asJson(ev),
    asJson(ans),
    asJson(rf),
    asJson(out),
    asJson(ed),
    asJson(au),
  ]);
  const outcomes: WriteOutcome[] = list.map(() => ({ kind: 'conflict' }));
  const ids: number[][] = list.map(() => []);
  for (const r of rows) {
    if (r.n !== null) outcomes[r.n] = !r.v ? { kind: 'conflict' } : !r.p ? { kind: 'duplicate' } : { kind: 'done', outboxIds: [] };
    else if (r.key !== null && r.id !== null) ids[owner.get(r.key) ?? -1]?.push(Number(r.id));
  }
  return outcomes.map((o, n) => (o.kind === 'done' ? { kind: 'done', outboxIds: ids[n].sort((a, b) => a - b) } : o));
}
