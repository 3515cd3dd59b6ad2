import { describe, expect, it } from 'vitest';
import { DEFAULT_CHECK_IN_WEEKS, checkInDates } from './follow-up.js';

describe('checkInDates', () => {
  it('defaults to 2 and 4 weeks (DOMAIN.md)', () => {
    expect(DEFAULT_CHECK_IN_WEEKS).toEqual([2, 4]);
  });

  it.each([
    ['from today', { today: '2026-12-01' }, undefined, ['2026-12-15', '2026-12-29']],
    ['from today over a year end', { today: '2026-12-24' }, undefined, ['2027-01-07', '2027-01-21']],
    ['from a chosen first date: the same spacing after it', { first: '2026-12-10' }, undefined, ['2026-12-10', '2026-12-24']],
    ['cycle weeks from today', { today: '2026-12-01' }, [1, 3, 6], ['2026-12-08', '2026-12-22', '2027-01-12']],
    ['cycle weeks from a chosen first date', { first: '2026-12-10' }, [1, 3, 6], ['2026-12-10', '2026-12-24', '2027-01-14']],
    ['no weeks: no check-ins', { today: '2026-12-01' }, [], []],
  ] as const)('%s', (_what, start, weeks, dates) => {
    expect(checkInDates(start, weeks)).toEqual(dates);
  });
});
