/**
 * The adapter's side of the form contract: a view_submission is answered with the engine's `formErrors`
 * (`response_action: errors`, shown inline in the modal), an empty body when the form was accepted, and an
 * empty body at the deadline when the engine is slow, so Slack never shows "We had some trouble connecting".
 *
 * The conversation engine does not produce forms yet (it asks field by field), so this file drives the
 * adapter with a minimal ConversationEngine that answers as the contract (src/contract/contract.ts) says a
 * form-aware engine would. Everything else is real: HTTP, signatures, Bolt, PostgreSQL, the fake Slack API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import type { ConversationEngine, HandleResult, IncomingEvent } from '../../src/contract/index.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createInboxConsumer, type InboxConsumer } from '../../src/engine/inbox-consumer.js';
import { createSlackAdapter, type SlackAdapter } from '../../src/adapters/slack/index.js';
import { encodeFormMetadata, FORM_CALLBACK_ID } from '../../src/adapters/slack/render.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { FakeSlack, interactionForm, postSigned, viewSubmission } from '../support/fake-slack.js';
import { ingressLookups } from '../../src/db/lookups.js';

const SECRET = 'form-signing-secret-0123456789';
let db: TestDatabase;
let slack: FakeSlack;
let http: HttpServer;
let adapter: SlackAdapter;
let inbox: InboxConsumer;
let url = '';
const clock = new ManualClock(new Date());
const received: IncomingEvent[] = [];
let release: (() => void) | null = null;

/** Validates like a form-aware engine: realisasi must be a number; "slow" makes it wait until released. */
const engine: ConversationEngine = {
  async handle(event): Promise<HandleResult> {
    received.push(event);
    const values = JSON.parse(event.args?.[0] ?? '{}') as Record<string, string>;
    if (values.narasi === 'slow') await new Promise<void>((resolve) => (release = resolve));
    if (!/^\d+([.,]\d+)?$/.test(values.realisasi ?? '')) return { duplicate: false, outboxIds: [], formErrors: { realisasi: 'Realisasi harus berupa angka, misalnya 95 atau 12,5.' } };
    return { duplicate: false, outboxIds: [] };
  },
};

const view = { callback_id: FORM_CALLBACK_ID, private_metadata: encodeFormMetadata({ token: 'form-tok', chatId: 'DSITI' }) };
const submit = async (values: Record<string, string>) => postSigned(url, SECRET, interactionForm(viewSubmission({ user: 'USITI', view, values })), { nowMs: clock.now().getTime() });

beforeAll(async () => {
  db = await createTestDatabase();
  slack = await new FakeSlack().start();
  const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-form-token', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl });
  http = createHttpServer({ port: 0, host: '127.0.0.1' });
  inbox = createInboxConsumer({ orm: db.orm, engine, logger: createLogger('silent') });
  await inbox.start();
  adapter = createSlackAdapter({ config, inbox, http, lookups: ingressLookups(db.orm), logger: createLogger('silent'), clock, formDeadlineMs: 200 });
  await adapter.start();
  url = `http://127.0.0.1:${await http.start()}/slack/events`;
});

afterAll(async () => {
  release?.();
  await adapter?.stop();
  await inbox?.stop();
  await http?.stop();
  await slack?.stop();
  await db?.close();
});

describe('Slack form submissions', () => {
  it('an invalid value keeps the modal open with the error under its field', async () => {
    const res = await submit({ realisasi: 'sembilan puluh', narasi: 'Melayani 120 pemohon.' });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ response_action: 'errors', errors: { realisasi: 'Realisasi harus berupa angka, misalnya 95 atau 12,5.' } });
    expect(received.at(-1)).toMatchObject({ kind: 'action', payload: 'form-tok', chatId: 'DSITI', platformUserId: 'USITI' });
  });

  it('a valid submission closes the modal (empty acknowledgement)', async () => {
    const res = await submit({ realisasi: '95,5', narasi: 'Melayani 120 pemohon.' });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(JSON.parse(received.at(-1)!.args![0])).toEqual({ realisasi: '95,5', narasi: 'Melayani 120 pemohon.' });
  });

  it('a slow engine does not hold the acknowledgement past the deadline; its work still finishes', async () => {
    const res = await submit({ realisasi: '1', narasi: 'slow' });
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(release).not.toBeNull();
    release!();
    await adapter.idle();
  });

  it('a request no listener handles (a shortcut) is answered 200 and reaches nobody', async () => {
    const shortcut = { type: 'shortcut', callback_id: 'unknown_shortcut', trigger_id: 'trig-sc', user: { id: 'USITI' }, team: { id: 'T0001' } };
    const res = await postSigned(url, SECRET, interactionForm(shortcut), { nowMs: clock.now().getTime() });
    expect(res.status).toBe(200);
    expect(received.filter((e) => e.eventId.includes('trig-sc'))).toEqual([]);
  });
});
