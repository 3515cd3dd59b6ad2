import { describe, expect, it } from 'vitest';
import { DEFAULT_OBJECTION_WINDOW_DAYS, objectionDecisionDue, objectionLastDay, objectionWindow } from './objection.js';

const WIB = 'Asia/Jakarta';
const WIT = 'Asia/Jayapura';
/** 1 December 2026, 10:00 WIB. */
const ANNOUNCED = new Date('2026-12-01T03:00:00Z');

describe('objection window', () => {
  it('is open from the announcement to the last day inclusive, on the employee\'s dates', () => {
    expect(objectionLastDay(ANNOUNCED, DEFAULT_OBJECTION_WINDOW_DAYS, WIB)).toBe('2026-12-15');
    // 15 December 23:59 WIB is still inside; 16 December 00:00 WIB is not.
    expect(objectionWindow(ANNOUNCED, 14, WIB, new Date('2026-12-15T16:59:00Z'))).toEqual({ open: true, lastDay: '2026-12-15' });
    expect(objectionWindow(ANNOUNCED, 14, WIB, new Date('2026-12-15T17:00:00Z'))).toEqual({ open: false, why: 'closed', lastDay: '2026-12-15' });
    // The same instant is already 16 December in WIT (UTC+9): closed there.
    expect(objectionWindow(ANNOUNCED, 14, WIT, new Date('2026-12-15T15:30:00Z'))).toMatchObject({ open: false, why: 'closed' });
  });

  it('a cycle\'s own window counts; before the announcement there is none', () => {
    expect(objectionWindow(ANNOUNCED, 3, WIB, new Date('2026-12-05T03:00:00Z'))).toMatchObject({ open: false, lastDay: '2026-12-04' });
    expect(objectionWindow(null, 14, WIB, ANNOUNCED)).toEqual({ open: false, why: 'not_announced' });
    expect(objectionWindow(ANNOUNCED, 14, WIB, new Date('2026-12-01T02:59:00Z'))).toEqual({ open: false, why: 'not_announced' });
  });

  it('the decision is due a number of calendar days after filing, on the decider\'s date', () => {
    expect(objectionDecisionDue(new Date('2026-12-02T03:00:00Z'), 14, WIB)).toBe('2026-12-16');
    // 2 December 20:00 UTC is already 3 December in WIT.
    expect(objectionDecisionDue(new Date('2026-12-02T20:00:00Z'), 14, WIT)).toBe('2026-12-17');
  });
});
