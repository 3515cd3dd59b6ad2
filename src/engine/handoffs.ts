/**
 * The named hand-offs between flows: one flow finishes and another takes over (submit -> the rater's review
 * prompt, confirm -> the result -> coaching, linking -> the waiting reviews). A flow asks for a hand-off by
 * name (`turn.handOff('review.prompt', ...)`); the flow registry calls the module that offers it. So no flow
 * imports another, and each hand-off is listed here with what it carries.
 */
import type { Rating } from './state.js';
import type { AssessmentView, PersonView } from './views.js';

export interface HandOffs {
  /** An assessment was submitted: its rater gets the review prompt with a button. */
  'review.prompt': { view: AssessmentView; rater: PersonView };
  /**
   * A review was confirmed: the owner privately gets the ratings, feedback and predikat marked provisional
   * (menunggu penetapan); a result that needs coaching asks the rater (the actor) for the plan now.
   */
  'result.provisional': { view: AssessmentView; hasil: Rating; perilaku: Rating; predicate: string; feedback: string | null };
  /** A rating revised into a coaching predikat: the rater (the actor) is asked for the coaching plan. */
  'coaching.plan': { view: AssessmentView };
  /** A chat user just linked as a rater: the reviews waiting for them, one button each. */
  'review.pending': Record<string, never>;
}

export type HandOffName = keyof HandOffs;
