import { describe, expect, it } from 'vitest';
import { checkSlackSignature } from '../../src/adapters/slack/signature.js';
import { signSlackRequest } from '../support/fake-slack.js';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const NOW = Date.parse('2027-01-05T02:00:00Z');
const TS = Math.floor(NOW / 1000);
const BODY = '{"type":"event_callback"}';

const DOC_BODY =
  'token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c';
const DOC_SIGNATURE = 'v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503';

describe('Slack request signature', () => {
  it('the fake signs like the example in Slack\'s documentation', () => {
    expect(signSlackRequest(SECRET, 1531420618, DOC_BODY)).toBe(DOC_SIGNATURE);
  });

  it('accepts the example in Slack\'s documentation at its own time, refuses it 6 minutes later', () => {
    const request = { signingSecret: SECRET, rawBody: DOC_BODY, signature: DOC_SIGNATURE, timestamp: '1531420618' };
    expect(checkSlackSignature({ ...request, nowMs: 1531420618_000 })).toBeNull();
    expect(checkSlackSignature({ ...request, nowMs: (1531420618 + 360) * 1000 })).toBe('stale');
  });

  it.each([
    ['a correct signature', { signature: signSlackRequest(SECRET, TS, BODY), timestamp: String(TS) }, null],
    ['4 minutes old', { signature: signSlackRequest(SECRET, TS - 240, BODY), timestamp: String(TS - 240) }, null],
    ['6 minutes old (replay)', { signature: signSlackRequest(SECRET, TS - 360, BODY), timestamp: String(TS - 360) }, 'stale'],
    ['6 minutes in the future', { signature: signSlackRequest(SECRET, TS + 360, BODY), timestamp: String(TS + 360) }, 'stale'],
    ['another secret', { signature: signSlackRequest('another-secret', TS, BODY), timestamp: String(TS) }, 'bad_signature'],
    ['a body changed after signing', { signature: signSlackRequest(SECRET, TS, BODY + ' '), timestamp: String(TS) }, 'bad_signature'],
    ['no signature', { signature: undefined, timestamp: String(TS) }, 'missing_headers'],
    ['no timestamp', { signature: signSlackRequest(SECRET, TS, BODY), timestamp: undefined }, 'missing_headers'],
    ['an unknown signature version', { signature: signSlackRequest(SECRET, TS, BODY).replace(/^v0=/, 'v1='), timestamp: String(TS) }, 'bad_signature'],
    ['a non-numeric timestamp', { signature: 'v0=00', timestamp: 'abc' }, 'bad_timestamp'],
  ])('%s', (_name, headers, expected) => {
    expect(checkSlackSignature({ signingSecret: SECRET, rawBody: BODY, nowMs: NOW, ...headers })).toBe(expected);
  });
});
