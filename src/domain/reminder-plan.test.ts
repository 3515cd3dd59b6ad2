import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { buildCalendar } from './calendar.js';
import { InvalidCalendarDateError } from './errors.js';
import { HR_HOLIDAYS_2025 } from './fixtures/holidays-2025.js';
import {
  InvalidReminderSettingError,
  capPerDay,
  feedbackRequestReminderDay,
  nextWorkingSlot,
  nudgeDay,
  planReminders,
  type PlannedReminder,
} from './reminder-plan.js';

const calendar = buildCalendar([], HR_HOLIDAYS_2025);

/** A plan as compact rows: kind, audience, local date, UTC instant. */
const rows = (plan: readonly PlannedReminder[]): string[][] => plan.map((r) => [r.kind, r.audience, r.localDate, r.sendAt]);

describe('planReminders', () => {
  // Friday 14 March 2025: no holiday in the weeks around it.
  const zones: [timezone: string, utcHour: string][] = [
    ['Asia/Jakarta', '02'], // WIB = UTC+7
    ['Asia/Makassar', '01'], // WITA = UTC+8
    ['Asia/Jayapura', '00'], // WIT = UTC+9
  ];

  it.each(zones)('same deadline in %s: same local 09:00, different UTC instant', (timezone, h) => {
    const plan = planReminders({ deadline: '2025-03-14', timezone, calendar });
    expect(rows(plan)).toEqual([
      ['h_minus_7', 'employee', '2025-03-05', `2025-03-05T${h}:00:00.000Z`],
      ['h_minus_3', 'employee', '2025-03-11', `2025-03-11T${h}:00:00.000Z`],
      ['h_minus_1', 'employee', '2025-03-13', `2025-03-13T${h}:00:00.000Z`],
      ['due_today', 'employee', '2025-03-14', `2025-03-14T${h}:00:00.000Z`],
      ['overdue', 'employee', '2025-03-17', `2025-03-17T${h}:00:00.000Z`],
      ['escalate_supervisor', 'supervisor', '2025-03-18', `2025-03-18T${h}:00:00.000Z`],
      ['escalate_hr', 'hr', '2025-03-21', `2025-03-21T${h}:00:00.000Z`],
    ]);
    for (const reminder of plan) expect(reminder.localTime).toBe('09:00');
  });

  it('accepts WIB / WITA / WIT as the time zone', () => {
    const byAlias = planReminders({ deadline: '2025-03-14', timezone: 'WITA', calendar });
    expect(byAlias).toEqual(planReminders({ deadline: '2025-03-14', timezone: 'Asia/Makassar', calendar }));
  });

  it('counts working days across the Idul Fitri break (deadline right after it)', () => {
    const plan = planReminders({ deadline: '2025-04-08', timezone: 'Asia/Jakarta', calendar });
    expect(plan.map((r) => [r.kind, r.localDate, r.workingDaysFromDeadline])).toEqual([
      ['h_minus_7', '2025-03-19', -7],
      ['h_minus_3', '2025-03-25', -3],
      ['h_minus_1', '2025-03-27', -1], // the last working day before the break
      ['due_today', '2025-04-08', 0],
      ['overdue', '2025-04-09', 1],
      ['escalate_supervisor', '2025-04-10', 2],
      ['escalate_hr', '2025-04-15', 5],
    ]);
    for (const r of plan) expect(calendar.isWorkingDay(r.localDate)).toBe(true);
  });

  it('moves due_today to the previous working day for a weekend deadline, keeping only the more urgent', () => {
    const plan = planReminders({ deadline: '2025-03-15', timezone: 'Asia/Jakarta', calendar }); // Saturday
    expect(plan.map((r) => [r.kind, r.localDate])).toEqual([
      ['h_minus_7', '2025-03-06'],
      ['h_minus_3', '2025-03-12'],
      ['due_today', '2025-03-14'], // h_minus_1 fell on the same Friday and is dropped
      ['overdue', '2025-03-17'],
      ['escalate_supervisor', '2025-03-18'],
      ['escalate_hr', '2025-03-21'],
    ]);
  });

  it('moves due_today off a holiday deadline (cuti bersama)', () => {
    const plan = planReminders({ deadline: '2025-04-07', timezone: 'Asia/Jakarta', calendar });
    expect(plan.find((r) => r.kind === 'due_today')?.localDate).toBe('2025-03-27');
    expect(plan.find((r) => r.kind === 'overdue')?.localDate).toBe('2025-04-08');
    expect(plan.some((r) => r.kind === 'h_minus_1')).toBe(false);
  });

  it('leaves out reminders already due when the plan is made late', () => {
    const now = DateTime.fromISO('2025-03-11T12:00', { zone: 'Asia/Jakarta' });
    const plan = planReminders({ deadline: '2025-03-14', timezone: 'Asia/Jakarta', calendar, now });
    expect(plan.map((r) => r.kind)).toEqual(['h_minus_1', 'due_today', 'overdue', 'escalate_supervisor', 'escalate_hr']);
  });

  it('keeps a reminder due exactly now', () => {
    const now = DateTime.fromISO('2025-03-11T09:00', { zone: 'Asia/Jakarta' });
    const plan = planReminders({ deadline: '2025-03-14', timezone: 'Asia/Jakarta', calendar, now });
    expect(plan[0].kind).toBe('h_minus_3');
  });

  it('gives an empty plan when everything is past', () => {
    const now = DateTime.fromISO('2025-04-01T00:00Z');
    expect(planReminders({ deadline: '2025-03-14', timezone: 'Asia/Jakarta', calendar, now })).toEqual([]);
  });

  const sendAtCases: [sendAt: string, localTime: string][] = [
    ['09:00', '09:00'],
    ['08:00', '08:00'],
    ['15:59', '15:59'],
    ['16:00', '08:00'], // end of working hours is exclusive
    ['22:00', '08:00'], // quiet hours
    ['06:30', '08:00'],
  ];

  it.each(sendAtCases)('send time %s is sent at %s local', (sendAt, localTime) => {
    const plan = planReminders({ deadline: '2025-03-14', timezone: 'Asia/Jayapura', calendar, sendAt });
    for (const r of plan) expect(r.localTime).toBe(localTime);
  });

  it('uses the offsets and overdue policy it is given', () => {
    const plan = planReminders({
      deadline: '2025-03-14',
      timezone: 'Asia/Jakarta',
      calendar,
      workingHours: { start: '07:30', end: '16:00' },
      sendAt: '07:30',
      offsetsWorkingDays: [5, 2],
      overdue: { employeeAfterWorkingDays: [1, 3], hrAfterWorkingDays: [] },
    });
    expect(plan.map((r) => [r.kind, r.audience, r.localDate, r.localTime])).toEqual([
      ['h_minus_5', 'employee', '2025-03-07', '07:30'],
      ['h_minus_2', 'employee', '2025-03-12', '07:30'],
      ['due_today', 'employee', '2025-03-14', '07:30'],
      ['overdue', 'employee', '2025-03-17', '07:30'],
      ['escalate_supervisor', 'supervisor', '2025-03-18', '07:30'],
      ['overdue', 'employee', '2025-03-19', '07:30'],
    ]);
  });

  const badSettings: [name: string, change: Record<string, unknown>][] = [
    ['an unknown time zone', { timezone: 'Mars/Olympus' }],
    ['a send time that is not HH:mm', { sendAt: '9am' }],
    ['working hours that end before they start', { workingHours: { start: '16:00', end: '08:00' } }],
    ['a zero offset', { offsetsWorkingDays: [0] }],
    ['a fractional overdue offset', { overdue: { supervisorAfterWorkingDays: [1.5] } }],
    ['an invalid now', { now: DateTime.invalid('test') }],
  ];

  it.each(badSettings)('refuses %s', (_name, change) => {
    expect(() => planReminders({ deadline: '2025-03-14', timezone: 'Asia/Jakarta', calendar, ...change })).toThrow(
      InvalidReminderSettingError,
    );
  });

  it('refuses a deadline that is not a calendar date', () => {
    expect(() => planReminders({ deadline: '2025-03-14T09:00', timezone: 'Asia/Jakarta', calendar })).toThrow(
      InvalidCalendarDateError,
    );
  });
});

describe('nextWorkingSlot', () => {
  const cases: [name: string, localIso: string, timezone: string, expectedLocal: string][] = [
    ['inside working hours: unchanged', '2025-03-13T10:15:30', 'Asia/Jakarta', '2025-03-13T10:15:30'],
    ['at the start: unchanged', '2025-03-13T08:00', 'Asia/Jakarta', '2025-03-13T08:00'],
    ['before the start: same day at start', '2025-03-13T06:45', 'Asia/Jakarta', '2025-03-13T08:00'],
    ['at the end: next working day', '2025-03-13T16:00', 'Asia/Jakarta', '2025-03-14T08:00'],
    ['22:00 on a Friday: Monday 08:00', '2025-03-14T22:00', 'Asia/Jakarta', '2025-03-17T08:00'],
    ['Saturday noon: Monday 08:00', '2025-03-15T12:00', 'Asia/Makassar', '2025-03-17T08:00'],
    ['night before the Idul Fitri break: after it', '2025-03-27T22:00', 'Asia/Jayapura', '2025-04-08T08:00'],
    ['during the break: after it', '2025-04-02T10:00', 'Asia/Jakarta', '2025-04-08T08:00'],
  ];

  it.each(cases)('%s', (_name, localIso, timezone, expectedLocal) => {
    const dt = DateTime.fromISO(localIso, { zone: timezone }).toUTC();
    const slot = nextWorkingSlot(dt, timezone, calendar);
    expect(slot.zoneName).toBe('UTC');
    expect(slot.toMillis()).toBe(DateTime.fromISO(expectedLocal, { zone: timezone }).toMillis());
  });

  it('reads the hour in the unit zone, not in UTC', () => {
    // 23:30Z on 12 March is 08:30 on the 13th in WIT (working hours) but 06:30 in WIB (too early).
    const night = DateTime.fromISO('2025-03-12T23:30Z');
    expect(nextWorkingSlot(night, 'Asia/Jayapura', calendar).toISO()).toBe('2025-03-12T23:30:00.000Z'); // 08:30 WIT on the 13th
    expect(nextWorkingSlot(night, 'Asia/Jakarta', calendar).toISO()).toBe('2025-03-13T01:00:00.000Z'); // 06:30 WIB -> 08:00
  });

  it('uses the working hours it is given', () => {
    const dt = DateTime.fromISO('2025-03-13T17:30', { zone: 'Asia/Jakarta' });
    expect(nextWorkingSlot(dt, 'Asia/Jakarta', calendar, { start: '07:00', end: '18:00' }).toMillis()).toBe(dt.toMillis());
  });
});

describe('capPerDay', () => {
  const r = (kind: PlannedReminder['kind'], audience: PlannedReminder['audience'], localDate: string, n: number): PlannedReminder => ({
    kind,
    audience,
    localDate,
    localTime: '09:00',
    sendAt: `${localDate}T02:00:00.000Z`,
    workingDaysFromDeadline: n,
  });

  it('keeps the most urgent per audience and day, in the original order', () => {
    const items = [
      r('h_minus_1', 'employee', '2025-03-14', -1),
      r('due_today', 'employee', '2025-03-14', 0),
      r('escalate_supervisor', 'supervisor', '2025-03-14', 2),
      r('h_minus_3', 'employee', '2025-03-12', -3),
    ];
    expect(capPerDay(items)).toEqual([items[1], items[2], items[3]]);
    expect(capPerDay(items, 2)).toEqual(items);
    expect(capPerDay(items, 0)).toEqual([]);
  });

  it('caps across plans with a key that includes the person', () => {
    const a = { ...r('due_today', 'employee', '2025-03-14', 0), person: 'A' };
    const b = { ...r('h_minus_3', 'employee', '2025-03-14', -3), person: 'A' };
    const c = { ...r('h_minus_3', 'employee', '2025-03-14', -3), person: 'B' };
    expect(capPerDay([b, a, c], 1, (x) => `${x.person}|${x.localDate}`)).toEqual([a, c]);
  });
});

describe('nudgeDay (feedback nudges keep quiet before a deadline)', () => {
  // Self deadline Friday 14 March 2025, review deadline Friday 28 March 2025.
  const deadlines = ['2025-03-14', '2025-03-28'];
  it('a day well before a deadline stays; a weekend moves to Monday', () => {
    expect(nudgeDay('2025-03-05', deadlines, calendar)).toBe('2025-03-05');
    expect(nudgeDay('2025-03-08', deadlines, calendar)).toBe('2025-03-10');
  });
  it('the last 3 working days before a deadline and the day itself move to the working day after it', () => {
    expect(nudgeDay('2025-03-10', deadlines, calendar)).toBe('2025-03-10');
    for (const d of ['2025-03-11', '2025-03-12', '2025-03-13', '2025-03-14']) expect(nudgeDay(d, deadlines, calendar)).toBe('2025-03-17');
    // After the review deadline come the Idul Fitri holidays and cuti bersama (31 March - 7 April 2025).
    expect(nudgeDay('2025-03-26', deadlines, calendar)).toBe('2025-04-08');
  });
  it('moved into the next deadline\'s quiet days, it moves again', () => {
    expect(nudgeDay('2025-03-13', ['2025-03-14', '2025-03-19'], calendar)).toBe('2025-03-20');
  });
});

describe('feedbackRequestReminderDay', () => {
  it('counts working days: asked on Thursday, 5 working days later is the next Thursday', () => {
    expect(feedbackRequestReminderDay('2025-03-06', 5, calendar)).toBe('2025-03-13');
  });
  it('refuses a setting below one day', () => {
    expect(() => feedbackRequestReminderDay('2025-03-06', 0, calendar)).toThrow(InvalidReminderSettingError);
  });
});
