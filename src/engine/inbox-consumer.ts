/**
 * The durable ingress inbox: adapters store each platform update here before they acknowledge it, and this
 * consumer hands the stored rows to the engine.
 *
 *   adapter: store (one INSERT) -> acknowledge the platform; other processes are told by a NOTIFY after it
 *   consumer: woken (in-process at once, LISTEN from other processes, a slow timer as the floor)
 *     -> claim the oldest pending row of each chat (SKIP LOCKED, a lease) -> resolve -> engine.handle
 *     -> done | retry later (database away) | parked (failed for its content; the person got the error reply)
 *
 * Per-chat order is held by the database (a chat's row is only handed out when no older row of the chat is
 * pending), so any number of bot processes may consume. A row's "done" is written after the engine's
 * commit: the engine's own `processed_event` row, written with the effects, is what makes a second run of
 * the same row a no-op if the process dies in between.
 */
import pg from 'pg';
import { announceInboxRows, claimInboxRows, INBOX_CHANNEL, markInboxDone, parkInboxRow, retryInboxRowLater, storeInboxRows, type ClaimedInboxRow } from '../db/inbox.js';
import { isSingleSession, type Orm } from '../db/orm.js';
import { isTransientDatabaseError } from '../db/transient.js';
import type { Logger } from '../logger.js';
import { cleanDeep, cleanText, type ConversationEngine, type HandleResult, type IncomingEvent, type InboxEntry, type InboxHandler, type IngressInbox, type Platform } from '../contract/index.js';
import { TxRunner } from '../db/sql.js';

/** How long a claimed row is reserved for its consumer; a consumer that died releases it this late. */
export const INBOX_LEASE_MS = 15_000;
/** The floor under the wake-ups: a row nobody was told about is still handled within this time. */
export const INBOX_FALLBACK_POLL_MS = 1_000;
/** Back-off of a row whose handling failed for a passing reason: 0.5 s doubling, at most this. */
export const INBOX_MAX_RETRY_MS = 5_000;
/** A row still failing after this many tries is parked (the chat's later rows would otherwise wait forever). */
export const INBOX_MAX_ATTEMPTS = 200;
/** Rows of different chats handled as one batch on PostgreSQL (group commit). */
export const DEFAULT_BATCH_SIZE = 32;
/** Batches in flight at once. */
export const DEFAULT_LANES = 3;
/** Under light load one lane claims; another starts when it has not claimed again for this long. */
export const LIGHT_LANE_PATIENCE_MS = 50;

export interface InboxConsumerDeps {
  orm: Orm;
  engine: ConversationEngine;
  logger: Logger;
  /** For LISTEN (a dedicated connection); without it other processes' rows wait for the fallback timer. */
  databaseUrl?: string;
  /** Rows handled at the same time (each of a different chat) when events are not batched. */
  concurrency?: number;
  /**
   * Group commit: up to this many rows (of different chats) are claimed together and their events handled
   * as one batch (`ConversationEngine.handleMany`: one read, one write). 1 = every event alone. Default 32;
   * always 1 on the embedded PGlite (one session: nothing to overlap).
   */
  batchSize?: number;
  /** How long a lane waits for more rows before claiming a batch that would not be full (default 1 ms). */
  batchWindowMs?: number;
  /** Batches in flight at once (default 3): while one writes, the next one reads. */
  lanes?: number;
  leaseMs?: number;
  fallbackPollMs?: number;
}

/** The inbox with its consumer's controls. */
export interface InboxConsumer extends IngressInbox {
  /** Starts consuming (and listening); rows stored before start are handled too. */
  start(): Promise<void>;
  /** Stops claiming, waits for rows in hand. */
  stop(): Promise<void>;
  /** Rows handled by this process since start, by outcome; batches handed to the engine and their rows; insert statements written by `store`. */
  readonly stats: { done: number; parked: number; retried: number; batches: number; batched: number; storeWrites: number };
}

/** A caller of `store` whose rows are not written yet. */
interface PendingStore {
  entries: readonly InboxEntry[];
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * Store statements in flight at once per process; stores arriving meanwhile are merged into the next one.
 * Two, so a slow insert does not hold the door shut.
 */
const MAX_STORES_IN_FLIGHT = 2;
/**
 * Other processes are told of stored rows at most once in this long (this process wakes its own lanes at
 * once): their lanes start within it, and a NOTIFY covers every store made meanwhile. The process that stores
 * a row always handles it itself when it can (the bot role both receives and consumes), so another process's
 * lanes are only help under a backlog; at 10 ms the NOTIFYs were half a round trip per message at 200 msg/s.
 */
export const ANNOUNCE_GAP_MS = 100;

export function createInboxConsumer(deps: InboxConsumerDeps): InboxConsumer {
  const runner = new TxRunner(deps.orm);
  const log = deps.logger.child({ part: 'inbox' });
  const handleMany = deps.engine.handleMany?.bind(deps.engine);
  // The embedded PGlite runs one statement at a time for everyone: nothing to overlap, so no batches there.
  const batchSize = handleMany && !isSingleSession(deps.orm) ? Math.max(1, deps.batchSize ?? DEFAULT_BATCH_SIZE) : 1;
  const batching = batchSize > 1;
  const claimSize = batching ? batchSize : (deps.concurrency ?? 8);
  const lanes = batching ? Math.max(1, deps.lanes ?? DEFAULT_LANES) : 1;
  const windowMs = deps.batchWindowMs ?? 1;
  const leaseMs = deps.leaseMs ?? INBOX_LEASE_MS;
  const handlers = new Map<Platform, InboxHandler>();
  const waiters = new Map<string, ((r: HandleResult[]) => void)[]>();
  const stats = { done: 0, parked: 0, retried: 0, batches: 0, batched: 0, storeWrites: 0 };
  let running = false;
  const active = new Set<Promise<void>>();
  let again = false;
  let lastClaimFull = false;
  let lastClaimAt = 0;
  let patience: NodeJS.Timeout | undefined;
  let timer: NodeJS.Timeout | undefined;
  let listener: pg.Client | undefined;
  let listenRetry: NodeJS.Timeout | undefined;
  let lastClaimError = 0;
  // Telling other processes: at most one NOTIFY in flight; stores meanwhile are covered by one more after it.
  const announcing = !isSingleSession(deps.orm);
  let announceInFlight = false;
  let announceAgain = false;
  const storeQueue: PendingStore[] = [];
  let storesInFlight = 0;

  const keyOf = (platform: string, eventId: string) => `${platform}:${eventId}`;
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  /**
   * Starts a lane when fewer than `lanes` run; otherwise a running lane claims again before it stops. While the
   * last claim was not full, one lane is enough: the rows arriving meanwhile share its next batch instead of
   * each starting a batch of one or two (measured at 400 msg/s offered: batches of 11-16 instead of 7, and a
   * third less database CPU per message). A full claim starts the other lanes, and so does a lane that has
   * not claimed for LIGHT_LANE_PATIENCE_MS (its batch waits for a lock, say): other chats never wait on it.
   */
  function wake(): void {
    if (!running || !handlers.size) return;
    if (active.size >= lanes) {
      again = true;
      return;
    }
    if (batching && active.size > 0 && !lastClaimFull) {
      const wait = lastClaimAt + LIGHT_LANE_PATIENCE_MS - Date.now();
      if (wait > 0) {
        again = true;
        if (!patience) patience = setTimeout(() => ((patience = undefined), wake()), wait);
        return;
      }
    }
    again = false;
    const lane = pump().finally(() => {
      active.delete(lane);
      if (again) wake();
    });
    active.add(lane);
  }

  /** One lane: claims and handles until nothing is eligible. */
  async function pump(): Promise<void> {
    let full = true;
    // Rows handled by this lane and not yet marked done: the next claim marks them in the same statement.
    let done: number[] = [];
    try {
      while (running) {
        // Under load rows pile up while a batch is written; when the last claim was not full, a short wait
        // lets the rows arriving now share the next batch (the "group" of group commit).
        if (batching && !full && windowMs > 0) await sleep(windowMs);
        let rows: ClaimedInboxRow[];
        try {
          const finished = done;
          rows = await runner.session((s) => claimInboxRows(s, { platforms: [...handlers.keys()], limit: claimSize, leaseMs, done: finished }));
          done = [];
        } catch (err) {
          // The database is away: the fallback timer tries again; one log line per 10 s is enough.
          if (Date.now() - lastClaimError > 10_000) log.warn({ err }, 'inbox: cannot claim rows (database unavailable?); retrying');
          lastClaimError = Date.now();
          return;
        }
        // Nothing eligible: this lane ends (a wake-up that came meanwhile starts one again, see `wake`).
        if (!rows.length) return;
        full = rows.length === claimSize;
        lastClaimFull = full;
        lastClaimAt = Date.now();
        // More may wait than one lane takes: let another lane claim meanwhile.
        if (full && active.size < lanes) wake();
        done = batching ? await handleBatch(rows) : (await Promise.all(rows.map(handleRow))).filter((id): id is number => id !== null);
      }
    } finally {
      // Stopping, or the claim failed: mark what was handled on its own.
      if (done.length) {
        const finished = done;
        await runner.session((s) => markInboxDone(s, finished)).catch((err: unknown) => {
          // The effects are committed; when the lease runs out the engine sees the event as a replay.
          log.warn({ err, ids: finished }, 'inbox: could not mark rows done; they will be seen as replays');
        });
      }
    }
  }

  /**
   * The claimed rows (each of a different chat) as one batch: rows that are one event each go to the
   * engine together; a row of several events (or none) is handled as `handleRow` does.
   */
  async function handleBatch(rows: ClaimedInboxRow[]): Promise<number[]> {
    const resolved = await Promise.all(
      rows.map(async (row) => {
        const handler = handlers.get(row.platform as Platform);
        if (!handler) return { row, events: null };
        try {
          return { row, events: await handler.resolve(row.payload) };
        } catch (err) {
          return { row, events: null, error: err };
        }
      }),
    );
    const single = resolved.filter((r) => r.events?.length === 1);
    const others = resolved.filter((r) => r.events?.length !== 1).map((r) => r.row);
    // Each row is finished (its waiters told) as soon as its event's result is known, not when the whole batch is.
    const finishing = new Map<number, Promise<number | null>>();
    const finish = (k: number, s: PromiseSettledResult<HandleResult>) => {
      if (!finishing.has(k)) finishing.set(k, s.status === 'fulfilled' ? finishRow(single[k].row, [s.value]) : failRow(single[k].row, s.reason));
    };
    const [settled, rest] = await Promise.all([
      single.length && handleMany ? handleMany(single.map((r) => (r.events as IncomingEvent[])[0]), finish) : Promise.resolve([]),
      Promise.all(others.map(handleRow)),
    ]);
    if (single.length) {
      stats.batches++;
      stats.batched += single.length;
    }
    settled.forEach((s, k) => finish(k, s));
    const finished = await Promise.all(single.map((_, k) => finishing.get(k)!));
    return [...finished, ...rest].filter((id): id is number => id !== null);
  }

  /** Handles one row; returns its id when it is done (committed), null when retried or parked. */
  async function handleRow(row: ClaimedInboxRow): Promise<number | null> {
    const handler = handlers.get(row.platform as Platform);
    if (!handler) return null;
    const results: HandleResult[] = [];
    try {
      const events = await handler.resolve(row.payload);
      for (const event of events) results.push(await deps.engine.handle(event));
    } catch (err) {
      return failRow(row, err);
    }
    return finishRow(row, results);
  }

  /** Nothing of the row committed: parked for good when it is the row's fault, else tried again later. */
  async function failRow(row: ClaimedInboxRow, err: unknown): Promise<null> {
    const transient = isTransientDatabaseError(err) || (err instanceof Error && err.name === 'EventNotCommitted');
    if (!transient || row.attempts >= INBOX_MAX_ATTEMPTS) {
      await park(row, `could not be handled: ${reason(err)}`);
      log.error({ err, inboxId: row.id, platform: row.platform, eventId: row.eventId }, 'inbox: row parked');
      return null;
    }
    stats.retried++;
    const wait = Math.min(INBOX_MAX_RETRY_MS, 500 * 2 ** Math.min(10, row.attempts - 1));
    await runner.session((s) => retryInboxRowLater(s, row.id, reason(err), wait)).catch(() => undefined);
    // A retry that is due soon needs a wake-up of its own: nothing else may be stored meanwhile.
    setTimeout(wake, wait + 10).unref();
    return null;
  }

  /** The row's events are committed: after-handling step, waiters, then done (or parked when one failed). */
  async function finishRow(row: ClaimedInboxRow, results: HandleResult[]): Promise<number | null> {
    const handler = handlers.get(row.platform as Platform);
    const failed = results.find((r) => r.failed)?.failed;
    if (handler?.afterHandled) {
      await handler.afterHandled(row.payload, results).catch((err: unknown) => log.warn({ err, inboxId: row.id }, 'inbox: after-handling step failed'));
    }
    notify(row, results);
    if (failed) {
      await park(row, `error ${failed.errorId}: ${failed.reason}`);
      return null;
    }
    stats.done++;
    return row.id;
  }

  async function park(row: ClaimedInboxRow, why: string): Promise<void> {
    stats.parked++;
    await runner.session((s) => parkInboxRow(s, row.id, why)).catch((err: unknown) => log.warn({ err, inboxId: row.id }, 'inbox: could not park a row; it will be tried again'));
  }

  /**
   * Stores arriving while others are being written wait and are written together, in one statement and one
   * commit (the "group" of group commit, at the door): a burst of webhook updates costs a few inserts, not
   * one each. Each caller still resolves only once its rows committed, and a merged write that fails is
   * retried caller by caller, so one caller's bad rows never fail another's.
   */
  async function flushStores(): Promise<void> {
    storesInFlight++;
    try {
      while (storeQueue.length) {
        const group = storeQueue.splice(0, storeQueue.length);
        if (group.length === 1) await storeGroup(group);
        else {
          try {
            await storeGroup(group);
          } catch {
            for (const one of group) await storeGroup([one]).catch(() => undefined);
          }
        }
      }
    } finally {
      storesInFlight--;
    }
  }

  /** One statement for the group's entries; settles each caller (only when it throws are they left to the caller). */
  async function storeGroup(group: PendingStore[]): Promise<void> {
    const rows = group.flatMap((g) =>
      // Payloads are stored cleaned (src/contract/text.ts): PostgreSQL refuses NUL and lone surrogates in jsonb.
      g.entries.map((e) => ({ platform: e.platform, eventId: e.eventId, chatKey: cleanText(`${e.platform}:${e.orderKey}`), payload: cleanDeep(e.payload), ...(e.parked === undefined ? {} : { parked: cleanText(e.parked) }) })),
    );
    let fresh: Set<string>;
    try {
      stats.storeWrites++;
      fresh = await runner.session((s) => storeInboxRows(s, rows));
    } catch (err) {
      if (group.length > 1) throw err;
      group[0].reject(err);
      return;
    }
    // A re-sent update (stored before, or earlier in this same group): whoever waits for it learns it is a replay at once.
    const firstSeen = new Set<string>();
    for (const g of group) {
      for (const e of g.entries) {
        const key = keyOf(e.platform, e.eventId);
        if (!fresh.has(key) || firstSeen.has(key)) notifyKey(key, [{ duplicate: true, outboxIds: [] }]);
        firstSeen.add(key);
      }
    }
    for (const g of group) g.resolve();
    wake();
    if (fresh.size) announce();
  }

  /**
   * Wakes the consumers of other processes after rows committed (this process wakes its own at once). The
   * NOTIFYs of concurrent stores are merged: one in flight, one more for everything stored meanwhile.
   */
  function announce(): void {
    if (!announcing) return;
    if (announceInFlight) {
      announceAgain = true;
      return;
    }
    announceInFlight = true;
    announceAgain = false;
    runner
      .session((s) => announceInboxRows(s))
      // Not fatal: the other processes' fallback timer finds the rows within INBOX_FALLBACK_POLL_MS.
      .catch((err: unknown) => log.debug({ err }, 'inbox: could not notify other processes'))
      .finally(() => {
        // The next one no sooner than ANNOUNCE_GAP_MS after this one: under load a NOTIFY per store was a
        // third of this process's round trips, for other processes that also find the rows by themselves.
        setTimeout(() => {
          announceInFlight = false;
          if (announceAgain) announce();
        }, ANNOUNCE_GAP_MS).unref();
      });
  }

  function notify(row: ClaimedInboxRow, results: HandleResult[]): void {
    notifyKey(keyOf(row.platform, row.eventId), results);
  }

  function notifyKey(key: string, results: HandleResult[]): void {
    const list = waiters.get(key);
    if (!list) return;
    waiters.delete(key);
    for (const w of list) w(results);
  }

  async function listen(): Promise<void> {
    if (!deps.databaseUrl || isSingleSession(deps.orm) || !running) return;
    const client = new pg.Client({ connectionString: deps.databaseUrl });
    const retry = () => {
      if (listener === client) listener = undefined;
      client.end().catch(() => undefined);
      if (running && !listenRetry) listenRetry = setTimeout(() => ((listenRetry = undefined), void listen()), 2_000);
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', () => wake());
    try {
      await client.connect();
      await client.query(`listen ${INBOX_CHANNEL}`);
      listener = client;
      // Rows stored while we were not listening.
      wake();
    } catch {
      retry();
    }
  }

  return {
    stats,
    register(platform, handler) {
      handlers.set(platform, handler);
      wake();
    },
    store(entries: readonly InboxEntry[]) {
      if (!entries.length) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        storeQueue.push({ entries, resolve, reject });
        if (storesInFlight < MAX_STORES_IN_FLIGHT) void flushStores();
      });
    },
    awaitHandled(platform, eventId, ms) {
      return new Promise((resolve) => {
        const key = keyOf(platform, eventId);
        const done = (r: HandleResult[] | 'timeout') => {
          clearTimeout(t);
          resolve(r);
        };
        const t = setTimeout(() => {
          const list = waiters.get(key)?.filter((w) => w !== done) ?? [];
          if (list.length) waiters.set(key, list);
          else waiters.delete(key);
          resolve('timeout');
        }, ms);
        waiters.set(key, [...(waiters.get(key) ?? []), done]);
      });
    },
    async start() {
      if (running) return;
      running = true;
      timer = setInterval(wake, deps.fallbackPollMs ?? INBOX_FALLBACK_POLL_MS);
      timer.unref();
      await listen();
      wake();
    },
    async stop() {
      running = false;
      clearInterval(timer);
      clearTimeout(patience);
      patience = undefined;
      clearTimeout(listenRetry);
      listenRetry = undefined;
      const l = listener;
      listener = undefined;
      await l?.end().catch(() => undefined);
      while (active.size) await Promise.all([...active]);
    },
  };
}

function reason(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}
