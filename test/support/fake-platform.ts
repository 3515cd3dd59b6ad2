/**
 * A tiny fake chat platform reached over HTTP, for delivery tests, the multi-worker test and the benchmark:
 * `POST /send` records a message and answers like a platform would (200 with a message id, 429 with
 * retry_after, 403 blocked, 500). `HttpTestSender` is the `PlatformSender` that talks to it, mapping answers
 * to `DeliveryError` kinds exactly as the real senders do. Behaviour is scripted per request by the test.
 *
 * Every accepted message is tallied under a short digest of `chatId|text`, so duplicates are counted without
 * keeping message bodies; the benchmark turns `keepMessages` off so 100,000 deliveries cost a few MB, not
 * hundreds.
 */
import { createHash } from 'node:crypto';
import { Agent, request, createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeliveryError, type DeliveryReceipt, type Destination, type OutgoingMessage, type Platform, type PlatformSender } from '../../src/contract/index.js';

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
  /** Keep every accepted message in `received` (default true). Off, only the tally is kept. */
  keepMessages?: boolean;
}

export interface FakePlatform {
  url: string;
  /** Accepted messages, in arrival order (empty when `keepMessages` is off). */
  received: ReceivedMessage[];
  /** Every request, accepted or not. */
  requests: number;
  /** When each request arrived, from which worker, and the status it got (in arrival order). */
  log: { at: number; worker: string; status: number }[];
  rejected429: number;
  /** Messages accepted (200), duplicates included. */
  accepted: number;
  /** Distinct `chatId|text` pairs accepted. */
  distinct: number;
  /** Accepted messages that repeated an earlier `chatId|text` (accepted - distinct). */
  duplicates: number;
  /** Date.now() of the first and the latest acceptance (0 before any). */
  firstAcceptedAt: number;
  lastAcceptedAt: number;
  setScript(script: FakePlatformOptions['script']): void;
  /** How many times each `chatId|text` was accepted (needs `keepMessages`). */
  counts(): Map<string, number>;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** 96 bits of SHA-1: collisions among a few million messages are practically impossible. */
function digest(chatId: string, text: string): string {
  return createHash('sha1').update(chatId).update('\u0000').update(text).digest('base64').slice(0, 16);
}

/** Starts the fake platform on a free loopback port. */
export async function startFakePlatform(opts: FakePlatformOptions = {}): Promise<FakePlatform> {
  let script = opts.script;
  let tokens = opts.ratePerSec ?? Infinity;
  let last = Date.now();
  const keep = opts.keepMessages ?? true;
  const tally = new Map<string, number>();
  const state: FakePlatform = {
    url: '',
    received: [],
    requests: 0,
    log: [],
    rejected429: 0,
    accepted: 0,
    distinct: 0,
    duplicates: 0,
    firstAcceptedAt: 0,
    lastAcceptedAt: 0,
    setScript(s) {
      script = s;
    },
    counts() {
      if (!keep) throw new Error('counts() needs the messages: start the fake platform with keepMessages (the default).');
      const m = new Map<string, number>();
      for (const r of state.received) m.set(`${r.chatId}|${r.text}`, (m.get(`${r.chatId}|${r.text}`) ?? 0) + 1);
      return m;
    },
    close: async () => undefined,
  };
  const accept = (chatId: string, text: string, worker: string): void => {
    const now = Date.now();
    state.accepted++;
    state.firstAcceptedAt ||= now;
    state.lastAcceptedAt = now;
    const key = digest(chatId, text);
    const seen = tally.get(key) ?? 0;
    tally.set(key, seen + 1);
    if (seen === 0) state.distinct++;
    else state.duplicates++;
    if (keep) state.received.push({ chatId, text, worker, at: now });
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
    state.log.push({ at: Date.now(), worker: String(req.headers['x-worker'] ?? ''), status: answer.status });
    if (answer.status === 200) {
      accept(msg.chatId, msg.text, String(req.headers['x-worker'] ?? ''));
      res.end(JSON.stringify({ ok: true, message_id: state.accepted }));
    } else if (answer.status === 429) {
      state.rejected429++;
      res.statusCode = 429;
      res.setHeader('retry-after', String(answer.retryAfterSec));
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

/** The platform's answer as the sender sees it. */
interface HttpAnswer {
  status: number;
  /** The Retry-After header, seconds (Slack sends only this; Telegram's body carries retry_after). */
  retryAfter?: string;
  json: { message_id?: number; description?: string; parameters?: { retry_after?: number } };
}

/**
 * The sender for the fake platform: one HTTP call per attempt, answers classified into DeliveryError kinds.
 * It uses node:http with a keep-alive agent rather than fetch: at a thousand messages a second the fetch
 * machinery costs the worker process more CPU than the delivery itself.
 */
export class HttpTestSender implements PlatformSender {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 256 });
  private readonly target: URL;

  constructor(
    readonly platform: Platform,
    url: string,
    private readonly workerName = String(process.pid),
  ) {
    this.target = new URL('/send', url);
  }

  async deliver(destination: Destination, message: OutgoingMessage): Promise<DeliveryReceipt> {
    let answer: HttpAnswer;
    try {
      answer = await this.post(JSON.stringify({ chatId: destination.chatId, text: message.text }));
    } catch (err) {
      throw new DeliveryError('transient', `fake platform unreachable: ${(err as Error).message}`);
    }
    const { status, json } = answer;
    if (status >= 200 && status < 300) return { platformMessageRef: String(json.message_id) };
    if (status === 429) throw new DeliveryError('rate_limited', 'Too Many Requests', (Number(answer.retryAfter ?? json.parameters?.retry_after) || 1) * 1000, '429');
    if (status >= 500) throw new DeliveryError('transient', `platform error ${status}`, undefined, String(status));
    throw new DeliveryError('permanent', json.description ?? `platform refused with ${status}`, undefined, String(status));
  }

  /** Closes idle keep-alive sockets (a worker process exits without waiting for them anyway). */
  close(): void {
    this.agent.destroy();
  }

  private post(payload: string): Promise<HttpAnswer> {
    return new Promise((resolve, reject) => {
      const req = request(
        this.target,
        {
          method: 'POST',
          agent: this.agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'x-worker': this.workerName },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            try {
              const retryAfter = res.headers['retry-after'];
              resolve({ status: res.statusCode ?? 0, retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as HttpAnswer['json'] });
            } catch (err) {
              reject(err instanceof Error ? err : new Error(String(err)));
            }
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }
}
