/**
 * Checks of what an employee types in a self-assessment: the realisasi (actual result), the short
 * narrative, and a link as bukti dukung (evidence).
 *
 * Each check returns a code and the numbers involved rather than only a sentence, so the engine can
 * explain the problem in the user's language and ask the same question again; the English `message`
 * is a default for logs and the console.
 */

import { TEXT_BOUNDS, checkTextLength } from './text.js';

/** Why a realisasi was refused. */
export type RealisasiFault = 'empty' | 'not_a_number' | 'negative' | 'too_large';

/** Limits for a realisasi. */
export interface RealisasiLimits {
  /** The indicator's target. */
  readonly target: number;
  /**
   * The largest plausible multiple of the target (e.g. 3 allows up to 3 x target); catches an extra
   * zero typed by mistake. Not applied when the target is 0 or less, where no multiple makes sense, nor
   * when the multiple itself is not a positive number (no cap configured).
   */
  readonly maxMultiple: number;
}

/** The result of {@link parseRealisasi}. */
export type RealisasiParse =
  | {
      readonly ok: true;
      readonly value: number;
      /** The largest value accepted, or `null` when no cap applies. */
      readonly limit: number | null;
      /**
       * True for input like "1.250": read as 1.25, though the person may have meant 1250 with a
       * thousands separator; a UI may want to confirm.
       */
      readonly mayBeThousands: boolean;
    }
  | {
      readonly ok: false;
      readonly fault: RealisasiFault;
      readonly message: string;
      /** The largest value accepted, or `null` when no cap applies, so the UI can say it. */
      readonly limit: number | null;
    };

const NUMBER_TEXT = /^([+-]?)(\d*)(?:[.,](\d*))?$/;

/**
 * Reads a realisasi typed by a person. Comma and dot are both accepted as the decimal separator
 * (Indonesian writes "12,5"); only one separator is allowed, so "1.250" is 1.25, not 1250.
 */
export function parseRealisasi(text: string, limits: RealisasiLimits): RealisasiParse {
  const capped = limits.target > 0 && limits.maxMultiple > 0 && Number.isFinite(limits.target * limits.maxMultiple);
  const limit = capped ? limits.target * limits.maxMultiple : null;
  const trimmed = text.trim();
  if (trimmed === '') {
    return { ok: false, fault: 'empty', message: 'Enter the actual result as a number, e.g. 12 or 12,5.', limit };
  }
  const match = NUMBER_TEXT.exec(trimmed);
  const whole = match?.[2] ?? '';
  const fraction = match?.[3];
  if (match === null || (whole === '' && (fraction ?? '') === '')) {
    return {
      ok: false,
      fault: 'not_a_number',
      message: `"${trimmed}" is not a number; type digits with at most one decimal comma or dot, e.g. 12,5.`,
      limit,
    };
  }
  const value = Number(`${match[1]}${whole === '' ? '0' : whole}.${fraction || '0'}`);
  if (value < 0) {
    return { ok: false, fault: 'negative', message: 'The actual result cannot be negative; enter 0 or more.', limit };
  }
  if (limit !== null && value > limit) {
    return {
      ok: false,
      fault: 'too_large',
      message: `${value} is more than ${limits.maxMultiple} times the target ${limits.target}; enter at most ${limit}, or check for an extra digit.`,
      limit,
    };
  }
  const mayBeThousands = fraction !== undefined && fraction.length === 3 && /^[1-9]/.test(whole);
  // `+ 0` turns "-0" into 0 so a zero is never shown with a sign.
  return { ok: true, value: value + 0, limit, mayBeThousands };
}

/** Why a narrative was refused. */
export type NarrativeFault = 'too_short' | 'too_long';

/** Length limits for a narrative, in characters. */
export interface NarrativeLimits {
  readonly min: number;
  readonly max: number;
}

/** Default narrative limits: the narrative row of {@link TEXT_BOUNDS} (10 to 2000 characters). */
export const DEFAULT_NARRATIVE_LIMITS: NarrativeLimits = TEXT_BOUNDS.narrative;

/** The result of {@link validateNarrative}; lengths are counted after trimming. */
export type NarrativeValidation =
  | { readonly ok: true; readonly text: string; readonly length: number }
  | {
      readonly ok: false;
      readonly fault: NarrativeFault;
      readonly message: string;
      readonly length: number;
      readonly min: number;
      readonly max: number;
    };

/**
 * Checks the length of a narrative with {@link checkTextLength} (code points, so an emoji is one
 * character), adding an English sentence for logs and the console.
 */
export function validateNarrative(text: string, limits: NarrativeLimits = DEFAULT_NARRATIVE_LIMITS): NarrativeValidation {
  const v = checkTextLength('narrative', text, limits);
  if (v.ok) return v;
  const { min, max } = limits;
  const message =
    v.fault === 'too_short'
      ? `The description has ${v.length} characters; write at least ${min}.`
      : `The description has ${v.length} characters; shorten it to at most ${max}.`;
  return { ok: false, fault: v.fault, message, length: v.length, min, max };
}

/** Why an evidence link was refused. */
export type EvidenceLinkFault = 'empty' | 'not_a_url' | 'unsupported_scheme';

/** The result of {@link parseEvidenceLink}. */
export type EvidenceLinkParse =
  | { readonly ok: true; readonly url: string }
  | { readonly ok: false; readonly fault: EvidenceLinkFault; readonly message: string };

/**
 * Reads a bukti dukung link. Only http and https are accepted: anything else (`javascript:`, `file:`,
 * `mailto:`) cannot be opened safely by a supervisor reviewing it.
 */
export function parseEvidenceLink(text: string): EvidenceLinkParse {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: false, fault: 'empty', message: 'Send a link that starts with https://.' };
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return {
      ok: false,
      fault: 'not_a_url',
      message: `"${trimmed}" is not a complete link; it should start with https://, e.g. https://drive.google.com/...`,
    };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      ok: false,
      fault: 'unsupported_scheme',
      message: `Links starting with "${url.protocol}" are not accepted; send an http:// or https:// link.`,
    };
  }
  if (url.hostname === '') {
    return { ok: false, fault: 'not_a_url', message: `"${trimmed}" has no website name; check the link.` };
  }
  return { ok: true, url: url.href };
}
