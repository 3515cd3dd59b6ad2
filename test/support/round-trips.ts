/**
 * Counts database round trips: every `query` call on a connection of the ORM's pool (the engine's TxRunner
 * borrows its connections from there). node-postgres sends one query at a time and waits for its answer, so a
 * call is one round trip. Only the pool's real connections are observed; none of our modules is replaced.
 * The audit chainer's rounds (src/engine/audit-chainer.ts: `begin`, `audit_chain_take`, the updates with `commit`,
 * on a connection of their own) are left out: they run after a turn's commit and nobody waits for them.
 */
import type { Orm } from '../../src/db/orm.js';

interface Conn {
  query: (...args: unknown[]) => unknown;
}

export interface RoundTrips {
  /** Runs `fn` and returns the SQL text of every round trip made meanwhile, in order (the chainer's left out). */
  during<T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[] }>;
}

export function observeRoundTrips(orm: Orm): RoundTrips {
  const client = (orm.em.getConnection().getKnex() as unknown as { client: { acquireConnection(): Promise<Conn> } }).client;
  const acquire = client.acquireConnection.bind(client);
  const wrapped = new WeakSet<Conn>();
  let log: { conn: Conn; text: string }[] | null = null;
  client.acquireConnection = async () => {
    const conn = await acquire();
    if (!wrapped.has(conn)) {
      wrapped.add(conn);
      const query = conn.query.bind(conn);
      conn.query = (...args: unknown[]) => {
        const q = args[0] as string | { text: string };
        log?.push({ conn, text: typeof q === 'string' ? q : q.text });
        return query(...args);
      };
    }
    return conn;
  };
  return {
    async during(fn) {
      log = [];
      try {
        const result = await fn();
        return { result, statements: withoutChainer(log) };
      } finally {
        log = null;
      }
    },
  };
}

/** The statements minus the chainer's rounds: its take, the `begin` before it and the update after it on that connection. */
function withoutChainer(log: readonly { conn: Conn; text: string }[]): string[] {
  const drop = new Set<number>();
  log.forEach((entry, i) => {
    if (!entry.text.includes('audit_chain_take(')) return;
    drop.add(i);
    const before = log.slice(0, i).findLastIndex((e) => e.conn === entry.conn);
    if (before >= 0 && log[before].text === 'begin') drop.add(before);
    const after = log.findIndex((e, k) => k > i && e.conn === entry.conn);
    if (after >= 0 && /commit\s*$/.test(log[after].text)) drop.add(after);
  });
  return log.filter((_, i) => !drop.has(i)).map((e) => e.text);
}
