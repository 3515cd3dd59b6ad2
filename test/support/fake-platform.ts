/**
 * A tiny fake chat platform reached over HTTP, for delivery tests, the multi-worker test and the benchmark:
 * `POST /send` records a message and answers like a platform would (200 with a message id, 429 with
 * retry_after, 403 blocked, 500). `HttpTestSender` is the `PlatformSender` that talks to it, mapping answers
 * to `DeliveryError` kinds exactly as the real senders do. Behaviour is scripted per request by the test.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeliveryError, type DeliveryReceipt, type Destination, type OutgoingMessage, type Platform, type PlatformSender } from '../../src/engine/contract.js';

/** One message the platform accepted. */
export interface ReceivedMessage {
  chatId: string;
  text: string;
  worker: string;
  at: number;
}

/** What the platform answers to one request: status and JSON body. */
export type FakeAnswer = { status: 200 } | { status: 429; retryAfterSec: number } | { status: 403 | 400; description: string } | { status: 500 };

export interface FakePlatformOptions {
  /** Accept at most this many messages per second (token bucket, 1 s burst); beyond it answer 429. */
  ratePerSec?: number;
  /** Artificial latency per request, ms. */
  latencyMs?: number;
  /** Decide the answer for each request (default 200). */
  script?: (req: { chatId: string; text: string; n: number }) => FakeAnswer;
}

export interface FakePlatform {
  url: string;
  /** Accepted messages, in arrival order. */
  received: ReceivedMessage[];
  /** Every request, accepted or not. */
  requests: number;
  rejected429: number;
  setScript(script: FakePlatformOptions['script']): void;
  /** How many times each `chatId|text` was accepted. */
  counts(): Map<string, number>;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the fake platform on a free loopback port. */
export async function startFakePlatform(opts: FakePlatformOptions = {}): Promise<FakePlatform> {
  let script = opts.script;
  let tokens = opts.ratePerSec ?? Infinity;
  let last = Date.now();
  const state: FakePlatform = {
    url: '',
    received: [],
    requests: 0,
    rejected429: 0,
    setScript(s) {
      script = s;
    },
    counts() {
      const m = new Map<string, number>();
      for (const r of state.received) m.set(`${r.chatId}|${r.text}`, (m.get(`${r.chatId}|${r.text}`) ?? 0) + 1);
      return m;
    },
    close: async () => undefined,
  };
  const server: Server = createServer(async (req, res) => {
    const raw = await body(req);
    const n = state.requests++;
    const msg = JSON.parse(raw) as { chatId: string; text: string };
    if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
    let answer: FakeAnswer = script?.({ ...msg, n }) ?? { status: 200 };
    if (answer.status === 200 && opts.ratePerSec !== undefined) {
      const now = Date.now();
      tokens = Math.min(opts.ratePerSec, tokens + ((now - last) / 1000) * opts.ratePerSec);
      last = now;
      if (tokens >= 1) tokens -= 1;
      else answer = { status: 429, retryAfterSec: 1 };
    }
    res.setHeader('content-type', 'application/json');
    if (answer.status === 200) {
      state.received.push({ chatId: msg.chatId, text: msg.text, worker: String(req.headers['x-worker'] ?? ''), at: Date.now() });
      res.end(JSON.stringify({ ok: true, message_id: state.received.length }));
    } else if (answer.status === 429) {
      state.rejected429++;
      res.statusCode = 429;
      res.end(JSON.stringify({ ok: false, error_code: 429, parameters: { retry_after: answer.retryAfterSec } }));
    } else if (answer.status === 500) {
      res.statusCode = 500;
      res.end(JSON.stringify({ ok: false, error_code: 500, description: 'Internal Server Error' }));
    } else {
      res.statusCode = answer.status;
      res.end(JSON.stringify({ ok: false, error_code: answer.status, description: answer.description }));
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return state;
}

/** The sender for the fake platform: one HTTP call per attempt, answers classified into DeliveryError kinds. */
export class HttpTestSender implements PlatformSender {
  constructor(
    readonly platform: Platform,
    private readonly url: string,
    private readonly workerName = String(process.pid),
  ) {}

  async deliver(destination: Destination, message: OutgoingMessage): Promise<DeliveryReceipt> {
    let res: Response;
    try {
      res = await fetch(`${this.url}/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-worker': this.workerName },
        body: JSON.stringify({ chatId: destination.chatId, text: message.text }),
      });
    } catch (err) {
      throw new DeliveryError('transient', `fake platform unreachable: ${(err as Error).message}`);
    }
    const json = (await res.json()) as { message_id?: number; description?: string; parameters?: { retry_after?: number } };
    if (res.ok) return { platformMessageRef: String(json.message_id) };
    if (res.status === 429) throw new DeliveryError('rate_limited', 'Too Many Requests', (json.parameters?.retry_after ?? 1) * 1000, '429');
    if (res.status >= 500) throw new DeliveryError('transient', `platform error ${res.status}`, undefined, String(res.status));
    throw new DeliveryError('permanent', json.description ?? `platform refused with ${res.status}`, undefined, String(res.status));
  }
}
