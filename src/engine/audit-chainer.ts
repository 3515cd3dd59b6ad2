/**
 * Schedules the chaining of sealed audit entries (src/db/audit.ts `chainSealedEntries`) after the engine's
 * commits: nobody waits for it, so a turn never queues on the chain's lock.
 *
 * A nudge starts a round after `delayMs` (commits arriving meanwhile share it); a round that took all it may
 * runs again at once; a nudge during a round runs one more after it. One round at a time per process; rounds
 * of several processes queue on the chain's lock and each takes what the others left. A round that fails (the
 * database away) is tried again later, and any later round takes what it left: entries wait, none is lost.
 */
import type { Logger } from '../logger.js';
import { chainSealedEntries } from '../db/audit.js';
import type { TxRunner } from '../db/sql.js';

/**
 * Wait after a nudge before the round: turns committed meanwhile share it (at 400 turns a second, about 80). A
 * round costs three round trips and a lock; nobody waits for it, and an entry waits this long sealed (checked by
 * the walk). At 50 ms, rounds at 200 turns a second were 0.3 of a round trip per turn.
 */
export const DEFAULT_CHAIN_DELAY_MS = 200;
/** Wait before trying again after a failed round. */
const RETRY_MS = 1_000;

export interface AuditChainer {
  /** Entries were sealed and committed: chain them soon. */
  nudge(): void;
  /** Chains everything committed so far (tests, shutdown, a checkpoint from the same process). */
  drain(): Promise<void>;
  /** Stops scheduling rounds and waits for the one running. */
  stop(): Promise<void>;
  /** Entries chained and refused by this process since start. */
  readonly stats: { readonly rounds: number; readonly chained: number; readonly refused: number };
}

export function createAuditChainer(deps: { runner: TxRunner; logger: Logger; delayMs?: number }): AuditChainer {
  const delayMs = deps.delayMs ?? DEFAULT_CHAIN_DELAY_MS;
  const stats = { rounds: 0, chained: 0, refused: 0 };
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | null = null;
  let again = false;
  let stopped = false;
  let lastWarning = 0;

  /** Rounds until nothing is left (everything committed before the last one began is chained). */
  async function chainAll(): Promise<void> {
    for (;;) {
      again = false;
      const r = await deps.runner.run((tx) => chainSealedEntries(tx, { atCommit: true }));
      stats.rounds++;
      stats.chained += r.chained;
      stats.refused += r.refused.length;
      // Refused entries were inserted by someone without the key: loud, once per round that meets them.
      if (r.refused.length) deps.logger.error({ auditEntries: r.refused }, 'audit: entries with a missing or wrong seal were refused (not written by this bot; check who writes to the database)');
      if (!r.more) return;
    }
  }

  /** `chainAll`, reporting a failure by its result (scheduled rounds have nobody to throw to). */
  async function rounds(): Promise<boolean> {
    try {
      await chainAll();
      return true;
    } catch (err) {
      if (Date.now() - lastWarning > 10_000) deps.logger.warn({ err }, 'audit: could not chain sealed entries (database unavailable?); retrying');
      lastWarning = Date.now();
      return false;
    }
  }

  function start(): void {
    timer = undefined;
    if (stopped || running) return;
    running = rounds().then((ok) => {
      running = null;
      if (!ok) schedule(RETRY_MS);
      else if (again) schedule(delayMs);
    });
  }

  function schedule(ms: number): void {
    if (stopped || timer) return;
    timer = setTimeout(start, ms);
    timer.unref();
  }

  return {
    stats,
    nudge() {
      if (running) again = true;
      else schedule(delayMs);
    },
    async drain() {
      while (running) await running;
      clearTimeout(timer);
      timer = undefined;
      const round = chainAll();
      running = round.then(
        () => void (running = null),
        () => void (running = null),
      );
      await round;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      while (running) await running;
    },
  };
}
