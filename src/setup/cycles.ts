/**
 * Cycle set-up by HR: create a cycle from a template, open it (one assessment per active employee), list
 * and show it with its progress. Status rules come from src/domain/cycle.ts; this module only does the I/O.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { systemClock, type Clock } from '../clock.js';
import { CYCLE_KINDS, transitionCycle, validateCycleDates, type CycleKind, type CycleStatus } from '../domain/cycle.js';
import { CURRENT_PREDICATE_MATRIX } from '../domain/ratings.js';
import { ASSESSMENT_STATUSES, type AssessmentStatus } from '../db/entities/assessment.js';
import { appendAudit } from '../db/audit.js';
import { UserFacingError } from './problems.js';
import { asJson, txOf } from '../db/sql.js';
import { loadTemplate } from './templates.js';

/** What `kinerja cycle create` asks for; dates are `YYYY-MM-DD`. */
export interface NewCycle {
  readonly name: string;
  readonly kind: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly selfDeadline: string;
  readonly reviewDeadline: string;
  /** Template code (file name under templates/ without .json); default `default`. */
  readonly template?: string;
}

/** A cycle could not be created, opened or found; the message says why and what to do. */
export class CycleSetupError extends UserFacingError {}

/** A cycle as listed. */
export interface CycleSummary {
  readonly id: number;
  readonly name: string;
  readonly kind: CycleKind;
  readonly status: CycleStatus;
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly selfDeadline: string;
  readonly reviewDeadline: string;
  readonly templateCode: string;
  readonly matrixVersion: string;
  readonly assessments: number;
}

/** A cycle with its indicators and how far its assessments have got. */
export interface CycleDetail extends CycleSummary {
  readonly openedAt: Date | null;
  readonly indicators: readonly { code: string; kind: string; nameId: string; nameEn: string; unitOfMeasure: string | null; target: number | null }[];
  /** Assessments per status; every status is present, zero when none. */
  readonly progress: Readonly<Record<AssessmentStatus, number>>;
  /** Employee targets (RHK/IKI) loaded for this cycle. */
  readonly targets: number;
}

interface SetupOptions {
  readonly actor?: string;
  readonly clock?: Clock;
  readonly templatesDir?: string;
}

/**
 * Creates a draft cycle and copies its template's indicators into it. The cycle records the predicate
 * matrix version in force, so its results can be recomputed with the rules it was run under.
 * @throws CycleSetupError listing every problem with the input
 */
export async function createCycle(em: EntityManager, input: NewCycle, opts: SetupOptions = {}): Promise<{ id: number; indicators: number }> {
  const problems: string[] = [];
  const name = input.name.trim();
  if (name === '') problems.push('--name is empty; e.g. --name "Triwulan I 2027"');
  if (name.length > 255) problems.push('--name is longer than 255 characters');
  if (!(CYCLE_KINDS as readonly string[]).includes(input.kind)) problems.push(`--kind "${input.kind}" is not one of ${CYCLE_KINDS.join(', ')}`);
  for (const p of validateCycleDates(input)) problems.push(p.message);
  if (problems.length) throw new CycleSetupError(`cannot create the cycle:\n  ${problems.join('\n  ')}`);
  const template = await loadTemplate(input.template ?? 'default', opts.templatesDir);

  return em.transactional(async (tx) => {
    const [cycle] = await txOf(tx).query<{ id: number }>(
      `insert into cycle (name, kind, period_start, period_end, self_deadline, review_deadline, status, template_code, matrix_version)
       values ($1, $2, $3, $4, $5, $6, 'draft', $7, $8) returning id`,
      [name, input.kind, input.periodStart, input.periodEnd, input.selfDeadline, input.reviewDeadline, template.code, CURRENT_PREDICATE_MATRIX.version],
    );
    const id = cycle!.id;
    await txOf(tx).query(
      `insert into indicator (cycle_id, code, kind, name_id, name_en, unit_of_measure, target, position)
       select $1, x.code, x.kind, x.name_id, x.name_en, x.unit_of_measure, x.target, x.position
         from jsonb_to_recordset($2::jsonb) as x(code text, kind text, name_id text, name_en text, unit_of_measure text, target numeric, position int)`,
      [
        id,
        asJson(
          template.indicators.map((i, position) => ({
            code: i.code,
            kind: i.kind,
            name_id: i.nameId,
            name_en: i.nameEn,
            unit_of_measure: i.unitOfMeasure ?? null,
            target: i.target ?? null,
            position,
          })),
        ),
      ],
    );
    await appendAudit(
      txOf(tx),
      { actor: opts.actor ?? 'system', action: 'cycle.created', subject: `cycle:${id}`, data: { ...input, name, template: template.code, matrixVersion: CURRENT_PREDICATE_MATRIX.version } },
      (opts.clock ?? systemClock).now(),
    );
    return { id, indicators: template.indicators.length };
  });
}

/** The outcome of opening a cycle: assessments created now, and those that already existed. */
export interface OpenCycleResult {
  readonly created: number;
  readonly existing: number;
  /** True when this call moved the cycle from draft to open. */
  readonly opened: boolean;
}

/**
 * Opens a draft cycle and gives every active employee one assessment. Running it again on an open cycle
 * only adds assessments for people imported since (usually none): the unique (employee, cycle) pair makes
 * it idempotent. Any other status is refused with the domain's reason.
 * @throws CycleSetupError when the cycle does not exist or cannot be opened
 */
export async function openCycle(em: EntityManager, cycleId: number, opts: { clock?: Clock; actor?: string } = {}): Promise<OpenCycleResult> {
  const clock = opts.clock ?? systemClock;
  return em.transactional(async (tx) => {
    const [cycle] = await txOf(tx).query<{ status: CycleStatus }>('select status from cycle where id = $1 for update', [cycleId]);
    if (!cycle) throw new CycleSetupError(`there is no cycle ${cycleId}; see kinerja cycle list`);
    let opened = false;
    if (cycle.status !== 'open') {
      const move = transitionCycle(cycle.status, 'open');
      if (!move.ok) throw new CycleSetupError(`cannot open cycle ${cycleId}: ${move.reason}`);
      await txOf(tx).query(`update cycle set status = 'open', opened_at = $1 where id = $2`, [clock.now(), cycleId]);
      opened = true;
    }
    const [before] = await txOf(tx).query<{ n: string }>('select count(*) as n from assessment where cycle_id = $1', [cycleId]);
    // One INSERT ... SELECT for everyone (100,000 people: one statement, no rows through Node).
    const now = clock.now();
    const [inserted] = await txOf(tx).query<{ n: string }>(
      `with created as (
         insert into assessment (employee_id, cycle_id, thread_key, created_at, updated_at)
         select e.id, $1, ${THREAD_KEY_SQL}, $2, $2 from employee e
          where e.active and not exists (select 1 from assessment a where a.cycle_id = $1 and a.employee_id = e.id)
          order by e.id
         on conflict (employee_id, cycle_id) do nothing
         returning 1)
       select count(*) as n from created`,
      [cycleId, now],
    );
    const created = Number(inserted!.n);
    const result = { created, existing: Number(before!.n), opened };
    await appendAudit(txOf(tx), { actor: opts.actor ?? 'system', action: opened ? 'cycle.opened' : 'cycle.topped_up', subject: `cycle:${cycleId}`, data: result }, clock.now());
    return result;
  });
}

/**
 * A new assessment's thread key: 16 characters of URL-safe randomness (12 bytes, base64url: the shape of the
 * engine's `randomToken`), tying chat threads to an assessment without revealing its id. Made in SQL so the
 * opening's INSERT ... SELECT needs no row from Node: the 12 bytes are the fully random bytes 1-6 and 11-16 of
 * two version-4 UUIDs (bytes 7 and 9 carry the version and variant bits), from PostgreSQL's strong random source.
 */
const THREAD_KEY_SQL = `translate(encode(substr(uuid_send(gen_random_uuid()), 1, 6) || substr(uuid_send(gen_random_uuid()), 11, 6), 'base64'), '+/', '-_')`;

const SUMMARY_COLUMNS = `c.id, c.name, c.kind, c.status, c.template_code, c.matrix_version, c.opened_at,
  to_char(c.period_start, 'YYYY-MM-DD') as period_start, to_char(c.period_end, 'YYYY-MM-DD') as period_end,
  to_char(c.self_deadline, 'YYYY-MM-DD') as self_deadline, to_char(c.review_deadline, 'YYYY-MM-DD') as review_deadline,
  (select count(*) from assessment a where a.cycle_id = c.id) as assessments`;

interface SummaryRow {
  id: number;
  name: string;
  kind: CycleKind;
  status: CycleStatus;
  template_code: string;
  matrix_version: string;
  opened_at: string | Date | null;
  period_start: string;
  period_end: string;
  self_deadline: string;
  review_deadline: string;
  assessments: string;
}

function toSummary(r: SummaryRow): CycleSummary {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    status: r.status,
    periodStart: r.period_start,
    periodEnd: r.period_end,
    selfDeadline: r.self_deadline,
    reviewDeadline: r.review_deadline,
    templateCode: r.template_code,
    matrixVersion: r.matrix_version,
    assessments: Number(r.assessments),
  };
}

/** Every cycle, newest period first. */
export async function listCycles(em: EntityManager): Promise<CycleSummary[]> {
  const rows = await txOf(em).query<SummaryRow>(`select ${SUMMARY_COLUMNS} from cycle c order by c.period_start desc, c.id desc`);
  return rows.map(toSummary);
}

/**
 * One cycle with its indicators and its progress per assessment status.
 * @throws CycleSetupError when there is no such cycle
 */
export async function showCycle(em: EntityManager, cycleId: number): Promise<CycleDetail> {
  const [row] = await txOf(em).query<SummaryRow>(`select ${SUMMARY_COLUMNS} from cycle c where c.id = $1`, [cycleId]);
  if (!row) throw new CycleSetupError(`there is no cycle ${cycleId}; see kinerja cycle list`);
  const indicators = await txOf(em).query<{ code: string; kind: string; name_id: string; name_en: string; unit_of_measure: string | null; target: string | null }>(
    'select code, kind, name_id, name_en, unit_of_measure, target from indicator where cycle_id = $1 order by position, id',
    [cycleId],
  );
  const counts = await txOf(em).query<{ status: AssessmentStatus; n: string }>('select status, count(*) as n from assessment where cycle_id = $1 group by status', [cycleId]);
  const progress = Object.fromEntries(ASSESSMENT_STATUSES.map((s) => [s, 0])) as Record<AssessmentStatus, number>;
  for (const c of counts) progress[c.status] = Number(c.n);
  const [targets] = await txOf(em).query<{ n: string }>('select count(*) as n from employee_target where cycle_id = $1', [cycleId]);
  return {
    ...toSummary(row),
    openedAt: row.opened_at === null ? null : new Date(row.opened_at),
    indicators: indicators.map((i) => ({
      code: i.code,
      kind: i.kind,
      nameId: i.name_id,
      nameEn: i.name_en,
      unitOfMeasure: i.unit_of_measure,
      target: i.target === null ? null : Number(i.target),
    })),
    progress,
    targets: Number(targets!.n),
  };
}
