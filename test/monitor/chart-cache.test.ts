/**
 * The chart module keeps the pictures it drew (src/charts/index.ts `cachedSvg`): the same counts and words
 * give the kept picture without drawing again, and any change in what a picture shows draws it afresh,
 * exactly as a first drawing would.
 */
import { describe, expect, it } from 'vitest';
import { completionChartSvg, distributionChartSvg, forgetDrawnCharts, type ChartUnit, type CompletionChartText, type DistributionChartText } from '../../src/charts/index.js';

const unit = (code: string, notStarted: number, baik: number, butuhPerbaikan = 2): ChartUnit => ({
  code,
  name: `Unit ${code}`,
  orgRating: 'baik',
  total: 10,
  states: { not_started: notStarted, draft: 1, late: 0, submitted: 9 - notStarted - baik, returned: 0, reviewed: baik },
  predicates: { sangat_baik: 0, baik, butuh_perbaikan: butuhPerbaikan, kurang: 0, sangat_kurang: 0 },
});
const completionText = (deadline: string): CompletionChartText => ({
  title: 'Completion',
  deadline,
  state: { not_started: 'not started', draft: 'draft', late: 'late', submitted: 'submitted', returned: 'returned', reviewed: 'reviewed' },
  axis: '% people',
});
const distributionText: DistributionChartText = {
  title: 'Distribution',
  unitTitle: (u) => `${u.code} (${u.total})`,
  predicate: { sangat_baik: 'SB', baik: 'B', butuh_perbaikan: 'BP', kurang: 'K', sangat_kurang: 'SK' },
  rule: (rule, allowed) => `${rule.op} ${allowed}`,
  noOrgRating: 'none',
};
// Each drawing has its own ECharts instance, whose number prefixes the SVG's class names (numbered by a
// counter of the process): two drawings of one picture are equal once the class names are renumbered.
const instance = (svg: string) => /class="(zr\d+)-/.exec(svg)?.[1];
function drawing(svg: string): string {
  const names = new Map<string, string>();
  return svg.replace(/zr\d+-cls-\d+/g, (c) => names.get(c) ?? (names.set(c, `cls-${names.size}`), names.get(c)!));
}

describe('pictures kept by the chart module', () => {
  it('the same counts and words give the kept picture (equal objects, not the same ones)', () => {
    forgetDrawnCharts();
    const first = completionChartSvg([unit('A', 2, 3), unit('B', 4, 1)], completionText('Deadline 15 Jan'));
    const again = completionChartSvg([unit('A', 2, 3), unit('B', 4, 1)], completionText('Deadline 15 Jan'));
    expect(instance(first)).toBeDefined();
    expect(instance(again)).toBe(instance(first));
    const curve = distributionChartSvg([unit('A', 2, 3)], distributionText);
    expect(instance(distributionChartSvg([unit('A', 2, 3)], distributionText))).toBe(instance(curve));
  });

  it.each([
    ['one count', [unit('A', 2, 3), unit('B', 3, 1)], 'Deadline 15 Jan'],
    ['the deadline line', [unit('A', 2, 3), unit('B', 4, 1)], 'Deadline 15 Jan (passed 1 day)'],
  ])('a change in %s draws afresh, the same picture as a first drawing', (_what, units, deadline) => {
    forgetDrawnCharts();
    const before = completionChartSvg([unit('A', 2, 3), unit('B', 4, 1)], completionText('Deadline 15 Jan'));
    const changed = completionChartSvg(units, completionText(deadline));
    expect(instance(changed)).not.toBe(instance(before));
    expect(drawing(changed)).not.toBe(drawing(before));
    forgetDrawnCharts();
    expect(drawing(completionChartSvg(units, completionText(deadline)))).toBe(drawing(changed));
  });

  it('a unit that now breaks its curve redraws the distribution picture', () => {
    forgetDrawnCharts();
    // Organisational rating "baik": at most 70 % Baik (of the 5 rated: 3), at least one Butuh Perbaikan or Kurang.
    const kept = distributionChartSvg([unit('A', 0, 3, 2)], distributionText);
    const broken = distributionChartSvg([unit('A', 0, 4, 1)], distributionText);
    expect(instance(broken)).not.toBe(instance(kept));
    expect(broken).toContain('#d32f2f');
    expect(kept).not.toContain('#d32f2f');
  });
});
