/**
 * The one way to run raw SQL: a `Tx` (`$1`-style parameters, rows as plain objects) on a raw pg
 * connection of the ORM's knex pool. Two ways to get one:
 * - `TxRunner` (the engine's hot path): one pooled connection per event, BEGIN/COMMIT by hand, named
 *   prepared statements, and `beforeCommit` SQL sent in the COMMIT message. Going through the ORM's unit of
 *   work for every chat message would cost more than the messages themselves.
 * - `txOf(em)` (jobs, set-up, delivery): the connection of `em`'s current MikroORM transaction, so raw
 *   statements and entity-style code commit together; outside a transaction each statement autocommits on
 *   a pooled connection.
 * Bulk statements send their rows as one JSON parameter (`jsonb_to_recordset($1::jsonb)`, see `asJson`), so
 * a 10,000-row batch costs one round trip and no escaping.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { isSingleSession, type Orm } from './orm.js';

/** A database session, inside a transaction or autocommitting. `$1`-style parameters, rows as plain objects. */
export interface Tx {
  /**
   * `once`: the text is built for this call only (a batch of events): sent unnamed, so the session does not
   * keep a prepared statement per shape. Otherwise hot-path statements are prepared once per connection.
   */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[], opts?: { once?: boolean }): Promise<T[]>;
  /** Number of rows an UPDATE/INSERT/DELETE touched. */
  exec(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * Inside a `TxRunner` transaction: SQL (literals already escaped with `sqlLiteral`) sent in the same
   * message as COMMIT, so a lock it takes is held for no client round trip at all. A `txOf(em)` session
   * cannot see its COMMIT and throws: run the statement with `exec` instead.
   */
  beforeCommit(sql: string): void;
}

/** A string as a PostgreSQL literal (the same rule as pg's escapeLiteral). */
export function sqlLiteral(value: string): string {
  const quoted = `'${value.replace(/'/g, "''")}'`;
  return value.includes('\\') ? ` E${quoted.replace(/\\/g, '\\\\')}` : quoted;
}

/** Serialises rows for `jsonb_to_recordset($n::jsonb)`: one parameter however many rows. */
export function asJson(rows: readonly object[]): string {
  return JSON.stringify(rows);
}

/** `['1','2']` -> `{1,2}`: a PostgreSQL array literal for `$n::int[]` / `$n::bigint[]`. */
export function pgArray(values: readonly (string | number)[]): string {
  return `{${values.join(',')}}`;
}

/** Splits `items` into consecutive chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

interface PgClient {
  query(sql: string | { name?: string; text: string; values?: unknown[] }, params?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
  /** node-postgres's record of the statements this client parsed (name -> text); see `SharedStatements`. */
  connection?: { parsedStatements?: Record<string, string> };
}

const names = new Map<string, string>();

/**
 * A hot-path statement as a named prepared statement: PostgreSQL then plans it once per connection instead
 * of on every message (planning the one-statement read cost more than executing it). The name is a hash of
 * the text, so two texts never share a name.
 */
function prepared(sql: string, params?: readonly unknown[]): { name?: string; text: string; values: unknown[] } {
  let name = names.get(sql);
  if (!name) {
    name = `kb_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    names.set(sql, name);
  }
  return { name, text: sql, values: (params ?? []) as unknown[] };
}

function unnamed(sql: string, params?: readonly unknown[]): { text: string; values: unknown[] } {
  return { text: sql, values: (params ?? []) as unknown[] };
}

/**
 * Named statements on a session that every pooled connection shares (the embedded PGlite behind
 * pglite-socket). A statement parsed through one connection exists for all of them, but node-postgres
 * remembers parsed statements per client and would send Parse again from another one ("prepared statement
 * already exists"). So the first use of a text parses it while later users wait for that parse, and then
 * each client is told the statement exists (its `parsedStatements`) and sends Bind/Execute only: on PGlite
 * parsing and planning the big hot-path statements on every message cost more than running them.
 *
 * Names carry a tag of this process: another process (the CLI beside `npm start`) reaches the same session
 * through the same server and must not find its names taken.
 */
class SharedStatements {
  private readonly ready = new Set<string>();
  private readonly parsing = new Map<string, Promise<unknown>>();
  private readonly names = new Map<string, string>();
  private readonly tag = randomBytes(4).toString('hex');

  async query(conn: PgClient, sql: string, params?: readonly unknown[]): Promise<Awaited<ReturnType<PgClient['query']>>> {
    const parsed = conn.connection?.parsedStatements;
    // A node-postgres without this record (a future version): unnamed statements, as before.
    if (!parsed || typeof parsed !== 'object') return conn.query(unnamed(sql, params));
    let name = this.names.get(sql);
    if (!name) {
      name = `kb_${this.tag}_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
      this.names.set(sql, name);
    }
    const q = { name, text: sql, values: (params ?? []) as unknown[] };
    for (;;) {
      if (this.ready.has(name)) {
        parsed[name] = sql;
        return conn.query(q);
      }
      const pending = this.parsing.get(name);
      if (!pending) break;
      // Another connection's Parse of this text is on its way: sending ours now would fail.
      await pending.catch(() => undefined);
    }
    const first = conn.query(q);
    this.parsing.set(name, first);
    try {
      return await first;
    } finally {
      this.parsing.delete(name);
      // Set by node-postgres on ParseComplete: the statement exists even when its execution failed.
      if (parsed[name] !== undefined) this.ready.add(name);
    }
  }
}

const sharedSessions = new WeakMap<Orm, SharedStatements>();

interface KnexClientLike {
  acquireConnection(): Promise<PgClient>;
  releaseConnection(conn: PgClient): Promise<void>;
}

/** The knex client of the ORM's pool, or of `em`'s transaction (its acquireConnection yields that transaction's connection). */
function knexClientOf(em: EntityManager): KnexClientLike {
  const trx = em.getTransactionContext<object>();
  const source = trx ?? em.getConnection().getKnex();
  return (source as unknown as { client: KnexClientLike }).client;
}

/** Runs transactions on the ORM's pool without the ORM's overhead. */
export class TxRunner {
  private readonly client: KnexClientLike;
  /**
   * Named statements live in a PostgreSQL session. On the embedded PGlite every pooled connection shares
   * one session: there the connections share its statements (`SharedStatements`, one per ORM).
   */
  private readonly shared: SharedStatements | null;

  constructor(orm: Orm) {
    let shared = sharedSessions.get(orm) ?? null;
    if (!shared && isSingleSession(orm)) sharedSessions.set(orm, (shared = new SharedStatements()));
    this.shared = shared;
    // Borrowing a raw connection shares the pool size the ORM was configured with, which also keeps the
    // embedded PGlite (one connection at a time) happy.
    this.client = (orm.em.getConnection().getKnex() as unknown as { client: KnexClientLike }).client;
  }

  /**
   * Holds one pooled connection for `fn`: its statements autocommit unless run inside `transaction`. One
   * event is handled on one connection, so the pool is asked once per event, not once per statement.
   */
  async session<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    const conn = await this.client.acquireConnection();
    try {
      return await fn(sessionOn(conn, this.shared));
    } finally {
      await this.client.releaseConnection(conn);
    }
  }

  /** Runs `fn` in BEGIN/COMMIT on its own connection; rolls back and rethrows on any error. */
  async run<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    return this.session((s) => s.transaction(fn));
  }
}

/** One connection: autocommit statements, or a transaction. */
export interface Session extends Tx {
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
}

function sessionOn(conn: PgClient, shared: SharedStatements | null): Session {
  const run = (sql: string, params?: readonly unknown[]) => (shared ? shared.query(conn, sql, params) : conn.query(prepared(sql, params)));
  let tail: string[] | null = null;
  const tx: Tx = {
    beforeCommit(sql: string) {
      if (!tail) throw new Error('beforeCommit outside a transaction: nothing would commit it');
      tail.push(sql);
    },
    async query<R>(sql: string, params?: readonly unknown[], opts?: { once?: boolean }) {
      return (await (opts?.once ? conn.query(unnamed(sql, params)) : run(sql, params))).rows as R[];
    },
    async exec(sql: string, params?: readonly unknown[]) {
      return (await run(sql, params)).rowCount ?? 0;
    },
  };
  return {
    ...tx,
    async transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
      await conn.query('begin');
      tail = [];
      try {
        const out = await fn(tx);
        // One simple-protocol message; in READ COMMITTED each statement still takes its own snapshot.
        await conn.query([...tail, 'commit'].join(';\n'));
        return out;
      } catch (err) {
        await conn.query('rollback').catch(() => undefined);
        throw err;
      } finally {
        tail = null;
      }
    },
  };
}

/**
 * Raw SQL beside the ORM: in `em`'s current transaction when it has one (so the statements commit with the
 * entity changes), else each statement autocommits on a pooled connection. Statements are sent unnamed:
 * these are bulk and administrative statements, not the hot path.
 */
export function txOf(em: EntityManager): Tx {
  const run = async (sql: string, params?: readonly unknown[]) => {
    // Looked up per statement: the same `em` may enter and leave transactions.
    const client = knexClientOf(em);
    const conn = await client.acquireConnection();
    try {
      return await conn.query(unnamed(sql, params));
    } finally {
      await client.releaseConnection(conn);
    }
  };
  return {
    async query<R>(sql: string, params?: readonly unknown[]) {
      return (await run(sql, params)).rows as R[];
    },
    async exec(sql: string, params?: readonly unknown[]) {
      return (await run(sql, params)).rowCount ?? 0;
    },
    beforeCommit() {
      throw new Error('beforeCommit needs a TxRunner transaction; run the statement with exec instead');
    },
  };
}

/** Runs `fn` in a MikroORM transaction (joining `em`'s if it has one) with a `Tx` on the same connection. */
export async function transaction<T>(em: EntityManager, fn: (tx: Tx, em: EntityManager) => Promise<T>): Promise<T> {
  if (em.getTransactionContext()) return fn(txOf(em), em);
  return em.transactional((t) => fn(txOf(t as EntityManager), t as EntityManager));
}
