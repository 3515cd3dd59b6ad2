/** Reading typed values out of spreadsheet text, the way Indonesian offices write them. */
import { parseTypedDate } from '../domain/dates.js';

/** `12`, `12.5` or `12,5` (comma is the Indonesian decimal mark); null when not a plain number. */
export function parseDecimal(text: string): number | null {
  const t = text.trim();
  if (!/^\d+([.,]\d+)?$/.test(t)) return null;
  return Number(t.replace(',', '.'));
}

/** `2027-08-17`, `17/08/2027`, `17-08-2027` or `17 Agustus 2027` to `YYYY-MM-DD` (domain `parseTypedDate`); null when not a real date. */
export function parseDayDate(text: string): string | null {
  return parseTypedDate(text);
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
