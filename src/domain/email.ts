/**
 * The e-mail address rule for data HR imports: deliberately simple (the address is only used to send link
 * codes and to match a Slack profile), but strict enough to keep out typos and spreadsheet formulas.
 */
import { looksLikeFormula } from './spreadsheet-safe.js';

// One @; a local part of printable characters without spaces, quotes or separators; a domain of at least
// two dot-separated labels of letters, digits and inner hyphens (IDN letters allowed), ending in letters.
const SHAPE = /^[^\s@"(),:;<>[\]\\]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?\.)+\p{L}{2,}$/u;

/** Why `text` is not an acceptable e-mail address, or null when it is one. */
export function emailProblem(text: string): string | null {
  if (looksLikeFormula(text)) return 'starts with a character a spreadsheet reads as a formula';
  if (text.length > 254) return 'is longer than 254 characters';
  if (/\p{Cc}/u.test(text)) return 'contains control characters';
  if (!SHAPE.test(text)) return 'is not an e-mail address of the form name@domain.go.id';
  const local = text.slice(0, text.indexOf('@'));
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return 'has a misplaced dot before the @';
  return null;
}

/** True when `text` is an acceptable e-mail address (see {@link emailProblem}). */
export function isEmailAddress(text: string): boolean {
  return emailProblem(text) === null;
}
