import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Update } from 'grammy/types';
import type { Injected } from '../support/fake-telegram.js';
import type { ExclusiveRoles } from '../../src/contract/index.js';
import { deliverOutboxRow } from '../../src/jobs/deliver-row.js';
import { ANI, createTelegramHarness, SECRET, STRANGER, type TelegramHarness } from './harness.js';

async function processedEvents(h: TelegramHarness): Promise<string[]> {
  const rows = await h.query<{ event_id: string }>(`select event_id from processed_event where platform = 'telegram' order by id`);
  return rows.map((r) => r.event_id);
}

describe('Telegram webhook mode', () => {
  let h: TelegramHarness;
  beforeAll(async () => {
    h = await createTelegramHarness('webhook', { start: false });
    // Raw updates are posted below without going through the fake's users: tell it the chat exists.
    h.fake.knowChat(STRANGER.id);
  });
  afterAll(async () => {
    await h?.close();
  });

  const update = (id: number, text: string): Update =>
    ({ update_id: id, message: { message_id: id, date: 1_764_558_000, chat: { id: STRANGER.id, type: 'private', first_name: 'Tamu' }, from: { ...STRANGER, is_bot: false }, text } }) as unknown as Update;

  it('answers 503 before the adapter has started, storing nothing', async () => {
    expect(await h.fake.postToWebhook(update(1, 'halo'), { url: h.webhookUrl, secret: SECRET })).toBe(503);
    expect(await processedEvents(h)).toEqual([]);
  });

  it('registers the webhook with its secret on start', async () => {
    await h.adapter.start();
    expect(h.fake.webhookInfo).toEqual({ url: expect.stringMatching(/\/telegram\/webhook$/), secret: SECRET });
    expect(h.fake.callsTo('setWebhook')[0].params).toMatchObject({ secret_token: SECRET, allowed_updates: ['message', 'callback_query'] });
    expect(h.adapter.botInfo()?.username).toBe(h.fake.bot.username);
  });

  it.each([
    ['a missing secret', null],
    ['a wrong secret', 'wrong-secret-wrong-secret-123'],
    ['the secret in another case', SECRET.toUpperCase()],
  ])('refuses %s with 401 and stores nothing', async (_what, secret) => {
    const before = h.fake.calls.length;
    expect(await h.fake.postToWebhook(update(50, '/start ANI7K2Q9'), { secret })).toBe(401);
    expect(await processedEvents(h)).toEqual([]);
    expect(await h.query(`select id from outbox_message`)).toEqual([]);
    expect(await h.query(`select id from chat_identity`)).toEqual([]);
    expect(h.fake.calls.length).toBe(before);
  });

  it('handles an update with the right secret, and the same update twice only once', async () => {
    const u = update(60, '/bantuan');
    // 200 means stored: the engine handles the stored update just after.
    expect(await h.fake.postToWebhook(u)).toBe(200);
    await h.settled();
    expect(await processedEvents(h)).toEqual(['60']);
    const replies = h.fake.botMessages(STRANGER.id);
    expect(replies).toHaveLength(1);
    expect(replies[0].text).toContain('belum ditautkan');

    // Telegram re-sends when it did not see our 200 in time: nothing happens twice.
    expect(await h.fake.postToWebhook(u)).toBe(200);
    await h.settled();
    expect(await processedEvents(h)).toEqual(['60']);
    expect(h.fake.botMessages(STRANGER.id)).toHaveLength(1);
    expect(await h.query(`select id from outbox_message`)).toHaveLength(1);
  });

  it('acknowledges a body that is not an update and parks it (Telegram would re-send it forever otherwise)', async () => {
    const res = await fetch(h.webhookUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': SECRET }, body: JSON.stringify({ hello: 1 }) });
    expect(res.status).toBe(200);
    expect(await h.query(`select last_error from inbox_event where status = 'parked'`)).toEqual([{ last_error: 'body is not a Telegram update (no numeric update_id)' }]);
  });

  it("ignores people's own talk in a group (200, nothing stored, nothing sent); a command there is never answered in the group", async () => {
    const chatOf = { id: -100555, type: 'supergroup', title: 'Dinas Pendidikan' };
    const talk = { update_id: 70, message: { message_id: 1, date: 1_764_558_000, chat: chatOf, from: { ...ANI, is_bot: false }, text: 'rapat jam 10 ya' } } as unknown as Update;
    expect(await h.fake.postToWebhook(talk)).toBe(200);
    await h.settled();
    expect(await h.query(`select id from inbox_event where event_id = '70'`)).toEqual([]);
    expect(await processedEvents(h)).not.toContain('70');
    const command = { update_id: 71, message: { message_id: 2, date: 1_764_558_001, chat: chatOf, from: { ...ANI, is_bot: false }, text: '/penilaian', entities: [{ type: 'bot_command', offset: 0, length: 10 }] } } as unknown as Update;
    expect(await h.fake.postToWebhook(command)).toBe(200);
    await h.settled();
    expect(h.fake.callsTo('sendMessage').filter((c) => Number(c.params.chat_id) === -100555)).toEqual([]);
  });

  it('always answers a button press, even from someone not linked', async () => {
    await h.fake.sendText(STRANGER, 'halo');
    await h.settled();
    const prompt = h.fake.botMessages(STRANGER.id).at(-1)!;
    const { update: u, status } = await h.act(() => h.fake.pressButton(STRANGER, prompt.message_id, 'tk_forged', { force: true }));
    expect(status).toBe(200);
    expect(h.fake.callbackAnswer(u.callback_query!.id)?.answered).toBe(true);
    expect(h.fake.botMessages(STRANGER.id).at(-1)!.text).toContain('belum ditautkan');
  });

  it('links by /start CODE from the deep link and says so', async () => {
    const { status } = await h.act(() => h.fake.sendCommand(ANI, 'start', h.codes.ani));
    expect(status).toBe(200);
    expect(h.fake.botMessages(ANI.id).at(-1)!.text).toContain('sudah tertaut');
    const [identity] = await h.query<{ employee_id: number; chat_id: string }>(`select employee_id, chat_id from chat_identity where platform_user_id = ?`, [String(ANI.id)]);
    expect(identity).toEqual({ employee_id: h.employeeIds.ani, chat_id: String(ANI.id) });
  });

  it('stops accepting updates after stop() (503, so Telegram keeps them)', async () => {
    await h.adapter.stop();
    expect(await h.fake.postToWebhook(update(80, 'halo'))).toBe(503);
    expect(await processedEvents(h)).not.toContain('80');
  });
});

describe('Telegram polling mode', () => {
  let h: TelegramHarness;
  beforeAll(async () => {
    h = await createTelegramHarness('polling');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('removes any webhook before polling', () => {
    const methods = h.fake.calls.map((c) => c.method);
    expect(methods.indexOf('deleteWebhook')).toBeGreaterThanOrEqual(0);
    const firstPoll = methods.indexOf('getUpdates');
    if (firstPoll >= 0) expect(methods.indexOf('deleteWebhook')).toBeLessThan(firstPoll);
  });

  it('receives updates by long polling and answers through the outbox', async () => {
    const { result } = await h.act(() => h.fake.sendText(STRANGER, 'halo'));
    expect(result?.duplicate).toBe(false);
    expect(h.fake.botMessages(STRANGER.id).at(-1)!.text).toContain('belum ditautkan');
  });

  it('handles one chat\'s updates in the order they were sent', async () => {
    const sent: Injected[] = [];
    for (let i = 0; i < 6; i++) sent.push(await h.fake.sendText(STRANGER, `pesan ${i}`));
    const last = String(sent.at(-1)!.update.update_id);
    await h.act(async () => sent.at(-1)!);
    const order = (await processedEvents(h)).filter((id) => sent.some((s) => String(s.update.update_id) === id));
    expect(order).toEqual(sent.map((s) => String(s.update.update_id)));
    expect(order.at(-1)).toBe(last);
  });

  it('attaches the thread key when a person replies to one of the bot\'s messages', async () => {
    await h.act(() => h.fake.sendCommand(ANI, 'start', h.codes.ani));
    // A bot message that belongs to Ani's assessment thread (as the engine writes them).
    await h.query(
      `insert into outbox_message (platform, chat_id, payload, dedupe_key) values ('telegram', ?, ?, 'thread-test')`,
      [String(ANI.id), JSON.stringify({ text: 'Dialog kinerja: tanggapan atasan', threadKey: h.threadKeys.ani })],
    );
    const [row] = await h.query<{ id: string }>(`select id from outbox_message where dedupe_key = 'thread-test'`);
    await deliverOutboxRow(h.db.orm.em.fork(), new Map([['telegram', h.adapter.sender]]), Number(row.id));
    const threadMessage = h.fake.botMessages(ANI.id).at(-1)!;
    await h.act(() => h.fake.reply(ANI, threadMessage.message_id, 'Terima kasih, Bu.'));
    const stored = await h.query<{ text: string }>(`select text from thread_message where assessment_id = ?`, [h.assessmentIds.ani]);
    expect(stored.map((s) => s.text)).toEqual(['Terima kasih, Bu.']);
  });

  it('stops polling promptly', async () => {
    const t = Date.now();
    await h.adapter.stop();
    expect(Date.now() - t).toBeLessThan(5000);
  });
});

describe('Telegram polling while holding the polling role', () => {
  let h: TelegramHarness;
  const held = new AbortController();
  beforeAll(async () => {
    let granted = false;
    const exclusive: ExclusiveRoles = {
      // Granted once; after losing it the process stands by (another holds the role) until it stops.
      acquire: (_role, stopping) =>
        granted
          ? new Promise((_, reject) => stopping.addEventListener('abort', () => reject(new Error('stopped')), { once: true }))
          : ((granted = true), Promise.resolve({ lost: held.signal, release: async () => undefined })),
    };
    h = await createTelegramHarness('polling', { exclusive });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('keeps one listener on the lease however many polls it makes (one per getUpdates leaked before)', async () => {
    for (let i = 0; i < 12; i++) await h.act(() => h.fake.sendText(STRANGER, `pesan ${i}`));
    expect(h.fake.callsTo('getUpdates').length).toBeGreaterThanOrEqual(12);
    expect(getEventListeners(held.signal, 'abort')).toHaveLength(1);
  });

  it('stops polling at once when the role is lost, and lets go of the lease', async () => {
    const polls = h.fake.callsTo('getUpdates').length;
    held.abort(new Error('role lost'));
    await new Promise((r) => setTimeout(r, 300));
    expect(getEventListeners(held.signal, 'abort')).toHaveLength(0);
    // Stopped: what is sent now is not fetched by this process.
    await h.fake.sendText(STRANGER, 'tidak diambil');
    await new Promise((r) => setTimeout(r, 300));
    expect(h.fake.callsTo('getUpdates').length).toBeLessThanOrEqual(polls + 1);
  });
});
