/**
 * The embedded default: PGlite (PostgreSQL compiled to WASM) with its data under DATA_DIR, served on a
 * loopback port by pglite-socket so that MikroORM, BullMQ and psql use the ordinary PostgreSQL protocol.
 * A new user needs Node.js only.
 */
import { mkdirSync } from 'node:fs';
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
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dataDir: dir,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}
