/** Reading typed values out of spreadsheet text, the way Indonesian offices write them. */
import { parseCalendarDate } from '../domain/dates.js';

/** `12`, `12.5` or `12,5` (comma is the Indonesian decimal mark); null when not a plain number. */
export function parseDecimal(text: string): number | null {
  const t = text.trim();
  if (!/^\d+([.,]\d+)?$/.test(t)) return null;
  return Number(t.replace(',', '.'));
}

/** `2027-08-17`, `17/08/2027` or `17-08-2027` to `YYYY-MM-DD`; null when not a real date. */
export function parseDayDate(text: string): string | null {
  const t = text.trim();
  const dmy = /^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$/.exec(t);
  const iso = dmy ? `${dmy[3]}-${dmy[2]!.padStart(2, '0')}-${dmy[1]!.padStart(2, '0')}` : t;
  return parseCalendarDate(iso) ? iso : null;
}

const YES = ['ya', 'y', 'yes', 'true', '1', 'benar'];
const NO = ['tidak', 'tdk', 't', 'no', 'n', 'false', '0', 'salah', ''];

/** ya/tidak, yes/no, true/false, 1/0 (empty is no); null for anything else. */
export function parseYesNo(text: string): boolean | null {
  const t = text.trim().toLowerCase();
  if (YES.includes(t)) return true;
  if (NO.includes(t)) return false;
  return null;
}
