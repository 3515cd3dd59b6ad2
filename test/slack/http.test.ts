/**
 * The Slack adapter's HTTP ingress end to end: signed requests to POST /slack/events on the one HTTP server,
 * the real conversation engine on a real PostgreSQL database, and Slack's Web API faked at its HTTP boundary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { createEngine } from '../../src/engine/engine.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createInboxConsumer, type InboxConsumer } from '../../src/engine/inbox-consumer.js';
import { createSlackAdapter, type SlackAdapter } from '../../src/adapters/slack/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { addEmployee, addUnit } from '../support/seed.js';
import { blockAction, FAKE_BOT_ID, FakeSlack, interactionForm, messageEvent, postSigned, slashCommand, viewSubmission } from '../support/fake-slack.js';
import { encodeFormMetadata, FORM_CALLBACK_ID, OPEN_FORM_ACTION_PREFIX } from '../../src/adapters/slack/render.js';
import { ingressLookups } from '../../src/db/lookups.js';
import { capabilitiesOf } from '../../src/engine/capabilities.js';
import { PLATFORM_MODULES } from '../../src/platforms.js';

const SECRET = 'test-signing-secret-0123456789';
let db: TestDatabase;
let slack: FakeSlack;
let http: HttpServer;
let adapter: SlackAdapter;
let inbox: InboxConsumer;
let clock: ManualClock;
let url = '';

const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const rows = await db.orm.em.getConnection().execute<{ n: string }[]>(sql, params);
  return Number(rows[0].n);
}
const processed = (eventId: string) => count(`select count(*) as n from processed_event where platform = 'slack' and event_id = ?`, [eventId]);
const outboxTo = (chatId: string) => count(`select count(*) as n from outbox_message where platform = 'slack' and chat_id = ?`, [chatId]);

async function post(body: Parameters<typeof postSigned>[2], opts: Parameters<typeof postSigned>[3] = {}) {
  const res = await postSigned(url, SECRET, body, { nowMs: clock.now().getTime(), ...opts });
  await adapter.idle();
  return res;
}

beforeAll(async () => {
  db = await createTestDatabase();
  slack = await new FakeSlack().start();
  clock = new ManualClock(new Date());
  const unitId = await addUnit(db.orm.em, 'BKD', { name: 'Badan Kepegawaian Daerah' });
  await addEmployee(db.orm.em, { nip: '198503122010011002', name: 'Siti Rahma', email: 'siti@jakarta.go.id', kind: 'pelaksana', unitId });
  slack.users.set('USITI', { email: 'siti@jakarta.go.id', name: 'Siti' });
  slack.users.set('UANON', { email: 'nobody@example.com', name: 'Anon' });
  const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl });
  const engine = createEngine({
    capabilities: capabilitiesOf(PLATFORM_MODULES), orm: db.orm, config, clock, logger });
  http = createHttpServer({ port: 0, host: '127.0.0.1' });
  inbox = createInboxConsumer({ orm: db.orm, engine, logger: logger });
  await inbox.start();
  adapter = createSlackAdapter({ config, inbox, http, lookups: ingressLookups(db.orm), logger, clock });
  await adapter.start();
  url = `http://127.0.0.1:${await http.start()}/slack/events`;
});

afterAll(async () => {
  await adapter?.stop();
  await inbox?.stop();
  await http?.stop();
  await slack?.stop();
  await db?.close();
});

describe('Slack HTTP ingress', () => {
  it('checks the bot token with auth.test on start', () => {
    expect(slack.callsOf('auth.test').length).toBeGreaterThanOrEqual(1);
  });

  it('answers Slack\'s url_verification challenge', async () => {
    const res = await post({ json: { type: 'url_verification', token: 'x', challenge: 'c-123' } });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ challenge: 'c-123' });
  });

  it('refuses a bad signature with 401 and stores nothing', async () => {
    const body = messageEvent({ user: 'UANON', channel: 'DANON', text: 'halo', eventId: 'EvBadSig' });
    const res = await post({ json: body }, { signature: 'v0=' + 'ab'.repeat(32) });
    expect(res.status).toBe(401);
    expect(await processed('EvBadSig')).toBe(0);
    expect(await outboxTo('DANON')).toBe(0);
  });

  it('refuses a stale (6 minutes old) but correctly signed request with 401 and stores nothing', async () => {
    const body = messageEvent({ user: 'UANON', channel: 'DANON', text: 'halo', eventId: 'EvStale' });
    const res = await post({ json: body }, { timestamp: Math.floor(clock.now().getTime() / 1000) - 6 * 60 });
    expect(res.status).toBe(401);
    expect(await processed('EvStale')).toBe(0);
  });

  it('refuses an unsigned slash command and interaction too', async () => {
    expect((await post(slashCommand({ user: 'UANON', channel: 'DANON', text: 'status' }), { signature: 'v0=00' })).status).toBe(401);
    expect((await post(interactionForm(blockAction({ user: 'UANON', channel: 'DANON', value: 'x' })), { signature: 'v0=00' })).status).toBe(401);
    expect(await count(`select count(*) as n from processed_event`)).toBe(0);
  });

  it('an unknown person\'s first DM is acknowledged, handled, and answered (link instructions)', async () => {
    const res = await post({ json: messageEvent({ user: 'UANON', channel: 'DANON', text: 'halo', eventId: 'EvAnon1' }) });
    expect(res.status).toBe(200);
    expect(await processed('EvAnon1')).toBe(1);
    expect(await outboxTo('DANON')).toBeGreaterThanOrEqual(1);
    expect(await count(`select count(*) as n from chat_identity where platform_user_id = 'UANON'`)).toBe(0);
  });

  it('a retried event (same event_id, X-Slack-Retry-Num) is handled once', async () => {
    const body = messageEvent({ user: 'UANON', channel: 'DANON', text: 'tolong', eventId: 'EvRetry' });
    await post({ json: body });
    const before = await outboxTo('DANON');
    const retry = await post({ json: body }, { retryNum: 1 });
    const again = await post({ json: body }, { retryNum: 2 });
    expect([retry.status, again.status]).toEqual([200, 200]);
    expect(await processed('EvRetry')).toBe(1);
    expect(await outboxTo('DANON')).toBe(before);
  });

  it('caches users.info per user instead of asking Slack on every message', async () => {
    const before = slack.callsOf('users.info').filter((c) => c.args.user === 'UANON').length;
    await post({ json: messageEvent({ user: 'UANON', channel: 'DANON', text: 'lagi', eventId: 'EvAnon2' }) });
    await post({ json: messageEvent({ user: 'UANON', channel: 'DANON', text: 'lagi', eventId: 'EvAnon3' }) });
    expect(slack.callsOf('users.info').filter((c) => c.args.user === 'UANON').length).toBe(before);
  });

  it('links a person automatically when their Slack email matches an employee', async () => {
    await post({ json: messageEvent({ user: 'USITI', channel: 'DSITI', text: 'halo', eventId: 'EvSiti1' }) });
    const rows = await db.orm.em.getConnection().execute<{ chat_id: string; nip: string }[]>(
      `select ci.chat_id, e.nip from chat_identity ci join employee e on e.id = ci.employee_id where ci.platform = 'slack' and ci.platform_user_id = 'USITI'`,
    );
    expect(rows).toEqual([{ chat_id: 'DSITI', nip: '198503122010011002' }]);
    expect(slack.callsOf('users.info').filter((c) => c.args.user === 'USITI')).toHaveLength(1);
    // Linked now: the next message needs no profile look-up.
    await post({ json: messageEvent({ user: 'USITI', channel: 'DSITI', text: '/status', eventId: 'EvSiti2' }) });
    expect(slack.callsOf('users.info').filter((c) => c.args.user === 'USITI')).toHaveLength(1);
    expect(await processed('EvSiti2')).toBe(1);
  });

  it('ignores the bot\'s own messages and edits: nothing recorded, nothing answered', async () => {
    const before = await outboxTo('DSITI');
    await post({ json: messageEvent({ user: 'UBOT', channel: 'DSITI', text: 'echo', eventId: 'EvBot', botId: FAKE_BOT_ID }) });
    await post({ json: messageEvent({ user: 'USITI', channel: 'DSITI', text: 'edit', eventId: 'EvEdit', subtype: 'message_changed' }) });
    expect(await processed('EvBot')).toBe(0);
    expect(await processed('EvEdit')).toBe(0);
    expect(await outboxTo('DSITI')).toBe(before);
  });

  it('acknowledges a slash command at once and hands it to the engine', async () => {
    const res = await post(slashCommand({ user: 'USITI', channel: 'DSITI', text: 'status', triggerId: 'trig-cmd-1' }));
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(await processed('cmd:trig-cmd-1')).toBe(1);
  });

  it('a slash command typed in a channel is answered in the person\'s DM', async () => {
    const before = await outboxTo('DSITI');
    await post(slashCommand({ user: 'USITI', channel: 'CGENERAL', text: 'status', triggerId: 'trig-cmd-chan' }));
    expect(await processed('cmd:trig-cmd-chan')).toBe(1);
    expect(await outboxTo('DSITI')).toBeGreaterThan(before);
    expect(await outboxTo('CGENERAL')).toBe(0);
  });

  it('acknowledges a button click and hands its token to the engine (an unknown token changes nothing)', async () => {
    const before = await outboxTo('DSITI');
    const res = await post(interactionForm(blockAction({ user: 'USITI', channel: 'DSITI', value: 'not-a-live-token', triggerId: 'trig-act-1' })));
    expect(res.status).toBe(200);
    expect(await processed('act:trig-act-1')).toBe(1);
    // The engine answers a foreign/stale token with an explanation, nothing else.
    expect(await outboxTo('DSITI')).toBe(before + 1);
  });

  it('a reply in a review channel thread reaches the engine from the person\'s DM, with the thread key of the root', async () => {
    const conn = db.orm.em.getConnection();
    await conn.execute(
      `insert into outbox_message (platform, chat_id, payload, dedupe_key, status, platform_message_ref) values ('slack', 'CREVIEW', ?, 'root-creview', 'sent', '1767225600.777777')`,
      [JSON.stringify({ text: 'Tinjau', threadKey: 'nokeyofanyassessment0000000000aa', threadRoot: true })],
    );
    const before = await outboxTo('DSITI');
    await post({ json: messageEvent({ user: 'USITI', channel: 'CREVIEW', channelType: 'channel', text: 'Siap, Pak', eventId: 'EvChanThread', threadTs: '1767225600.777777' }) });
    expect(await processed('EvChanThread')).toBe(1);
    // The engine answers in the person's DM (this key belongs to no assessment of theirs: not allowed).
    expect(await outboxTo('DSITI')).toBe(before + 1);
    expect(await outboxTo('CREVIEW')).toBe(1);
  });

  it('ignores channel threads that are not under one of our messages', async () => {
    await post({ json: messageEvent({ user: 'USITI', channel: 'CREVIEW', channelType: 'channel', text: 'obrolan lain', eventId: 'EvChanOther', threadTs: '1767225600.123456' }) });
    expect(await processed('EvChanOther')).toBe(0);
  });

  it('a form submission is acknowledged (the modal closes) and reaches the engine as one event', async () => {
    const view = { callback_id: FORM_CALLBACK_ID, private_metadata: encodeFormMetadata({ token: 'unknown-form', chatId: 'DSITI' }) };
    const res = await post(interactionForm(viewSubmission({ user: 'USITI', view, values: { realisasi: '12' }, triggerId: 'trig-view-1' })));
    expect(res.status).toBe(200);
    expect(res.text).toBe('');
    expect(await processed('view:trig-view-1')).toBe(1);
  });

  it('"open form" opens the form this chat was offered, with the click\'s trigger, without bothering the engine', async () => {
    const form = { token: 'offered-form', title: 'Indikator 1', submitLabel: 'Simpan', fields: [{ id: 'realisasi', label: 'Realisasi' }] };
    await db.orm.em.getConnection().execute(
      `insert into outbox_message (platform, chat_id, payload, dedupe_key, status, platform_message_ref) values ('slack', 'DSITI', ?, 'form-offer', 'sent', '1767225600.888888')`,
      [JSON.stringify({ text: 'Isi', form })],
    );
    await post(interactionForm(blockAction({ user: 'USITI', channel: 'DSITI', value: 'offered-form', actionId: OPEN_FORM_ACTION_PREFIX, triggerId: 'trig-open-1' })));
    const opened = slack.callsOf('views.open').at(-1)!;
    expect(opened.args.trigger_id).toBe('trig-open-1');
    expect(opened.args.view).toMatchObject({ callback_id: FORM_CALLBACK_ID, blocks: [{ block_id: 'realisasi' }] });
    expect(await processed('act:trig-open-1')).toBe(0);
    // Someone else's chat cannot open it.
    const calls = slack.callsOf('views.open').length;
    await post(interactionForm(blockAction({ user: 'UANON', channel: 'DANON', value: 'offered-form', actionId: OPEN_FORM_ACTION_PREFIX, triggerId: 'trig-open-2' })));
    expect(slack.callsOf('views.open').length).toBe(calls);
  });
});
