import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCalendar, nationalHolidaysFromLibrary } from '../../src/domain/index.js';
import { loadWorkingCalendar } from '../../src/db/calendar.js';
import { txOf } from '../../src/db/sql.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

describe('loadWorkingCalendar (cached per HR holiday list)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });

  it('reuses the calendar while HR has loaded nothing new, and counts a newly loaded holiday at once', async () => {
    const em = db.orm.em.fork();
    const first = await loadWorkingCalendar(txOf(em), 'ID', 2026, 2028);
    expect(await loadWorkingCalendar(txOf(em), 'ID', 2026, 2028)).toBe(first);
    // Monday 4 January 2027 is an ordinary working day until HR declares it cuti bersama.
    expect(first.isWorkingDay('2027-01-04')).toBe(true);
    expect(first.addWorkingDays('2027-01-01', 1)).toBe('2027-01-04');

    await em.execute(`insert into holiday (date, name, kind, working_day) values ('2027-01-04', 'Cuti bersama', 'cuti_bersama', false)`);
    const after = await loadWorkingCalendar(txOf(em), 'ID', 2026, 2028);
    expect(after).not.toBe(first);
    expect(after.isWorkingDay('2027-01-04')).toBe(false);
    expect(after.holidayOn('2027-01-04')?.name).toBe('Cuti bersama');
    expect(after.addWorkingDays('2027-01-01', 1)).toBe('2027-01-05');
    // The earlier calendar keeps its own (remembered) answers: a calendar never changes once built.
    expect(first.addWorkingDays('2027-01-01', 1)).toBe('2027-01-04');
  });

  it('answers exactly as a freshly built calendar, also when asked twice', async () => {
    const em = db.orm.em.fork();
    const cached = await loadWorkingCalendar(txOf(em), 'ID', 2025, 2027);
    const hr = [{ date: '2027-01-04', name: 'Cuti bersama', kind: 'cuti_bersama' as const, source: 'hr' as const, workingDay: false }];
    const library = [2025, 2026, 2027].flatMap((y) => nationalHolidaysFromLibrary(y, 'ID'));
    const fresh = buildCalendar(library, hr);
    for (const round of [1, 2]) {
      for (let d = new Date(Date.UTC(2026, 11, 1)); d < new Date(Date.UTC(2027, 2, 1)); d = new Date(d.getTime() + 86_400_000)) {
        const iso = d.toISOString().slice(0, 10);
        expect(cached.isWorkingDay(iso), `${iso} round ${round}`).toBe(fresh.isWorkingDay(iso));
        for (const n of [-7, -3, -1, 0, 1, 2, 5]) expect(cached.addWorkingDays(iso, n), `${iso} ${n}`).toBe(fresh.addWorkingDays(iso, n));
      }
    }
    expect(() => cached.addWorkingDays('2027-01-04', 1.5)).toThrow(/whole number/);
  });
});
