/**
 * Who may act on someone's assessment as its rater. The choice of the rater itself is a domain rule
 * (`actingRaterFor`, SQL `rater_of`) applied when the view is loaded (load.ts `withRaters`); this only reads
 * the result, for every flow that checks it (review, coaching, dialog kinerja).
 */
import type { AssessmentView } from './views.js';

/** True when `actorId` may rate `view` today (supervisor of record or acting PLT/PLH). */
export function mayRate(actorId: number, view: AssessmentView): boolean {
  return view.raters.some((r) => r.id === actorId);
}

/** The acting kind ('plt', 'plh') under which `actorId` rates `view`, or null as supervisor of record. */
export function actingKindOf(actorId: number | undefined, view: AssessmentView): string | null {
  return view.raters.find((r) => r.id === actorId)?.actingKind ?? null;
}
