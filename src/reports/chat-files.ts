/**
 * The files chat messages carry, produced when the message is delivered (contract `OutgoingFile`): the two
 * monitoring pictures of `/pantau` and the export files behind its buttons. The numbers come from the same
 * queries as the exports (unit-counts.ts, results.ts, monitoring.ts); the words from the catalogues.
 *
 * Produced at send time rather than stored: a picture is drawn in well under a second and an export file can
 * be megabytes, so the outbox row keeps only "which cycle, which unit, which language" (see contract.ts). A
 * retried delivery draws again, from the data as it is then: what the reader gets is never older than the
 * moment it reached them.
 */
import { PassThrough } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DateTime } from 'luxon';
import { completionChartSvg, distributionChartSvg, svgToPng, breaksCurve, type ChartUnit } from '../charts/index.js';
import { COMPLETION_STATES, type CompletionState } from '../domain/completion.js';
import { PREDICATES, type Predicate } from '../domain/ratings.js';
import { roundToOneDecimal } from '../domain/rounding.js';
import { DeliveryError, type FileContent, type FileSource, type OutgoingFile } from '../contract/index.js';
import { formatDate, translator, type Locale } from '../i18n/index.js';
import type { ReportWriter } from './cell.js';
import { exportMonitoring } from './monitoring.js';
import { exportResults } from './results.js';
import { ExportRequestError, resolveScope, type ExportCycle, type ExportOptions, type ExportOutcome, type ExportScope } from './scope.js';
import type { Translate } from './labels.js';
import { unitCounts } from './unit-counts.js';
import { XlsxReportWriter } from './xlsx-writer.js';

/** The file sources `/pantau` asks for. */
export const PANTAU_SOURCES = ['pantau-completion', 'pantau-distribution', 'export-results', 'export-monitoring'] as const;

/** The deadline line: the date and how far it is (the deadline marked on the completion picture). */
export function deadlineText(t: Translate, lang: Locale, cycle: ExportCycle, now: Date): string {
  const today = DateTime.fromJSDate(now, { zone: 'Asia/Jakarta' }).startOf('day');
  const deadline = DateTime.fromISO(cycle.selfDeadline, { zone: 'Asia/Jakarta' }).startOf('day');
  const days = Math.round(deadline.diff(today, 'days').days);
  const when = days > 0 ? t('pantau.deadline_in', { n: days }) : days === 0 ? t('pantau.deadline_today') : t('pantau.deadline_passed', { n: -days });
  return t('pantau.deadline', { date: formatDate(lang, cycle.selfDeadline), when });
}

const stateNames = (t: Translate): Record<CompletionState, string> => Object.fromEntries(COMPLETION_STATES.map((s) => [s, t(`export.state.${s}`)])) as Record<CompletionState, string>;
const predicateNames = (t: Translate): Record<Predicate, string> => Object.fromEntries(PREDICATES.map((p) => [p, t(`predicate.${p}`)])) as Record<Predicate, string>;

/** The completion picture's SVG (also inlined in the HR web page). */
export function completionSvg(t: Translate, lang: Locale, cycle: ExportCycle, units: readonly ChartUnit[], now: Date): string {
  return completionChartSvg(units, {
    title: t('pantau.completion_title', { cycle: cycle.name }),
    deadline: deadlineText(t, lang, cycle, now),
    more: (n) => t('pantau.more_units', { n }),
    state: stateNames(t),
    axis: t('pantau.axis_people'),
  });
}

/** The distribution picture's SVG (also inlined in the HR web page). */
export function distributionSvg(t: Translate, cycle: ExportCycle, units: readonly ChartUnit[]): string {
  return distributionChartSvg(units, {
    title: t('pantau.distribution_title', { cycle: cycle.name }),
    unitTitle: (u) => t('pantau.unit_panel', { code: u.code, total: u.total, org_rating: u.orgRating ? t(`org_rating.${u.orgRating}`) : '-' }),
    predicate: predicateNames(t),
    rule: (rule, allowed) => t(rule.op === 'max' ? 'pantau.rule_max' : 'pantau.rule_min', { n: allowed }),
    noOrgRating: t('pantau.no_org_rating'),
    more: (n) => t('pantau.more_units', { n }),
  });
}

/** The completion picture in words: totals of the scope. */
export function completionSummary(t: Translate, cycle: ExportCycle, units: readonly ChartUnit[]): string {
  const sum = (s: CompletionState) => units.reduce((n, u) => n + u.states[s], 0);
  const total = units.reduce((n, u) => n + u.total, 0);
  const submitted = sum('submitted') + sum('returned') + sum('reviewed');
  const pct = (n: number) => (total === 0 ? 0 : roundToOneDecimal((n / total) * 100));
  return t('pantau.completion_summary', {
    cycle: cycle.name,
    units: units.length,
    total,
    submitted,
    submitted_pct: pct(submitted),
    reviewed: sum('reviewed'),
    late: sum('late'),
    not_started: sum('not_started'),
    draft: sum('draft'),
    returned: sum('returned'),
  });
}

/** The distribution picture in words: which units keep their curve and which break it. */
export function distributionSummary(t: Translate, units: readonly ChartUnit[]): string {
  const rated = units.filter((u) => u.orgRating !== null);
  const broken = rated.filter(breaksCurve);
  const lines = [t('pantau.distribution_summary', { ok: rated.length - broken.length, broken: broken.length, none: units.length - rated.length })];
  if (broken.length > 0) lines.push(t('pantau.broken_units', { units: broken.slice(0, 10).map((u) => u.code).join(', ') + (broken.length > 10 ? ', …' : '') }));
  return lines.join('\n');
}

/** Collects what a writer streams into one buffer (for an upload). */
async function toBuffer(run: (writer: ReportWriter) => Promise<ExportOutcome>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise<void>((resolve, reject) => {
    out.on('end', resolve);
    out.on('error', reject);
  });
  await run(new XlsxReportWriter(out));
  await ended;
  return Buffer.concat(chunks);
}

function param(file: OutgoingFile, key: string): string | null {
  const v = file.params[key];
  return v === null || v === undefined ? null : String(v);
}

/**
 * The file source the service hands the delivery workers: `em()` gives a fresh EntityManager per file,
 * `now()` the clock.
 */
export function createChatFileSource(em: () => EntityManager, now: () => Date): FileSource {
  return async (file): Promise<FileContent> => {
    const cycleId = Number(file.params.cycle);
    const unit = param(file, 'unit') ?? undefined;
    const lang: Locale = file.params.lang === 'en' ? 'en' : 'id';
    const t = translator(lang);
    const at = now();
    let scope: ExportScope;
    try {
      scope = await resolveScope(em(), cycleId, unit);
    } catch (err) {
      if (err instanceof ExportRequestError) throw new DeliveryError('permanent', err.message);
      throw err;
    }
    const stem = `${unit ?? 'semua'}-${scope.cycle.id}`.replace(/[^A-Za-z0-9_-]/g, '_');
    switch (file.source) {
      case 'pantau-completion': {
        const units = await unitCounts(em(), scope, at);
        return { bytes: svgToPng(completionSvg(t, lang, scope.cycle, units, at)), mimeType: 'image/png', fileName: `${t('pantau.file_completion')}-${stem}.png`, caption: completionSummary(t, scope.cycle, units) };
      }
      case 'pantau-distribution': {
        const units = await unitCounts(em(), scope, at);
        return { bytes: svgToPng(distributionSvg(t, scope.cycle, units)), mimeType: 'image/png', fileName: `${t('pantau.file_distribution')}-${stem}.png`, caption: distributionSummary(t, units) };
      }
      case 'export-results':
      case 'export-monitoring': {
        const opts: ExportOptions = { cycleId, unitCode: unit, t, lang, now: at };
        const run = file.source === 'export-results' ? exportResults : exportMonitoring;
        const bytes = await toBuffer((writer) => run(em(), opts, writer));
        const name = file.source === 'export-results' ? t('pantau.file_results') : t('pantau.file_monitoring');
        return { bytes, mimeType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', fileName: `${name}-${stem}.xlsx` };
      }
      default:
        throw new DeliveryError('permanent', `unknown file source ${file.source}`);
    }
  };
}
