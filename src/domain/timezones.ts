/**
 * Unit time zones. Indonesia has three: WIB (Asia/Jakarta, the default), WITA (Asia/Makassar) and
 * WIT (Asia/Jayapura). People and spreadsheets write the short names; the system stores IANA names.
 */
import { IANAZone } from 'luxon';

/** Indonesian time-zone abbreviations. */
export type IndonesianZoneAlias = 'WIB' | 'WITA' | 'WIT';

/** IANA zone of each Indonesian abbreviation. */
export const TIMEZONE_ALIASES: Readonly<Record<IndonesianZoneAlias, string>> = Object.freeze({
  WIB: 'Asia/Jakarta',
  WITA: 'Asia/Makassar',
  WIT: 'Asia/Jayapura',
});

/** The zone used when a unit has none configured (Pemprov DKI Jakarta is in WIB). */
export const DEFAULT_TIMEZONE = TIMEZONE_ALIASES.WIB;

/** Why a time-zone name was refused. */
export type TimezoneFault = 'empty' | 'unknown_timezone';

/** The result of {@link resolveTimezone}. */
export type TimezoneResolution =
  | { readonly ok: true; readonly timezone: string }
  | { readonly ok: false; readonly fault: TimezoneFault; readonly message: string };

/**
 * Turns `WIB`, `WITA`, `WIT` (any case) or an IANA zone name (any case) into the canonical IANA name,
 * e.g. `'wita'` -> `'Asia/Makassar'`, `'asia/jayapura'` -> `'Asia/Jayapura'`.
 */
export function resolveTimezone(input: string): TimezoneResolution {
  const name = input.trim();
  if (name === '') {
    return { ok: false, fault: 'empty', message: 'Enter a time zone: WIB, WITA, WIT or an IANA name such as Asia/Jakarta.' };
  }
  const alias = name.toUpperCase();
  if (Object.hasOwn(TIMEZONE_ALIASES, alias)) {
    return { ok: true, timezone: TIMEZONE_ALIASES[alias as IndonesianZoneAlias] };
  }
  if (IANAZone.isValidZone(name)) {
    // Intl gives the canonical spelling, so "asia/jakarta" and the old "Asia/Ujung_Pandang" are stored
    // the same way as everyone else's.
    return { ok: true, timezone: new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone };
  }
  return {
    ok: false,
    fault: 'unknown_timezone',
    message: `"${name}" is not a known time zone; use WIB, WITA, WIT or an IANA name such as Asia/Jakarta.`,
  };
}

/**
 * The Indonesian abbreviation for an IANA zone, for messages ("09:00 WITA"), or `null` for a zone that
 * is not one of the three. Zones that share an offset and region (e.g. Asia/Pontianak) get the
 * abbreviation people use for them.
 */
export function timezoneAlias(timezone: string): IndonesianZoneAlias | null {
  switch (timezone) {
    case 'Asia/Jakarta':
    case 'Asia/Pontianak':
      return 'WIB';
    case 'Asia/Makassar':
      return 'WITA';
    case 'Asia/Jayapura':
      return 'WIT';
    default:
      return null;
  }
}
