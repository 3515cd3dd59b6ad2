/**
 * The embedded default: PGlite (PostgreSQL compiled to WASM) with its data under DATA_DIR, served on a
 * loopback port by pglite-socket so that MikroORM, BullMQ and psql use the ordinary PostgreSQL protocol.
 * The ORM of the process that runs it skips the loopback: its connections are in-process streams
 * (`connect`) that speak the same protocol to the same queue. A new user needs Node.js only.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Duplex } from 'node:stream';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketHandler, PGLiteSocketServer } from '@electric-sql/pglite-socket';

export interface EmbeddedDatabase {
  url: string;
  dataDir: string;
  /**
   * A new connection to the database from inside this process, for node-postgres's `stream` option (see
   * `OrmOptions.stream`): the same protocol as a client of `url`, without the loopback socket.
   */
  connect(): Duplex;
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
  const db = await PGlite.create({
    dataDir: dir,
    // Without PGlite's own parameters to add to (a future version), its defaults as they are.
    ...(PGLITE_START_PARAMS ? { startParams: [...PGLITE_START_PARAMS, '-c', `max_wal_size=${WAL_KEPT_MB}MB`, '-c', `min_wal_size=${WAL_KEPT_MB / 2}MB`] } : {}),
  });
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: opts.port ?? 0, maxConnections: opts.maxConnections ?? 64 });
  let port = 0;
  server.addEventListener('listening', (e) => {
    port = (e as CustomEvent<{ port: number }>).detail.port;
  });
  const { betweenCycles, queue } = serialiseProtocolCycles(server);
  const inProcess = new Set<InProcessConnection>();
  await server.start();
  const vacuuming = startVacuuming(db, betweenCycles);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  // PGlite is single-process: a second process must connect through this server, never open the files.
  const marker = dir.startsWith('memory://') ? undefined : join(dir, SERVER_MARKER);
  if (marker) writeFileSync(marker, JSON.stringify({ url, pid: process.pid }));
  return {
    url,
    dataDir: dir,
    connect() {
      const conn = new InProcessConnection(queue);
      inProcess.add(conn);
      conn.once('close', () => inProcess.delete(conn));
      return conn;
    },
    async stop() {
      await vacuuming.stop();
      for (const conn of inProcess) conn.destroy();
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
  /** Rolls back the session's transaction when `handlerId` holds it (pglite-socket does it for a client that left). */
  clearTransactionIfNeeded(handlerId: number): Promise<void>;
  enqueue(handlerId: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number>;
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
function serialiseProtocolCycles(server: PGLiteSocketServer): { betweenCycles: BetweenCycles; queue: QueryQueue } {
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
              // PGlite's syncToFs copies an in-memory file system to persistent storage (the browser's); on
              // Node (NodeFS, MemoryFS) it does nothing but take another lock per call: PostgreSQL's writes
              // already went to the data directory's files (write(2), as with `npm start` before).
              syncToFs: false,
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
  const betweenCycles: BetweenCycles = (job) =>
    new Promise<void>((resolve, reject) => {
      q.queue.push({ handlerId: MAINTENANCE_HANDLER, message: new Uint8Array(0), resolve: () => resolve(), reject, onData: () => undefined, job });
      void q.processQueue();
    });
  return { betweenCycles, queue: q };
}

/** How often the embedded server looks for tables to vacuum and for WAL to checkpoint. */
const VACUUM_CHECK_MS = 1_000;

/**
 * WAL the embedded database keeps (MB). Single-user PostgreSQL has no checkpointer: without checkpoints its
 * WAL only grows (measured: 268 MB of WAL for 200 MB written, all kept), and a checkpoint keeps up to
 * max_wal_size of recycled segments (PostgreSQL's default 1 GB), so `npm start`'s data directory would grow
 * by a gigabyte of WAL nobody needs. So the server checkpoints after every WAL_KEPT_MB / 2 written, and a
 * checkpoint keeps about WAL_KEPT_MB.
 */
export const WAL_KEPT_MB = 64;

/** PGlite's own start parameters (single-user mode, fsync off, ...), which ours are added to. */
const PGLITE_START_PARAMS: readonly string[] | undefined = (PGlite as unknown as { defaultStartParams?: string[] }).defaultStartParams;

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
    // The checkpointer's job (see WAL_KEPT_MB).
    const wal = await db.query<{ mb: number }>(`select pg_wal_lsn_diff(pg_current_wal_lsn(), redo_lsn)::float8 / 1048576 as mb from pg_control_checkpoint()`);
    if ((wal.rows[0]?.mb ?? 0) > WAL_KEPT_MB / 2) await db.exec('checkpoint');
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
      const end = wholeMessagesEnd(buf);
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

/**
 * Where the complete messages at the start of `buf` end, as one call to PGlite: every whole typed message
 * (node-postgres writes a query's messages at once), but a startup packet and a Terminate alone (PGlite
 * looks for them only at the start of a call). 0 while the first message is still incomplete.
 */
function wholeMessagesEnd(buf: Buffer): number {
  if (buf.length < 5) return 0;
  if (buf[0] === 0) {
    // A startup packet (or an SSL or cancel request): its length counts itself, and no type byte comes first.
    if (buf.length < 8 || buf.length < buf.readInt32BE(0)) return 0;
    return buf.readInt32BE(0);
  }
  let end = 0;
  while (end + 5 <= buf.length) {
    const type = buf[end];
    const len = 1 + buf.readInt32BE(end + 1);
    if (end + len > buf.length || (type === TERMINATE && end > 0)) break;
    end += len;
    if (type === TERMINATE) break;
  }
  return end;
}

/** A simple-protocol BEGIN as node-postgres (`begin`, TxRunner) and knex (`BEGIN;`) send it. */
function isBegin(message: Buffer): boolean {
  if (message[0] !== QUERY || message.length > 12) return false;
  const text = message.toString('latin1', 5, message.length - 1);
  return text === 'begin' || text === 'BEGIN;' || text === 'BEGIN' || text === 'begin;';
}

/** What PostgreSQL answers to BEGIN: CommandComplete "BEGIN", then ReadyForQuery in a transaction ('T'). */
const BEGIN_REPLY = Buffer.from([0x43, 0, 0, 0, 10, ...Buffer.from('BEGIN\0', 'latin1'), 0x5a, 0, 0, 0, 5, 0x54]);

const READY_FOR_QUERY = 0x5a; // 'Z'
const IDLE = 0x49; // 'I': ReadyForQuery's status outside a transaction
const SSL_REQUEST = 80877103;
const CANCEL_REQUEST = 80877102;

/** In-process connections take queue ids below the maintenance job's (pglite-socket's clients count up from 1). */
let nextInProcessId = MAINTENANCE_HANDLER - 1;

/**
 * One client connection inside this process: what node-postgres writes goes to the same queue as a
 * pglite-socket client's (so it keeps the session for its protocol cycle and its transaction, beside TCP
 * clients such as the CLI), and PGlite's reply comes back as one chunk per call. Measured on
 * `bench:engine --embedded`, the loopback socket (syscalls, pglite-socket's setImmediate hop per read, the
 * socket streams) cost more per message than anything but PGlite itself.
 *
 * Closing or destroying it (node-postgres's end(), a query_timeout) does what pglite-socket does for a
 * client that disconnects: its queued messages are dropped and a transaction it left open is rolled back,
 * so the shared session is never left inside someone else's transaction. Cancel requests are dropped:
 * PGlite runs one statement at a time on this thread, so there is nothing running to cancel by then.
 */
class InProcessConnection extends Duplex {
  private pending: Buffer = Buffer.alloc(0);
  /**
   * A client's BEGIN, answered at once and run by PGlite in the same call as the client's next message
   * (the transaction's first statement): one trip through the queue and PGlite fewer per transaction
   * (`TxRunner` sends BEGIN on its own before every event). Nothing can tell the difference: the
   * transaction's snapshot and locks start with its first statement either way, and until then the session
   * is not inside it, so other clients' messages run as they would have before it.
   */
  private deferredBegin: Buffer | null = null;
  /** Outside a transaction, as the last ReadyForQuery said: only then is a BEGIN deferred (inside one it warns). */
  private idle = true;
  private readonly id = nextInProcessId--;
  private released = false;

  constructor(private readonly q: QueryQueue) {
    super();
  }

  // The net.Socket methods node-postgres calls; nothing to set up in-process.
  connect(): this {
    process.nextTick(() => this.emit('connect'));
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }

  override _read(): void {
    // Replies are pushed as PGlite produces them.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    this.run().then(() => done(), done);
  }

  /**
   * node-postgres corks the stream around a query's messages (Bind, Describe, Execute, Sync): they arrive
   * here together, and go to PGlite in one call as over the socket (one call per message cost 2.4 calls a
   * query more).
   */
  override _writev(chunks: { chunk: Buffer }[], done: (err?: Error | null) => void): void {
    this.pending = Buffer.concat([this.pending, ...chunks.map((c) => c.chunk)]);
    this.run().then(() => done(), done);
  }

  private async run(): Promise<void> {
    for (;;) {
      const end = wholeMessagesEnd(this.pending);
      if (end === 0) return;
      const message = this.pending.subarray(0, end);
      this.pending = this.pending.subarray(end);
      if (message[0] === TERMINATE) return; // end() follows: _final releases the session
      if (message[0] === 0 && end === 8 && message.readInt32BE(4) === SSL_REQUEST) {
        this.push(Buffer.from('N'));
        continue;
      }
      if (message[0] === 0 && end === 16 && message.readInt32BE(4) === CANCEL_REQUEST) {
        this.end();
        return;
      }
      if (this.idle && !this.deferredBegin && isBegin(message)) {
        // Answered here and sent with the transaction's first statement (see `deferredBegin`).
        this.deferredBegin = Buffer.from(message);
        this.idle = false;
        this.push(BEGIN_REPLY);
        continue;
      }
      const begin = this.deferredBegin;
      this.deferredBegin = null;
      const replies: Buffer[] = [];
      // PGlite hands over views of its memory: copied before the next call overwrites them.
      await this.q.enqueue(this.id, begin ? Buffer.concat([begin, message]) : new Uint8Array(message), (bytes) => replies.push(Buffer.from(bytes)));
      if (this.released) return;
      let reply = replies.length === 1 ? replies[0]! : Buffer.concat(replies);
      if (begin) {
        // The client was told BEGIN succeeded: PGlite's own answer to it is dropped, and anything else
        // than that answer (it cannot fail, but if it did the statements after it would run outside a
        // transaction) ends the connection instead of going unseen.
        if (!reply.subarray(0, BEGIN_REPLY.length).equals(BEGIN_REPLY)) throw new Error('the embedded database did not begin a transaction where the client was told it had');
        reply = reply.subarray(BEGIN_REPLY.length);
      }
      // ReadyForQuery ends the reply to a whole cycle: its last byte says whether a transaction is open.
      if (reply.length >= 6 && reply[reply.length - 6] === READY_FOR_QUERY) this.idle = reply[reply.length - 1] === IDLE;
      // Through the event loop, not straight on: with promises only, a busy process would never get back to
      // its timers (measured: the audit chainer's and the inbox's timers did not fire for a whole benchmark).
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.released) return;
      if (reply.length) this.push(reply);
    }
  }

  override _final(done: (err?: Error | null) => void): void {
    this.release().then(() => {
      this.push(null);
      done();
    }, done);
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.release().then(
      () => done(err),
      () => done(err),
    );
  }

  private async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    this.q.clearQueueForHandler(this.id);
    await this.q.clearTransactionIfNeeded(this.id);
  }
}
