/**
 * The monitoring pictures (BKN's "Monitoring Pengisian" and "Monitoring Kurva"), drawn on the server with
 * Apache ECharts' server-side SVG renderer and rasterised to PNG with resvg. No browser, no system fonts: the
 * text is set in Noto Sans from an npm package (@expo-google-fonts/noto-sans ships the TTF files resvg needs),
 * so a chart looks the same on every machine. The same SVG is inlined in the HR web page.
 *
 * Pure drawing: the numbers and every word come in already counted and translated (src/reports counts them,
 * the caller translates), so this module holds no rule of its own beyond the curve's arithmetic, which it
 * asks src/domain/distribution.ts for.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as echarts from 'echarts/core';
import { BarChart } from 'echarts/charts';
import { GridComponent, LegendComponent, MarkLineComponent, TitleComponent } from 'echarts/components';
import { LabelLayout, LegacyGridContainLabel } from 'echarts/features';
import { SVGRenderer } from 'echarts/renderers';
import { Resvg } from '@resvg/resvg-js';
import { COMPLETION_STATES, type CompletionState } from '../domain/completion.js';
import { allowedCountFor, checkDistribution, DEFAULT_CURVE, type CurveRule, type OrgRating } from '../domain/distribution.js';
import { PREDICATES, type Predicate } from '../domain/ratings.js';

/** One unit's counts, as src/reports/unit-summary.ts tallies them. */
export interface ChartUnit {
  readonly code: string;
  readonly name: string;
  readonly orgRating: OrgRating | null;
  readonly total: number;
  readonly states: Readonly<Record<CompletionState, number>>;
  readonly predicates: Readonly<Record<Predicate, number>>;
}

/** The words of the completion chart, in the reader's language. */
export interface CompletionChartText {
  title: string;
  /** The deadline line ("Batas pengisian 15 Des 2026 (lewat 3 hari)"): the deadline marked on the picture. */
  deadline: string;
  /** Shown when some units did not fit ("+12 unit lain: lihat ekspor"). */
  more?: (hidden: number) => string;
  state: Readonly<Record<CompletionState, string>>;
  /** The x axis ("% pegawai"). */
  axis: string;
}

/** The words of the distribution chart. */
export interface DistributionChartText {
  title: string;
  /** A unit's panel title: name, head count, organisational rating. */
  unitTitle: (u: ChartUnit) => string;
  predicate: Readonly<Record<Predicate, string>>;
  /** One curve rule's mark: "maks 7" / "min 1". */
  rule: (rule: CurveRule, allowed: number) => string;
  /** When no unit in scope has an organisational rating yet. */
  noOrgRating: string;
  more?: (hidden: number) => string;
}

// Only what the two pictures use (the full `echarts` bundle registers every component, and each takes part in
// every chart update: about 15 % of a drawing). LegacyGridContainLabel keeps `grid.containLabel` as it was.
echarts.use([BarChart, GridComponent, LegendComponent, MarkLineComponent, TitleComponent, LabelLayout, LegacyGridContainLabel, SVGRenderer]);

const FONT_FAMILY = 'Noto Sans';
const FONT_STACK = `${FONT_FAMILY}, Arial, sans-serif`;

/** Colours per state and predicate: the same in the chat picture and on the web page. */
export const STATE_COLOURS: Readonly<Record<CompletionState, string>> = {
  not_started: '#9e9e9e',
  draft: '#90caf9',
  late: '#d32f2f',
  submitted: '#1976d2',
  returned: '#f57c00',
  reviewed: '#2e7d32',
};
export const PREDICATE_COLOURS: Readonly<Record<Predicate, string>> = {
  sangat_baik: '#1b5e20',
  baik: '#43a047',
  butuh_perbaikan: '#fbc02d',
  kurang: '#ef6c00',
  sangat_kurang: '#c62828',
};

/** Most units one completion picture shows; the rest are named in a line (the export has them all). */
export const MAX_COMPLETION_UNITS = 30;
/** Most unit panels one distribution picture shows. */
export const MAX_DISTRIBUTION_UNITS = 6;

const WIDTH = 900;

function renderSvg(option: echarts.EChartsCoreOption, height: number): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width: WIDTH, height });
  try {
    chart.setOption({ animation: false, backgroundColor: '#ffffff', textStyle: { fontFamily: FONT_STACK }, ...option });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** Pictures kept, most recently drawn last (a Map iterates in insertion order). */
const drawn = new Map<string, string>();
/** How many pictures are kept: the pictures of a few cycles, scopes and languages (about 50 kB each). */
export const CHART_CACHE_SIZE = 32;

/**
 * The SVG of `layout`, drawn by `draw` only when no picture of the very same layout is kept. A layout is
 * plain data holding everything the picture shows (counts, words, sizes) and `draw` reads nothing else, so
 * equal layouts draw equal pictures: an HR page view whose counts did not change costs no drawing (ECharts
 * takes tens of milliseconds per picture). Each SVG carries its own ECharts instance's class names, so two
 * different pictures inlined in one page never share a style.
 */
/** Forgets every kept picture (the benchmark times drawing itself). */
export function forgetDrawnCharts(): void {
  drawn.clear();
}

function cachedSvg<L>(kind: string, layout: L, draw: (layout: L) => string): string {
  const key = `${kind}:${JSON.stringify(layout)}`;
  const hit = drawn.get(key);
  if (hit !== undefined) {
    drawn.delete(key);
    drawn.set(key, hit);
    return hit;
  }
  const svg = draw(layout);
  drawn.set(key, svg);
  if (drawn.size > CHART_CACHE_SIZE) drawn.delete(drawn.keys().next().value!);
  return svg;
}

const doneShare = (u: ChartUnit): number => (u.total === 0 ? 0 : (u.states.submitted + u.states.returned + u.states.reviewed) / u.total);
const pct = (n: number, total: number): number => (total === 0 ? 0 : Math.round((n / total) * 1000) / 10);

/** Everything the completion picture shows (see `cachedSvg`). */
interface CompletionLayout {
  title: string;
  subtitle: string;
  axis: string;
  stateNames: Readonly<Record<CompletionState, string>>;
  /** The bars, bottom-up. */
  rows: { label: string; total: number; states: Readonly<Record<CompletionState, number>> }[];
}

/**
 * Completion per unit: one 100 % bar per unit, stacked by state (not started ... reviewed), the units that
 * are furthest behind at the top; the deadline in the subtitle.
 */
export function completionChartSvg(units: readonly ChartUnit[], text: CompletionChartText): string {
  const sorted = [...units].sort((a, b) => doneShare(a) - doneShare(b) || a.code.localeCompare(b.code));
  const shown = sorted.slice(0, MAX_COMPLETION_UNITS);
  const hidden = sorted.length - shown.length;
  // Category axes draw bottom-up: reversed so the first (furthest behind) unit is on top.
  const rows = [...shown].reverse().map((u) => ({ label: `${u.code} (${u.total})`, total: u.total, states: u.states }));
  const subtitle = hidden > 0 && text.more ? `${text.deadline}   ·   ${text.more(hidden)}` : text.deadline;
  return cachedSvg('completion', { title: text.title, subtitle, axis: text.axis, stateNames: text.state, rows }, drawCompletion);
}

function drawCompletion({ title, subtitle, axis, stateNames, rows }: CompletionLayout): string {
  const height = 150 + Math.max(1, rows.length) * 30;
  return renderSvg(
    {
      title: { text: title, subtext: subtitle, left: 16, top: 10, textStyle: { fontSize: 18 }, subtextStyle: { fontSize: 13, color: '#b71c1c' } },
      legend: { top: 62, left: 16, itemWidth: 14, textStyle: { fontSize: 12 } },
      grid: { left: 16, right: 40, top: 96, bottom: 36, containLabel: true },
      xAxis: { type: 'value', max: 100, name: axis, nameLocation: 'middle', nameGap: 24, axisLabel: { formatter: '{value}%' } },
      yAxis: { type: 'category', data: rows.map((u) => u.label), axisLabel: { fontSize: 12 } },
      series: COMPLETION_STATES.map((s) => ({
        name: stateNames[s],
        type: 'bar',
        stack: 'all',
        barWidth: 18,
        itemStyle: { color: STATE_COLOURS[s] },
        label: { show: true, fontSize: 10, color: '#fff', formatter: (p: { value: number; dataIndex: number }) => (p.value >= 8 ? String(rows[p.dataIndex]!.states[s]) : '') },
        data: rows.map((u) => pct(u.states[s], u.total)),
      })),
    },
    height,
  );
}

/** The curve's rules for a unit's organisational rating, with how many people each allows and has. */
function ruleMarks(u: ChartUnit): { rule: CurveRule; allowed: number; actual: number; ok: boolean }[] {
  if (!u.orgRating || !Object.hasOwn(DEFAULT_CURVE, u.orgRating)) return [];
  const people = PREDICATES.flatMap((p) => Array<Predicate>(u.predicates[p]).fill(p));
  const broken = new Set(checkDistribution(u.orgRating, people).map((v) => v.ruleId));
  return DEFAULT_CURVE[u.orgRating].map((rule) => {
    const actual = rule.predicates.reduce((n, p) => n + u.predicates[p], 0);
    return { rule, allowed: allowedCountFor(rule, people.length), actual, ok: !broken.has(rule.id) };
  });
}

/** True when a unit's predicates break its curve (the numbers `ruleMarks` draws). */
export function breaksCurve(u: ChartUnit): boolean {
  return ruleMarks(u).some((m) => !m.ok);
}

/** Everything the distribution picture shows (see `cachedSvg`). */
interface DistributionLayout {
  title: string;
  subtitle: string | undefined;
  noOrgRating: string;
  /** The predicates' names, in PREDICATES order. */
  categories: string[];
  panels: {
    title: string;
    broken: boolean;
    /** People per predicate, in PREDICATES order. */
    counts: number[];
    /** The curve's rules: across which predicates (indexes), the number allowed, kept or broken, the words. */
    marks: { from: number; to: number; allowed: number; ok: boolean; op: CurveRule['op']; label: string }[];
  }[];
}

/**
 * The predikat distribution against the curve: one panel per unit with an organisational rating (units that
 * break their curve first), a bar per predikat, and each rule of the curve drawn as a line across the bars it
 * counts at the number it allows ("maks 7", "min 1"), red when broken, green when kept.
 */
export function distributionChartSvg(units: readonly ChartUnit[], text: DistributionChartText): string {
  // The curve is checked once per unit (a check lists the unit's people), not once per comparison of the sort.
  const rated = units.filter((u) => u.orgRating !== null).map((u) => {
    const marks = ruleMarks(u);
    return { u, marks, broken: marks.some((m) => !m.ok) };
  });
  const sorted = rated.sort((a, b) => Number(b.broken) - Number(a.broken) || a.u.code.localeCompare(b.u.code));
  const shown = sorted.slice(0, MAX_DISTRIBUTION_UNITS);
  const hidden = sorted.length - shown.length;
  const panels = shown.map(({ u, marks, broken }) => ({
    title: text.unitTitle(u),
    broken,
    counts: PREDICATES.map((p) => u.predicates[p]),
    marks: marks.map((m) => {
      const idx = m.rule.predicates.map((p) => PREDICATES.indexOf(p));
      return { from: Math.min(...idx), to: Math.max(...idx), allowed: m.allowed, ok: m.ok, op: m.rule.op, label: text.rule(m.rule, m.allowed) };
    }),
  }));
  const layout: DistributionLayout = {
    title: text.title,
    subtitle: hidden > 0 && text.more ? text.more(hidden) : undefined,
    noOrgRating: text.noOrgRating,
    categories: PREDICATES.map((p) => text.predicate[p]),
    panels,
  };
  return cachedSvg('distribution', layout, drawDistribution);
}

function drawDistribution({ title, subtitle, noOrgRating, categories, panels }: DistributionLayout): string {
  const cols = panels.length <= 1 ? 1 : 2;
  const panelRows = Math.max(1, Math.ceil(panels.length / cols));
  const panelH = 230;
  const top = 70;
  const height = top + panelRows * panelH + 10;
  const panelW = (WIDTH - 32) / cols;
  const grids: object[] = [];
  const xAxes: object[] = [];
  const yAxes: object[] = [];
  const series: object[] = [];
  const titles: object[] = [{ text: title, subtext: subtitle, left: 16, top: 10, textStyle: { fontSize: 18 } }];
  panels.forEach((panel, i) => {
    const x = 16 + (i % cols) * panelW;
    const y = top + Math.floor(i / cols) * panelH;
    const peak = Math.max(1, ...panel.counts, ...panel.marks.map((m) => m.allowed));
    titles.push({ text: panel.title, left: x + 4, top: y, textStyle: { fontSize: 13, fontWeight: 'bold', color: panel.broken ? '#b71c1c' : '#1b5e20' } });
    grids.push({ left: x + 36, top: y + 26, width: panelW - 60, height: panelH - 78 });
    // A value axis from -1 to 5 with the predicates at 0..4 (not a category axis): a curve rule's line can then
    // start and end between bars, across exactly the predicates it counts.
    xAxes.push({
      gridIndex: i, type: 'value', min: -1, max: PREDICATES.length, interval: 1, splitLine: { show: false },
      axisLabel: { fontSize: 10, width: (panelW - 70) / 6, overflow: 'break', formatter: (v: number) => categories[v] ?? '' },
    });
    yAxes.push({ gridIndex: i, type: 'value', minInterval: 1, max: Math.ceil(peak * 1.25) });
    series.push({
      type: 'bar',
      xAxisIndex: i,
      yAxisIndex: i,
      barWidth: Math.round(((panelW - 60) / (PREDICATES.length + 2)) * 0.6),
      data: PREDICATES.map((p, k) => ({ value: [k, panel.counts[k]], itemStyle: { color: PREDICATE_COLOURS[p] } })),
      label: { show: true, position: 'insideTop', fontSize: 11, color: '#fff', formatter: (p: { value: [number, number] }) => (p.value[1] > 0 ? String(p.value[1]) : '') },
      markLine: {
        symbol: 'none',
        silent: true,
        data: panel.marks.map((m) => {
          const colour = m.ok ? '#2e7d32' : '#d32f2f';
          const style = { color: colour, width: 2, type: m.op === 'max' ? 'solid' : 'dashed' };
          const label = { formatter: m.label, color: colour, fontSize: 10, position: 'insideEndTop' };
          return [
            { coord: [m.from - 0.45, m.allowed], lineStyle: style, label },
            { coord: [m.to + 0.45, m.allowed] },
          ];
        }),
      },
    });
  });
  if (panels.length === 0) titles.push({ text: noOrgRating, left: 'center', top: 'middle', textStyle: { fontSize: 14, color: '#555' } });
  return renderSvg({ title: titles, grid: grids.length ? grids : [{ show: false }], xAxis: xAxes.length ? xAxes : [{ show: false }], yAxis: yAxes.length ? yAxes : [{ show: false }], series }, height);
}

let fontFiles: string[] | undefined;

/** The TTF files shipped by @expo-google-fonts/noto-sans (regular and bold). */
export function chartFontFiles(): string[] {
  if (!fontFiles) {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('@expo-google-fonts/noto-sans/package.json'));
    fontFiles = [join(root, '400Regular', 'NotoSans_400Regular.ttf'), join(root, '700Bold', 'NotoSans_700Bold.ttf')];
  }
  return fontFiles;
}

/** Rasterises a chart's SVG to PNG with the shipped fonts only (system fonts are never consulted). */
export function svgToPng(svg: string): Buffer {
  const resvg = new Resvg(svg, {
    background: '#ffffff',
    fitTo: { mode: 'width', value: WIDTH * 1.5 },
    font: { fontFiles: chartFontFiles(), loadSystemFonts: false, defaultFontFamily: FONT_FAMILY, sansSerifFamily: FONT_FAMILY },
  });
  return resvg.render().asPng();
}
