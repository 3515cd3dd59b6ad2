/**
 * The Slack adapter in Socket Mode, end to end over a real WebSocket: Bolt's SocketModeReceiver asks the fake
 * Web API for a connection (`apps.connections.open` with the app token), connects to a local WebSocket server (`ws`)
 * that plays Slack's side (hello, envelopes, acknowledgements), and hands what arrives to the real engine on a
 * real PostgreSQL database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { deliverOutboxRow } from '../../src/jobs/deliver-row.js';
import type { OutgoingMessage, PlatformSender } from '../../src/contract/index.js';
import { createEngine } from '../../src/engine/engine.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createInboxConsumer, type InboxConsumer } from '../../src/engine/inbox-consumer.js';
import { createSlackAdapter, type SlackAdapter } from '../../src/adapters/slack/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { addSlackTeam } from '../support/seed.js';
import { blockAction, FakeSlack, messageEvent, slashCommand, viewSubmission } from '../support/fake-slack.js';
import { eventsApiEnvelope, FakeSlackSocket, interactiveEnvelope, type FakeSocketConnection } from '../support/fake-slack-socket.js';
import { ingressLookups } from '../../src/db/lookups.js';
import { capabilitiesOf } from '../../src/engine/capabilities.js';
import { PLATFORM_MODULES } from '../../src/platforms.js';

const APP_TOKEN = 'xapp-1-A0001-socket-test';
const SITI = { user: 'USITI', dm: 'DSITI' };

let db: TestDatabase;
let slack: FakeSlack;
let socket: FakeSlackSocket;
let http: HttpServer;
let adapter: SlackAdapter;
let inbox: InboxConsumer;
let link: FakeSocketConnection;
const clock = new ManualClock(new Date('2027-01-05T03:00:00Z'));
const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const senders = new Map<string, PlatformSender>();

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const rows = await db.orm.em.getConnection().execute<{ n: string }[]>(sql, params);
  return Number(rows[0].n);
}
const processed = (eventId: string) => count(`select count(*) as n from processed_event where platform = 'slack' and event_id = ?`, [eventId]);
const outboxTo = (chatId: string) => count(`select count(*) as n from outbox_message where platform = 'slack' and chat_id = ?`, [chatId]);

/** Messages the engine wrote for `chatId`, oldest first. */
async function messagesTo(chatId: string): Promise<OutgoingMessage[]> {
  const rows = await db.orm.em.getConnection().execute<{ payload: OutgoingMessage }[]>(`select payload from outbox_message where platform = 'slack' and chat_id = ? order by id`, [chatId]);
  return rows.map((r) => r.payload);
}

/**
 * Sends an envelope over the socket, waits for its acknowledgement, then for the engine. Bolt acknowledges
 * before it runs the listener, but the listener's work is registered in the same tick, long before the ack's
 * bytes reach this server, so idle() sees it.
 */
async function deliver(envelope: { envelope_id: string }) {
  const ack = await link.deliver(envelope);
  await adapter.idle();
  return ack;
}

beforeAll(async () => {
  db = await createTestDatabase();
  socket = await new FakeSlackSocket().start();
  slack = await new FakeSlack().start();
  slack.socketUrl = socket.url;
  slack.users.set(SITI.user, { email: 'siti.rahma@jakarta.go.id', name: 'Siti', dm: SITI.dm });
  await addSlackTeam(db.orm.em);

  const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-socket-token', SLACK_APP_TOKEN: APP_TOKEN, SLACK_MODE: 'socket', SLACK_API_URL: slack.apiUrl });
  const engine = createEngine({
    capabilities: capabilitiesOf(PLATFORM_MODULES),
    orm: db.orm,
    config,
    clock,
    logger,
    // The delivery worker's job, inline: committed outbox rows go out through the Slack sender to the fake.
    onCommitted: async (ids) => {
      for (const id of ids) await deliverOutboxRow(db.orm.em.fork(), senders, id);
    },
  });
  http = createHttpServer({ port: 0, host: '127.0.0.1' });
  inbox = createInboxConsumer({ orm: db.orm, engine, logger: logger });
  await inbox.start();
  adapter = createSlackAdapter({ config, inbox, http, lookups: ingressLookups(db.orm), logger, clock });
  senders.set('slack', adapter.sender);
  // Resolves only after the fake's `hello`: Socket Mode counts as connected from then on.
  await adapter.start();
  link = await socket.nextConnection();
});

afterAll(async () => {
  await adapter?.stop();
  await inbox?.stop();
  await http?.stop();
  await socket?.stop();
  await slack?.stop();
  await db?.close();
});

describe('Slack Socket Mode over a real WebSocket', () => {
  it('opens the connection with the app token, not the bot token, and speaks the protocol', async () => {
    const opens = slack.callsOf('apps.connections.open');
    expect(opens.map((c) => c.token)).toEqual([APP_TOKEN]);
    expect(slack.callsOf('auth.test').map((c) => c.token)).toContain('xoxb-socket-token');
    expect(socket.connections).toHaveLength(1);
    expect(link.ended).toBe(false);
  });

  it('a DM arriving as an events_api envelope is acknowledged by envelope_id and handled: the person is linked and answered', async () => {
    const envelope = eventsApiEnvelope(messageEvent({ user: SITI.user, channel: SITI.dm, text: 'halo', eventId: 'EvSock1' }));
    const ack = await deliver(envelope);
    expect(ack.envelope_id).toBe(envelope.envelope_id);
    expect(await processed('EvSock1')).toBe(1);
    const linked = await db.orm.em.getConnection().execute<{ chat_id: string; nip: string }[]>(
      `select ci.chat_id, e.nip from chat_identity ci join employee e on e.id = ci.employee_id where ci.platform = 'slack' and ci.platform_user_id = ?`,
      [SITI.user],
    );
    expect(linked).toEqual([{ chat_id: SITI.dm, nip: '198503122010012002' }]);
    expect((await messagesTo(SITI.dm)).map((m) => m.text).join('\n')).toMatch(/tertaut/i);
    expect(slack.postedTo(SITI.dm).length).toBeGreaterThan(0);
  });

  it('the same envelope sent again (same event_id, retry_attempt 1) is acknowledged again but handled once', async () => {
    const envelope = eventsApiEnvelope(messageEvent({ user: SITI.user, channel: SITI.dm, text: '/status', eventId: 'EvSockRetry' }));
    await deliver(envelope);
    const before = await outboxTo(SITI.dm);
    expect(before).toBeGreaterThan(0);
    const retry = { ...envelope, retry_attempt: 1, retry_reason: 'timeout' };
    const first = await deliver(retry);
    const second = await deliver(retry);
    expect([first.envelope_id, second.envelope_id]).toEqual([envelope.envelope_id, envelope.envelope_id]);
    expect(link.acks().filter((a) => a.envelope_id === envelope.envelope_id)).toHaveLength(3);
    expect(await processed('EvSockRetry')).toBe(1);
    expect(await outboxTo(SITI.dm)).toBe(before);
  });

  it('an events_api envelope is acknowledged only once it is stored: with the inbox unavailable there is no ack, and the re-sent envelope is handled once', async () => {
    const envelope = eventsApiEnvelope(messageEvent({ user: SITI.user, channel: SITI.dm, text: '/status', eventId: 'EvSockNoStore' }));
    const conn = db.orm.em.getConnection();
    await conn.execute('alter table inbox_event rename to inbox_event_away');
    try {
      const ackWhileAway = link.deliver(envelope);
      const outcome = await Promise.race([ackWhileAway.then(() => 'acked'), new Promise((r) => setTimeout(() => r('no ack'), 1500))]);
      expect(outcome).toBe('no ack');
      await adapter.idle();
      expect(await processed('EvSockNoStore')).toBe(0);
    } finally {
      await conn.execute('alter table inbox_event_away rename to inbox_event');
    }
    // Slack re-sends an unacknowledged envelope; now it is stored, acknowledged and handled once.
    const retry = { ...envelope, retry_attempt: 1, retry_reason: 'timeout' };
    const ack = await deliver(retry);
    expect(ack.envelope_id).toBe(envelope.envelope_id);
    expect(await processed('EvSockNoStore')).toBe(1);
    expect((await messagesTo(SITI.dm)).length).toBeGreaterThan(0);
  });

  it('a slash command arriving as a slash_commands envelope is acknowledged and opens the form with its trigger', async () => {
    const cmd = slashCommand({ user: SITI.user, channel: SITI.dm, text: 'penilaian', triggerId: 'trig-sock-cmd' }).form;
    const envelope = { envelope_id: 'env-cmd-1', type: 'slash_commands', payload: cmd, accepts_response_payload: true };
    const ack = await deliver(envelope);
    expect(ack.envelope_id).toBe('env-cmd-1');
    expect(await processed('cmd:trig-sock-cmd')).toBe(1);
    const opened = slack.callsOf('views.open').at(-1);
    expect(opened?.args.trigger_id).toBe('trig-sock-cmd');
  });

  it('a modal submission with an invalid value gets its inline errors back in the acknowledgement; a valid one closes it', async () => {
    const view = slack.callsOf('views.open').at(-1)!.args.view as Record<string, unknown>;
    const narrative = 'Melayani 120 pemohon izin sekolah, semua selesai tepat waktu.';
    const bad = await deliver(interactiveEnvelope(viewSubmission({ user: SITI.user, view, values: { realisasi: 'sembilan puluh', narasi: narrative } })));
    expect(bad.payload).toEqual({ response_action: 'errors', errors: { realisasi: expect.stringMatching(/"sembilan puluh" bukan angka/) } });
    const good = await deliver(interactiveEnvelope(viewSubmission({ user: SITI.user, view, values: { realisasi: '95,5', narasi: narrative } })));
    expect(good.payload ?? {}).toEqual({});
    const rows = await db.orm.em.getConnection().execute<{ realisasi: string; narrative: string }[]>(`select realisasi, narrative from answer`);
    expect(rows.map((r) => [Number(r.realisasi), r.narrative])).toEqual([[95.5, narrative]]);
  });

  it('a button press arriving as an interactive envelope is acknowledged and handled: the answered buttons disappear', async () => {
    const withButtons = slack.callsOf('chat.postMessage').filter((c) => c.args.channel === SITI.dm && JSON.stringify(c.args.blocks ?? []).includes('"Lewati"')).at(-1);
    expect(withButtons).toBeDefined();
    const blocks = withButtons!.args.blocks as { type: string; elements?: { text?: { text: string }; value?: string }[] }[];
    const skip = blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []).find((e) => e.text?.text === 'Lewati')!;
    const ts = String(withButtons!.result?.ts);
    const envelope = interactiveEnvelope(blockAction({ user: SITI.user, channel: SITI.dm, value: skip.value!, triggerId: 'trig-sock-1', messageTs: ts }));
    const ack = await deliver(envelope);
    expect(ack.envelope_id).toBe(envelope.envelope_id);
    expect(await processed('act:trig-sock-1')).toBe(1);
    const update = slack.callsOf('chat.update').find((c) => c.args.ts === ts);
    expect(update).toBeDefined();
    expect(JSON.stringify(update!.args.blocks ?? [])).not.toContain('"Lewati"');
  });

  it('never sends a frame that breaks the protocol (client frames masked, text only)', () => {
    expect(link.protocolErrors).toEqual([]);
  });

  it('stop() closes the socket with a normal closure and does not reconnect', async () => {
    await adapter.stop();
    // Already closing when stop() resolves (the client's close frame has reached the server, which answered
    // it): nothing can arrive for an adapter being shut down.
    expect(link.closingByClient).toBe(true);
    await link.waitForEnd();
    expect(link.closedByClient).toEqual({ code: 1000, reason: '' });
    expect(slack.callsOf('apps.connections.open')).toHaveLength(1);
    expect(socket.connections).toHaveLength(1);
  });
});
