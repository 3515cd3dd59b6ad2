/**
 * Bounds of every free text people write, in one table. Lengths are counted in Unicode code points after
 * trimming (an emoji is one character, not two UTF-16 units), the way a person counts what they typed.
 */

/** The texts the system accepts, each with its own bounds. */
export const TEXT_BOUNDS = Object.freeze({
  /** The short story behind one indicator's realisasi. */
  narrative: { min: 10, max: 2000 },
  /** The optional BerAKHLAK reflection at the end of a self-assessment (skipping is a button, not text). */
  reflection: { min: 1, max: 2000 },
  /** The rater's note on work behaviour. */
  perilaku_note: { min: 10, max: 2000 },
  /** The rater's feedback with the rating. */
  feedback: { min: 10, max: 2000 },
  /** Why an assessment goes back to its owner. */
  return_note: { min: 10, max: 2000 },
  /** The coaching (pembinaan) plan the rater writes for a weak result. */
  coaching_plan: { min: 10, max: 2000 },
  /** Why an employee objects to their announced result (keberatan). */
  objection_reason: { min: 10, max: 2000 },
  /** Why the rater's superior upholds or changes the ratings objected to: always written. */
  objection_decision: { min: 10, max: 2000 },
  /** Why a rater revises a rating during calibration (closed cycle, before announce). */
  revision_reason: { min: 10, max: 2000 },
  /** HR's reason for announcing a cycle whose distribution curve is broken. */
  curve_override: { min: 10, max: 2000 },
  /** A message in an assessment's thread (dialog kinerja): a chat message, not an essay. */
  thread_message: { min: 1, max: 4000 },
  /** A supervisor's feedback given any time in a period (umpan balik berkelanjutan). */
  supervisor_feedback: { min: 10, max: 2000 },
  /** A colleague's recognition (apresiasi): short, like a thank-you note. */
  recognition: { min: 10, max: 500 },
  /** The optional topic of a request for feedback (`/mintaumpanbalik TOPIC`). */
  feedback_topic: { min: 1, max: 500 },
  /** HR's reason for hiding a recognition (told to its sender). */
  recognition_hide_reason: { min: 10, max: 2000 },
} satisfies Record<string, { readonly min: number; readonly max: number }>);

/** A kind of text with bounds. */
export type TextKind = keyof typeof TEXT_BOUNDS;

/** The result of {@link checkTextLength}; `length` is in code points, after trimming. */
export type TextLengthCheck =
  | { readonly ok: true; readonly text: string; readonly length: number }
  | { readonly ok: false; readonly fault: 'too_short'; readonly min: number; readonly length: number }
  | { readonly ok: false; readonly fault: 'too_long'; readonly max: number; readonly length: number };

/** Characters as a person counts them: Unicode code points. */
export function textLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Checks `text` (trimmed) against the bounds of `kind`. */
export function checkTextLength(kind: TextKind, text: string, bounds: { readonly min: number; readonly max: number } = TEXT_BOUNDS[kind]): TextLengthCheck {
  const trimmed = text.trim();
  const length = textLength(trimmed);
  if (length < bounds.min) return { ok: false, fault: 'too_short', min: bounds.min, length };
  if (length > bounds.max) return { ok: false, fault: 'too_long', max: bounds.max, length };
  return { ok: true, text: trimmed, length };
}
