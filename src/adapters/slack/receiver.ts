/**
 * Bolt Receiver for HTTP mode, mounted on the app's one express server instead of opening its own port.
 * It verifies Slack's request signature with Bolt's verifier (given the injected clock, so tests control "now"), answers
 * `url_verification` and `ssl_check`, and hands everything else to Bolt as one ReceiverEvent whose `ack()`
 * writes the HTTP response. A request that fails verification gets 401 and never reaches Bolt, so nothing
 * of it is stored.
 *
 * Nothing is acknowledged before it is stored: Bolt acknowledges Events API requests itself before any
 * listener runs, so for those the receiver answers only once Bolt is done (the listener stored the event);
 * a request whose processing failed (the store failed) gets 500 and Slack sends it again; one still not
 * answered at the deadline gets 503 for the same reason.
 */
import express, { type Request, type Response, type Router } from 'express';
import type { App, Receiver, ReceiverEvent } from '@slack/bolt';
import type { Clock } from '../../clock.js';
import type { Logger } from '../../logger.js';
import { ACK_DEADLINE_MS } from './limits.js';
import { checkSlackSignature } from './signature.js';

/** Where Slack posts events, commands and interactions. */
export const SLACK_EVENTS_PATH = '/slack/events';
/** Largest request body accepted; Slack's payloads are far smaller. */
export const SLACK_BODY_LIMIT = '1mb';

export interface SlackHttpReceiverOptions {
  signingSecret: string;
  clock: Clock;
  logger: Logger;
  path?: string;
  /** How long a request may stay un-acknowledged before the receiver answers 200 itself. */
  ackDeadlineMs?: number;
}

/**
 * Parses a verified body: JSON (Events API), form with `payload` (interactions) or a plain form (slash
 * commands). Throws unless it is a JSON object (`null`, an array or a number is valid JSON, but no request).
 */
export function parseSlackBody(rawBody: string, contentType: string | undefined): Record<string, unknown> {
  if ((contentType ?? '').includes('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(rawBody);
    const payload = form.get('payload');
    if (payload !== null) return jsonObject(payload);
    return Object.fromEntries(form.entries());
  }
  return jsonObject(rawBody);
}

function jsonObject(text: string): Record<string, unknown> {
  const value: unknown = JSON.parse(text);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new SyntaxError('the body is JSON but not an object');
  return value as Record<string, unknown>;
}

/** The HTTP transport of the Slack adapter. */
export class SlackHttpReceiver implements Receiver {
  /** Mount this on the shared express app. */
  readonly router: Router;
  private bolt?: App;
  private accepting = false;
  private readonly opts: Required<Omit<SlackHttpReceiverOptions, 'path'>> & { path: string };

  constructor(opts: SlackHttpReceiverOptions) {
    this.opts = { path: SLACK_EVENTS_PATH, ackDeadlineMs: ACK_DEADLINE_MS, ...opts };
    this.router = express.Router();
    this.router.post(this.opts.path, express.raw({ type: () => true, limit: SLACK_BODY_LIMIT }), (req, res, next) => {
      // A failure is the app's one error handler's (JSON with an id), never an unhandled rejection.
      this.handle(req, res).catch(next);
    });
  }

  init(app: App): void {
    this.bolt = app;
  }

  /** Starts accepting requests; there is no port to open: the shared HTTP server is started by its owner. */
  async start(): Promise<void> {
    this.accepting = true;
  }

  /** Stops accepting requests (503, so Slack retries them later); express cannot unmount a router. */
  async stop(): Promise<void> {
    this.accepting = false;
  }

  private async handle(req: Request, res: Response): Promise<void> {
    const { logger, clock, signingSecret } = this.opts;
    const rawBody = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    const problem = checkSlackSignature({
      signingSecret,
      rawBody,
      signature: req.header('x-slack-signature'),
      timestamp: req.header('x-slack-request-timestamp'),
      nowMs: clock.now().getTime(),
    });
    if (problem) {
      logger.warn({ problem, ip: req.ip }, 'slack: refused a request that failed signature verification');
      res.status(401).json({ error: 'invalid_signature' });
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = parseSlackBody(rawBody, req.header('content-type'));
    } catch {
      res.status(400).json({ error: 'unparseable_body' });
      return;
    }
    if (body.ssl_check) {
      res.status(200).end();
      return;
    }
    if (body.type === 'url_verification') {
      res.json({ challenge: body.challenge });
      return;
    }
    if (!this.bolt || !this.accepting) {
      res.status(503).json({ error: 'slack_adapter_not_started' });
      return;
    }
    // Signed, but of no kind Slack sends (no event type, no command): a retry would not change it, so it is
    // acknowledged and dropped rather than answered 500 (which Bolt's failure to route it would give) forever.
    if (!(typeof body.type === 'string' && body.type !== '') && typeof body.command !== 'string') {
      logger.warn({ keys: Object.keys(body).length }, 'slack: a signed request that is neither an event, a command nor an interaction: acknowledged and ignored');
      res.status(200).end();
      return;
    }

    let acked = false;
    const fail = (status: number, error: string): void => {
      if (acked) return;
      acked = true;
      clearTimeout(guard);
      if (!res.headersSent) res.status(status).json({ error });
    };
    // Not answered in time means not stored in time: a 503 makes Slack retry rather than forget it.
    const guard = setTimeout(() => fail(503, 'not_stored_in_time'), this.opts.ackDeadlineMs);
    const ack = async (response?: unknown): Promise<void> => {
      if (acked) return;
      acked = true;
      clearTimeout(guard);
      if (res.headersSent) return;
      if (response === undefined || response === '') res.status(200).end();
      else if (typeof response === 'string') res.status(200).type('text/plain').send(response);
      else res.status(200).json(response);
    };
    // Events API: Bolt's own early ack is ignored; the answer follows the listener (which stores the event).
    const deferred = body.type === 'event_callback';
    const retryNum = req.header('x-slack-retry-num');
    const event: ReceiverEvent = {
      body,
      ack: deferred ? async () => undefined : ack,
      retryNum: retryNum === undefined ? undefined : Number.parseInt(retryNum, 10),
      retryReason: req.header('x-slack-retry-reason'),
    };
    try {
      await this.bolt.processEvent(event);
    } catch (err) {
      logger.error({ err }, 'slack: processing an incoming request failed; answering 500 so Slack retries');
      fail(500, 'not_stored');
      return;
    }
    await ack();
  }
}
