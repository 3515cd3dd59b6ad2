/**
 * HTTP that tells nothing, over real HTTP: one error handler for every route (JSON `{ error, id }`, no stack,
 * no path, in development too), Slack's size limit before its signature before parsing, a malformed Telegram
 * update with the right secret acknowledged and parked, and slow request bodies cut.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import express from 'express';
import { ManualClock } from '../../src/clock.js';
import { createHttpServer, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS, type HttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { SlackHttpReceiver } from '../../src/adapters/slack/receiver.js';
import { signSlackRequest } from '../support/fake-slack.js';
import { createTelegramHarness, SECRET, type TelegramHarness } from '../telegram/harness.js';

const logger = createLogger('silent');
const SLACK_SECRET = 'test-signing-secret-0123456789';

/** A body that says nothing about the code: no stack lines, no file paths. */
function expectTellsNothing(text: string) {
  expect(text).not.toMatch(/\bat .+\(|\/work\/|node_modules|\.ts:\d|Error:/);
}

describe('one error handler for every route', () => {
  let http: HttpServer;
  let base = '';
  const env = process.env.NODE_ENV;
  beforeAll(async () => {
    process.env.NODE_ENV = 'development';
    http = createHttpServer({ port: 0, host: '127.0.0.1', logger, requestTimeoutMs: 1500, headersTimeoutMs: 1000 });
    const port = await http.start();
    base = `http://127.0.0.1:${port}`;
    // Mounted after start, as adapters may: the handlers still come after it.
    const router = express.Router();
    router.get('/boom', () => {
      throw new Error(`secret detail at ${process.cwd()}/src/x.ts:12`);
    });
    router.post('/json', express.json({ limit: '1kb' }), (_req, res) => {
      res.json({ ok: true });
    });
    http.mount(router);
    http.mount(new SlackHttpReceiver({ signingSecret: SLACK_SECRET, clock: new ManualClock(new Date()), logger }).router);
  });
  afterAll(async () => {
    process.env.NODE_ENV = env;
    await http?.stop();
  });

  it.each([
    ['a route that throws', () => fetch(`${base}/boom`), 500, 'internal_server_error'],
    ['an unknown path', () => fetch(`${base}/nowhere`), 404, 'not_found'],
    ['a body that is not JSON', () => fetch(`${base}/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' }), 400, 'bad_request'],
    ['a body above the limit', () => fetch(`${base}/json`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ a: 'x'.repeat(5000) }) }), 413, 'payload_too_large'],
  ])('%s: JSON { error, id } and nothing more, with NODE_ENV=development', async (_name, call, status, error) => {
    const res = await call();
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/json');
    const text = await res.text();
    expectTellsNothing(text);
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['error', 'id']);
    expect(body.error).toBe(error);
    expect(body.id).toMatch(/^[0-9a-f]{8}$/);
  });

  it('Slack: an unsigned body above 1 MB is refused by size (413 JSON) before any signature or parsing', async () => {
    const res = await fetch(`${base}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"x":"' + 'a'.repeat(1_100_000) + '"}' });
    expect(res.status).toBe(413);
    const text = await res.text();
    expectTellsNothing(text);
    expect(JSON.parse(text)).toMatchObject({ error: 'payload_too_large' });
  });

  it('Slack: a small unsigned body is refused by signature (401) before parsing; a signed unparseable one is 400', async () => {
    const unsigned = await fetch(`${base}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
    expect(unsigned.status).toBe(401);
    expectTellsNothing(await unsigned.text());
    const ts = Math.floor(Date.now() / 1000);
    const signed = await fetch(`${base}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlackRequest(SLACK_SECRET, ts, '{not json') },
      body: '{not json',
    });
    expect(signed.status).toBe(400);
    expectTellsNothing(await signed.text());
  });

  it('a slow request body is cut when the request timeout ends (default 30 s; 1.5 s here)', async () => {
    expect(REQUEST_TIMEOUT_MS).toBeLessThanOrEqual(30_000);
    expect(HEADERS_TIMEOUT_MS).toBeLessThanOrEqual(REQUEST_TIMEOUT_MS);
    const port = Number(new URL(base).port);
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.write('POST /json HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"a":');
        // One byte a few times a second: never finishes.
        const drip = setInterval(() => socket.write(' '), 200);
        socket.on('close', () => {
          clearInterval(drip);
          resolve(Date.now() - started);
        });
      });
      socket.on('error', () => undefined);
      setTimeout(() => reject(new Error('slow body still open after 10 s')), 10_000);
    });
    expect(closedAfter).toBeGreaterThanOrEqual(1400);
    expect(closedAfter).toBeLessThan(4000);
  });
});

describe('Telegram webhook: a malformed update with the right secret', () => {
  let h: TelegramHarness;
  beforeAll(async () => {
    h = await createTelegramHarness('webhook');
  });
  afterAll(async () => {
    await h?.close();
  });

  const post = (body: string, secret: string | null = SECRET) =>
    fetch(h.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}) }, body });
  const parked = () => h.query<{ event_id: string; last_error: string }>(`select event_id, last_error from inbox_event where status = 'parked' order by id`);

  it('is acknowledged (200), stored parked with its reason, and a re-sent copy is stored once', async () => {
    for (const body of ['{not json', '{"no_update_id":true}', '{"update_id":9001,"message":{"date":1,"chat":{"id":5,"type":"private"},"from":{"id":5},"text":5}}']) {
      const res = await post(body);
      expect(res.status).toBe(200);
    }
    expect((await post('{not json')).status).toBe(200);
    const rows = await parked();
    expect(rows).toHaveLength(3);
    expect(rows.map((r) => r.last_error)).toEqual(['body is not JSON', 'body is not a Telegram update (no numeric update_id)', expect.stringContaining('not a readable Telegram update')]);
    expect(rows[2].event_id).toBe('9001');
    const errors = await h.query<{ n: string }>(`select count(*)::text as n from outbox_message`);
    expect(errors[0].n).toBe('0');
  });

  it('without the right secret nothing is stored (401 JSON)', async () => {
    const before = (await parked()).length;
    const res = await post('{not json', 'wrong-secret-0123456789');
    expect(res.status).toBe(401);
    expect((await parked()).length).toBe(before);
  });
});
