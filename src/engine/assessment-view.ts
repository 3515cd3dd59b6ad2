/**
 * Reading an assessment as the conversation shows it: where its owner stands, whether it may still be
 * changed, and one summary line per item. Shared by the self-assessment, the review, status/help and the
 * admin view, so it lives below all of them (no flow imports another flow).
 */
import { capaianPercent } from '../domain/index.js';
import { formatNumber, type Translate } from '../i18n/index.js';
import type { Step } from './state.js';
import type { AssessmentView, ItemView } from './views.js';

/**
 * Where the person stands: the first unanswered step, or the summary when all is answered (the reflection is
 * optional and typed at the summary, so it is never an open question).
 */
export function firstOpenPosition(view: AssessmentView): { step: Step; item: number } {
  for (let i = 0; i < view.items.length; i++) {
    const it = view.items[i];
    if (it.realisasi === null) return { step: 'realisasi', item: i };
    if (it.narrative === null) return { step: 'narrative', item: i };
    if (it.evidence.length === 0 && !it.evidenceSkipped) return { step: 'evidence', item: i };
  }
  return { step: 'summary', item: 0 };
}

/** True while the owner may still change the assessment: a draft or returned one in an open cycle. */
export function editable(view: AssessmentView): boolean {
  return (view.status === 'draft' || view.status === 'returned') && view.cycle.status === 'open';
}

/** True when the owner has an unfinished draft (the idle hint and help point them back to it). */
export function hasOpenDraft(view: AssessmentView | null): boolean {
  return !!view && (view.status === 'draft' || view.status === 'returned') && firstOpenPosition(view).step !== 'summary';
}

/** One line per item with capaian %, for the summary, the supervisor's overview and the admin view. */
export function itemLines(tr: Translate, loc: 'id' | 'en', items: ItemView[]): string[] {
  return items.map((it, i) => {
    // Both numbers carry the unit ("95 % dari target 90 %"): the unit belongs to each, not to the target only.
    const withUnit = (n: number | null) => (n === null ? '-' : `${formatNumber(loc, n)} ${it.unitOfMeasure ?? ''}`.trim());
    const real = withUnit(it.realisasi);
    const target = withUnit(it.target);
    const pct = it.realisasi !== null && it.target !== null ? capaianPercent(it.realisasi, it.target) : null;
    const capaian = pct === null ? '-' : `${formatNumber(loc, pct)}%`;
    const evidence = it.evidence.length ? it.evidence.map((e) => e.url ?? e.name ?? e.kind).join(', ') : tr('assess.no_evidence');
    return tr('assess.summary_line', {
      n: i + 1,
      name: it.name,
      realisasi: real,
      target,
      capaian,
      narrative: it.narrative ?? '-',
      evidence,
    });
  });
}
