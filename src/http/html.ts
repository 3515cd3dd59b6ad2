/**
 * The HR page's template engine: a tagged template that escapes every interpolated value, so a name typed
 * by anyone arrives as text. Only `raw()` (markup this server made itself: the charts' SVG, nested `html`)
 * passes through unescaped.
 */

/** Markup that is already safe. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Marks markup this server produced itself as safe (never text from the database or the request). */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** `&`, `<`, `>`, `"` and `'` as entities: safe in element content and in quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

type Value = SafeHtml | string | number | boolean | null | undefined | readonly Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

/** html`<td>${name}</td>`: every value escaped; arrays joined; null, undefined and false render nothing. */
export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}
