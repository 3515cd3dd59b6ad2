/**
 * `kinerja export results`: one row per employee of the cycle, wide: the person and their raters, then one
 * column group per work-result indicator (target, realisasi, capaian, rating, narrative) and per own target
 * position (RHK 1, RHK 2, ...), then the ratings, the predikat (provisional or final), late flags, feedback,
 * the follow-up with its check-in ratings, the objection (the predikat objected to and the decision), and the
 * supervisor feedback and colleagues' recognitions gathered in the period (counts; issue 12). Wide because HR's spreadsheets compute
 * tunjangan kinerja and upload to the national system per person: one line each, filterable by column.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { capaianPercent } from '../domain/ratings.js';
import { completionState } from '../domain/completion.js';
import type { CellValue, Column, ReportWriter, Row } from './cell.js';
import { forEachAssessmentPage, maxTargetsPerEmployee, resultIndicators, type AssessmentRow, type ResultIndicator } from './assessment-rows.js';
import type { ExportLanguage, Translate } from './labels.js';
import { resolveScope, type ExportOptions, type ExportOutcome, type ExportScope } from './scope.js';
import { UnitSummary } from './unit-summary.js';
import { personColumns } from './person-columns.js';

const num = (v: string | number | null | undefined): number | null => (v === null || v === undefined || v === '' ? null : Number(v));

/** The header row and, per row, the values, for one cycle's indicators and target count. */
function resultColumns(t: Translate, lang: ExportLanguage, indicators: readonly ResultIndicator[], targetGroups: number): Column[] {
  const group = (item: string, parts: readonly [string, Column['kind']][]): Column[] =>
    parts.map(([key, kind]) => ({ header: t(`export.col.item_${key}`, { item }), kind, width: kind === 'text' ? 24 : 12 }));
  return [
    ...personColumns(t, ['nip', 'name', 'position', 'unit_code', 'unit_name', 'supervisor_nip', 'supervisor_name', 'acting_kind', 'acting_nip',
      'acting_name', 'state', 'round', 'submitted_at', 'reviewed_at', 'self_late', 'review_late']),
    ...indicators.flatMap((i) =>
      group(lang === 'en' ? i.nameEn : i.nameId, [['target', 'number'], ['realisasi', 'number'], ['capaian', 'number'], ['rating', 'text'], ['narrative', 'text']]),
    ),
    ...Array.from({ length: targetGroups }, (_, k) =>
      group(t('export.col.rhk_n', { n: k + 1 }), [['rhk', 'text'], ['iki', 'text'], ['target', 'number'], ['uom', 'text'], ['realisasi', 'number'], ['capaian', 'number'], ['rating', 'text'], ['narrative', 'text']]),
    ).flat(),
    { header: t('export.col.hasil_kerja'), kind: 'text', width: 20 },
    { header: t('export.col.perilaku'), kind: 'text', width: 20 },
    { header: t('export.col.predicate'), kind: 'text', width: 24 },
    { header: t('export.col.predicate_status'), kind: 'text', width: 16 },
    { header: t('export.col.reviewer_nip'), kind: 'text', width: 20 },
    { header: t('export.col.reviewer_name'), kind: 'text', width: 28 },
    { header: t('export.col.reviewer_as'), kind: 'text', width: 14 },
    { header: t('export.col.feedback'), kind: 'text', width: 40 },
    { header: t('export.col.perilaku_note'), kind: 'text', width: 40 },
    { header: t('export.col.return_note'), kind: 'text', width: 40 },
    { header: t('export.col.follow_up'), kind: 'text', width: 16 },
    { header: t('export.col.coaching_plan'), kind: 'text', width: 40 },
    { header: t('export.col.check_ins'), kind: 'text', width: 30 },
    { header: t('export.col.check_in_average'), kind: 'number' },
    { header: t('export.col.objection_reason'), kind: 'text', width: 40 },
    { header: t('export.col.objection_status'), kind: 'text', width: 14 },
    { header: t('export.col.objection_decision'), kind: 'text', width: 14 },
    { header: t('export.col.objection_original_predicate'), kind: 'text', width: 24 },
    { header: t('export.col.objection_new_predicate'), kind: 'text', width: 24 },
    { header: t('export.col.objection_decision_reason'), kind: 'text', width: 40 },
    { header: t('export.col.objection_decided_at'), kind: 'datetime' },
    { header: t('export.col.feedback_count'), kind: 'number', width: 14 },
    { header: t('export.col.recognition_count'), kind: 'number', width: 14 },
  ];
}

/** The predikat that stands: an objection decision that set a new one replaces the reviewed one. */
export function standingPredicate(r: Pick<AssessmentRow, 'predicate' | 'objection_new_predicate' | 'objection_decided_at'>): string | null {
  return r.objection_decided_at !== null && r.objection_new_predicate !== null ? r.objection_new_predicate : r.predicate;
}

function resultRow(t: Translate, r: AssessmentRow, indicators: readonly ResultIndicator[], targetGroups: number, announced: boolean): Row {
  const label = (prefix: string, v: string | null): string | null => (v === null ? null : t(`${prefix}.${v}`));
  const yesNo = (b: boolean): string => t(b ? 'export.value.yes' : 'export.value.no');
  const answers = r.answers ?? {};
  const item = (key: string, target: number | null): CellValue[] => {
    const a = answers[key];
    const realisasi = num(a?.[0]);
    return [target, realisasi, realisasi !== null && target !== null ? capaianPercent(realisasi, target) : null, label('rating', a?.[1] ?? null), a?.[2] ?? null];
  };
  const targets = r.targets ?? [];
  const targetCells = Array.from({ length: targetGroups }, (_, k): CellValue[] => {
    const tg = targets[k];
    if (!tg) return [null, null, null, null, null, null, null, null];
    const [id, rhk, iki, target, uom] = tg;
    const [tv, realisasi, capaian, rating, narrative] = item(`tgt:${id}`, num(target));
    return [rhk, iki, tv, uom, realisasi, capaian, rating, narrative];
  }).flat();
  const predicate = standingPredicate(r);
  const checkIns = r.check_ins ?? [];
  // Both statements' scores (heard, knows the next step) count towards the average.
  const ratings = checkIns.flatMap(([, heard, next]) => [heard, next]).filter((x): x is number => x !== null);
  const state = completionState({ status: r.status, answered: r.answered, selfDeadlinePassed: r.self_deadline_passed });
  return [
    r.nip, r.name, r.position, r.unit_code, r.unit_name,
    r.supervisor_nip, r.supervisor_name, label('export.acting', r.acting_kind), r.acting_nip, r.acting_name,
    t(`export.state.${state}`), r.round, r.submitted_at, r.reviewed_at, yesNo(r.self_late), yesNo(r.review_late),
    ...indicators.flatMap((i) => item(`ind:${i.id}`, i.target)),
    ...targetCells,
    label('rating', r.hasil_kerja), label('rating', r.perilaku), label('predicate', predicate),
    predicate === null ? null : t(announced ? 'export.value.final' : 'export.value.provisional'),
    r.reviewer_nip, r.reviewer_name, r.reviewer_nip === null ? null : t(`export.acting.${r.reviewer_acting_kind ?? 'supervisor'}`),
    r.feedback, r.perilaku_note, r.return_note,
    label('export.follow_up', r.follow_up_kind), r.coaching_plan,
    checkIns.length === 0 ? null : checkIns.map(([due, heard, next]) => `${due}: ${heard ?? '-'}/${next ?? '-'}`).join('; '),
    ratings.length === 0 ? null : Math.round((ratings.reduce((a, b) => a + b, 0) / ratings.length) * 10) / 10,
    r.objection_reason, label('export.objection', r.objection_status), label('export.objection', r.objection_decision),
    label('predicate', r.objection_original_predicate), label('predicate', r.objection_new_predicate), r.objection_decision_reason, r.objection_decided_at,
    r.feedback_count, r.recognition_count,
  ];
}

/**
 * Writes the results export. The XLSX gets a second sheet with the per-unit summary (completion and the
 * predikat counts against each unit's curve); the CSV is the rows only.
 */
export async function exportResults(em: EntityManager, opts: ExportOptions, writer: ReportWriter): Promise<ExportOutcome> {
  const scope: ExportScope = await resolveScope(em, opts.cycleId, opts.unitCode);
  const { t, lang } = opts;
  const indicators = await resultIndicators(em, scope.cycle.id);
  const targetGroups = await maxTargetsPerEmployee(em, scope);
  const announced = scope.cycle.status === 'announced';
  const summary = new UnitSummary();
  let rows = 0;
  await writer.startRows(t('export.sheet.results'), resultColumns(t, lang, indicators, targetGroups));
  await forEachAssessmentPage(em, scope, { now: opts.now, pageSize: opts.pageSize }, async (page) => {
    await writer.addRows(page.map((r) => resultRow(t, r, indicators, targetGroups, announced)));
    for (const r of page) {
      const state = completionState({ status: r.status, answered: r.answered, selfDeadlinePassed: r.self_deadline_passed });
      summary.add({ id: r.unit_id, code: r.unit_code, name: r.unit_name, orgRating: r.org_rating }, state, standingPredicate(r));
      summary.addGathered(r.unit_id, r.feedback_count, r.recognition_count);
    }
    rows += page.length;
  });
  const table = summary.resultsTable(t);
  await writer.addSheet(t('export.sheet.summary'), table.columns, table.rows, { active: true });
  await writer.finish();
  return { rows, cycle: scope.cycle };
}
