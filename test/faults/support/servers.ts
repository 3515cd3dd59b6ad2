/**
 * Private servers the fault tests own and break: a PostgreSQL cluster (initdb/pg_ctl, run as the postgres
 * user, socket in /tmp, fsync off: durability against power loss is not what these tests measure) and a
 * redis-server without persistence, each on a spare port.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
/** The installed PostgreSQL's programs (Debian: /usr/lib/postgresql/<major>/bin, the newest major); PG_BIN overrides. */
const PG_BIN =
  process.env.PG_BIN ??
  join(
    '/usr/lib/postgresql',
    (existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql') : ['15']).sort((a, b) => Number(b) - Number(a))[0] ?? '15',
    'bin',
  );

/** A TCP port nobody listens on right now. */
export async function sparePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

function uidOf(user: string): Promise<{ uid: number; gid: number }> {
  return Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]).then(([u, g]) => ({ uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) }));
}

/** Runs a PostgreSQL binary as the postgres user (initdb refuses root). */
async function asPostgres(bin: string, args: string[]): Promise<void> {
  const asRoot = process.getuid?.() === 0;
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, bin), ...args]] : [join(PG_BIN, bin), args];
  await run(cmd, argv, { timeout: 60_000 });
}

export interface PrivatePostgres {
  port: number;
  /** URL of database `name` on this cluster. */
  url(name?: string): string;
  start(): Promise<void>;
  /** Fast shutdown: open connections are cut, as when the server is restarted. */
  stop(): Promise<void>;
  destroy(): Promise<void>;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'kinerja-faults-pg-'));
  const data = join(dir, 'data');
  const { uid, gid } = await uidOf('postgres');
  chownSync(dir, uid, gid);
  const port = await sparePort();
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`;
  let running = false;
  const self: PrivatePostgres = {
    port,
    url: (name = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${name}`,
    async start() {
      await asPostgres('pg_ctl', ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
      running = true;
    },
    async stop() {
      await asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
      running = false;
    },
    async destroy() {
      if (running) await self.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await self.start();
  return self;
}

/** Creates database `name` on the cluster. */
export async function createDatabase(server: PrivatePostgres, name: string): Promise<string> {
  const c = new pg.Client({ connectionString: server.url() });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  return server.url(name);
}

export interface PrivateRedis {
  port: number;
  url: string;
  stop(): Promise<void>;
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await sparePort();
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      const { stdout } = await run('redis-cli', ['-p', String(port), 'ping']);
      if (stdout.trim() === 'PONG') break;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

/** Runs a redis-cli command against the private Redis. */
export async function redisCli(redis: PrivateRedis, ...args: string[]): Promise<string> {
  const { stdout } = await run('redis-cli', ['-p', String(redis.port), ...args]);
  return stdout.trim();
}
