/**
 * The process-level guard: an unhandled promise rejection or an uncaught exception is a bug (every promise is
 * awaited or caught, every emitter has an `error` listener), so when one happens anyway it is logged once with
 * what the process was doing (its roles, its pid) instead of a bare stack trace, or of nothing. A rejection
 * does not stop the process (the platform, the jobs and the other chats go on); an uncaught exception may have
 * left state half-changed, so `onFatal` (the service: stop gracefully, exit 1) is called.
 *
 * The test suites install the same guard in every file (test/support/process-guard.setup.ts) and fail a file
 * in which it fired.
 */
import type { Logger } from './logger.js';

/** One time the guard fired. */
export interface GuardEvent {
  kind: 'unhandledRejection' | 'uncaughtException';
  /** The error's message (its stack is in the log). */
  message: string;
  at: Date;
}

/** An installed guard. */
export interface ProcessGuard {
  /** Every time it fired, oldest first. */
  readonly events: readonly GuardEvent[];
  /** Removes the listeners. */
  uninstall(): void;
}

/**
 * Installs the guard. `context` goes into every line it logs (e.g. `{ roles: ['bot', 'worker'] }`).
 * `onFatal` runs after an uncaught exception is logged; without it the process goes on.
 */
export function installProcessGuard(logger: Logger, context: Record<string, unknown> = {}, opts: { onFatal?: (err: unknown) => void } = {}): ProcessGuard {
  const events: GuardEvent[] = [];
  const describe = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 500);
  const onRejection = (reason: unknown) => {
    events.push({ kind: 'unhandledRejection', message: describe(reason), at: new Date() });
    logger.error({ err: reason, pid: process.pid, ...context }, 'unhandled promise rejection (a bug: it was neither awaited nor caught); the process goes on');
  };
  const onException = (err: unknown, origin: string) => {
    events.push({ kind: 'uncaughtException', message: describe(err), at: new Date() });
    logger.fatal({ err, origin, pid: process.pid, ...context }, 'uncaught exception (a bug); stopping');
    opts.onFatal?.(err);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    events,
    uninstall() {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
  };
}
