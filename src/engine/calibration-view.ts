/**
 * Reading calibration as the conversation shows it: per unit of a rater's people, the organisational rating
 * and whether the predicates fit the unit's distribution curve (domain `checkDistribution`), with what
 * breaks it. Shared by `/kalibrasi` and a supervisor's `/status`, so it lives below both flows.
 */
import { checkDistribution, type OrgRating, type Predicate } from '../domain/index.js';
import type { Translate } from '../i18n/index.js';
import { orgRatingLabel, predicateLabel } from '../i18n/labels.js';
import type { CalibrationUnitView, CalibrationView } from './views.js';

/** The broken curve rules of a unit (empty when it fits or has no organisational rating). */
export function unitViolations(unit: CalibrationUnitView) {
  return unit.orgRating ? checkDistribution(unit.orgRating as OrgRating, unit.predicates as Predicate[]) : [];
}

/** True when some unit of the view breaks its curve. */
export function hasViolations(view: CalibrationView): boolean {
  return view.units.some((u) => unitViolations(u).length > 0);
}

/** One paragraph per unit: its curve state, and for a broken curve each broken rule. */
export function calibrationLines(t: Translate, view: CalibrationView): string[] {
  const lines = [
    view.cycleStatus === 'closed' ? t('calibration.heading_open', { cycle: view.cycleName }) : t('calibration.heading_final', { cycle: view.cycleName }),
  ];
  if (view.cycleStatus !== 'closed' && view.curveOverride) lines.push(t('calibration.overridden', { reason: view.curveOverride }));
  for (const u of view.units) {
    if (!u.orgRating) {
      lines.push(t('calibration.unit_no_rating', { unit: u.unitName, count: u.predicates.length }));
      continue;
    }
    const broken = unitViolations(u);
    const org = orgRatingLabel(t, u.orgRating);
    if (broken.length === 0) {
      lines.push(t('calibration.unit_fits', { unit: u.unitName, orgRating: org, count: u.predicates.length }));
      continue;
    }
    lines.push(t('calibration.unit_broken', { unit: u.unitName, orgRating: org }));
    for (const b of broken) {
      lines.push(
        t('calibration.violation_line', {
          predicates: b.predicates.map((p) => predicateLabel(t, p)).join(' / '),
          actual: b.actualCount,
          percent: b.actualPercent,
          op: b.op === 'max' ? t('calibration.op_max') : t('calibration.op_min'),
          allowed: b.allowedCount,
        }),
      );
    }
  }
  return lines;
}
