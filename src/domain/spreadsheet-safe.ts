/**
 * Text that ends up in a spreadsheet (CSV or XLSX exports, link-code mail merges) must not run as a formula
 * when HR opens it: a name typed as `=HYPERLINK(...)` would otherwise become a live link or worse. This is the
 * one home of that rule (OWASP "CSV injection") and of RFC 4180 field quoting.
 */

/** First characters a spreadsheet program may read as the start of a formula. */
export const FORMULA_TRIGGERS: readonly string[] = ['=', '+', '-', '@', '\t', '\r'];

/** True when a spreadsheet would read `text` as a formula: it begins with a formula trigger. Imports refuse such names. */
export function looksLikeFormula(text: string): boolean {
  return text.length > 0 && FORMULA_TRIGGERS.includes(text[0]!);
}

/**
 * A text cell made inert: when it begins with a formula trigger it gets a leading single quote, which
 * spreadsheet programs show as text. Numbers are never passed here; they stay numbers.
 */
export function neutraliseFormula(text: string): string {
  return looksLikeFormula(text) ? `'${text}` : text;
}

/** One CSV field per RFC 4180: quoted when it holds a comma, a quote, CR or LF; inner quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A text field as it goes into a CSV file: neutralised, then quoted. */
export function safeCsvText(text: string): string {
  return csvField(neutraliseFormula(text));
}
