/**
 * Slack Web API failures -> the delivery worker's three kinds (contract.ts DeliveryError). The SDK's own
 * retries are off, so every failure reaches us once and BullMQ decides what happens next.
 */
import { ErrorCode, type WebAPICallError } from '@slack/web-api';
import { DeliveryError } from '../../contract/index.js';

/**
 * Platform error codes Slack documents as temporary on its side. Every other `ok: false` error
 * (`account_inactive`, `channel_not_found`, `not_in_channel`, `is_archived`, `invalid_auth`, `invalid_blocks`...)
 * fails the same way on every attempt, so it is permanent: retrying only wastes attempts.
 */
export const TRANSIENT_SLACK_ERRORS: ReadonlySet<string> = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout', 'ratelimited']);

/** Used when a 429 comes without a usable Retry-After. */
export const DEFAULT_RETRY_AFTER_MS = 30_000;

function isWebApiError(err: unknown): err is WebAPICallError {
  return typeof err === 'object' && err !== null && 'code' in err && typeof (err as { code: unknown }).code === 'string' && String((err as { code: string }).code).startsWith('slack_webapi_');
}

/**
 * Classifies anything a WebClient call threw. `method` names the call for the message (what happened);
 * the kind says what to do (wait, give up, retry later).
 */
export function classifySlackError(method: string, err: unknown): DeliveryError {
  if (err instanceof DeliveryError) return err;
  if (isWebApiError(err)) {
    switch (err.code) {
      case ErrorCode.RateLimitedError: {
        const seconds = Number.isFinite(err.retryAfter) && err.retryAfter > 0 ? err.retryAfter : DEFAULT_RETRY_AFTER_MS / 1000;
        return new DeliveryError('rate_limited', `Slack ${method} was rate limited; retry after ${seconds} s`, seconds * 1000, 'ratelimited');
      }
      case ErrorCode.PlatformError: {
        const code = err.data.error;
        if (code === 'ratelimited') return new DeliveryError('rate_limited', `Slack ${method} was rate limited`, DEFAULT_RETRY_AFTER_MS, code);
        const kind = TRANSIENT_SLACK_ERRORS.has(code) ? 'transient' : 'permanent';
        const hint = kind === 'permanent' ? ' (will not retry: check that the bot is installed and the channel/user exists)' : '';
        return new DeliveryError(kind, `Slack ${method} failed: ${code}${hint}`, undefined, code);
      }
      case ErrorCode.HTTPError: {
        const status = err.statusCode;
        const kind = status >= 500 || status === 408 ? 'transient' : 'permanent';
        return new DeliveryError(kind, `Slack ${method} answered HTTP ${status} ${err.statusMessage}`.trim(), undefined, `http_${status}`);
      }
      case ErrorCode.RequestError:
        return new DeliveryError('transient', `Slack ${method} could not be reached: ${err.original?.message ?? err.message}`, undefined, 'request_error');
    }
  }
  const message = err instanceof Error ? err.message : String(err);
  return new DeliveryError('transient', `Slack ${method} failed unexpectedly: ${message}`);
}
