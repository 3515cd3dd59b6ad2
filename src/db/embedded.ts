/**
 * The embedded default: PGlite (PostgreSQL compiled to WASM) with its data under DATA_DIR, served on a
 * loopback port by pglite-socket so that MikroORM, BullMQ and psql use the ordinary PostgreSQL protocol.
 * A new user needs Node.js only.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler, PGLiteSocketServer } from '@electric-sql/pglite-socket';

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
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: opts.port ?? 0, maxConnections: opts.maxConnections ?? 64 });
  let port = 0;
  server.addEventListener('listening', (e) => {
    port = (e as CustomEvent<{ port: number }>).detail.port;
  });
  const betweenCycles = serialiseProtocolCycles(server);
  await server.start();
  const vacuuming = startVacuuming(db, betweenCycles);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  // PGlite is single-process: a second process must connect through this server, never open the files.
  const marker = dir.startsWith('memory://') ? undefined : join(dir, SERVER_MARKER);
  if (marker) writeFileSync(marker, JSON.stringify({ url, pid: process.pid }));
  return {
    url,
    dataDir: dir,
    async stop() {
      await vacuuming.stop();
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

/** The parts of pglite-socket's (unexported) query queue that `serialiseProtocolCycles` replaces. */
interface QueuedMessage {
  handlerId: number;
  message: Uint8Array;
  resolve(bytes: number): void;
  reject(err: unknown): void;
  onData(data: Uint8Array): void;
  /** Ours, not a client's message: work on the session between clients' cycles (see `betweenCycles`). */
  job?: () => Promise<void>;
}

/** Runs `job` on the session when no client is in the middle of a protocol cycle or a transaction. */
type BetweenCycles = (job: () => Promise<void>) => Promise<void>;

/** The queue's handler id of `betweenCycles` jobs (pglite-socket numbers its clients from 1). */
const MAINTENANCE_HANDLER = -1;
interface QueryQueue {
  queue: QueuedMessage[];
  processing: boolean;
  lastHandlerId: number | null;
  db: PGlite;
  processQueue(): Promise<void>;
  clearQueueForHandler(handlerId: number): void;
}

const SYNC = 0x53; // 'S': ends an extended-protocol cycle
const QUERY = 0x51; // 'Q': a simple query is a whole cycle
const TERMINATE = 0x58; // 'X'

/**
 * pglite-socket multiplexes every client onto PGlite's single session and interleaves clients message by
 * message. With the extended protocol (Parse/Bind/Execute/Sync, what node-postgres sends for parameterised
 * queries) two clients then overwrite each other's unnamed prepared statement ("unnamed prepared statement
 * does not exist"). This replaces the queue's scheduler so a client keeps the session from its first
 * message until its cycle ends (Sync or a simple Query), and for a whole transaction, as before. It also
 * releases a client that disconnects mid-cycle, and never leaves the queue stuck after a failed message.
 *
 * Upstream: both defects are reported in https://github.com/electric-sql/pglite/issues/1046 (pglite-socket's
 * queue pins a client to the session only while a transaction is open, so extended-protocol batches from
 * two connections interleave; and a message that throws returns without clearing `processing`, so the
 * queue never runs again). https://github.com/electric-sql/pglite/pull/977 proposes the same fix for the
 * first (keep a client's ownership until ReadyForQuery). Both were open when this was written, and
 * pglite-socket 0.2.17 still has the old scheduler: drop this once a release fixes them.
 */
function serialiseProtocolCycles(server: PGLiteSocketServer): BetweenCycles {
  passWholeWrites();
  const q = (server as unknown as { queryQueue: QueryQueue }).queryQueue;
  const midCycle = new Set<number>();
  q.processQueue = async function processQueue(this: QueryQueue): Promise<void> {
    if (this.processing || this.queue.length === 0) return;
    this.processing = true;
    try {
      while (this.queue.length > 0) {
        let index = 0;
        const owner = this.lastHandlerId;
        if (owner !== null && (midCycle.has(owner) || this.db.isInTransaction())) {
          index = this.queue.findIndex((m) => m.handlerId === owner);
          if (index === -1) break; // wait for the owner's next message
        }
        const item = this.queue.splice(index, 1)[0]!;
        if (item.job) {
          // Not under runExclusive: the job's db.query/db.exec take PGlite's query lock themselves.
          await item.job().then(() => item.resolve(0), item.reject);
          this.lastHandlerId = item.handlerId;
          continue;
        }
        let bytes = 0;
        try {
          await this.db.runExclusive(() =>
            this.db.execProtocolRawStream(item.message, {
              onRawData: (data: Uint8Array) => {
                bytes += data.length;
                item.onData(data);
              },
            }),
          );
        } catch (err) {
          midCycle.delete(item.handlerId);
          item.reject(err);
          continue;
        }
        const type = lastMessageType(item.message);
        if (type === SYNC || type === QUERY || type === TERMINATE || type === 0) midCycle.delete(item.handlerId);
        else midCycle.add(item.handlerId);
        this.lastHandlerId = item.handlerId;
        item.resolve(bytes);
      }
    } finally {
      this.processing = false;
    }
  };
  const clear = q.clearQueueForHandler.bind(q);
  q.clearQueueForHandler = (handlerId: number) => {
    clear(handlerId);
    midCycle.delete(handlerId);
    if (q.lastHandlerId === handlerId && !q.db.isInTransaction()) q.lastHandlerId = null;
    void q.processQueue();
  };
  return (job) =>
    new Promise<void>((resolve, reject) => {
      q.queue.push({ handlerId: MAINTENANCE_HANDLER, message: new Uint8Array(0), resolve: () => resolve(), reject, onData: () => undefined, job });
      void q.processQueue();
    });
}

/** How often the embedded server looks for tables to vacuum. */
const VACUUM_CHECK_MS = 1_000;

/**
 * PGlite runs PostgreSQL in single-user mode, where no autovacuum runs: without this, every updated or
 * deleted row would leave its dead version and index entries for good. The inbox shows it first: each
 * message makes its row pending and then done, so the partial index of pending rows keeps an entry for
 * every message ever stored, and claiming (which reads that index) grew slower with every message (9 ms a
 * claim on average over a 1,500-message bench run, and growing). So the server does autovacuum's job: every second, between
 * clients' cycles, it vacuums the tables with enough dead rows, index entries included (INDEX_CLEANUP ON: the
 * dead rows of a queue sit in a few pages, which plain VACUUM may judge too few to clean the indexes for).
 * The threshold is autovacuum's formula with lower numbers, so a busy queue table stays small while a big
 * table is vacuumed about as rarely as there.
 *
 * No ANALYZE (autovacuum's other job): measured on the bench, fresh statistics made PostgreSQL plan the
 * engine's read anew for most messages (custom plans, 1-10 ms each in WASM) instead of reusing its generic
 * plan; PGlite never analyzed before either.
 */
function startVacuuming(db: PGlite, betweenCycles: BetweenCycles): { stop(): Promise<void> } {
  let running: Promise<void> | null = null;
  const pass = async () => {
    const due = await db.query<{ rel: string }>(`select format('%I.%I', schemaname, relname) as rel from pg_stat_user_tables where n_dead_tup > 200 + 0.02 * n_live_tup`);
    for (const t of due.rows) await db.exec(`vacuum (index_cleanup on) ${t.rel}`);
  };
  const timer = setInterval(() => {
    if (running) return;
    // A failed pass (a table dropped meanwhile) is tried again at the next check.
    running = betweenCycles(pass)
      .catch(() => undefined)
      .finally(() => (running = null));
  }, VACUUM_CHECK_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}

/** The type byte of the last protocol message in `message` (0 for a startup packet, which has none). */
function lastMessageType(message: Uint8Array): number {
  if (message[0] === 0) return 0;
  const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
  let type = 0;
  for (let at = 0; at + 5 <= message.length; at += 1 + view.getInt32(at + 1)) type = message[at];
  return type;
}

/** The parts of pglite-socket's (exported, but private-typed) connection handler that `passWholeWrites` uses. */
interface SocketHandler {
  socket: { writable: boolean; write(data: Buffer): boolean } | null;
  active: boolean;
  messageBuffer: Buffer;
  id: number;
  queryQueue: { enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> };
  handleSslRequest(): boolean;
  handleCancelRequest(): boolean;
  inspectData(direction: string, data: Uint8Array): void;
  dispatchEvent(event: Event): boolean;
}

let wholeWrites = false;

/**
 * pglite-socket hands PGlite one protocol message at a time, and waits for each before it reads the next:
 * a parameterised query (Bind, Describe, Execute, Sync; Parse the first time) took four to five trips
 * through the queue, PGlite's lock and its message loop, each answered with a socket write of its own.
 * This reads every complete message a client wrote at once (node-postgres writes a query's messages in
 * one write) and passes them to PGlite in one call, which runs them in order as PostgreSQL would; replies
 * are the same bytes in the same order. A startup packet and a Terminate still go alone (PGlite looks for
 * them only at the start of a call). Replaces `handleData` of every pglite-socket connection in the process.
 */
function passWholeWrites(): void {
  if (wholeWrites) return;
  wholeWrites = true;
  (PGLiteSocketHandler.prototype as unknown as { handleData(this: SocketHandler, data: Buffer): Promise<number> }).handleData = async function handleData(this: SocketHandler, data: Buffer): Promise<number> {
    if (!this.socket || !this.active) return 0;
    this.messageBuffer = Buffer.concat([this.messageBuffer, data]);
    this.inspectData('incoming', data);
    let out = 0;
    const onData = (bytes: Uint8Array) => {
      if (bytes.length > 0 && this.socket?.writable && this.active) this.socket.write(Buffer.from(bytes));
      out += bytes.length;
    };
    while (this.messageBuffer.length > 0) {
      if (this.handleSslRequest() || this.handleCancelRequest()) continue;
      const buf = this.messageBuffer;
      let end = 0;
      if (buf[0] === 0) {
        // A startup packet (protocol 3.0 after the length; SSL and cancel requests were handled above): its
        // length counts itself, and no type byte comes first.
        if (buf.length < 8 || buf.length < buf.readInt32BE(0)) break;
        end = buf.readInt32BE(0);
      } else {
        while (end + 5 <= buf.length) {
          const type = buf[end];
          const len = 1 + buf.readInt32BE(end + 1);
          if (end + len > buf.length || (type === TERMINATE && end > 0)) break;
          end += len;
          if (type === TERMINATE) break;
        }
      }
      if (end === 0) break; // the rest of a message is still on its way
      const message = new Uint8Array(buf.subarray(0, end));
      this.messageBuffer = buf.subarray(end);
      if (!this.active || !this.socket) break;
      await this.queryQueue.enqueue(this.id, message, onData);
    }
    this.dispatchEvent(new CustomEvent('data', { detail: { incoming: data.length, outgoing: out } }));
    return out;
  };
}
