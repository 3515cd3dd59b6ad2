/**
 * Reports take their words from the message catalogues (the `export.*` keys, and the shared rating and
 * predicate names) through a translate function the caller binds to the reader's language.
 */

/** `t('export.col.nip')`: a catalogue message in the reader's language. */
export type Translate = (key: string, vars?: Record<string, string | number>) => string;

/** The languages an export can be written in; Indonesian is the default. */
export const EXPORT_LANGUAGES = ['id', 'en'] as const;
export type ExportLanguage = (typeof EXPORT_LANGUAGES)[number];
