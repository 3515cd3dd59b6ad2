import { describe, expect, it } from 'vitest';
import { LATE_CASES } from './fixtures/rule-cases.js';
import { UnknownTimezoneError, isLate, todayIn, zoneFor } from './today.js';

describe('todayIn', () => {
  it.each([
    ['Asia/Jakarta', '2027-01-05T16:59:59.999Z', '2027-01-05'],
    ['Asia/Jakarta', '2027-01-05T17:00:00Z', '2027-01-06'],
    ['Asia/Pontianak', '2027-01-05T17:00:00Z', '2027-01-06'],
    ['Asia/Makassar', '2027-01-05T15:59:00Z', '2027-01-05'],
    ['Asia/Makassar', '2027-01-05T16:00:00Z', '2027-01-06'],
    ['Asia/Jayapura', '2027-01-05T14:59:00Z', '2027-01-05'],
    ['Asia/Jayapura', '2027-01-05T15:00:00Z', '2027-01-06'],
    ['UTC', '2027-01-05T23:59:00Z', '2027-01-05'],
    ['America/New_York', '2027-03-14T04:30:00Z', '2027-03-13'], // 23:30 EST, before the spring change
    ['America/New_York', '2027-07-06T03:30:00Z', '2027-07-05'], // 23:30 EDT
    ['Pacific/Kiritimati', '2027-01-05T10:00:00Z', '2027-01-06'], // UTC+14
    ['Asia/Jakarta', '1963-06-01T16:45:00Z', '1963-06-02'], // before 1964 Jakarta was UTC+7:30: no fixed-offset shortcut
  ])('%s at %s is %s', (zone, at, date) => {
    expect(todayIn(zone, new Date(at))).toBe(date);
  });

  it('agrees with the zone database for the fixed-offset zones over a year of hours', () => {
    for (const zone of ['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura', 'Asia/Pontianak']) {
      const fmt = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
      for (let t = Date.UTC(2026, 0, 1); t < Date.UTC(2027, 0, 1); t += 3_600_000 + 61_000) {
        expect(todayIn(zone, new Date(t)), `${zone} ${new Date(t).toISOString()}`).toBe(fmt.format(t));
      }
    }
  });

  it('refuses an unknown zone', () => {
    expect(() => todayIn('Asia/Bandung', new Date())).toThrow(UnknownTimezoneError);
  });
});

describe('isLate (the deadline is a date in the employee\'s own zone)', () => {
  it.each(LATE_CASES)('%s', (_what, at, deadline, zone, late) => {
    expect(isLate(new Date(at), deadline, zone)).toBe(late);
  });
});

describe('zoneFor', () => {
  it.each([
    [undefined, 'Asia/Jakarta'],
    [null, 'Asia/Jakarta'],
    ['', 'Asia/Jakarta'],
    ['WIB', 'Asia/Jakarta'],
    ['wita', 'Asia/Makassar'],
    ['WIT', 'Asia/Jayapura'],
    ['asia/jayapura', 'Asia/Jayapura'],
  ])('%j -> %s', (name, zone) => {
    expect(zoneFor(name)).toBe(zone);
  });

  it('refuses a name that is no zone', () => {
    expect(() => zoneFor('GMT+7')).toThrow(UnknownTimezoneError);
  });
});
