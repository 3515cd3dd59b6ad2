/**
 * Kurva distribusi: how many employees of a unit may get each predicate, given the unit's
 * organisational result (capaian kinerja organisasi).
 *
 * The curve is data, not code, because the percentages are configurable per cycle. The check only
 * reports what breaks the curve; it never changes a rating (the raters and HR decide).
 */
import { DomainError } from './errors.js';
import type { Predicate } from './ratings.js';
import { roundToOneDecimal } from './rounding.js';

/** Capaian kinerja organisasi: the unit's result, set by its leader before employees are rated. */
export type OrgRating = 'istimewa' | 'baik' | 'butuh_perbaikan' | 'kurang' | 'sangat_kurang';

/** All organisational ratings, from best to worst. */
export const ORG_RATINGS: readonly OrgRating[] = ['istimewa', 'baik', 'butuh_perbaikan', 'kurang', 'sangat_kurang'];

/** `max`: at most this many may have one of the predicates; `min`: at least this many must. */
export type CurveOp = 'max' | 'min';

/** A limit as a share of the unit, or as an absolute number of people ("at least one"). */
export type CurveLimit = { readonly percent: number; readonly count?: undefined } | { readonly count: number; readonly percent?: undefined };

/** One rule of the curve: the number of employees whose predicate is in `predicates` is limited. */
export type CurveRule = {
  /** Stable id, reported back with a violation so a UI can explain the rule. */
  readonly id: string;
  /** The predicates counted together (e.g. Butuh Perbaikan or Kurang). */
  readonly predicates: readonly Predicate[];
  readonly op: CurveOp;
} & CurveLimit;

/** The distribution curve: the rules that apply for each organisational rating. */
export type DistributionCurve = Readonly<Record<OrgRating, readonly CurveRule[]>>;

/** The curve of PermenPANRB 6/2022 (DOMAIN.md, "Distribution curve"). */
export const DEFAULT_CURVE: DistributionCurve = Object.freeze({
  istimewa: [{ id: 'istimewa.sangat_baik.max', predicates: ['sangat_baik'], op: 'max', percent: 70 }],
  baik: [
    { id: 'baik.baik.max', predicates: ['baik'], op: 'max', percent: 70 },
    { id: 'baik.butuh_perbaikan_or_kurang.min', predicates: ['butuh_perbaikan', 'kurang'], op: 'min', count: 1 },
  ],
  butuh_perbaikan: [
    { id: 'butuh_perbaikan.butuh_perbaikan.min', predicates: ['butuh_perbaikan'], op: 'min', percent: 60 },
    { id: 'butuh_perbaikan.sangat_baik.max', predicates: ['sangat_baik'], op: 'max', percent: 10 },
  ],
  kurang: [
    { id: 'kurang.kurang.min', predicates: ['kurang'], op: 'min', percent: 60 },
    { id: 'kurang.butuh_perbaikan.min', predicates: ['butuh_perbaikan'], op: 'min', percent: 10 },
    { id: 'kurang.sangat_baik.max', predicates: ['sangat_baik'], op: 'max', percent: 10 },
  ],
  sangat_kurang: [
    { id: 'sangat_kurang.sangat_kurang.min', predicates: ['sangat_kurang'], op: 'min', percent: 60 },
    { id: 'sangat_kurang.kurang_or_butuh_perbaikan.min', predicates: ['kurang', 'butuh_perbaikan'], op: 'min', percent: 10 },
    { id: 'sangat_kurang.sangat_baik.max', predicates: ['sangat_baik'], op: 'max', percent: 0 },
  ],
} satisfies DistributionCurve);

/** One broken rule, with the numbers a UI needs to say what to change. */
export interface DistributionViolation {
  readonly ruleId: string;
  readonly predicates: readonly Predicate[];
  readonly op: CurveOp;
  /** The rule's limit as a share, when it is a percentage rule. */
  readonly limitPercent?: number;
  /** The rule's limit as a number of people, when it is a count rule. */
  readonly limitCount?: number;
  /** Employees whose predicate is one of `predicates`. */
  readonly actualCount: number;
  /** `actualCount` as a share of `total`, one decimal. */
  readonly actualPercent: number;
  /** Employees in the unit. */
  readonly total: number;
  /** For `max` the largest count that satisfies the rule, for `min` the smallest. */
  readonly allowedCount: number;
}

/** The curve has no rules for the organisational rating asked for (bad configuration data). */
export class UnknownOrgRatingError extends DomainError {
  /** The rating asked for. */
  readonly orgRating: string;

  constructor(orgRating: string) {
    super('unknown_org_rating', `the distribution curve has no rules for organisational rating "${orgRating}"`);
    this.orgRating = orgRating;
  }
}

/**
 * The number of people a rule allows in a unit of `total`: for `max` the largest count within the
 * limit (rounded down), for `min` the smallest count that reaches it (rounded up), so a share exactly at
 * the limit passes. The epsilon keeps e.g. 10 x 70 / 100 from landing a hair off an integer.
 */
export function allowedCountFor(rule: CurveRule, total: number): number {
  if (rule.count !== undefined) return rule.count;
  const exact = (total * rule.percent) / 100;
  return rule.op === 'max' ? Math.floor(exact + 1e-9) : Math.ceil(exact - 1e-9);
}

/**
 * Checks a unit's predicates against the curve for its organisational rating and returns every broken
 * rule (empty when the distribution fits). An empty unit breaks nothing: there is nobody to distribute.
 * @param orgRating the unit's capaian kinerja organisasi
 * @param predicates one predicate per employee of the unit
 * @param curve the cycle's curve; defaults to PermenPANRB 6/2022
 * @throws UnknownOrgRatingError when the curve has no entry for `orgRating`
 */
export function checkDistribution(
  orgRating: OrgRating,
  predicates: readonly Predicate[],
  curve: DistributionCurve = DEFAULT_CURVE,
): DistributionViolation[] {
  const rules = Object.hasOwn(curve, orgRating) ? curve[orgRating] : undefined;
  if (rules === undefined) throw new UnknownOrgRatingError(orgRating);
  const total = predicates.length;
  if (total === 0) return [];

  const violations: DistributionViolation[] = [];
  for (const rule of rules) {
    const actualCount = predicates.filter((p) => rule.predicates.includes(p)).length;
    const allowedCount = allowedCountFor(rule, total);
    const satisfied = rule.op === 'max' ? actualCount <= allowedCount : actualCount >= allowedCount;
    if (satisfied) continue;
    violations.push({
      ruleId: rule.id,
      predicates: rule.predicates,
      op: rule.op,
      ...(rule.count !== undefined ? { limitCount: rule.count } : { limitPercent: rule.percent }),
      actualCount,
      actualPercent: roundToOneDecimal((actualCount / total) * 100),
      total,
      allowedCount,
    });
  }
  return violations;
}
