import { describe, expect, it } from 'vitest';
import { DEFAULT_CURVE, UnknownOrgRatingError, checkDistribution, type DistributionCurve, type OrgRating } from './distribution.js';
import type { Predicate } from './ratings.js';

/** Builds a unit's predicates from counts, e.g. unit({ baik: 7, kurang: 3 }). */
function unit(counts: Partial<Record<Predicate, number>>): Predicate[] {
  return Object.entries(counts).flatMap(([predicate, n]) => Array<Predicate>(n).fill(predicate as Predicate));
}

type Case = [name: string, org: OrgRating, counts: Partial<Record<Predicate, number>>, brokenRuleIds: string[]];

describe('checkDistribution against the default curve', () => {
  const cases: Case[] = [
    // Istimewa: Sangat Baik at most 70%.
    ['istimewa: sangat baik exactly 70% passes', 'istimewa', { sangat_baik: 7, baik: 3 }, []],
    ['istimewa: sangat baik 80% breaks', 'istimewa', { sangat_baik: 8, baik: 2 }, ['istimewa.sangat_baik.max']],
    // Baik: Baik at most 70%; at least one Butuh Perbaikan or Kurang.
    ['baik: baik exactly 70% and one kurang passes', 'baik', { baik: 7, sangat_baik: 2, kurang: 1 }, []],
    ['baik: one butuh perbaikan satisfies "at least one"', 'baik', { baik: 5, sangat_baik: 4, butuh_perbaikan: 1 }, []],
    ['baik: baik 80% breaks the max', 'baik', { baik: 8, kurang: 2 }, ['baik.baik.max']],
    ['baik: no butuh perbaikan or kurang breaks the min', 'baik', { baik: 7, sangat_baik: 3 }, ['baik.butuh_perbaikan_or_kurang.min']],
    ['baik: sangat kurang does not count as butuh perbaikan or kurang', 'baik', { baik: 7, sangat_kurang: 3 }, ['baik.butuh_perbaikan_or_kurang.min']],
    // Butuh Perbaikan: Butuh Perbaikan at least 60%; Sangat Baik at most 10%.
    ['butuh perbaikan: both limits exactly met passes', 'butuh_perbaikan', { butuh_perbaikan: 6, sangat_baik: 1, baik: 3 }, []],
    ['butuh perbaikan: 50% butuh perbaikan breaks the min', 'butuh_perbaikan', { butuh_perbaikan: 5, baik: 5 }, ['butuh_perbaikan.butuh_perbaikan.min']],
    ['butuh perbaikan: 20% sangat baik breaks the max', 'butuh_perbaikan', { butuh_perbaikan: 6, sangat_baik: 2, baik: 2 }, ['butuh_perbaikan.sangat_baik.max']],
    // Kurang: Kurang at least 60%; Butuh Perbaikan at least 10%; Sangat Baik at most 10%.
    ['kurang: all three limits exactly met passes', 'kurang', { kurang: 6, butuh_perbaikan: 1, sangat_baik: 1, baik: 2 }, []],
    ['kurang: 50% kurang breaks the min', 'kurang', { kurang: 5, butuh_perbaikan: 2, baik: 3 }, ['kurang.kurang.min']],
    ['kurang: no butuh perbaikan breaks its min', 'kurang', { kurang: 7, baik: 3 }, ['kurang.butuh_perbaikan.min']],
    ['kurang: 20% sangat baik breaks the max', 'kurang', { kurang: 6, butuh_perbaikan: 2, sangat_baik: 2 }, ['kurang.sangat_baik.max']],
    // Sangat Kurang: Sangat Kurang at least 60%; Kurang or Butuh Perbaikan at least 10%; no Sangat Baik.
    ['sangat kurang: limits exactly met passes (kurang)', 'sangat_kurang', { sangat_kurang: 6, kurang: 1, baik: 3 }, []],
    ['sangat kurang: limits exactly met passes (butuh perbaikan)', 'sangat_kurang', { sangat_kurang: 6, butuh_perbaikan: 1, baik: 3 }, []],
    ['sangat kurang: 50% sangat kurang breaks the min', 'sangat_kurang', { sangat_kurang: 5, kurang: 2, baik: 3 }, ['sangat_kurang.sangat_kurang.min']],
    ['sangat kurang: no kurang or butuh perbaikan breaks the min', 'sangat_kurang', { sangat_kurang: 7, baik: 3 }, ['sangat_kurang.kurang_or_butuh_perbaikan.min']],
    ['sangat kurang: a single sangat baik breaks "none"', 'sangat_kurang', { sangat_kurang: 6, kurang: 1, baik: 2, sangat_baik: 1 }, ['sangat_kurang.sangat_baik.max']],
    // Several rules at once are all reported.
    ['kurang: every rule broken at once', 'kurang', { sangat_baik: 10 }, ['kurang.kurang.min', 'kurang.butuh_perbaikan.min', 'kurang.sangat_baik.max']],
    ['baik: both rules broken at once', 'baik', { baik: 10 }, ['baik.baik.max', 'baik.butuh_perbaikan_or_kurang.min']],
    // Rounding in small units: the share allowed rounds in the unit's favour, never past the limit.
    ['istimewa: 2 of 3 sangat baik (66.7%) passes', 'istimewa', { sangat_baik: 2, baik: 1 }, []],
    ['butuh perbaikan: 2 of 3 butuh perbaikan (66.7%) passes', 'butuh_perbaikan', { butuh_perbaikan: 2, baik: 1 }, []],
    ['butuh perbaikan: 1 of 3 butuh perbaikan breaks (2 needed)', 'butuh_perbaikan', { butuh_perbaikan: 1, baik: 2 }, ['butuh_perbaikan.butuh_perbaikan.min']],
  ];

  it.each(cases)('%s', (_name, org, counts, brokenRuleIds) => {
    expect(checkDistribution(org, unit(counts)).map((v) => v.ruleId)).toEqual(brokenRuleIds);
  });

  it.each(Object.keys(DEFAULT_CURVE) as OrgRating[])('an empty unit breaks nothing (%s)', (org) => {
    expect(checkDistribution(org, [])).toEqual([]);
  });

  it('reports the numbers needed to explain a broken max rule', () => {
    expect(checkDistribution('istimewa', unit({ sangat_baik: 8, baik: 2 }))).toEqual([
      {
        ruleId: 'istimewa.sangat_baik.max',
        predicates: ['sangat_baik'],
        op: 'max',
        limitPercent: 70,
        actualCount: 8,
        actualPercent: 80,
        total: 10,
        allowedCount: 7,
      },
    ]);
  });

  it('reports the numbers needed to explain broken min rules, count and percent', () => {
    // 2 of 3 Baik is 66.7%, within 70%, so only the "at least one" rule breaks.
    expect(checkDistribution('baik', unit({ baik: 2, sangat_baik: 1 }))).toEqual([
      {
        ruleId: 'baik.butuh_perbaikan_or_kurang.min',
        predicates: ['butuh_perbaikan', 'kurang'],
        op: 'min',
        limitCount: 1,
        actualCount: 0,
        actualPercent: 0,
        total: 3,
        allowedCount: 1,
      },
    ]);
    // 60% of 7 is 4.2 people, so 5 are needed.
    expect(checkDistribution('kurang', unit({ kurang: 4, baik: 3 }))).toEqual([
      { ruleId: 'kurang.kurang.min', predicates: ['kurang'], op: 'min', limitPercent: 60, actualCount: 4, actualPercent: 57.1, total: 7, allowedCount: 5 },
      { ruleId: 'kurang.butuh_perbaikan.min', predicates: ['butuh_perbaikan'], op: 'min', limitPercent: 10, actualCount: 0, actualPercent: 0, total: 7, allowedCount: 1 },
    ]);
  });

  it('reads the percentages from the curve it is given', () => {
    const lenient: DistributionCurve = {
      ...DEFAULT_CURVE,
      istimewa: [{ id: 'istimewa.sangat_baik.max', predicates: ['sangat_baik'], op: 'max', percent: 90 }],
    };
    expect(checkDistribution('istimewa', unit({ sangat_baik: 8, baik: 2 }), lenient)).toEqual([]);
    expect(checkDistribution('istimewa', unit({ sangat_baik: 10 }), lenient)).toEqual([
      expect.objectContaining({ allowedCount: 9, actualCount: 10 }),
    ]);
  });

  it('throws for an organisational rating the curve does not define', () => {
    expect(() => checkDistribution('luar_biasa' as OrgRating, unit({ baik: 1 }))).toThrow(UnknownOrgRatingError);
  });
});
