/**
 * Message catalogues (locales/id.json, locales/en.json) through i18next, and number/date formatting per
 * locale. Indonesian is the default and the fallback: a person without a locale reads Indonesian.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import i18next, { type i18n, type TFunction } from 'i18next';
import { DateTime } from 'luxon';

/** The locales the bot speaks, default first. */
export const SUPPORTED_LOCALES = ['id', 'en'] as const;
/** A language the bot speaks (the same list as the employee table's `locale` column). */
export type Locale = (typeof SUPPORTED_LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'id';

/** Reads one catalogue from the repository's `locales/` folder. */
export function loadCatalogue(locale: Locale): Record<string, unknown> {
  const file = fileURLToPath(new URL(`../../locales/${locale}.json`, import.meta.url));
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
}

let instance: i18n | null = null;

function i18nInstance(): i18n {
  if (instance) return instance;
  const inst = i18next.createInstance();
  void inst.init({
    resources: Object.fromEntries(SUPPORTED_LOCALES.map((l) => [l, { translation: loadCatalogue(l) }])),
    lng: DEFAULT_LOCALE,
    fallbackLng: DEFAULT_LOCALE,
    // Messages are plain text; renderers escape for their platform, so i18next must not HTML-escape.
    interpolation: { escapeValue: false },
    initAsync: false,
    returnNull: false,
    showSupportNotice: false,
  });
  instance = inst;
  return inst;
}

/** A translate function bound to one locale: `t('key', { vars })`. */
export type Translate = (key: string, vars?: Record<string, string | number>) => string;

/**
 * A catalogue message split at its `{{variable}}` placeholders: `parts` has one more entry than `names`.
 * Null when the message needs i18next's own logic (plural forms, nesting, formatting, a missing key).
 */
interface CompiledMessage {
  parts: string[];
  names: string[];
}

const PLURAL_SUFFIXES = ['_zero', '_one', '_two', '_few', '_many', '_other'];
/** Options i18next reads from the variables object; a call that passes one goes through i18next. */
const I18NEXT_OPTIONS = ['context', 'lng', 'lngs', 'ns', 'defaultValue', 'replace', 'ordinal', 'returnObjects', 'postProcess', 'interpolation', 'keyPrefix', 'fallbackLng'];

function compileMessage(inst: i18n, locale: Locale, key: string): CompiledMessage | null {
  if (key.includes(':')) return null; // namespace syntax
  const own: unknown = inst.getResource(locale, 'translation', key);
  const raw: unknown = own ?? inst.getResource(DEFAULT_LOCALE, 'translation', key);
  if (typeof raw !== 'string' || raw.includes('$t(')) return null;
  const hasPlural = PLURAL_SUFFIXES.some((s) => inst.getResource(locale, 'translation', key + s) !== undefined || inst.getResource(DEFAULT_LOCALE, 'translation', key + s) !== undefined);
  if (hasPlural) return null;
  const parts: string[] = [];
  const names: string[] = [];
  let last = 0;
  for (const m of raw.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) {
    parts.push(raw.slice(last, m.index));
    names.push(m[1]);
    last = m.index + m[0].length;
  }
  parts.push(raw.slice(last));
  // Anything else in braces (`{{x, number}}`, `{{- x}}`) is i18next formatting.
  // Command tokens (`{{cmd:penilaian}}`) are text here: delivery spells them for the reader's platform.
  if (parts.some((p) => { const rest = p.replace(/\{\{cmd:[a-z_]+\}\}/g, ''); return rest.includes('{{') || rest.includes('}}'); })) return null;
  return { parts, names };
}

function renderCompiled(c: CompiledMessage, vars: Record<string, string | number> | undefined): string | undefined {
  let out = c.parts[0];
  for (let i = 0; i < c.names.length; i++) {
    const v = vars?.[c.names[i]];
    // What a missing variable becomes is i18next's decision.
    if (v === undefined) return undefined;
    out += String(v) + c.parts[i + 1];
  }
  return out;
}

const translators = new Map<Locale, Translate>();

/**
 * The translator for `locale` (one per locale, reused: this runs several times per message).
 *
 * The catalogues are i18next's and i18next resolves every key once; a message that is plain text with
 * `{{variables}}` is then rendered from its compiled parts, because an i18next call costs tens of
 * microseconds and a reminder sweep or a busy engine makes hundreds of thousands of them. The output is
 * identical (test/engine/i18n.test.ts compares every key); plurals, nesting, formatting, i18next options
 * and missing keys or variables always go through i18next.
 */
export function translator(locale: Locale): Translate {
  let tr = translators.get(locale);
  if (!tr) {
    const inst = i18nInstance();
    const t: TFunction = inst.getFixedT(locale);
    const compiled = new Map<string, CompiledMessage | null>();
    tr = (key, vars) => {
      let c = compiled.get(key);
      if (c === undefined) {
        c = compileMessage(inst, locale, key);
        compiled.set(key, c);
      }
      if (c && !(vars && I18NEXT_OPTIONS.some((o) => o in vars))) {
        const text = renderCompiled(c, vars);
        if (text !== undefined) return text;
      }
      return t(key, vars ?? {}) as string;
    };
    translators.set(locale, tr);
  }
  return tr;
}

/** Picks a supported locale from a platform hint such as `en-US`; Indonesian otherwise. */
export function localeFromHint(hint: string | undefined): Locale {
  return hint?.toLowerCase().startsWith('en') ? 'en' : DEFAULT_LOCALE;
}

const numberFormats = new Map<string, Intl.NumberFormat>();

/** `12.5` -> `12,5` (id) or `12.5` (en); at most two decimals. */
export function formatNumber(locale: Locale, value: number): string {
  let f = numberFormats.get(locale);
  if (!f) {
    f = new Intl.NumberFormat(locale === 'id' ? 'id-ID' : 'en-GB', { maximumFractionDigits: 2 });
    numberFormats.set(locale, f);
  }
  return f.format(value);
}

/** A calendar date `YYYY-MM-DD` as `5 Januari 2027` (id) or `5 January 2027` (en). */
export function formatDate(locale: Locale, isoDate: string): string {
  return DateTime.fromISO(isoDate, { zone: 'utc' }).setLocale(locale === 'id' ? 'id' : 'en-GB').toFormat('d MMMM yyyy');
}

/** A moment as local date and time in `timezone`, e.g. `5 Januari 2027 14.30`. */
export function formatDateTime(locale: Locale, at: Date, timezone: string): string {
  return DateTime.fromJSDate(at, { zone: timezone }).setLocale(locale === 'id' ? 'id' : 'en-GB').toFormat('d MMMM yyyy HH:mm');
}
