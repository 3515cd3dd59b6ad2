/**
 * A local fake of Slack's Socket Mode endpoint: the WebSocket URL that `apps.connections.open` hands out.
 *
 * No WebSocket server package is installed, so this is a minimal RFC 6455 server on node:http's `upgrade`
 * event: the handshake (Sec-WebSocket-Accept), masked client frames in (text, ping, close, continuation),
 * unmasked server frames out. It plays Slack's side of the protocol: `hello` as soon as a client connects,
 * envelopes (`events_api`, `interactive`, `slash_commands`) pushed by the test, and the client's
 * acknowledgements (`{ envelope_id, payload }`) recorded and awaitable by envelope id.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';

/** RFC 6455 section 1.3: the GUID appended to the client's key. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
/** Where `apps.connections.open` points clients. */
export const FAKE_SOCKET_PATH = '/link';

const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

/** The close frame a peer sent: status code (1005 when none was given) and reason. */
export interface FakeSocketClose {
  code: number;
  reason: string;
}

/** What a client sent back for one envelope. */
export interface FakeSocketAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

/** Sec-WebSocket-Accept for a client's Sec-WebSocket-Key. */
export function websocketAccept(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

/** One server-to-client frame: FIN set, never masked (servers must not mask, RFC 6455 5.1). */
export function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  let header: Buffer;
  if (len < 126) {
    header = Buffer.from([0x80 | opcode, len]);
  } else if (len < 0x10000) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = 126;
    header.writeUInt16BE(len, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = 127;
    header.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([header, payload]);
}

interface Frame {
  fin: boolean;
  masked: boolean;
  opcode: number;
  payload: Buffer;
}

/** Reads one complete frame from the front of `buf`, unmasking it; null when more bytes are needed. */
function decodeFrame(buf: Buffer): { frame: Frame; rest: Buffer } | null {
  if (buf.length < 2) return null;
  const fin = (buf[0] & 0x80) !== 0;
  const opcode = buf[0] & 0x0f;
  const masked = (buf[1] & 0x80) !== 0;
  let len = buf[1] & 0x7f;
  let offset = 2;
  if (len === 126) {
    if (buf.length < 4) return null;
    len = buf.readUInt16BE(2);
    offset = 4;
  } else if (len === 127) {
    if (buf.length < 10) return null;
    len = Number(buf.readBigUInt64BE(2));
    offset = 10;
  }
  const maskLen = masked ? 4 : 0;
  if (buf.length < offset + maskLen + len) return null;
  const mask = masked ? buf.subarray(offset, offset + 4) : undefined;
  const payload = Buffer.from(buf.subarray(offset + maskLen, offset + maskLen + len));
  if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
  return { frame: { fin, masked, opcode, payload }, rest: buf.subarray(offset + maskLen + len) };
}

/** One client connected to the fake. */
export class FakeSocketConnection {
  /** Every text message the client sent, parsed as JSON where possible. */
  readonly received: unknown[] = [];
  /** Client pings answered with a pong. */
  pings = 0;
  /** The close frame the client sent, once it did. */
  closedByClient?: FakeSocketClose;
  /** True once the TCP connection is gone. */
  ended = false;
  /** Frames that broke the protocol (an unmasked client frame, a binary message): a test expects none. */
  readonly protocolErrors: string[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private closeSent = false;
  private readonly ackWaiters = new Map<string, { after: number; resolve: (ack: FakeSocketAck) => void }[]>();
  private readonly endWaiters: (() => void)[] = [];

  constructor(private readonly socket: Duplex) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => {
      this.ended = true;
      for (const w of this.endWaiters.splice(0)) w();
    });
    socket.on('error', () => undefined);
  }

  /** Sends one JSON text message, as Slack does for every envelope. */
  sendJson(message: unknown): void {
    this.socket.write(encodeFrame(OPCODE.text, Buffer.from(JSON.stringify(message), 'utf8')));
  }

  /**
   * Sends an envelope and resolves with the client's acknowledgement of its envelope_id that arrives after
   * this send (an envelope sent twice is acknowledged twice).
   */
  async deliver(envelope: { envelope_id: string }): Promise<FakeSocketAck> {
    const id = envelope.envelope_id;
    const before = this.acks().filter((a) => a.envelope_id === id).length;
    const acked = new Promise<FakeSocketAck>((resolve) => {
      const list = this.ackWaiters.get(id) ?? [];
      list.push({ after: before, resolve });
      this.ackWaiters.set(id, list);
    });
    this.sendJson(envelope);
    return acked;
  }

  /** Every acknowledgement received so far, in order. */
  acks(): FakeSocketAck[] {
    return this.received.filter((m): m is FakeSocketAck => typeof m === 'object' && m !== null && typeof (m as FakeSocketAck).envelope_id === 'string');
  }

  /** Resolves when the TCP connection has ended. */
  waitForEnd(): Promise<void> {
    if (this.ended) return Promise.resolve();
    return new Promise((resolve) => this.endWaiters.push(resolve));
  }

  /** Starts the closing handshake from the server side (Slack recycling a connection). */
  close(code = 1000, reason = ''): void {
    this.sendClose(code, reason);
  }

  /** Drops the TCP connection without a closing handshake. */
  destroy(): void {
    this.socket.destroy();
  }

  private sendClose(code: number, reason: string): void {
    if (this.closeSent) return;
    this.closeSent = true;
    const body = Buffer.alloc(2 + Buffer.byteLength(reason));
    body.writeUInt16BE(code, 0);
    body.write(reason, 2);
    this.socket.write(encodeFrame(OPCODE.close, body));
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (let next = decodeFrame(this.buffer); next; next = decodeFrame(this.buffer)) {
      this.buffer = next.rest;
      this.onFrame(next.frame);
    }
  }

  private onFrame(frame: Frame): void {
    // RFC 6455 5.1: every client-to-server frame is masked.
    if (!frame.masked) this.protocolErrors.push('unmasked client frame');
    switch (frame.opcode) {
      case OPCODE.ping:
        this.pings += 1;
        this.socket.write(encodeFrame(OPCODE.pong, frame.payload));
        return;
      case OPCODE.pong:
        return;
      case OPCODE.close: {
        const code = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
        this.closedByClient = { code, reason: frame.payload.subarray(2).toString('utf8') };
        // Echo the close (RFC 6455 5.5.1), then end the TCP connection: the server closes first.
        this.sendClose(code === 1005 ? 1000 : code, '');
        this.socket.end();
        return;
      }
      case OPCODE.binary:
        this.protocolErrors.push('binary message');
        return;
      case OPCODE.text:
      case OPCODE.continuation:
        this.fragments.push(frame.payload);
        if (frame.fin) this.onText(Buffer.concat(this.fragments.splice(0)).toString('utf8'));
        return;
      default:
        this.protocolErrors.push(`unknown opcode ${frame.opcode}`);
    }
  }

  private onText(text: string): void {
    let message: unknown = text;
    try {
      message = JSON.parse(text);
    } catch {
      // Kept as the raw string: a test can still see what arrived.
    }
    this.received.push(message);
    const id = typeof message === 'object' && message !== null ? (message as FakeSocketAck).envelope_id : undefined;
    if (typeof id === 'string') {
      const count = this.acks().filter((a) => a.envelope_id === id).length;
      const waiting = this.ackWaiters.get(id) ?? [];
      for (const w of waiting.filter((x) => count > x.after)) w.resolve(message as FakeSocketAck);
      this.ackWaiters.set(id, waiting.filter((x) => count <= x.after));
    }
  }
}

/** The fake Socket Mode server. */
export class FakeSlackSocket {
  /** Every connection ever accepted, in order. */
  readonly connections: FakeSocketConnection[] = [];
  /** The URL for `apps.connections.open` (`ws://127.0.0.1:<port>/link`). */
  url = '';
  private server?: Server;
  private readonly connectionWaiters: ((c: FakeSocketConnection) => void)[] = [];

  async start(): Promise<this> {
    this.server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' });
      res.end('upgrade required');
    });
    this.server.on('upgrade', (req, socket) => this.onUpgrade(req, socket));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}${FAKE_SOCKET_PATH}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.destroy();
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** The newest open connection, or the next one to arrive. */
  nextConnection(): Promise<FakeSocketConnection> {
    const open = this.connections.filter((c) => !c.ended && !c.closedByClient).at(-1);
    if (open) return Promise.resolve(open);
    return new Promise((resolve) => this.connectionWaiters.push(resolve));
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex): void {
    const key = req.headers['sec-websocket-key'];
    const path = (req.url ?? '').split('?')[0];
    if (path !== FAKE_SOCKET_PATH || typeof key !== 'string' || String(req.headers.upgrade).toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${websocketAccept(key)}\r\n\r\n`,
    );
    const conn = new FakeSocketConnection(socket);
    this.connections.push(conn);
    // Slack greets every new connection; the client counts as connected only after this.
    conn.sendJson({ type: 'hello', num_connections: 1, debug_info: { host: 'fake-slack-socket', approximate_connection_time: 18060 }, connection_info: { app_id: 'A0001' } });
    for (const w of this.connectionWaiters.splice(0)) w(conn);
  }
}

/** An `events_api` envelope around an Events API body (what HTTP mode would receive as the POST body). */
export function eventsApiEnvelope(body: Record<string, unknown>, opts: { envelopeId?: string; retryAttempt?: number; retryReason?: string } = {}): { envelope_id: string } & Record<string, unknown> {
  return {
    envelope_id: opts.envelopeId ?? randomUUID(),
    type: 'events_api',
    payload: body,
    accepts_response_payload: false,
    retry_attempt: opts.retryAttempt ?? 0,
    retry_reason: opts.retryAttempt ? (opts.retryReason ?? 'timeout') : '',
  };
}

/** An `interactive` envelope around an interaction payload (block_actions, view_submission). */
export function interactiveEnvelope(payload: Record<string, unknown>, opts: { envelopeId?: string } = {}): { envelope_id: string } & Record<string, unknown> {
  return {
    envelope_id: opts.envelopeId ?? randomUUID(),
    type: 'interactive',
    payload,
    accepts_response_payload: payload.type === 'view_submission',
  };
}
