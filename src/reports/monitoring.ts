/**
 * `kinerja export monitoring`: monitoring pengisian, where every employee's assessment stands (not started,
 * draft, late, submitted, returned, reviewed) and the same counted per unit.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { completionState } from '../domain/completion.js';
import type { Column, ReportWriter, Row } from './cell.js';
import { forEachAssessmentPage, resultIndicators, type AssessmentRow } from './assessment-rows.js';
import type { Translate } from './labels.js';
import { resolveScope, type ExportOptions, type ExportOutcome } from './scope.js';
import { UnitSummary } from './unit-summary.js';
import { personColumns } from './person-columns.js';

/** The per-person sheet's columns. */
function monitoringColumns(t: Translate): Column[] {
  return personColumns(t, ['nip', 'name', 'position', 'unit_code', 'unit_name', 'supervisor_nip', 'supervisor_name', 'acting_kind', 'acting_name',
    'state', 'answered', 'items', 'round', 'submitted_at', 'reviewed_at', 'self_late', 'review_late']);
}

function personRow(t: Translate, r: AssessmentRow, indicatorCount: number): Row {
  const state = completionState({ status: r.status, answered: r.answered, selfDeadlinePassed: r.self_deadline_passed });
  return [
    r.nip, r.name, r.position, r.unit_code, r.unit_name, r.supervisor_nip, r.supervisor_name,
    r.acting_kind === null ? null : t(`export.acting.${r.acting_kind}`), r.acting_name,
    t(`export.state.${state}`), r.answered, indicatorCount + (r.targets?.length ?? 0), r.round, r.submitted_at, r.reviewed_at,
    t(r.self_late ? 'export.value.yes' : 'export.value.no'), t(r.review_late ? 'export.value.yes' : 'export.value.no'),
  ];
}

/**
 * Writes the monitoring export: per person (the rows) and per unit (an XLSX sheet; in CSV, `by: 'unit'`
 * gives the unit table instead of the people).
 */
export async function exportMonitoring(em: EntityManager, opts: ExportOptions & { by?: 'person' | 'unit' }, writer: ReportWriter): Promise<ExportOutcome> {
  const scope = await resolveScope(em, opts.cycleId, opts.unitCode);
  const { t } = opts;
  const indicatorCount = (await resultIndicators(em, scope.cycle.id)).length;
  const summary = new UnitSummary();
  const people = opts.by !== 'unit';
  let rows = 0;
  if (people) await writer.startRows(t('export.sheet.people'), monitoringColumns(t));
  await forEachAssessmentPage(em, scope, { now: opts.now, pageSize: opts.pageSize }, async (page) => {
    if (people) await writer.addRows(page.map((r) => personRow(t, r, indicatorCount)));
    for (const r of page) {
      summary.add({ id: r.unit_id, code: r.unit_code, name: r.unit_name, orgRating: r.org_rating }, completionState({ status: r.status, answered: r.answered, selfDeadlinePassed: r.self_deadline_passed }), null);
    }
    rows += page.length;
  });
  const units = summary.completionTable(t);
  if (people) await writer.addSheet(t('export.sheet.units'), units.columns, units.rows, { active: true });
  else {
    await writer.startRows(t('export.sheet.units'), units.columns);
    await writer.addRows(units.rows);
    rows = units.rows.length;
  }
  await writer.finish();
  return { rows, cycle: scope.cycle };
}
