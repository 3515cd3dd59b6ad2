/**
 * `POST /telegram/webhook` on the app's one HTTP server. The secret header is checked before the body is even
 * parsed: a request without the right `X-Telegram-Bot-Api-Secret-Token` gets 401 and touches nothing.
 * A handled update gets 200 as soon as it is stored (the replies go out later through the outbox), and one
 * whose store failed (the database is away) gets 500 so Telegram delivers it again. A body with the right
 * secret that is not a Telegram update (not JSON, no numeric update_id, an unexpected shape) is stored parked
 * with its reason and acknowledged: it would fail the same way every time Telegram re-sent it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Update } from 'grammy/types';
import type { Logger } from '../../logger.js';
import { WEBHOOK_PATH, WEBHOOK_SECRET_HEADER } from './limits.js';

/** Largest webhook body accepted; Telegram updates are a few kilobytes. */
const MAX_BODY = '1mb';

export interface WebhookOptions {
  secret: string;
  /** Handles one update; resolves once its effects are stored. */
  handle: (update: Update) => Promise<void>;
  /** Stores a body that is not a Telegram update, parked with the reason; resolves once stored. */
  park: (raw: unknown, reason: string) => Promise<void>;
  /** False before the adapter started (or after it stopped): Telegram gets 503 and retries later. */
  isReady: () => boolean;
  logger: Logger;
}

/** The webhook route as a router to mount on the app's HTTP server (once, before or after it started). */
export function telegramWebhookRouter(opts: WebhookOptions): Router {
  const app = express.Router();
  const expected = digest(opts.secret);
  const checkSecret = (req: Request, res: Response, next: NextFunction): void => {
    const given = req.get(WEBHOOK_SECRET_HEADER);
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      opts.logger.warn({ ip: req.ip, hasHeader: given !== undefined }, 'telegram webhook call with a wrong or missing secret token refused');
      res.status(401).json({ ok: false, error: 'wrong or missing X-Telegram-Bot-Api-Secret-Token' });
      return;
    }
    next();
  };
  app.post(WEBHOOK_PATH, checkSecret, express.raw({ type: () => true, limit: MAX_BODY }), async (req: Request, res: Response) => {
    if (!opts.isReady()) {
      res.status(503).json({ ok: false, error: 'telegram adapter is not running; retry later' });
      return;
    }
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    let update: Update | undefined;
    let parsed: unknown = raw;
    let reason: string | undefined;
    try {
      parsed = JSON.parse(raw);
      update = parsed as Update;
      if (!update || typeof update !== 'object' || typeof update.update_id !== 'number') reason = 'body is not a Telegram update (no numeric update_id)';
    } catch {
      reason = 'body is not JSON';
    }
    try {
      if (reason !== undefined) {
        await opts.park(parsed, reason);
        opts.logger.warn({ bytes: raw.length, reason }, 'telegram webhook body that is not an update: stored parked and acknowledged');
      } else {
        await opts.handle(update!);
      }
      res.status(200).json({ ok: true });
    } catch (err) {
      opts.logger.error({ err, updateId: update?.update_id }, 'telegram update not stored; answering 500 so Telegram re-sends it');
      res.status(500).json({ ok: false, error: 'update not processed; it will be re-sent' });
    }
  });
  return app;
}

/** Hashing both sides gives equal-length buffers, so the comparison is constant-time whatever was sent. */
function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}
