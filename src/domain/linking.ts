/**
 * Link codes: a chat account is linked to an employee with a single-use code that expires. Wrong codes are
 * counted per chat user: {@link LINK_LOCKOUT}.maxFailures wrong codes within one window lock further tries
 * until a window after the last of them. The loader reads the failure times; these rules decide.
 */

/** The lock-out: how many wrong codes within how many minutes lock the chat user out for that long. */
export const LINK_LOCKOUT = Object.freeze({ maxFailures: 5, windowMinutes: 60 });

const windowMs = (): number => LINK_LOCKOUT.windowMinutes * 60_000;

/** How far back the loader must read failure times for {@link linkLockedUntil} and {@link recentLinkFailures}. */
export function linkFailureLookback(now: Date): Date {
  return new Date(now.getTime() - 2 * windowMs());
}

/**
 * Until when a chat user is locked out, given the times of their recent wrong codes (any order), or
 * `null`: locked when the latest `maxFailures` of them fall within one window, until a window after the
 * last one.
 */
export function linkLockedUntil(failures: readonly Date[], now: Date): Date | null {
  const times = failures.map((f) => f.getTime()).sort((a, b) => b - a);
  const n = LINK_LOCKOUT.maxFailures;
  if (times.length < n) return null;
  const until = times[0] + windowMs();
  return times[0] - times[n - 1] <= windowMs() && now.getTime() < until ? new Date(until) : null;
}

/** Wrong codes within the last window (at most `maxFailures` are ever read). */
export function recentLinkFailures(failures: readonly Date[], now: Date): number {
  return failures.filter((f) => f.getTime() > now.getTime() - windowMs()).length;
}

/** After one more wrong code: the tries left, and the end of the lock when that one locked the user out. */
export function afterLinkFailure(recentFailures: number, now: Date): { triesLeft: number; lockedUntil: Date | null } {
  const triesLeft = Math.max(0, LINK_LOCKOUT.maxFailures - (recentFailures + 1));
  return { triesLeft, lockedUntil: triesLeft === 0 ? new Date(now.getTime() + windowMs()) : null };
}

/** What decides whether a code links. */
export interface LinkCodeState {
  readonly usedAt: Date | null;
  readonly expiresAt: Date;
  /** Whether the employee it was issued for is still active. */
  readonly employeeActive: boolean;
}

/** True when `code` links at `now`: never used, not expired, its employee active. */
export function isLinkCodeUsable(code: LinkCodeState, now: Date): boolean {
  return code.usedAt === null && code.expiresAt.getTime() > now.getTime() && code.employeeActive;
}
