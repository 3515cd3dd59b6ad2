/**
 * The named hand-offs between flows: one flow finishes and another takes over (submit -> the rater's review
 * prompt, confirm -> the result -> coaching, linking -> the waiting reviews). A flow asks for a hand-off by
 * name (`turn.handOff('review.prompt', ...)`); the flow registry calls the module that offers it. So no flow
 * imports another, and each hand-off is listed here with what it carries.
 */
import type { AssessmentView, PersonView } from './views.js';

export interface HandOffs {
  /** An assessment was submitted: its rater gets the review prompt with a button. */
  'review.prompt': { view: AssessmentView; rater: PersonView };
  /** A review was confirmed: the owner learns the result and the follow-up starts (coaching asks the rater). */
  'result.announce': { view: AssessmentView; predicate: string; feedback: string | null };
  /** A chat user just linked as a rater: the reviews waiting for them, one button each. */
  'review.pending': Record<string, never>;
}

export type HandOffName = keyof HandOffs;
