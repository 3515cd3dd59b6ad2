/**
 * Message catalogues (locales/id.json, locales/en.json) through i18next, and number/date formatting per
 * locale. Indonesian is the default and the fallback: a person without a locale reads Indonesian.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import i18next, { type i18n, type TFunction } from 'i18next';
import { DateTime } from 'luxon';
import type { Locale } from './state.js';

/** The locales the bot speaks, default first. */
export const SUPPORTED_LOCALES: readonly Locale[] = ['id', 'en'];
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

const translators = new Map<Locale, Translate>();

/** The translator for `locale` (one per locale, reused: this runs several times per message). */
export function translator(locale: Locale): Translate {
  let tr = translators.get(locale);
  if (!tr) {
    const t: TFunction = i18nInstance().getFixedT(locale);
    tr = (key, vars) => t(key, vars ?? {}) as string;
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
