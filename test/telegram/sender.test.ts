import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeTelegram, type FakeUser } from '../support/fake-telegram.js';
import { TelegramSender } from '../../src/adapters/telegram/sender.js';
import { telegramThreadKeyLookup } from '../../src/adapters/telegram/thread-key.js';
import { ingressLookups } from '../../src/db/lookups.js';
import { deliverOutboxRow } from '../../src/jobs/deliver-row.js';
import { DeliveryError, type DeliveryLookups, type OutgoingMessage } from '../../src/contract/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const TOKEN = '123456:TEST-sender-token-abcdefghijkl';
const ani: FakeUser = { id: 4201, first_name: 'Ani' };
const dest = { platform: 'telegram' as const, chatId: String(ani.id) };

let fake: FakeTelegram;
let sender: TelegramSender;

/** Earlier deliveries, as the outbox would answer: outbox id -> Telegram message id. */
function lookups(refs: Record<number, string> = {}): DeliveryLookups {
  return { messageRefOf: async (id) => refs[id] ?? null, threadRootRef: async () => null, fileContent: async () => { throw new Error('no files in this test'); } };
}

async function failureOf(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

beforeAll(async () => {
  fake = await FakeTelegram.start({ token: TOKEN });
  sender = new TelegramSender({ token: TOKEN, apiRoot: fake.apiRoot, timeoutSeconds: 5 });
  fake.knowChat(ani.id);
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(() => {
  fake.calls.length = 0;
});

describe('TelegramSender against the fake Bot API', () => {
  it('sends an HTML message with buttons and returns its message_id', async () => {
    const receipt = await sender.deliver(dest, { text: 'Halo <Ani> & tim', buttons: [[{ label: 'Mulai', token: 'start1' }]] }, lookups());
    const sent = fake.botMessages(ani.id).at(-1)!;
    expect(receipt.platformMessageRef).toBe(String(sent.message_id));
    expect(sent.text).toBe('Halo <Ani> & tim');
    expect(sent.reply_markup?.inline_keyboard[0][0]).toEqual({ text: 'Mulai', callback_data: 'start1' });
  });

  it.each<[string, Parameters<FakeTelegram['failNext']>[1], DeliveryError['kind'], RegExp, number | undefined]>([
    ['429 -> rate_limited with retry_after', { code: 429, retryAfter: 7 }, 'rate_limited', /retry after 7 s/, 7000],
    ['403 bot blocked -> permanent', { code: 403, description: 'Forbidden: bot was blocked by the user' }, 'permanent', /bot was blocked by the user/, undefined],
    ['403 user deactivated -> permanent', { code: 403, description: 'Forbidden: user is deactivated' }, 'permanent', /user is deactivated/, undefined],
    ['other 400 -> permanent with Telegram\'s description', { code: 400, description: 'Bad Request: PEER_ID_INVALID' }, 'permanent', /PEER_ID_INVALID/, undefined],
    ['500 -> transient', { code: 500 }, 'transient', /Internal Server Error/, undefined],
    ['502 -> transient', { code: 502, description: 'Bad Gateway' }, 'transient', /Bad Gateway/, undefined],
    ['a dropped connection -> transient', { code: 'network' }, 'transient', /could not reach Telegram/, undefined],
  ])('%s, after exactly one call', async (_name, failure, kind, message, retryAfterMs) => {
    fake.failNext('sendMessage', failure);
    const err = await failureOf(sender.deliver(dest, { text: 'Pengingat' }, lookups()));
    expect(err.kind).toBe(kind);
    expect(err.message).toMatch(message);
    expect(err.retryAfterMs).toBe(retryAfterMs);
    // No hidden retry inside the sender: BullMQ owns retrying.
    expect(fake.callsTo('sendMessage')).toHaveLength(1);
  });

  it('classifies a chat Telegram does not know as permanent (a real 400 from the fake)', async () => {
    const err = await failureOf(sender.deliver({ platform: 'telegram', chatId: '999999' }, { text: 'x' }, lookups()));
    expect(err.kind).toBe('permanent');
    expect(err.platformCode).toBe('400: Bad Request: chat not found');
  });

  it('refuses a button token over 64 bytes without calling Telegram', async () => {
    const err = await failureOf(sender.deliver(dest, { text: 'x', buttons: [[{ label: 'b', token: 'x'.repeat(65) }]] }, lookups()));
    expect(err.kind).toBe('permanent');
    expect(fake.calls).toHaveLength(0);
  });

  it('edits the replaced message in place, removing its old buttons', async () => {
    const first = await sender.deliver(dest, { text: 'Nilai Hasil Kerja?', buttons: [[{ label: 'Di atas', token: 'r1' }, { label: 'Sesuai', token: 'r2' }]] }, lookups());
    const before = fake.botMessages(ani.id).length;
    const second = await sender.deliver(dest, { text: 'Nilai Hasil Kerja: Sesuai ✓', replaceOutboxId: 10 }, lookups({ 10: first.platformMessageRef }));
    expect(second.platformMessageRef).toBe(first.platformMessageRef);
    expect(fake.botMessages(ani.id)).toHaveLength(before);
    const edited = fake.botMessages(ani.id).find((m) => String(m.message_id) === first.platformMessageRef)!;
    expect(edited.text).toBe('Nilai Hasil Kerja: Sesuai ✓');
    expect(edited.reply_markup).toBeUndefined();
    expect(edited.editCount).toBe(1);
    // The old button cannot be pressed any more.
    expect(() => fake.pressButton(ani, edited.message_id, 'Sesuai')).toThrow(/no button/);
  });

  it('falls back to a new message when the edit fails (message gone)', async () => {
    const receipt = await sender.deliver(dest, { text: 'Pertanyaan berikutnya', replaceOutboxId: 11 }, lookups({ 11: '987654' }));
    expect(fake.callsTo('editMessageText').map((c) => c.description)).toEqual(['Bad Request: message to edit not found']);
    expect(fake.callsTo('sendMessage')).toHaveLength(1);
    expect(fake.botMessages(ani.id).at(-1)!.text).toBe('Pertanyaan berikutnya');
    expect(receipt.platformMessageRef).toBe(String(fake.botMessages(ani.id).at(-1)!.message_id));
  });

  it('falls back to a new message when Telegram says the message can no longer be edited', async () => {
    const first = await sender.deliver(dest, { text: 'lama' }, lookups());
    fake.failNext('editMessageText', { code: 400, description: "Bad Request: message can't be edited" });
    const receipt = await sender.deliver(dest, { text: 'baru', replaceOutboxId: 1 }, lookups({ 1: first.platformMessageRef }));
    expect(receipt.platformMessageRef).not.toBe(first.platformMessageRef);
    expect(fake.botMessages(ani.id).at(-1)!.text).toBe('baru');
  });

  it('sends a new message when the replaced row was never delivered', async () => {
    await sender.deliver(dest, { text: 'pengganti', replaceOutboxId: 12 }, lookups());
    expect(fake.callsTo('editMessageText')).toHaveLength(0);
    expect(fake.callsTo('sendMessage')).toHaveLength(1);
  });

  it('does not send a duplicate when a rate-limited edit is retried later', async () => {
    const first = await sender.deliver(dest, { text: 'Prompt', buttons: [[{ label: 'A', token: 'a' }]] }, lookups());
    fake.calls.length = 0;
    fake.failNext('editMessageText', { code: 429, retryAfter: 3 });
    const err = await failureOf(sender.deliver(dest, { text: 'Dijawab', replaceOutboxId: 5 }, lookups({ 5: first.platformMessageRef })));
    expect(err.kind).toBe('rate_limited');
    expect(err.retryAfterMs).toBe(3000);
    expect(fake.callsTo('sendMessage')).toHaveLength(0);
  });

  it('treats "message is not modified" as done', async () => {
    const first = await sender.deliver(dest, { text: 'Sama' }, lookups());
    const again = await sender.deliver(dest, { text: 'Sama', replaceOutboxId: 2 }, lookups({ 2: first.platformMessageRef }));
    expect(again.platformMessageRef).toBe(first.platformMessageRef);
    expect(fake.callsTo('editMessageText')[0].description).toMatch(/not modified/);
  });

  it('sends a long message as several messages and reports every part (the last one has the buttons)', async () => {
    const long: OutgoingMessage = { text: Array.from({ length: 8 }, (_, i) => `${i}: ${'y'.repeat(900)}`).join('\n\n'), buttons: [[{ label: 'OK', token: 'ok' }]] };
    const receipt = await sender.deliver(dest, long, lookups());
    const sends = fake.callsTo('sendMessage');
    expect(sends).toHaveLength(2);
    const parts = fake.botMessages(ani.id).slice(-2);
    const last = parts[1];
    expect(receipt.platformMessageRef).toBe(parts.map((m) => String(m.message_id)).join(','));
    expect(last.reply_markup?.inline_keyboard[0][0].text).toBe('OK');
  });
});

describe('TelegramSender through deliverOutboxRow (real PostgreSQL)', () => {
  let db: TestDatabase;
  const senders = () => new Map([['telegram', sender]]);
  const bob: FakeUser = { id: 4202, first_name: 'Bob' };

  beforeAll(async () => {
    db = await createTestDatabase();
    fake.knowChat(bob.id);
  });
  afterAll(async () => {
    await db?.close();
  });

  async function outboxRow(payload: OutgoingMessage, key: string, chatId = String(bob.id)): Promise<number> {
    const rows = await db.orm.em.getConnection().execute<{ id: string }[]>(
      `insert into outbox_message (platform, chat_id, payload, dedupe_key) values ('telegram', ?, ?, ?) returning id`,
      [chatId, JSON.stringify(payload), key],
    );
    return Number(rows[0].id);
  }
  async function row(id: number) {
    const rows = await db.orm.em.getConnection().execute<{ status: string; platform_message_ref: string | null; last_error: string | null }[]>(
      'select status, platform_message_ref, last_error from outbox_message where id = ?',
      [id],
    );
    return rows[0];
  }

  it('stores the message id, edits by outbox id, and finds the thread key of a reply', async () => {
    const em = db.orm.em.fork();
    const prompt = await outboxRow({ text: 'Dialog kinerja: ada tanggapan?', threadKey: 'th_0123456789abcdef', buttons: [[{ label: 'Balas', token: 'rp' }]] }, 'p1');
    const sent = await deliverOutboxRow(em, senders(), prompt);
    expect(sent.status).toBe('sent');
    const ref = (await row(prompt)).platform_message_ref!;
    expect(fake.botMessages(bob.id).at(-1)!.message_id).toBe(Number(ref));

    const lookup = telegramThreadKeyLookup(ingressLookups(db.orm));
    expect(await lookup(String(bob.id), Number(ref))).toBe('th_0123456789abcdef');
    expect(await lookup(String(bob.id), Number(ref) + 100)).toBeNull();
    expect(await lookup('12345', Number(ref))).toBeNull();

    const answer = await outboxRow({ text: 'Tanggapan diterima.', replaceOutboxId: prompt }, 'p2');
    await deliverOutboxRow(em, senders(), answer);
    expect((await row(answer)).platform_message_ref).toBe(ref);
    expect(fake.botMessages(bob.id).find((m) => m.message_id === Number(ref))).toMatchObject({ text: 'Tanggapan diterima.', reply_markup: undefined });
  });

  it('marks the row failed with Telegram\'s reason when the person blocked the bot', async () => {
    const carol: FakeUser = { id: 4203, first_name: 'Carol' };
    fake.knowChat(carol.id);
    fake.blockBot(carol);
    const id = await outboxRow({ text: 'Pengingat' }, 'b1', String(carol.id));
    const outcome = await deliverOutboxRow(db.orm.em.fork(), senders(), id);
    expect(outcome.status).toBe('failed');
    expect((await row(id))).toMatchObject({ status: 'failed', platform_message_ref: null });
    expect((await row(id)).last_error).toMatch(/bot was blocked by the user/);
  });

  it('leaves the row pending and rethrows on a 429, for the worker to retry after retry_after', async () => {
    const id = await outboxRow({ text: 'Nanti' }, 'r1');
    fake.failNext('sendMessage', { code: 429, retryAfter: 2 });
    const err = await failureOf(deliverOutboxRow(db.orm.em.fork(), senders(), id));
    expect(err.kind).toBe('rate_limited');
    expect((await row(id)).status).toBe('pending');
    expect((await deliverOutboxRow(db.orm.em.fork(), senders(), id)).status).toBe('sent');
  });
});
