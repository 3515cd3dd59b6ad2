/**
 * A local fake of Slack's Socket Mode endpoint: the WebSocket URL that `apps.connections.open` hands out.
 *
 * The WebSocket protocol itself is the `ws` package's server; this file plays only Slack's side of the
 * conversation: `hello` as soon as a client connects, envelopes (`events_api`, `interactive`,
 * `slash_commands`) pushed by the test, and the client's acknowledgements (`{ envelope_id, payload }`)
 * recorded and awaitable by envelope id.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

/** Where `apps.connections.open` points clients. */
export const FAKE_SOCKET_PATH = '/link';

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

/** One client connected to the fake. */
export class FakeSocketConnection {
  /** Every text message the client sent, parsed as JSON where possible. */
  readonly received: unknown[] = [];
  /** Client pings (`ws` answers each with a pong). */
  pings = 0;
  /** The close frame the client sent, once the closing handshake is over. */
  closedByClient?: FakeSocketClose;
  /** True once the TCP connection is gone. */
  ended = false;
  /**
   * What broke the protocol: `ws` refusing a client frame (unmasked, bad opcode, invalid UTF-8, ...) or a
   * binary message, which Slack never expects. A test expects none.
   */
  readonly protocolErrors: string[] = [];
  private closeSent = false;
  private dropped = false;
  private readonly ackWaiters = new Map<string, { after: number; resolve: (ack: FakeSocketAck) => void }[]>();
  private readonly endWaiters: (() => void)[] = [];

  constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) this.protocolErrors.push('binary message');
      else this.onText(rawText(data));
    });
    ws.on('ping', () => {
      this.pings += 1;
    });
    ws.on('error', (err: Error & { code?: string }) => this.protocolErrors.push(err.code ?? err.message));
    ws.on('close', (code: number, reason: Buffer) => {
      // Only a close frame that came from the client counts as the client's (not ours, not a dropped link).
      if (!this.closeSent && !this.dropped && code !== 1006) this.closedByClient = { code, reason: reason.toString('utf8') };
      this.ended = true;
      for (const w of this.endWaiters.splice(0)) w();
    });
  }

  /**
   * True once the client has started closing: its close frame arrived (`ws` answers it and moves to
   * CLOSING before the TCP connection is gone, so before `closedByClient` is known) or it dropped the link.
   */
  get closingByClient(): boolean {
    return !this.closeSent && !this.dropped && this.ws.readyState !== WebSocket.OPEN;
  }

  /** Sends one JSON text message, as Slack does for every envelope. */
  sendJson(message: unknown): void {
    this.ws.send(JSON.stringify(message));
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
    if (this.closeSent || this.closingByClient) return;
    this.closeSent = true;
    this.ws.close(code, reason);
  }

  /** Drops the TCP connection without a closing handshake. */
  destroy(): void {
    this.dropped = true;
    this.ws.terminate();
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

/** A text message's bytes as one string, whichever shape `ws` hands them in. */
function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data as ArrayBuffer).toString('utf8');
}

/** The fake Socket Mode server. */
export class FakeSlackSocket {
  /** Every connection ever accepted, in order. */
  readonly connections: FakeSocketConnection[] = [];
  /** The URL for `apps.connections.open` (`ws://127.0.0.1:<port>/link`). */
  url = '';
  private server?: Server;
  private wss?: WebSocketServer;
  private readonly connectionWaiters: ((c: FakeSocketConnection) => void)[] = [];

  async start(): Promise<this> {
    // A plain request (no upgrade) is told to upgrade; `ws` answers upgrades to another path with 400.
    this.server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' });
      res.end('upgrade required');
    });
    this.wss = new WebSocketServer({ server: this.server, path: FAKE_SOCKET_PATH });
    this.wss.on('connection', (ws) => this.onConnection(ws));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}${FAKE_SOCKET_PATH}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const c of this.connections) c.destroy();
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** The newest open connection, or the next one to arrive. */
  nextConnection(): Promise<FakeSocketConnection> {
    const open = this.connections.filter((c) => !c.ended && !c.closingByClient).at(-1);
    if (open) return Promise.resolve(open);
    return new Promise((resolve) => this.connectionWaiters.push(resolve));
  }

  private onConnection(ws: WebSocket): void {
    const conn = new FakeSocketConnection(ws);
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
