import { describe, expect, it } from 'vitest';
import { LINK_LOCKOUT, afterLinkFailure, isLinkCodeUsable, linkLockedUntil, recentLinkFailures } from './linking.js';

const T = Date.parse('2026-12-01T03:00:00Z');
const min = (m: number) => new Date(T + m * 60_000);

describe('link lock-out', () => {
  it('is five wrong codes within sixty minutes', () => {
    expect(LINK_LOCKOUT).toEqual({ maxFailures: 5, windowMinutes: 60 });
  });

  it.each([
    ['four failures: not locked', [0, 1, 2, 3], 4, null],
    ['five within the hour: locked an hour after the last', [0, 1, 2, 3, 4], 5, min(64)],
    ['five, the first exactly an hour before the last: locked', [0, 10, 20, 30, 60], 60, min(120)],
    ['five spread over more than an hour: not locked', [0, 10, 20, 30, 61], 61, null],
    ['locked, and an hour after the last: free again', [0, 1, 2, 3, 4], 64, null],
    ['the order of the times does not matter', [4, 0, 3, 1, 2], 5, min(64)],
  ])('%s', (_what, at, now, until) => {
    expect(linkLockedUntil(at.map(min), min(now))).toEqual(until);
  });

  it('counts the failures of the last window', () => {
    expect(recentLinkFailures([min(0), min(30), min(59)], min(65))).toBe(2);
  });

  it.each([
    [0, 4, null],
    [3, 1, null],
    [4, 0, min(60)],
  ])('after %i earlier failures another leaves %i tries', (recent, left, until) => {
    expect(afterLinkFailure(recent, min(0))).toEqual({ triesLeft: left, lockedUntil: until });
  });
});

describe('isLinkCodeUsable', () => {
  const code = { usedAt: null, expiresAt: min(10), employeeActive: true };
  it.each([
    ['unused, unexpired, active employee', code, true],
    ['used', { ...code, usedAt: min(-1) }, false],
    ['expiring now', { ...code, expiresAt: min(0) }, false],
    ['employee left', { ...code, employeeActive: false }, false],
  ])('%s', (_what, c, usable) => {
    expect(isLinkCodeUsable(c, min(0))).toBe(usable);
  });
});
