/**
 * Counts database round trips: every `query` call on a connection of the ORM's pool (the engine's TxRunner
 * borrows its connections from there). node-postgres sends one query at a time and waits for its answer, so a
 * call is one round trip. Only the pool's real connections are observed; none of our modules is replaced.
 */
import type { Orm } from '../../src/db/orm.js';

interface Conn {
  query: (...args: unknown[]) => unknown;
}

export interface RoundTrips {
  /** Runs `fn` and returns the SQL text of every round trip made meanwhile, in order. */
  during<T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[] }>;
}

export function observeRoundTrips(orm: Orm): RoundTrips {
  const client = (orm.em.getConnection().getKnex() as unknown as { client: { acquireConnection(): Promise<Conn> } }).client;
  const acquire = client.acquireConnection.bind(client);
  const wrapped = new WeakSet<Conn>();
  let log: string[] | null = null;
  client.acquireConnection = async () => {
    const conn = await acquire();
    if (!wrapped.has(conn)) {
      wrapped.add(conn);
      const query = conn.query.bind(conn);
      conn.query = (...args: unknown[]) => {
        const q = args[0] as string | { text: string };
        log?.push(typeof q === 'string' ? q : q.text);
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
        return { result, statements: log };
      } finally {
        log = null;
      }
    },
  };
}
