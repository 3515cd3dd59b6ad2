/**
 * Telegram failures -> `DeliveryError` kinds, so the delivery worker (BullMQ) decides about retries and never
 * an SDK hidden inside a job. The rules follow Telegram's error codes: 429 carries `retry_after`; 403 means
 * the person blocked the bot or left; 400 means this message will never be accepted as it is.
 */
import { GrammyError, HttpError } from 'grammy';
import { DeliveryError } from '../../contract/index.js';
import { RenderError } from './render.js';

/** Fallback wait when a 429 arrives without `retry_after` (it always has one in practice). */
const DEFAULT_RETRY_AFTER_MS = 1000;

/** Classifies anything a Bot API call (or rendering) threw. `what` names the call for the message. */
export function classifyTelegramError(err: unknown, what: string): DeliveryError {
  if (err instanceof DeliveryError) return err;
  if (err instanceof RenderError) return new DeliveryError('permanent', `cannot render the message for Telegram: ${err.message}`, undefined, 'render');
  if (err instanceof GrammyError) {
    const code = err.error_code;
    const platformCode = `${code}: ${err.description}`;
    if (code === 429) {
      const seconds = err.parameters.retry_after;
      const retryAfterMs = seconds !== undefined ? seconds * 1000 : DEFAULT_RETRY_AFTER_MS;
      return new DeliveryError('rate_limited', `Telegram rate-limited ${what}; retry after ${retryAfterMs / 1000} s`, retryAfterMs, platformCode);
    }
    if (code === 403) {
      return new DeliveryError('permanent', `Telegram refused ${what}: ${err.description}. The person blocked the bot or closed their account; they must open the bot and press Start again.`, undefined, platformCode);
    }
    if (code === 400) {
      const moved = err.parameters.migrate_to_chat_id;
      const hint = moved !== undefined ? ` The group became a supergroup: update the unit's channel to ${moved}.` : '';
      return new DeliveryError('permanent', `Telegram rejected ${what}: ${err.description}.${hint}`, undefined, platformCode);
    }
    if (code === 401 || code === 404) {
      // A wrong token or API root fails every message alike: keep them for when the configuration is fixed.
      return new DeliveryError('transient', `Telegram did not accept the bot token for ${what} (${err.description}): check TELEGRAM_BOT_TOKEN and TELEGRAM_API_ROOT.`, undefined, platformCode);
    }
    if (code >= 500) return new DeliveryError('transient', `Telegram failed ${what} on its side: ${err.description}`, undefined, platformCode);
    return new DeliveryError('permanent', `Telegram rejected ${what}: ${err.description}`, undefined, platformCode);
  }
  if (err instanceof HttpError) return new DeliveryError('transient', `could not reach Telegram for ${what}: ${err.message}`, undefined, 'network');
  const message = err instanceof Error ? err.message : String(err);
  return new DeliveryError('transient', `unexpected failure in ${what}: ${message}`);
}

/** True for the 400s an edit returns when the target message cannot be edited: send a new one instead. */
export function isUneditable(err: unknown): boolean {
  return err instanceof GrammyError && err.error_code === 400 && !isNotModified(err);
}

/** Telegram's answer when an edit changes nothing: the message already looks right. */
export function isNotModified(err: unknown): boolean {
  return err instanceof GrammyError && err.error_code === 400 && /message is not modified/i.test(err.description);
}
