/**
 * Slack request signing (v0): `X-Slack-Signature = v0=hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + raw body))`
 * with `X-Slack-Request-Timestamp` no more than 5 minutes away from now, so a captured request cannot be
 * replayed later. Pure: the caller passes the clock's "now".
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { SIGNATURE_MAX_AGE_S } from './limits.js';

/** Why a request was refused; logged, never sent back to the caller. */
export type SignatureProblem = 'missing_headers' | 'bad_timestamp' | 'stale' | 'bad_signature';

/** Computes the v0 signature of `rawBody` sent at `timestamp` (seconds). Tests use it to sign requests. */
export function signSlackRequest(signingSecret: string, timestamp: number | string, rawBody: string): string {
  return 'v0=' + createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex');
}

/** Returns null when the request is authentic, else what is wrong with it. */
export function checkSlackSignature(opts: {
  signingSecret: string;
  rawBody: string;
  signature: string | undefined;
  timestamp: string | undefined;
  nowMs: number;
}): SignatureProblem | null {
  if (!opts.signature || !opts.timestamp) return 'missing_headers';
  if (!/^\d+$/.test(opts.timestamp)) return 'bad_timestamp';
  const ts = Number(opts.timestamp);
  if (Math.abs(Math.floor(opts.nowMs / 1000) - ts) > SIGNATURE_MAX_AGE_S) return 'stale';
  const expected = Buffer.from(signSlackRequest(opts.signingSecret, opts.timestamp, opts.rawBody));
  const given = Buffer.from(opts.signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad_signature';
  return null;
}
