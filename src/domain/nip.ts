/**
 * NIP (Nomor Induk Pegawai): the 18-digit number that identifies an ASN.
 *
 * Layout (Perka BKN 43/2007): birth date YYYYMMDD (1-8), first appointment YYYYMM (9-14), gender
 * (15: 1 male, 2 female), sequence number (16-18, from 001). A PPPK's number (NI PPPK) has the same
 * length but digits 13-14 are a PPPK code (e.g. 21, or 24 for part-time) instead of a month, so those are
 * accepted as PPPK rather than rejected: otherwise PPPK employees could not link their chat account.
 *
 * The checks catch typing mistakes (a missing digit, a swapped month) before a lookup; they do not
 * prove the number was issued.
 */
import type { DateTime } from 'luxon';
import { parseCalendarDate, toCalendarDate } from './dates.js';

/** Distinct reasons a NIP is refused, in the order they are checked. */
export const NIP_FAULTS = [
  'empty',
  'not_digits',
  'wrong_length',
  'invalid_birth_date',
  'invalid_appointment',
  'invalid_gender',
  'invalid_sequence',
] as const;

/** Why a NIP is refused. */
export type NipFault = (typeof NIP_FAULTS)[number];

/** Digits in a NIP. */
export const NIP_LENGTH = 18;

/** Youngest age at first appointment that a NIP may show; younger is a typing mistake. */
export const MIN_APPOINTMENT_AGE_YEARS = 17;

/** Earliest birth year accepted; anything older is a typing mistake. */
export const MIN_BIRTH_YEAR = 1900;

/** Gender encoded in digit 15. */
export type NipGender = 'male' | 'female';

interface ValidNipCommon {
  readonly ok: true;
  /** The 18 digits, spaces removed: the form to store and look up. */
  readonly nip: string;
  /** `YYYY-MM-DD`. */
  readonly birthDate: string;
  readonly appointmentYear: number;
  readonly gender: NipGender;
  /** Nomor urut, 1-999. */
  readonly sequence: number;
}

/** A NIP that passed every check, with what it encodes. */
export type ValidNip =
  | (ValidNipCommon & {
      /** PNS / CPNS: digits 9-14 are year and month of first appointment. */
      readonly employment: 'pns';
      /** `YYYY-MM`. */
      readonly appointment: string;
    })
  | (ValidNipCommon & {
      /** PPPK: digits 9-12 are the year of first appointment, 13-14 a PPPK code. */
      readonly employment: 'pppk';
      /** `YYYY`: a PPPK number carries no month. */
      readonly appointment: string;
      /** Digits 13-14, e.g. `'21'`. */
      readonly pppkCode: string;
    });

/** A refused NIP: a code for the program and an English sentence saying what to fix. */
export interface InvalidNip {
  readonly ok: false;
  readonly fault: NipFault;
  readonly message: string;
}

/** The result of {@link validateNip}. */
export type NipValidation = ValidNip | InvalidNip;

/** Options for {@link validateNip}. */
export interface ValidateNipOptions {
  /** When given, a birth date after this day is refused. Passed in because the domain reads no clock. */
  readonly today?: DateTime | string;
}

const fail = (fault: NipFault, message: string): InvalidNip => ({ ok: false, fault, message });

/**
 * Checks a NIP typed by a person and reads what it encodes. Spaces are allowed, because NIPs are
 * usually written grouped ("19850312 201001 1 002").
 */
export function validateNip(input: string, options: ValidateNipOptions = {}): NipValidation {
  const nip = input.replace(/\s+/g, '');
  if (nip === '') {
    return fail('empty', 'Enter your NIP: the 18-digit number on your SK or employee card.');
  }
  const nonDigits = [...new Set(nip.replace(/\d/g, ''))];
  if (nonDigits.length > 0) {
    const shown = nonDigits.map((c) => `"${c}"`).join(', ');
    return fail('not_digits', `A NIP contains digits only; remove ${shown} (spaces are fine).`);
  }
  if (nip.length !== NIP_LENGTH) {
    const hint = nip.length < NIP_LENGTH ? 'a digit is missing' : 'there is an extra digit';
    return fail(
      'wrong_length',
      `A NIP has ${NIP_LENGTH} digits, but ${nip.length} ${nip.length === 1 ? 'was' : 'were'} given; ${hint}.`,
    );
  }

  const birthDigits = nip.slice(0, 8);
  const birthDate = `${birthDigits.slice(0, 4)}-${birthDigits.slice(4, 6)}-${birthDigits.slice(6, 8)}`;
  const birth = parseCalendarDate(birthDate);
  if (birth === null) {
    return fail(
      'invalid_birth_date',
      `Digits 1-8 of a NIP are the birth date as YYYYMMDD, but ${birthDigits} is not a real date; check them.`,
    );
  }
  if (birth.year < MIN_BIRTH_YEAR) {
    return fail(
      'invalid_birth_date',
      `Digits 1-8 of a NIP are the birth date as YYYYMMDD, but the year ${birth.year} is before ${MIN_BIRTH_YEAR}; check them.`,
    );
  }
  if (options.today !== undefined && birthDate > toCalendarDate(options.today, 'today')) {
    return fail(
      'invalid_birth_date',
      `Digits 1-8 of a NIP are the birth date as YYYYMMDD, but ${birthDate} is in the future; check them.`,
    );
  }

  const appointmentYear = Number(nip.slice(8, 12));
  const appointmentCode = nip.slice(12, 14);
  const month = Number(appointmentCode);
  const isMonth = month >= 1 && month <= 12;
  const isPppkCode = /^2[1-9]$/.test(appointmentCode);
  if (!isMonth && !isPppkCode) {
    return fail(
      'invalid_appointment',
      `Digits 9-14 of a NIP are the first appointment as YYYYMM, but month ${appointmentCode} does not exist (01-12; PPPK numbers use 21-29 here); check them.`,
    );
  }
  if (appointmentYear < birth.year + MIN_APPOINTMENT_AGE_YEARS) {
    return fail(
      'invalid_appointment',
      `Digits 9-12 of a NIP are the year of first appointment, but ${appointmentYear} is less than ${MIN_APPOINTMENT_AGE_YEARS} years after the birth year ${birth.year}; check them.`,
    );
  }

  const genderDigit = nip[14];
  if (genderDigit !== '1' && genderDigit !== '2') {
    return fail(
      'invalid_gender',
      `Digit 15 of a NIP is the gender (1 male, 2 female), but it is ${genderDigit}; check it.`,
    );
  }
  const sequence = Number(nip.slice(15, 18));
  if (sequence === 0) {
    return fail(
      'invalid_sequence',
      'The last 3 digits of a NIP are a sequence number starting at 001, but they are 000; check them.',
    );
  }

  const common = {
    ok: true as const,
    nip,
    birthDate,
    appointmentYear,
    gender: genderDigit === '1' ? ('male' as const) : ('female' as const),
    sequence,
  };
  return isMonth
    ? { ...common, employment: 'pns', appointment: `${nip.slice(8, 12)}-${appointmentCode}` }
    : { ...common, employment: 'pppk', appointment: nip.slice(8, 12), pppkCode: appointmentCode };
}
