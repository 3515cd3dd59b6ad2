/**
 * The embedded default: PGlite (PostgreSQL compiled to WASM) with its data under DATA_DIR, served on a
 * loopback port by pglite-socket so that MikroORM, BullMQ and psql use the ordinary PostgreSQL protocol.
 * A new user needs Node.js only.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedDatabase {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

/** Starts PGlite on `dataDir` (`memory://` for a throw-away one) and serves it on 127.0.0.1:`port` (0 = any). */
export async function startEmbeddedDatabase(opts: { dataDir: string; port?: number; maxConnections?: number }): Promise<EmbeddedDatabase> {
  const running = opts.dataDir.startsWith('memory://') ? null : runningEmbeddedServer(opts.dataDir);
  if (running) throw new Error(`The embedded database in ${opts.dataDir} is in use by process ${running.pid}; stop it first, or set DATABASE_URL=${running.url} to share it.`);
  let dir = opts.dataDir;
  if (!dir.startsWith('memory://')) {
    dir = resolve(join(opts.dataDir, 'pglite'));
    mkdirSync(dir, { recursive: true });
  }
  const db = await PGlite.create(dir);
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: opts.port ?? 0, maxConnections: opts.maxConnections ?? 16 });
  let port = 0;
  server.addEventListener('listening', (e) => {
    port = (e as CustomEvent<{ port: number }>).detail.port;
  });
  await server.start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  // PGlite is single-process: a second process must connect through this server, never open the files.
  const marker = dir.startsWith('memory://') ? undefined : join(dir, SERVER_MARKER);
  if (marker) writeFileSync(marker, JSON.stringify({ url, pid: process.pid }));
  return {
    url,
    dataDir: dir,
    async stop() {
      await server.stop();
      await db.close();
      if (marker) rmSync(marker, { force: true });
    },
  };
}

const SERVER_MARKER = 'server.json';

/**
 * The URL of an embedded server another live process already serves from `dataDir`, if any. The CLI uses it
 * so HR commands work while `npm start` runs; a stale marker (its process is gone) is ignored.
 */
export function runningEmbeddedServer(dataDir: string): { url: string; pid: number } | null {
  try {
    const info = JSON.parse(readFileSync(join(resolve(join(dataDir, 'pglite')), SERVER_MARKER), 'utf8')) as { url: string; pid: number };
    if (info.pid === process.pid) return null;
    process.kill(info.pid, 0);
    return info;
  } catch {
    return null;
  }
}
