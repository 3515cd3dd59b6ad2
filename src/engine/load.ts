/**
 * The shell's reads: a few indexed statements that fill the views a step looks at. Kept in one place so
 * the number of queries per chat message stays visible (and small).
 */
import { createHash } from 'node:crypto';
import { LINK_LOCKOUT, cycleDisplayName, linkFailureLookback, linkLockedUntil, recentLinkFailures } from '../domain/index.js';
import type { EvidenceRef } from '../db/entities/assessment.js';
import type { CycleSettings } from '../db/entities/cycle.js';
import { mentionedUser, type IncomingEvent, type Platform } from '../contract/index.js';
import { asJson, pgArray, type Tx } from '../db/sql.js';
import type { ConversationState, Locale, Rating, StateParser } from './state.js';
import { hrOfficers } from '../db/hr-officers.js';
import { reviewPlanningHolidaysSql, type ReviewPlanning } from '../db/reminders.js';
import { unitDistributions } from '../db/calibration.js';
import { feedbackTargetsSql } from '../db/feedback-targets.js';
import { gatheredCountsSql } from '../db/gathered.js';
import type { StepContext, AssessmentView, CalibrationView, ColleagueView, FeedbackTargetsView, RecognitionView, FeedbackThreadView, CheckInView, LinkCodeView, ObjectionCase, ObjectionRecord, MonitorView, PendingReviewView, PersonView, ResultView } from './views.js';

const PERSON_COLS = `e.id, e.name, e.nip, e.locale, e.unit_id, e.supervisor_id, e.roles, e.opt_out_announcements, e.timezone`;

interface PersonRow {
  id: number;
  name: string;
  nip: string;
  locale: Locale;
  unit_id: number;
  supervisor_id: number | null;
  roles: string[] | string;
  opt_out_announcements: boolean;
  timezone: string;
}

function person(r: PersonRow): PersonView {
  return {
    id: r.id,
    name: r.name,
    nip: r.nip,
    locale: r.locale,
    unitId: r.unit_id,
    supervisorId: r.supervisor_id,
    roles: Array.isArray(r.roles) ? r.roles : String(r.roles).replace(/[{}]/g, '').split(',').filter(Boolean),
    optOutAnnouncements: r.opt_out_announcements,
    timezone: r.timezone,
  };
}

/** The event's chat user: whether the event was seen, linked employee (if any), conversation (if any), own assessment. */
export interface Ingress {
  /** True when this event id was already handled (a platform retry). */
  seen: boolean;
  actor: PersonView | null;
  conversation: { id: number; state: ConversationState; version: number; lastActivityAt: Date } | null;
  /** The actor's assessment in the open cycle, without raters unless `ownRaters` (see `withRaters`). */
  own: AssessmentView | null;
  /** `own` carries its raters as of `IngressOptions.raters.at` (read with it; `withRaters` is not needed). */
  ownRaters: boolean;
  /** With `ownRaters`: what planning the review reminders of a submit needs (the submit's write uses it). */
  reviewPlanning: ReviewPlanning | null;
}

interface HeaderRow extends PersonRow {
  a_id: number;
  a_version: number;
  a_status: AssessmentView['status'];
  round: number;
  thread_key: string;
  reflection: string | null;
  hasil_kerja: Rating | null;
  perilaku: Rating | null;
  predicate: string | null;
  cycle_id: number;
  cycle_name: string;
  self_deadline: string;
  cycle_status: string;
  matrix_version: string;
  settings: CycleSettings;
  return_note: string | null;
  feedback: string | null;
  items: ItemJson[];
}

interface ItemJson {
  key: string;
  indicator_id: number | null;
  target_id: number | null;
  name_id: string;
  name_en: string;
  unit_of_measure: string | null;
  target: number | string | null;
  main: boolean;
  realisasi: number | string | null;
  narrative: string | null;
  evidence: EvidenceRef[] | null;
  evidence_skipped: boolean | null;
  supervisor_rating: Rating | null;
}

/** Header columns of an assessment `a` with its cycle `c` and owner `e`. */
const HEADER_COLS = `a.id as a_id, a.version as a_version, a.status as a_status, a.round, a.thread_key, a.reflection,
         a.hasil_kerja, a.perilaku, a.predicate,
         c.id as cycle_id, c.name as cycle_name, to_char(c.self_deadline, 'YYYY-MM-DD') as self_deadline,
         c.status as cycle_status, c.matrix_version, c.settings, ${PERSON_COLS},
         (select r.return_note from review r where r.assessment_id = a.id and r.outcome = 'returned' order by r.round desc limit 1) as return_note,
         (select r.feedback from review r where r.assessment_id = a.id and r.outcome = 'rated' order by r.round desc limit 1) as feedback`;

/**
 * The items of assessment `h` as one JSON array: the employee's own targets (RHK/IKI) first, then the
 * cycle's standard Hasil Kerja indicators, each with its answer.
 */
const ITEMS_JSON = `(select coalesce(json_agg(x order by x.src, x.position, x.key), '[]'::json) from (
       select 'tgt:' || t.id as key, null::int as indicator_id, t.id as target_id, t.iki as name_id, t.iki as name_en,
              t.unit_of_measure, t.target, t.rhk_kind = 'utama' as main, 0 as src, t.position,
              an.realisasi, an.narrative, an.evidence, an.evidence_skipped, an.supervisor_rating
         from employee_target t left join answer an on an.assessment_id = h.a_id and an.item_key = 'tgt:' || t.id
        where t.employee_id = h.id and t.cycle_id = h.cycle_id
       union all
       select 'ind:' || i.id, i.id, null::int, i.name_id, i.name_en, i.unit_of_measure, i.target, false, 1, i.position,
              an.realisasi, an.narrative, an.evidence, an.evidence_skipped, an.supervisor_rating
         from indicator i left join answer an on an.assessment_id = h.a_id and an.item_key = 'ind:' || i.id
        where i.cycle_id = h.cycle_id and i.kind = 'hasil_kerja') x)`;

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

function assessmentView(h: HeaderRow, locale: Locale): AssessmentView {
  return {
    id: h.a_id,
    version: h.a_version,
    status: h.a_status,
    round: h.round,
    threadKey: h.thread_key,
    reflection: h.reflection,
    hasilKerja: h.hasil_kerja,
    perilaku: h.perilaku,
    predicate: h.predicate,
    cycle: { id: h.cycle_id, name: cycleDisplayName(h.cycle_name), selfDeadline: h.self_deadline, status: h.cycle_status, matrixVersion: h.matrix_version, settings: h.settings ?? {} },
    owner: person(h),
    raters: [],
    promptRater: null,
    items: (h.items ?? []).map((r) => ({
      key: r.key,
      indicatorId: r.indicator_id,
      targetId: r.target_id,
      name: locale === 'en' ? r.name_en : r.name_id,
      unitOfMeasure: r.unit_of_measure,
      target: num(r.target),
      main: r.main,
      realisasi: num(r.realisasi),
      narrative: r.narrative,
      evidence: r.evidence ?? [],
      evidenceSkipped: r.evidence_skipped ?? false,
      supervisorRating: r.supervisor_rating,
    })),
    returnNote: h.return_note,
    feedback: h.feedback,
  };
}

type IngressRow = PersonRow & {
  seen: boolean;
  active: boolean | null;
  conv_id: number | null;
  flow: string;
  step: string;
  state: Record<string, unknown> | null;
  version: number;
  last_activity_at: Date;
  own: (HeaderRow & { id: number; raters: RaterRow[] | null; review_planning: Pick<ReviewPlanning, 'reviewDeadline' | 'holidays'> | null }) | null;
};

/** A press of one of the submitting actions (`$3` in `$4`, see `IngressOptions`) while the own assessment `h` can be submitted. */
const SUBMITTABLE = `h.a_status in ('draft', 'returned') and coalesce(cv.state->'tokens'->$3::text, cv.state->'inbox'->$3::text)->>'a' = any($4::text[])`;

/**
 * The own assessment's raters at `$2` and its review planning, when `SUBMITTABLE`. Only in the read of a
 * button press (another statement text, so the read of a typed answer plans and runs without them).
 */
const SUBMIT_COLS = `,
  case when ${SUBMITTABLE} then ${ratersJson('h.id', 'h.supervisor_id', '$2::timestamptz')} end as raters,
  case when ${SUBMITTABLE} then (
    select json_build_object('reviewDeadline', to_char(c.review_deadline, 'YYYY-MM-DD'), 'holidays', ${reviewPlanningHolidaysSql('c.review_deadline')})
      from cycle c where c.id = h.cycle_id) end as review_planning`;

/** What `loadIngress` may read besides the ordinary message's needs. */
export interface IngressOptions {
  /**
   * A button press (`token`) of one of `actions` (the registry's `ownRatersActions`: "Kirim"): also read who
   * rates the own assessment at `at` and what planning its review reminders needs, when it can still be
   * submitted (draft or returned), saving the submit a second read. The token is looked up in the stored
   * conversation (its buttons and inbox), so other presses pay nothing.
   */
  raters?: { at: Date; token: string; actions: readonly string[] } | null;
}

/**
 * Everything an ordinary message needs, in one statement: was the event seen, who is it (chat identity ->
 * employee), their conversation (its state parsed by `parseState`), and their assessment in the open cycle
 * with items and answers; with `opts.raters`, its raters and review planning too (see `IngressOptions`).
 */
export async function loadIngress(tx: Tx, platform: Platform, eventId: string, platformUserId: string, parseState: StateParser, opts: IngressOptions = {}): Promise<Ingress> {
  if (!opts.raters) {
    const [one] = await loadIngressMany(tx, [{ platform, eventId, platformUserId }], parseState);
    return one;
  }
  // The event as the batch read passes it (one JSON parameter): with its values as separate parameters the
  // planner priced each press's custom plan below the generic one and planned this large statement again
  // for every press (2-5 ms of PostgreSQL CPU each).
  const rows = await tx.query<IngressRow>(ingressSql(BATCH_SOURCE, SUBMIT_COLS), [
    asJson([{ platform, event_id: eventId, platform_user_id: platformUserId }]),
    opts.raters.at,
    opts.raters.token,
    pgArray(opts.raters.actions),
  ]);
  return ingressOf(rows[0], parseState);
}

/** `loadIngress` for several events (a batch, see engine.ts `handleMany`) in one statement, in their order. */
export async function loadIngressMany(tx: Tx, events: readonly Pick<IncomingEvent, 'platform' | 'eventId' | 'platformUserId'>[], parseState: StateParser): Promise<Ingress[]> {
  const rows = await tx.query<IngressRow>(
    ingressSql(BATCH_SOURCE, ''),
    // One JSON parameter (not arrays): the planner's estimate then does not depend on the batch, so the
    // prepared statement keeps one generic plan instead of being planned again for every batch.
    [asJson(events.map((e) => ({ platform: e.platform, event_id: e.eventId, platform_user_id: e.platformUserId })))],
  );
  return rows.map((r) => ingressOf(r, parseState));
}

/** The events of a batch (`$1`, JSON) as `ev`, numbered in their order. */
const BATCH_SOURCE = `rows from (jsonb_to_recordset($1::jsonb) as (platform text, event_id text, platform_user_id text)) with ordinality as ev(platform, event_id, platform_user_id, n)`;

/**
 * The ingress read for the events of `source`, with `ownCols` added to the own assessment. Each event's
 * chat, person and conversation are looked up by key (LATERAL ... LIMIT 1, so always an index probe per
 * event): as plain joins, the planner's guess of 100 events made a hash join reading every chat identity
 * and conversation for each batch (6-12 ms with 22,000 people; it grows with the organisation).
 */
function ingressSql(source: string, ownCols: string): string {
  return `select ev.n, exists (select 1 from processed_event where platform = ev.platform and event_id = ev.event_id) as seen,
            ${PERSON_COLS}, e.active,
            cv.id as conv_id, cv.flow, cv.step, cv.state, cv.version, cv.last_activity_at,
            (select row_to_json(hh) from (
               select h.*, ${ITEMS_JSON} as items${ownCols}
                 from (
                 select ${HEADER_COLS}
                   from assessment a join cycle c on c.id = a.cycle_id join employee e on e.id = a.employee_id
                  where a.employee_id = ci.employee_id and c.status in ('open', 'reviewing')
                  order by c.period_end desc, c.id desc limit 1) h) hh) as own
       from ${source}
       left join lateral (select ci.employee_id from chat_identity ci where ci.platform = ev.platform and ci.platform_user_id = ev.platform_user_id limit 1) ci on true
       left join lateral (select e.* from employee e where e.id = ci.employee_id limit 1) e on true
       left join lateral (select cv.* from conversation cv where cv.platform = ev.platform and cv.platform_user_id = ev.platform_user_id limit 1) cv on true
      order by ev.n`;
}

function ingressOf(r: IngressRow, parseState: StateParser): Ingress {
  const actor = r.id !== null && r.active ? person(r) : null;
  let conversation: Ingress['conversation'] = null;
  if (r.conv_id !== null) {
    // One schema assembled from the flow modules (state.ts): nothing a registered flow keeps is dropped.
    const state = parseState({ flow: r.flow, step: r.step, state: r.state });
    conversation = { id: r.conv_id, state, version: r.version, lastActivityAt: new Date(r.last_activity_at) };
  }
  let own = actor && r.own ? assessmentView(r.own, actor.locale) : null;
  const ownRaters = !!own && !!r.own && r.own.raters !== undefined && r.own.raters !== null;
  if (own && ownRaters) own = ratersFrom(own, r.own!.raters ?? []);
  const planning = ownRaters && own ? r.own!.review_planning : null;
  const rater = own?.promptRater ? { id: own.promptRater.id, timezone: own.promptRater.timezone } : null;
  return { seen: r.seen, actor, conversation, own, ownRaters, reviewPlanning: planning && own ? { ...planning, assessmentId: own.id, rater } : null };
}

/** What `/pantau` needs (one statement): the latest cycle, the actor's unit, the unit asked for. */
export async function loadMonitor(tx: Tx, actorId: number, askedUnit: string | null): Promise<MonitorView | null> {
  const rows = await tx.query<{ cycle: { id: number; name: string } | null; code: string; name: string; supervises: boolean; asked: { code: string; name: string } | null }>(
    `select (select json_build_object('id', c.id, 'name', c.name) from cycle c where c.status <> 'draft' order by c.period_end desc, c.id desc limit 1) as cycle,
            u.code, u.name,
            exists (select 1 from employee s where s.supervisor_id = e.id and s.active) as supervises,
            (select json_build_object('code', r.code, 'name', r.name) from unit r where upper(r.code) = upper($2) order by r.id limit 1) as asked
       from employee e join unit u on u.id = e.unit_id where e.id = $1`,
    [actorId, askedUnit ?? ''],
  );
  const r = rows[0];
  if (!r) return null;
  return { cycle: r.cycle ? { ...r.cycle, name: cycleDisplayName(r.cycle.name) } : null, ownUnit: { code: r.code, name: r.name }, supervises: r.supervises, askedUnit: askedUnit ? r.asked : null };
}

/**
 * Who the actor may give supervisor feedback to at `now`: active people whose supervisor of record they are,
 * or whose rater today (SQL `rater_of`: an acting PLT/PLH) they are; and the open cycle.
 */
export async function loadFeedbackTargets(tx: Tx, actorId: number, now: Date): Promise<FeedbackTargetsView> {
  type Item = { key: string; nameId: string; nameEn: string };
  const rows = await tx.query<{ id: number; name: string; nip: string; locale: Locale; acting_kind: string | null; cycle_id: number | null; items: Item[] | null }>(
    `with c as (select id from cycle where status = 'open' order by period_end desc, id desc limit 1)
     select e.id, e.name, e.nip, e.locale, t.acting_kind, (select id from c) as cycle_id,
            (select json_agg(json_build_object('key', x.key, 'nameId', x.name_id, 'nameEn', x.name_en) order by x.src, x.position, x.key) from (
               select 'tgt:' || g.id as key, g.iki as name_id, g.iki as name_en, 0 as src, g.position from employee_target g where g.employee_id = e.id and g.cycle_id = (select id from c)
               union all
               select 'ind:' || i.id, i.name_id, i.name_en, 1, i.position from indicator i where i.cycle_id = (select id from c) and i.kind = 'hasil_kerja') x) as items
       from (${feedbackTargetsSql('$1', '$2')}) t join employee e on e.id = t.id
      order by e.name, e.id`,
    [actorId, now],
  );
  const cycle = rows[0]?.cycle_id ?? (await tx.query<{ id: number }>(`select id from cycle where status = 'open' order by period_end desc, id desc limit 1`))[0]?.id ?? null;
  return { targets: rows.map((r) => ({ id: r.id, name: r.name, nip: r.nip, locale: r.locale, actingKind: r.acting_kind, items: r.items ?? [] })), cycleId: cycle };
}

/**
 * `/apresiasi`: the actor's recognitions sent since the start of their calendar day, and the active
 * colleagues of their agency (the top-level unit above theirs) matching `query` (part of a name, or a NIP)
 * or with id `id`. The actor is not left out: recognising oneself is refused by the flow, with a reason.
 */
export async function loadRecognition(tx: Tx, actor: { id: number; unitId: number; timezone: string }, now: Date, key: { query: string | null; id: number | null }, perDay: number, platform: string): Promise<RecognitionView> {
  // A mention (`<@U123>`, contract mentions.ts) names the person linked to that user of this platform.
  const mentioned = key.query ? mentionedUser(key.query) : null;
  const rows = await tx.query<{ sent: string; cycle_id: number | null; found: (Omit<ColleagueView, 'supervisor' | 'unitId' | 'optOutAnnouncements'> & { unit_id: number; opt_out: boolean; sup_id: number | null; sup_locale: Locale | null })[] | null }>(
    `with recursive up as (select id, parent_id from unit where id = $2 union all select u.id, u.parent_id from unit u join up on u.id = up.parent_id),
          agency as (select id from up where parent_id is null union all select u.id from unit u join agency a on u.parent_id = a.id)
     select (select count(*) from recognition r where r.sender_id = $1 and r.created_at >= (date_trunc('day', $3::timestamptz at time zone $4) at time zone $4)) as sent,
            (select c.id from cycle c where c.status = 'open' order by c.period_end desc, c.id desc limit 1) as cycle_id,
            (select json_agg(x) from (
               select e.id, e.name, e.nip, e.locale, e.unit_id, e.opt_out_announcements as opt_out, s.id as sup_id, s.locale as sup_locale
                 from employee e left join employee s on s.id = e.supervisor_id and s.active
                where e.active and e.unit_id in (select id from agency)
                  and (e.id = $5 or ($7::text is null and $6 <> '' and (e.nip = $6 or e.name ilike '%' || $6 || '%'))
                       or e.id = (select ci.employee_id from chat_identity ci where ci.platform = $8 and ci.platform_user_id = $7::text))
                order by e.name, e.id limit 9) x) as found`,
    [actor.id, actor.unitId, now, actor.timezone, key.id ?? 0, key.query?.trim() ?? '', mentioned, platform],
  );
  const r = rows[0]!;
  const found = (r.found ?? []).map((c) => ({
    id: c.id, name: c.name, nip: c.nip, locale: c.locale, unitId: c.unit_id, optOutAnnouncements: c.opt_out,
    supervisor: c.sup_id !== null ? { id: c.sup_id, locale: c.sup_locale ?? 'id' } : null,
  }));
  return { sentToday: Number(r.sent), perDay, found, cycleId: r.cycle_id };
}

/** For a review: how many supervisor feedback and recognitions (not hidden) `employeeId` got in `cycleId`, and the latest `limit`. */
export async function loadGathered(tx: Tx, employeeId: number, cycleId: number, limit = 3): Promise<NonNullable<StepContext['gathered']>> {
  const rows = await tx.query<{ kind: 'apresiasi' | 'saran' | 'rekan'; from: string; text: string; on: string; total: string }>(
    `select g.kind, g.from, g.text, to_char(g.created_at at time zone g.tz, 'YYYY-MM-DD') as on, count(*) over () as total from (
       select f.kind, e.name as from, f.text, f.created_at, o.timezone as tz from feedback f join employee e on e.id = f.giver_id join employee o on o.id = f.employee_id
        where f.employee_id = $1 and f.cycle_id = $2
       union all
       select 'rekan', e.name, r.text, r.created_at, o.timezone from recognition r join employee e on e.id = r.sender_id join employee o on o.id = r.recipient_id
        where r.recipient_id = $1 and r.cycle_id = $2 and r.hidden_at is null) g
     order by g.created_at desc limit $3`,
    [employeeId, cycleId, limit],
  );
  return { count: Number(rows[0]?.total ?? 0), latest: rows.map(({ kind, from, text, on }) => ({ kind, from, text, on })) };
}

/** For /riwayat: the latest 20 feedback and recognitions `employeeId` gave or received (hidden recognitions left out), newest first. */
export async function loadHistory(tx: Tx, employeeId: number, timezone: string): Promise<NonNullable<StepContext['history']>> {
  return tx.query(
    `select h.dir, h.kind, h.other, to_char(h.created_at at time zone $2, 'YYYY-MM-DD') as on, h.text from (
       select case when f.giver_id = $1 then 'given' else 'received' end as dir, f.kind, o.name as other, f.created_at, f.text
         from feedback f join employee o on o.id = case when f.giver_id = $1 then f.employee_id else f.giver_id end
        where f.giver_id = $1 or f.employee_id = $1
       union all
       select case when r.sender_id = $1 then 'given' else 'received' end, 'rekan', o.name, r.created_at, r.text
         from recognition r join employee o on o.id = case when r.sender_id = $1 then r.recipient_id else r.sender_id end
        where (r.sender_id = $1 or r.recipient_id = $1) and r.hidden_at is null) h
     order by h.created_at desc limit 20`,
    [employeeId, timezone],
  );
}

/** Supervisor feedback and recognitions (hidden ones left out) `employeeId` received in the open period; null without one. */
export async function loadReceived(tx: Tx, employeeId: number): Promise<{ feedback: number; recognitions: number } | null> {
  const rows = await tx.query<{ cycle: number | null; feedback: string; recognitions: string }>(
    `with c as (select id from cycle where status = 'open' order by period_end desc, id desc limit 1)
     select (select id from c) as cycle, coalesce(g.feedback, 0) as feedback, coalesce(g.recognitions, 0) as recognitions
       from (select 1) one left join (${gatheredCountsSql('(select id from c)')}) g on g.employee_id = $1`,
    [employeeId],
  );
  const r = rows[0];
  return r && r.cycle !== null ? { feedback: Number(r.feedback), recognitions: Number(r.recognitions) } : null;
}

/** Who rates `employeeId` at `now` (SQL `rater_of`: an acting PLT/PLH, else the supervisor of record), or null. */
export async function loadFeedbackRater(tx: Tx, employeeId: number, now: Date): Promise<{ id: number; name: string; locale: Locale } | null> {
  const rows = await tx.query<{ id: number; name: string; locale: Locale }>(`select e.id, e.name, e.locale from rater_of($1, $2) ro join employee e on e.id = ro.rater_id`, [employeeId, now]);
  return rows[0] ?? null;
}

/** The feedback whose thread key this is, or null. */
/**
 * The thread of the dialog message relayed to this chat, when that is the latest message the bot wrote there
 * (edits aside): a plain message typed right after it is meant as its answer.
 */
export async function loadRelayThreadKey(tx: Tx, platform: Platform, chatId: string): Promise<string | null> {
  const rows = await tx.query<{ thread_key: string | null; relay: string | null }>(
    `select payload->>'threadKey' as thread_key, payload->>'relay' as relay from outbox_message
      where platform = $1 and chat_id = $2 and not (payload ? 'replaceOutboxId') order by id desc limit 1`,
    [platform, chatId],
  );
  const r = rows[0];
  return r && r.relay === 'true' && r.thread_key ? r.thread_key : null;
}

export async function loadFeedbackThread(tx: Tx, threadKey: string): Promise<FeedbackThreadView | null> {
  const rows = await tx.query<{ id: number; thread_key: string; g_id: number; g_name: string; g_locale: Locale; e_id: number; e_name: string; e_locale: Locale }>(
    `select f.id, f.thread_key, g.id as g_id, g.name as g_name, g.locale as g_locale, e.id as e_id, e.name as e_name, e.locale as e_locale
       from feedback f join employee g on g.id = f.giver_id join employee e on e.id = f.employee_id where f.thread_key = $1`,
    [threadKey],
  );
  const r = rows[0];
  if (!r) return null;
  return { id: r.id, threadKey: r.thread_key, giver: { id: r.g_id, name: r.g_name, locale: r.g_locale }, employee: { id: r.e_id, name: r.e_name, locale: r.e_locale } };
}

/** Which assessment to load. */
export type AssessmentKey = { id: number } | { threadKey: string } | { ownerNip: string };

/** Loads an assessment with its items, answers and who may rate it at `now`. */
export async function loadAssessment(tx: Tx, key: AssessmentKey, opts: { now: Date; locale: Locale }): Promise<AssessmentView | null> {
  // By owner NIP: their assessment in the latest cycle.
  const where = 'id' in key ? 'a.id = $1' : 'threadKey' in key ? 'a.thread_key = $1' : 'e.nip = $1 order by c.period_end desc, c.id desc limit 1';
  const rows = await tx.query<HeaderRow>(
    `select h.*, ${ITEMS_JSON} as items from (
       select ${HEADER_COLS} from assessment a join cycle c on c.id = a.cycle_id join employee e on e.id = a.employee_id where ${where}) h`,
    ['id' in key ? key.id : 'threadKey' in key ? key.threadKey : key.ownerNip],
  );
  if (!rows[0]) return null;
  const view = assessmentView(rows[0], opts.locale);
  return withRaters(tx, view, opts.now);
}

type RaterRow = PersonRow & { acting_kind: string | null; chosen: boolean };

/**
 * Who may rate the assessment of owner `owner` (an SQL expression) whose supervisor of record is `supervisor`
 * at instant `at`, as a JSON array of `RaterRow`: the rater `rater_of` chooses first, then the active
 * supervisor of record. Empty without a supervisor of record.
 */
function ratersJson(owner: string, supervisor: string, at: string): string {
  return `(select coalesce(json_agg(x order by x.chosen desc), '[]'::json) from (
      select ${PERSON_COLS}, ro.acting_kind, true as chosen from rater_of(${owner}, ${at}) ro join employee e on e.id = ro.rater_id where ${supervisor} is not null
      union all
      select ${PERSON_COLS}, null, false from employee e where e.id = ${supervisor} and e.active) x)`;
}

/** `view` with its raters from `rows` (chosen first): who may rate, and who gets the prompt. */
function ratersFrom(view: AssessmentView, rows: readonly RaterRow[]): AssessmentView {
  if (view.owner.supervisorId === null) return view;
  const chosen = rows.find((r) => r.chosen) ?? null;
  const raters = rows.filter((r, i) => rows.findIndex((x) => x.id === r.id) === i).map((r) => ({ id: r.id, actingKind: r.acting_kind }));
  return { ...view, raters, promptRater: chosen ? person(chosen) : null };
}

/**
 * Fills in who rates `view` at `now` (the prompt rater: SQL `rater_of`, domain `actingRaterFor`) and who
 * may rate it: that rater and the active supervisor of record.
 */
export async function withRaters(tx: Tx, view: AssessmentView, now: Date): Promise<AssessmentView> {
  if (view.owner.supervisorId === null) return view;
  const [row] = await tx.query<{ raters: RaterRow[] }>(`select ${ratersJson('$1::int', '$3::int', '$2::timestamptz')} as raters`, [view.owner.id, now, view.owner.supervisorId]);
  return ratersFrom(view, row?.raters ?? []);
}

/**
 * Assessments waiting for `raterId` at `now`: the ones they may rate (supervisor of record, or the rater
 * `rater_of` chooses). Only people whose supervisor `raterId` ever acted for are checked against `rater_of`.
 */
export async function loadPendingReviews(tx: Tx, raterId: number, now: Date): Promise<PendingReviewView[]> {
  const rows = await tx.query<{ kind: 'review' | 'coaching'; id: number; name: string; nip: string; cycle_name: string }>(
    `select case when a.status = 'submitted' then 'review' else 'coaching' end as kind, a.id, e.name, e.nip, c.name as cycle_name
       from assessment a join employee e on e.id = a.employee_id join cycle c on c.id = a.cycle_id
       left join follow_up f on f.assessment_id = a.id
      where (a.status = 'submitted' or (a.status = 'reviewed' and f.kind = 'coaching' and f.plan is null))
        and (e.supervisor_id = $1 or (e.supervisor_id in (select aa.for_employee_id from acting_assignment aa where aa.acting_employee_id = $1)
             and exists (select 1 from rater_of(e.id, $2) ro where ro.rater_id = $1)))
      order by a.submitted_at, a.id limit 50`,
    [raterId, now],
  );
  return rows.map((r) => ({ kind: r.kind, id: r.id, ownerName: r.name, ownerNip: r.nip, cycleName: cycleDisplayName(r.cycle_name) }));
}

/**
 * Rated assessments `raterId` answers for: their supervisor of record is the rater, or the rater rated them.
 * Both sides start from an index (employee.supervisor_id, review.reviewer_id), so /status stays cheap.
 */
const RATED_BY = `(select a.id, a.cycle_id from employee e join assessment a on a.employee_id = e.id where e.supervisor_id = $1 and a.predicate is not null
     union
     select a.id, a.cycle_id from review r join assessment a on a.id = r.assessment_id where r.reviewer_id = $1 and r.outcome = 'rated' and a.predicate is not null)`;

/**
 * The calibration view of `raterId`: the latest closed or announced cycle in which someone they rate has a
 * predicate, each unit of those people with its organisational rating and all its predicates, and those
 * people themselves (revisable while the cycle is closed). Null when they rated nobody in such a cycle.
 */
export async function loadCalibration(tx: Tx, raterId: number): Promise<CalibrationView | null> {
  const cycles = await tx.query<{ id: number; name: string; status: string; curve_override: string | null }>(
    `select c.id, c.name, c.status, c.curve_override from cycle c
      where c.status in ('closed', 'announced') and c.id in (select m.cycle_id from ${RATED_BY} m)
      order by c.period_end desc, c.id desc limit 1`,
    [raterId],
  );
  const c = cycles[0];
  if (!c) return null;
  const people = await tx.query<{ id: number; name: string; nip: string; predicate: string; unit_id: number }>(
    `select a.id, e.name, e.nip, a.predicate, e.unit_id from assessment a join employee e on e.id = a.employee_id
      where a.cycle_id = $2 and a.id in (select m.id from ${RATED_BY} m) order by e.name, a.id`,
    [raterId, c.id],
  );
  const units = await unitDistributions(tx, c.id, [...new Set(people.map((p) => p.unit_id))]);
  return {
    cycleId: c.id,
    cycleName: cycleDisplayName(c.name),
    cycleStatus: c.status,
    curveOverride: c.curve_override,
    units: units.map((u) => ({ unitId: u.unitId, unitName: u.unitName, orgRating: u.orgRating, predicates: u.members.map((m) => m.predicate) })),
    revisable: people.map((p) => ({ id: p.id, ownerName: p.name, ownerNip: p.nip, predicate: p.predicate })),
  };
}

/** The latest rated assessment of `employeeId` with its feedback and coaching, or null when none is rated. */
export async function loadLatestResult(tx: Tx, employeeId: number): Promise<ResultView | null> {
  const rows = await tx.query<{
    id: number;
    cycle_name: string;
    status: string;
    hasil_kerja: Rating | null;
    perilaku: Rating | null;
    predicate: string;
    announced_at: Date | null;
    feedback: string | null;
    fu_kind: string | null;
    plan: string | null;
    check_ins: { date: string; rating: number | null; next: number | null }[] | null;
  }>(
    `select a.id, c.name as cycle_name, a.status, a.hasil_kerja, a.perilaku, a.predicate, c.announced_at,
            (select r.feedback from review r where r.assessment_id = a.id and r.outcome = 'rated' order by r.round desc limit 1) as feedback,
            f.kind as fu_kind, f.plan,
            (select json_agg(json_build_object('date', to_char(ck.due_on, 'YYYY-MM-DD'), 'rating', ck.employee_rating, 'next', ck.employee_rating_next) order by ck.due_on)
               from check_in ck where ck.follow_up_id = f.id) as check_ins
       from assessment a join cycle c on c.id = a.cycle_id left join follow_up f on f.assessment_id = a.id
      where a.employee_id = $1 and a.predicate is not null
      order by c.period_end desc, c.id desc limit 1`,
    [employeeId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    assessmentId: r.id,
    cycleName: cycleDisplayName(r.cycle_name),
    final: r.status === 'announced',
    hasilKerja: r.hasil_kerja,
    perilaku: r.perilaku,
    predicate: r.predicate,
    feedback: r.feedback,
    announcedAt: r.announced_at ? new Date(r.announced_at) : null,
    coaching: r.fu_kind === 'coaching' ? { plan: r.plan, checkIns: r.check_ins ?? [] } : null,
  };
}

/** A check-in and whose coaching it belongs to. */
export async function loadCheckIn(tx: Tx, id: number): Promise<CheckInView | null> {
  const rows = await tx.query<{ id: number; owner_id: number; employee_rating: number | null; employee_rating_next: number | null }>(
    `select ck.id, a.employee_id as owner_id, ck.employee_rating, ck.employee_rating_next
       from check_in ck join follow_up f on f.id = ck.follow_up_id join assessment a on a.id = f.assessment_id where ck.id = $1`,
    [id],
  );
  const r = rows[0];
  return r ? { id: r.id, ownerId: r.owner_id, employeeRating: r.employee_rating, employeeRatingNext: r.employee_rating_next } : null;
}

interface ObjectionRow {
  id: number;
  status: 'open' | 'decided';
  reason: string;
  evidence_url: string | null;
  rated_by_id: number | null;
  decider_id: number | null;
  original_hasil_kerja: Rating | null;
  original_perilaku: Rating | null;
  original_predicate: string | null;
  due_on: string | null;
  escalated_at: Date | null;
  decision: 'upheld' | 'changed' | null;
  new_hasil_kerja: Rating | null;
  new_perilaku: Rating | null;
  new_predicate: string | null;
  decision_reason: string | null;
  decided_by_id: number | null;
}

function objectionRecord(r: ObjectionRow): ObjectionRecord {
  return {
    id: r.id,
    status: r.status,
    reason: r.reason,
    evidenceUrl: r.evidence_url,
    ratedById: r.rated_by_id,
    deciderId: r.decider_id,
    original: { hasil: r.original_hasil_kerja, perilaku: r.original_perilaku, predicate: r.original_predicate },
    dueOn: r.due_on,
    escalated: r.escalated_at !== null,
    decision: r.decision,
    decided: { hasil: r.new_hasil_kerja, perilaku: r.new_perilaku, predicate: r.new_predicate },
    decisionReason: r.decision_reason,
    decidedById: r.decided_by_id,
  };
}

/**
 * The objection case of assessment `key.assessmentId`, or of the owner's latest assessment in an announced
 * cycle (`key.ownerId`, `key.ownerNip`); null when there is none. `windowDays` is the configured window, which a cycle's
 * `objectionWindowDays` setting overrides.
 */
export async function loadObjectionCase(
  tx: Tx,
  key: { assessmentId: number } | { ownerId: number } | { ownerNip: string },
  opts: { now: Date; locale: Locale; windowDays: number },
): Promise<ObjectionCase | null> {
  let id: number | null = 'assessmentId' in key ? key.assessmentId : null;
  if (id === null) {
    const rows = await tx.query<{ id: number }>(
      `select a.id from assessment a join cycle c on c.id = a.cycle_id join employee e on e.id = a.employee_id
        where ${'ownerId' in key ? 'e.id = $1' : 'e.nip = $1'} and c.status = 'announced' and a.predicate is not null
        order by c.announced_at desc nulls last, c.id desc limit 1`,
      ['ownerId' in key ? key.ownerId : 'ownerNip' in key ? key.ownerNip : null],
    );
    id = rows[0]?.id ?? null;
  }
  if (id === null) return null;
  const assessment = await loadAssessment(tx, { id }, { now: opts.now, locale: opts.locale });
  if (!assessment) return null;
  // Who rated (the latest rated review), the rater's superior today (rater_of of the rater: an acting
  // PLT/PLH for the rater's supervisor counts), the rater's own supervisor of record, and the objection.
  const [facts] = await tx.query<{ announced_at: Date | null; rated_by: number | null; superior: number | null; rater_supervisor: number | null; objection: ObjectionRow | null }>(
    `select c.announced_at,
            rv.reviewer_id as rated_by,
            (select ro.rater_id from rater_of(rv.reviewer_id, $2) ro where ro.rater_id <> a.employee_id) as superior,
            (select s.id from employee r join employee s on s.id = r.supervisor_id and s.active where r.id = rv.reviewer_id and s.id <> a.employee_id) as rater_supervisor,
            (select row_to_json(o) from (
               select o.id, o.status, o.reason, o.evidence_url, o.rated_by_id, o.decider_id, o.original_hasil_kerja, o.original_perilaku,
                      o.original_predicate, to_char(o.due_on, 'YYYY-MM-DD') as due_on, o.escalated_at, o.decision, o.new_hasil_kerja,
                      o.new_perilaku, o.new_predicate, o.decision_reason, o.decided_by_id
                 from objection o where o.assessment_id = a.id) o) as objection
       from assessment a join cycle c on c.id = a.cycle_id
       left join lateral (select r.reviewer_id from review r where r.assessment_id = a.id and r.outcome = 'rated' order by r.round desc limit 1) rv on true
      where a.id = $1`,
    [id, opts.now],
  );
  const objection = facts?.objection ? objectionRecord({ ...facts.objection, escalated_at: facts.objection.escalated_at ? new Date(facts.objection.escalated_at) : null }) : null;
  const hrIds = (await hrOfficers(tx, [assessment.owner.unitId])).get(assessment.owner.unitId) ?? [];
  const wanted = [facts?.rated_by, facts?.superior, objection?.deciderId, ...hrIds].filter((x): x is number => typeof x === 'number');
  const people = new Map<number, PersonView>();
  if (wanted.length) {
    const rows = await tx.query<PersonRow>(`select ${PERSON_COLS} from employee e where e.id = any($1::int[])`, [`{${[...new Set(wanted)].join(',')}}`]);
    for (const r of rows) people.set(r.id, person(r));
  }
  const superior = facts?.superior != null ? (people.get(facts.superior) ?? null) : null;
  const hr = hrIds.flatMap((h) => people.get(h) ?? []).filter((p) => p.id !== assessment.owner.id);
  const deciders = [superior?.id, facts?.rater_supervisor, objection?.deciderId].filter((x): x is number => typeof x === 'number');
  // HR decides when nobody else can, and once an objection was escalated to them.
  if (deciders.length === 0 || objection?.escalated || (objection && objection.deciderId === null)) deciders.push(...hr.map((p) => p.id));
  return {
    assessment,
    announcedAt: facts?.announced_at ? new Date(facts.announced_at) : null,
    windowDays: assessment.cycle.settings.objectionWindowDays ?? opts.windowDays,
    ratedBy: facts?.rated_by != null ? (people.get(facts.rated_by) ?? null) : null,
    superior,
    mayDecide: [...new Set(deciders)].filter((d) => d !== assessment.owner.id),
    hr,
    objection,
  };
}

/** sha256 hex, as link codes are stored. */
export function hashCode(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

/** What linking needs: the code's row (tried as typed and upper/lower-cased), recent failures, lock (domain linking.ts decides). */
export async function loadLinkContext(
  tx: Tx,
  args: { platform: Platform; platformUserId: string; code: string | null; email: string | null; now: Date },
): Promise<{ found: (LinkCodeView & { locale: Locale }) | null; recentFailures: number; lockedUntil: Date | null; emailMatch: { id: number; locale: Locale } | null }> {
  const failures = await tx.query<{ at: Date }>(
    `select at from link_failure where platform = $1 and platform_user_id = $2 and at > $3 order by at desc limit $4`,
    [args.platform, args.platformUserId, linkFailureLookback(args.now), LINK_LOCKOUT.maxFailures],
  );
  const times = failures.map((f) => new Date(f.at));
  const recentFailures = recentLinkFailures(times, args.now);
  const lockedUntil = linkLockedUntil(times, args.now);
  let found: (LinkCodeView & { locale: Locale }) | null = null;
  if (args.code) {
    const c = args.code.trim();
    const hashes = [...new Set([c, c.toUpperCase(), c.toLowerCase()])].map(hashCode);
    const rows = await tx.query<{ id: number; employee_id: number; expires_at: Date; used_at: Date | null; active: boolean; locale: Locale }>(
      `select lc.id, lc.employee_id, lc.expires_at, lc.used_at, e.active, e.locale
         from link_code lc join employee e on e.id = lc.employee_id where lc.code_hash = any($1) order by lc.used_at nulls first limit 1`,
      [hashes],
    );
    const r = rows[0];
    if (r) found = { id: r.id, employeeId: r.employee_id, expiresAt: new Date(r.expires_at), usedAt: r.used_at ? new Date(r.used_at) : null, employeeActive: r.active, locale: r.locale };
  }
  let emailMatch: { id: number; locale: Locale } | null = null;
  if (args.email && !args.code) {
    const rows = await tx.query<{ id: number; locale: Locale }>(`select id, locale from employee where lower(email) = lower($1) and active limit 2`, [args.email.trim()]);
    if (rows.length === 1) emailMatch = rows[0];
  }
  return { found, recentFailures, lockedUntil, emailMatch };
}
