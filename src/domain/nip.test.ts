import { describe, expect, it } from 'vitest';
import { NIP_FAULTS, validateNip, type NipFault } from './nip.js';

describe('validateNip: valid numbers', () => {
  it('reads a PNS NIP', () => {
    expect(validateNip('198503122010011002')).toEqual({
      ok: true,
      nip: '198503122010011002',
      birthDate: '1985-03-12',
      appointment: '2010-01',
      appointmentYear: 2010,
      employment: 'pns',
      gender: 'male',
      sequence: 2,
    });
  });

  const cases: [input: string, nip: string, birthDate: string, appointment: string, gender: string][] = [
    ['19850312 201001 1 002', '198503122010011002', '1985-03-12', '2010-01', 'male'],
    ['  19900101 201503 2 001  ', '199001012015032001', '1990-01-01', '2015-03', 'female'],
    ['19860926\t201505 1 001', '198609262015051001', '1986-09-26', '2015-05', 'male'],
    ['20000229 201912 1 999', '200002292019121999', '2000-02-29', '2019-12', 'male'],
    // Boundary: first appointment exactly 17 years after the birth year.
    ['199512312012122010', '199512312012122010', '1995-12-31', '2012-12', 'female'],
  ];

  it.each(cases)('%j is valid', (input, nip, birthDate, appointment, gender) => {
    expect(validateNip(input)).toMatchObject({ ok: true, nip, birthDate, appointment, gender, employment: 'pns' });
  });

  it.each([
    ['199009132025242014', '24', 'female', 14],
    ['199001012022211001', '21', 'male', 1],
  ])('reads a PPPK number %s (digits 13-14 are a PPPK code, not a month)', (input, pppkCode, gender, sequence) => {
    expect(validateNip(input)).toMatchObject({
      ok: true,
      employment: 'pppk',
      appointment: input.slice(8, 12),
      appointmentYear: Number(input.slice(8, 12)),
      pppkCode,
      gender,
      sequence,
    });
  });
});

describe('validateNip: faults', () => {
  const cases: [input: string, fault: NipFault, message: RegExp][] = [
    ['', 'empty', /Enter your NIP/],
    ['   ', 'empty', /18-digit/],
    ['19850312-201001-1-002', 'not_digits', /digits only; remove "-"/],
    ['NIP 198503122010011002', 'not_digits', /remove "N", "I", "P"/],
    ['1985031220100110O2', 'not_digits', /remove "O"/],
    ['19850312201001100', 'wrong_length', /18 digits, but 17 were given; a digit is missing/],
    ['1985031220100110021', 'wrong_length', /18 digits, but 19 were given; there is an extra digit/],
    ['1', 'wrong_length', /but 1 was given/],
    ['198502312010011002', 'invalid_birth_date', /19850231 is not a real date/],
    ['198513012010011002', 'invalid_birth_date', /19851301 is not a real date/],
    ['190002292010011002', 'invalid_birth_date', /19000229 is not a real date/],
    ['189912312010011002', 'invalid_birth_date', /year 1899 is before 1900/],
    ['198503122010131002', 'invalid_appointment', /month 13 does not exist/],
    ['198503122010001002', 'invalid_appointment', /month 00 does not exist/],
    ['198503122010201002', 'invalid_appointment', /month 20 does not exist/],
    ['198503122001011002', 'invalid_appointment', /2001 is less than 17 years after the birth year 1985/],
    ['198503121980011002', 'invalid_appointment', /1980 is less than 17 years/],
    ['198503122010013002', 'invalid_gender', /Digit 15 .* \(1 male, 2 female\), but it is 3/],
    ['198503122010010002', 'invalid_gender', /but it is 0/],
    ['198503122010011000', 'invalid_sequence', /000/],
  ];

  it.each(cases)('%j -> %s', (input, fault, message) => {
    const result = validateNip(input);
    expect(result).toMatchObject({ ok: false, fault });
    if (!result.ok) expect(result.message).toMatch(message);
  });

  it('every fault in NIP_FAULTS has a case', () => {
    expect(new Set(cases.map(([, fault]) => fault))).toEqual(new Set(NIP_FAULTS));
  });

  it('refuses a birth date after "today" when today is given', () => {
    const nip = '203001012050011001';
    expect(validateNip(nip)).toMatchObject({ ok: true });
    expect(validateNip(nip, { today: '2026-01-01' })).toMatchObject({ ok: false, fault: 'invalid_birth_date' });
    expect(validateNip('198503122010011002', { today: '1985-03-12' })).toMatchObject({ ok: true });
  });
});
