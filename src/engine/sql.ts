/**
 * The engine's own thin database access: one pooled pg client per transaction, borrowed from the ORM's
 * knex pool. The hot path is a handful of hand-written, indexed statements; going through the ORM's unit
 * of work for every chat message would cost more than the messages themselves.
 */
import { createHash } from 'node:crypto';
import { isSingleSession, type Orm } from '../db/orm.js';

/** A database session inside one transaction. `$1`-style parameters, rows as plain objects. */
export interface Tx {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  /** Number of rows an UPDATE/INSERT/DELETE touched. */
  exec(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * Inside a transaction: SQL (literals already escaped with `sqlLiteral`) sent in the same message as
   * COMMIT, so a lock it takes is held for no client round trip at all.
   */
  beforeCommit(sql: string): void;
}

/** A string as a PostgreSQL literal (the same rule as pg's escapeLiteral). */
export function sqlLiteral(value: string): string {
  const quoted = `'${value.replace(/'/g, "''")}'`;
  return value.includes('\\') ? ` E${quoted.replace(/\\/g, '\\\\')}` : quoted;
}

interface PgClient {
  query(sql: string | { name?: string; text: string; values?: unknown[] }, params?: readonly unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

const names = new Map<string, string>();

/**
 * Every engine statement runs as a named prepared statement: PostgreSQL then plans the hot-path
 * statements once per connection instead of on every message (planning the one-statement read cost more
 * than executing it). The name is a hash of the text, so two texts never share a name.
 */
function prepared(sql: string, params?: readonly unknown[]): { name?: string; text: string; values: unknown[] } {
  let name = names.get(sql);
  if (!name) {
    name = `kb_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`;
    names.set(sql, name);
  }
  return { name, text: sql, values: (params ?? []) as unknown[] };
}

interface KnexClientLike {
  acquireConnection(): Promise<PgClient>;
  releaseConnection(conn: PgClient): Promise<void>;
}

/** Runs transactions on the ORM's pool without the ORM's overhead. */
export class TxRunner {
  private readonly client: KnexClientLike;
  /**
   * Named statements live in a PostgreSQL session. On the embedded PGlite every pooled connection shares
   * one session, so a second connection preparing the same name would fail ("already exists"): there
   * statements are sent unnamed.
   */
  private readonly named: boolean;

  constructor(orm: Orm) {
    this.named = !isSingleSession(orm);
    // knex keeps its pg pool on `client`; borrowing a raw connection shares the pool size the ORM was
    // configured with, which also keeps the embedded PGlite (one connection at a time) happy.
    this.client = (orm.em.getConnection().getKnex() as unknown as { client: KnexClientLike }).client;
  }

  /**
   * Holds one pooled connection for `fn`: its statements autocommit unless run inside `transaction`. One
   * event is handled on one connection, so the pool is asked once per event, not once per statement.
   */
  async session<T>(fn: (session: Session) => Promise<T>): Promise<T> {
    const conn = await this.client.acquireConnection();
    try {
      return await fn(sessionOn(conn, this.named));
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

function sessionOn(conn: PgClient, named: boolean): Session {
  const statement = named ? prepared : (sql: string, params?: readonly unknown[]) => ({ text: sql, values: (params ?? []) as unknown[] });
  let tail: string[] | null = null;
  const tx: Tx = {
    beforeCommit(sql: string) {
      if (!tail) throw new Error('beforeCommit outside a transaction: nothing would commit it');
      tail.push(sql);
    },
    async query<R>(sql: string, params?: readonly unknown[]) {
      return (await conn.query(statement(sql, params))).rows as R[];
    },
    async exec(sql: string, params?: readonly unknown[]) {
      return (await conn.query(statement(sql, params))).rowCount ?? 0;
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
