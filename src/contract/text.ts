/**
 * Text that cannot break storage or replies. Whatever a platform delivers passes `cleanText` at the contract
 * boundary (the ingress inbox stores cleaned payloads; the engine cleans every event it is handed): NUL and
 * the other control characters PostgreSQL or a chat platform refuse are removed (tab and line breaks stay),
 * and a lone surrogate becomes U+FFFD. Wherever text is cut to a length, `cutText` cuts between graphemes,
 * never inside an emoji or a combining sequence.
 */

/** C0 controls except tab, LF and CR; DEL; C1 controls. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** The text without control characters and with every lone surrogate replaced by U+FFFD. */
export function cleanText(text: string): string {
  return text.replace(CONTROLS, '').replace(LONE_SURROGATE, '\uFFFD');
}

/** Every string (keys included) of a JSON-like value cleaned by `cleanText`. */
export function cleanDeep<T>(value: T): T {
  if (typeof value === 'string') return cleanText(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => cleanDeep(v)) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[cleanText(k)] = cleanDeep(v);
    return out as T;
  }
  return value;
}

let segmenter: Intl.Segmenter | undefined;

/**
 * The largest grapheme boundary at or before `max` (UTF-16 units) in `text`; `text.length` when it fits. A
 * single grapheme longer than `max` at the start gives 0.
 */
export function graphemeBoundary(text: string, max: number): number {
  if (text.length <= max) return text.length;
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let end = 0;
  for (const { index, segment } of segmenter.segment(text)) {
    if (index + segment.length > max) break;
    end = index + segment.length;
  }
  return end;
}

/**
 * `text` cut to at most `max` UTF-16 units between graphemes; with `ellipsis`, a cut text ends in it (its
 * length included in `max`).
 */
export function cutText(text: string, max: number, ellipsis = ''): string {
  if (text.length <= max) return text;
  return text.slice(0, graphemeBoundary(text, Math.max(0, max - ellipsis.length))) + ellipsis;
}
