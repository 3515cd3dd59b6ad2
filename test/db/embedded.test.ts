/**
 * The embedded PGlite's in-process connections (`EmbeddedDatabase.connect`, what the ORM of `npm start`
 * uses): the same PostgreSQL protocol and the same one session as a client of the loopback server (the CLI
 * beside `npm start`), with errors, notices, transactions and clients that go away behaving as PostgreSQL's.
 */
import { once } from 'node:events';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedDatabase, WAL_KEPT_MB, type EmbeddedDatabase } from '../../src/db/embedded.js';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('embedded PGlite: in-process connections', () => {
  let db: EmbeddedDatabase;
  const clients: pg.Client[] = [];
  /** A client inside this process (as the ORM's pool), or through the loopback server (as the CLI). */
  const open = async (via: 'in-process' | 'tcp'): Promise<pg.Client> => {
    const client = via === 'tcp' ? new pg.Client({ connectionString: db.url }) : new pg.Client({ user: 'postgres', database: 'postgres', stream: () => db.connect() });
    client.on('error', () => undefined); // a client whose connection is taken away below
    await client.connect();
    clients.push(client);
    return client;
  };
  const count = async (c: pg.Client, table: string) => Number((await c.query<{ n: string }>(`select count(*) as n from ${table}`)).rows[0]!.n);

  beforeAll(async () => {
    db = await startEmbeddedDatabase({ dataDir: 'memory://' });
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) await c.end().catch(() => undefined);
    await db?.stop();
  });

  it('runs queries with parameters and named statements, and shares the one database with loopback clients', async () => {
    const a = await open('in-process');
    const cli = await open('tcp');
    await a.query('create table t_share (k int primary key, v text)');
    await a.query({ name: 'ins_share', text: 'insert into t_share values ($1, $2)', values: [1, 'one'] });
    await a.query({ name: 'ins_share', text: 'insert into t_share values ($1, $2)', values: [2, 'two'] });
    expect((await cli.query('select k, v from t_share order by k')).rows).toEqual([
      { k: 1, v: 'one' },
      { k: 2, v: 'two' },
    ]);
    // A statement the loopback client sends while the in-process one is inside a transaction waits for it.
    await a.query('begin');
    await a.query('insert into t_share values (3, $1)', ['three']);
    const seen = count(cli, 't_share');
    await a.query('commit');
    expect(await seen).toBe(3);
  });

  it('reports a failed statement as PostgreSQL does, and the connection and the session go on', async () => {
    const a = await open('in-process');
    const b = await open('in-process');
    await a.query('create table t_err (k int primary key)');
    await a.query('insert into t_err values (1)');
    await expect(a.query('insert into t_err values ($1)', [1])).rejects.toMatchObject({ code: '23505' });
    await expect(a.query('select * from no_such_table')).rejects.toMatchObject({ code: '42P01' });
    // In a transaction: the failed statement aborts it until ROLLBACK, and other clients are not held.
    await a.query('begin');
    await expect(a.query('insert into t_err values (1)')).rejects.toMatchObject({ code: '23505' });
    await expect(a.query('select 1')).rejects.toMatchObject({ code: '25P02' });
    await a.query('rollback');
    await b.query('insert into t_err values (2)');
    expect(await count(a, 't_err')).toBe(2);
  });

  it('passes notices to the client', async () => {
    const a = await open('in-process');
    const notices: string[] = [];
    a.on('notice', (n) => notices.push(n.message ?? ''));
    await a.query(`do $$ begin raise notice 'hello from the session'; end $$`);
    expect(notices).toEqual(['hello from the session']);
  });

  it('a transaction is one: rolled back as a whole, and BEGIN twice warns as PostgreSQL does', async () => {
    const a = await open('in-process');
    const cli = await open('tcp');
    await a.query('create table t_tx (v text)');
    await a.query('begin');
    await a.query(`insert into t_tx values ('lost')`);
    await a.query('rollback');
    await a.query('begin');
    await a.query('commit'); // an empty transaction
    await a.query('BEGIN;');
    const xid = (await a.query<{ x: string }>('select txid_current()::text as x')).rows[0]!.x;
    await a.query(`insert into t_tx values ('kept')`);
    expect((await a.query<{ x: string }>('select txid_current()::text as x')).rows[0]!.x).toBe(xid);
    const warnings: string[] = [];
    a.on('notice', (n) => warnings.push(n.message ?? ''));
    await a.query('begin');
    expect(warnings).toEqual(['there is already a transaction in progress']);
    await a.query('commit');
    expect((await cli.query('select v from t_tx')).rows).toEqual([{ v: 'kept' }]);
  });

  it('a client that goes away inside a transaction leaves nothing behind: its work is rolled back and the others go on', async () => {
    const cli = await open('tcp');
    await cli.query('create table t_gone (v text)');
    for (const leave of ['end', 'destroy'] as const) {
      const a = await open('in-process');
      await a.query('begin');
      await a.query(`insert into t_gone values ('${leave}')`);
      // Queued behind a's transaction when a goes away.
      const waiting = cli.query(`insert into t_gone values ('after ${leave}')`);
      const stream = (a as unknown as { connection: { stream: NodeJS.ReadWriteStream & { destroy(): void } } }).connection.stream;
      if (leave === 'end') await a.end();
      else {
        stream.destroy();
        await once(stream, 'close');
      }
      await waiting;
    }
    expect((await cli.query('select v from t_gone order by v')).rows).toEqual([{ v: 'after destroy' }, { v: 'after end' }]);
    // The session is not left inside a transaction.
    const b = await open('in-process');
    await b.query('begin');
    await b.query('commit');
  });

  it('a cancel request is taken and closed (nothing runs to cancel: PGlite runs one statement at a time on this thread)', async () => {
    const conn = db.connect();
    const request = Buffer.alloc(16);
    request.writeInt32BE(16, 0);
    request.writeInt32BE(80877102, 4);
    conn.resume();
    conn.write(request);
    await once(conn, 'close');
    const a = await open('in-process');
    expect((await a.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it("a client kept busy does not keep the process from its timers (the inbox's and the audit chainer's run meanwhile)", async () => {
    const a = await open('in-process');
    let fired = 0;
    const timer = setInterval(() => fired++, 5);
    try {
      // Back-to-back queries for a while, as the engine works through a backlog.
      const until = Date.now() + 300;
      let queries = 0;
      while (Date.now() < until) {
        await a.query('select $1::int as n', [queries]);
        queries++;
      }
      expect(queries).toBeGreaterThan(10);
      expect(fired).toBeGreaterThan(0);
    } finally {
      clearInterval(timer);
    }
  });
});

describe('embedded PGlite on disk: WAL', () => {
  it("keeps its WAL near WAL_KEPT_MB however much is written (single-user PostgreSQL has no checkpointer: npm start's data directory grew by all the WAL ever written)", { timeout: 180_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'kinerja-wal-'));
    const db = await startEmbeddedDatabase({ dataDir });
    const client = new pg.Client({ user: 'postgres', database: 'postgres', stream: () => db.connect() });
    const walMb = () => {
      const dir = join(db.dataDir, 'pg_wal');
      return readdirSync(dir).filter((f) => /^[0-9A-F]{24}$/.test(f)).reduce((sum, f) => sum + statSync(join(dir, f)).size, 0) / 1048576;
    };
    try {
      await client.connect();
      await client.query('create table filler (id serial primary key, v text not null)');
      // About 3 x WAL_KEPT_MB of WAL, written in steps so the server's checks run in between.
      let written = 0;
      while (written < 3 * WAL_KEPT_MB) {
        const before = (await client.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn')).rows[0]!.lsn;
        await client.query(`insert into filler (v) select repeat('x', 500) from generate_series(1, 20000)`);
        written += Number((await client.query<{ mb: number }>(`select pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8 / 1048576 as mb`, [before])).rows[0]!.mb);
        await new Promise((r) => setTimeout(r, 1_100));
      }
      expect(written).toBeGreaterThan(3 * WAL_KEPT_MB);
      expect(walMb()).toBeLessThanOrEqual(WAL_KEPT_MB + 32);
      expect(Number((await client.query<{ n: string }>('select count(*) as n from filler')).rows[0]!.n)).toBeGreaterThan(0);
    } finally {
      await client.end().catch(() => undefined);
      await db.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
