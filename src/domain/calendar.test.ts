import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  InvalidWeekendDayError,
  NoWorkingDayError,
  WorkingCalendar,
  buildCalendar,
  mergeHolidayEntries,
  nationalHolidaysFromLibrary,
  type HolidayEntry,
} from './calendar.js';
import { InvalidCalendarDateError } from './errors.js';
import { HR_HOLIDAYS_2025 } from './fixtures/holidays-2025.js';

const library2025 = nationalHolidaysFromLibrary(2025);
const library2026 = nationalHolidaysFromLibrary(2026);
const calendar = buildCalendar([...library2025, ...library2026], HR_HOLIDAYS_2025);

describe('nationalHolidaysFromLibrary', () => {
  it('gives public holidays of the year as library entries', () => {
    expect(library2025.length).toBeGreaterThan(10);
    for (const entry of library2025) {
      expect(entry).toMatchObject({ kind: 'nasional', source: 'library' });
      expect(entry.date).toMatch(/^2025-\d{2}-\d{2}$/);
    }
    expect(library2025).toContainEqual({
      date: '2025-08-17',
      name: 'Hari Ulang Tahun Kemerdekaan Republik Indonesia',
      kind: 'nasional',
      source: 'library',
    });
    expect(library2025.map((e) => e.date)).toContain('2025-12-25');
  });
});

describe('WorkingCalendar around Idul Fitri 2025 (holidays and cuti bersama loaded by HR)', () => {
  const cases: [date: string, working: boolean, holiday: string | null][] = [
    ['2025-03-27', true, null], // Thursday before the break
    ['2025-03-28', false, 'Cuti bersama Hari Suci Nyepi'],
    ['2025-03-29', false, 'Hari Suci Nyepi Tahun Baru Saka 1947'], // Saturday and a holiday
    ['2025-03-30', false, null], // Sunday: the library's Idul Fitri date, replaced by HR's list
    ['2025-03-31', false, 'Idul Fitri 1446 H'],
    ['2025-04-01', false, 'Idul Fitri 1446 H'], // not in the library's list; HR's decree wins
    ['2025-04-02', false, 'Cuti bersama Idul Fitri'],
    ['2025-04-04', false, 'Cuti bersama Idul Fitri'],
    ['2025-04-05', false, null], // Saturday
    ['2025-04-07', false, 'Cuti bersama Idul Fitri'],
    ['2025-04-08', true, null], // first working day after the break
    ['2025-06-26', true, null], // library says Tahun Baru Islam; the HR list for 2025 says the 27th
    ['2025-06-27', false, 'Tahun Baru Islam 1447 H'],
    ['2025-12-26', false, 'Cuti bersama Hari Raya Natal'],
  ];

  it.each(cases)('%s: working day %s, holiday %s', (date, working, holiday) => {
    expect(calendar.isWorkingDay(date)).toBe(working);
    expect(calendar.holidayOn(date)?.name ?? null).toBe(holiday);
  });

  it('accepts a DateTime and uses its calendar date in its own zone', () => {
    // 06:00 WIB on 8 April is still 7 April (a cuti bersama) in UTC: the zone of the DateTime decides.
    const lateEveningWit = DateTime.fromISO('2025-04-07T23:30', { zone: 'Asia/Jayapura' });
    expect(calendar.isWorkingDay(lateEveningWit)).toBe(false);
    expect(calendar.isWorkingDay(lateEveningWit.setZone('UTC'))).toBe(false); // 14:30Z, 7 April in UTC too
    const earlyMorningWib = DateTime.fromISO('2025-04-08T06:00', { zone: 'Asia/Jakarta' }); // 7 April 23:00Z
    expect(calendar.isWorkingDay(earlyMorningWib)).toBe(true);
    expect(calendar.isWorkingDay(earlyMorningWib.toUTC())).toBe(false);
  });

  const addCases: [from: string, n: number, expected: string][] = [
    ['2025-03-27', 1, '2025-04-08'], // the whole break is skipped
    ['2025-04-08', -1, '2025-03-27'],
    ['2025-04-08', -3, '2025-03-25'],
    ['2025-04-08', -7, '2025-03-19'],
    ['2025-04-08', 5, '2025-04-15'],
    ['2025-04-02', 1, '2025-04-08'], // from inside the break
    ['2025-04-02', -1, '2025-03-27'],
    ['2025-04-02', 0, '2025-04-02'], // zero steps: the date itself, working or not
    ['2025-03-15', 1, '2025-03-17'], // Saturday -> Monday
    ['2025-03-15', -1, '2025-03-14'], // Saturday -> Friday
    ['2025-12-24', 1, '2025-12-29'], // Natal and its cuti bersama, then the weekend
    ['2025-12-31', 1, '2026-01-02'], // into 2026, where the library list still applies (1 Jan)
  ];

  it.each(addCases)('addWorkingDays(%s, %i) = %s', (from, n, expected) => {
    expect(calendar.addWorkingDays(from, n)).toBe(expected);
  });

  const betweenCases: [a: string, b: string, expected: number][] = [
    ['2025-03-27', '2025-04-08', 1],
    ['2025-04-08', '2025-03-27', -1],
    ['2025-03-19', '2025-04-08', 7],
    ['2025-04-08', '2025-04-08', 0],
    ['2025-04-08', '2025-04-15', 5],
    ['2025-03-28', '2025-04-07', 0], // the break contains no working day
  ];

  it.each(betweenCases)('workingDaysBetween(%s, %s) = %i', (a, b, expected) => {
    expect(calendar.workingDaysBetween(a, b)).toBe(expected);
    if (expected !== 0 && calendar.isWorkingDay(b)) expect(calendar.addWorkingDays(a, expected)).toBe(b);
  });

  it('finds the nearest working day in either direction', () => {
    expect(calendar.nearestWorkingDay('2025-04-02', 'backward')).toBe('2025-03-27');
    expect(calendar.nearestWorkingDay('2025-04-02', 'forward')).toBe('2025-04-08');
    expect(calendar.nearestWorkingDay('2025-04-08', 'backward')).toBe('2025-04-08');
  });
});

describe('buildCalendar: HR lists win over the library', () => {
  it('for a year HR loaded, drops every library entry of that year', () => {
    const merged = mergeHolidayEntries(library2025, HR_HOLIDAYS_2025);
    expect(merged.filter((e) => e.source === 'library')).toEqual([]);
    expect(merged).toHaveLength(HR_HOLIDAYS_2025.length);
  });

  it('keeps the library list for years HR has not loaded', () => {
    const merged = mergeHolidayEntries([...library2025, ...library2026], HR_HOLIDAYS_2025);
    expect(merged.filter((e) => e.source === 'library').map((e) => e.date.slice(0, 4))).toEqual(
      library2026.map(() => '2026'),
    );
    expect(calendar.isWorkingDay('2026-01-01')).toBe(false);
    expect(calendar.holidayOn('2026-01-01')).toMatchObject({ source: 'library' });
  });

  it('a cuti bersama loaded by HR makes a library working day a day off', () => {
    const libraryOnly = buildCalendar(library2025, []);
    expect(libraryOnly.isWorkingDay('2025-04-02')).toBe(true);
    expect(calendar.isWorkingDay('2025-04-02')).toBe(false);
    expect(calendar.holidayOn('2025-04-02')).toMatchObject({ kind: 'cuti_bersama', source: 'hr' });
  });

  it('an HR working-day override beats a library holiday without discarding the rest of that year', () => {
    const override: HolidayEntry = { date: '2026-03-20', name: 'Masuk kerja (SKB)', kind: 'nasional', source: 'hr', workingDay: true };
    const cal = buildCalendar(library2026, [override]);
    expect(buildCalendar(library2026, []).isWorkingDay('2026-03-20')).toBe(false);
    expect(cal.isWorkingDay('2026-03-20')).toBe(true);
    expect(cal.holidayOn('2026-03-20')).toBeNull();
    expect(cal.isWorkingDay('2026-01-01')).toBe(false); // library's other 2026 holidays still apply
  });

  it('an HR working-day override can make a weekend day a working day', () => {
    const cal = buildCalendar([], [{ date: '2025-03-22', name: 'Hari kerja pengganti', kind: 'nasional', source: 'hr', workingDay: true }]);
    expect(cal.isWorkingDay('2025-03-22')).toBe(true);
    expect(cal.isWorkingDay('2025-03-23')).toBe(false);
    expect(cal.addWorkingDays('2025-03-21', 1)).toBe('2025-03-22');
  });

  it('a regional day (daerah) loaded by HR is a day off', () => {
    const regional: HolidayEntry = { date: '2025-10-14', name: 'Hari jadi daerah (contoh)', kind: 'daerah', source: 'hr' };
    const cal = buildCalendar(library2025, [...HR_HOLIDAYS_2025, regional]);
    expect(cal.isWorkingDay('2025-10-14')).toBe(false);
    expect(cal.holidayOn('2025-10-14')).toEqual(regional);
    expect(cal.addWorkingDays('2025-10-13', 1)).toBe('2025-10-15');
  });
});

describe('WorkingCalendar configuration', () => {
  it('uses the weekend it is given', () => {
    const fridayOff = new WorkingCalendar({ weekendDays: [5, 6, 7], holidays: [] });
    expect(fridayOff.isWorkingDay('2025-03-14')).toBe(false);
    expect(fridayOff.addWorkingDays('2025-03-13', 1)).toBe('2025-03-17');
  });

  it('refuses bad dates and weekdays, and a calendar without working days', () => {
    expect(() => new WorkingCalendar({ holidays: [{ date: '2025-02-30', name: 'x', kind: 'daerah', source: 'hr' }] })).toThrow(
      InvalidCalendarDateError,
    );
    expect(() => new WorkingCalendar({ weekendDays: [0], holidays: [] })).toThrow(InvalidWeekendDayError);
    expect(() => new WorkingCalendar({ weekendDays: [1, 2, 3, 4, 5, 6, 7], holidays: [] }).addWorkingDays('2025-01-01', 1)).toThrow(
      NoWorkingDayError,
    );
    expect(() => calendar.isWorkingDay('2025-13-01')).toThrow(InvalidCalendarDateError);
  });
});
