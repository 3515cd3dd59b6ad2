/**
 * Slack request signing (v0), checked by Bolt's exported verifier (`verifySlackRequest`): the HMAC-SHA256 of
 * "v0:<timestamp>:<raw body>" compared in constant time, and a timestamp no more than 5 minutes old, so a
 * captured request cannot be replayed later. Pure: the caller passes the clock's "now", which Bolt accepts
 * in milliseconds.
 */
import { verifySlackRequest } from '@slack/bolt';
import { SIGNATURE_MAX_AGE_S } from './limits.js';

/** Why a request was refused; logged, never sent back to the caller. */
export type SignatureProblem = 'missing_headers' | 'bad_timestamp' | 'stale' | 'bad_signature';

/** Returns null when the request is authentic, else what is wrong with it. */
export function checkSlackSignature(opts: {
  signingSecret: string;
  rawBody: string;
  signature: string | undefined;
  timestamp: string | undefined;
  nowMs: number;
}): SignatureProblem | null {
  // Bolt reads the headers without checking they are there, and takes the timestamp as a number.
  if (!opts.signature || !opts.timestamp) return 'missing_headers';
  if (!/^\d+$/.test(opts.timestamp)) return 'bad_timestamp';
  const timestamp = Number(opts.timestamp);
  // Bolt refuses only timestamps older than 5 minutes; one as far in the future is a replay too (signed
  // ahead of time, or a skewed clock), so the window is checked both ways here, with Bolt's bound.
  if (Math.abs(Math.floor(opts.nowMs / 1000) - timestamp) > SIGNATURE_MAX_AGE_S) return 'stale';
  try {
    verifySlackRequest({
      signingSecret: opts.signingSecret,
      body: opts.rawBody,
      headers: { 'x-slack-signature': opts.signature, 'x-slack-request-timestamp': timestamp },
      nowMilliseconds: opts.nowMs,
    });
  } catch {
    // Within the window every refusal left is about the signature (mismatch, unknown version).
    return 'bad_signature';
  }
  return null;
}
