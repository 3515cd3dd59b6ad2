/** Telegram for the conformance suite: the fake Bot API server, the adapter in webhook mode. */
import type { Update } from 'grammy/types';
import { FakeTelegram, type FakeUser } from '../fake-telegram.js';
import type { ConformanceFactory, ConformanceFake, FakeFailure, ShownMessage } from './types.js';

const TOKEN = '123456789:TEST-conformance-telegram-token';
const SECRET = 'conformance-webhook-secret-0123';
const USER: FakeUser = { id: 4242, first_name: 'Uji', language_code: 'id' };
/** Telegram's longest message text. */
const MAX_TEXT = 4096;

export const telegramConformance: ConformanceFactory = {
  platform: 'telegram',
  async start({ appUrl }): Promise<ConformanceFake> {
    const fake = await FakeTelegram.start({ token: TOKEN });
    fake.knowChat(USER.id);
    let last: Update | undefined;
    const remember = async (p: Promise<{ update: Update }>) => {
      last = (await p).update;
    };
    const failureOf = (f: FakeFailure) => {
      switch (f.kind) {
        case 'rate_limited':
          return { code: 429 as const, retryAfter: f.retryAfterSec };
        case 'forbidden':
          return { code: 403 as const, description: 'Forbidden: bot was blocked by the user' };
        case 'server_error':
          return { code: 502 as const, description: 'Bad Gateway' };
      }
    };
    return {
      config: {
        TELEGRAM_BOT_TOKEN: TOKEN,
        TELEGRAM_API_ROOT: fake.apiRoot,
        TELEGRAM_MODE: 'webhook',
        TELEGRAM_WEBHOOK_URL: `${appUrl}/telegram/webhook`,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
      },
      user: { platformUserId: String(USER.id), chatId: String(USER.id) },
      limits: { buttonsPerRow: 8 },
      sendText: (text) => remember(fake.sendText(USER, text)),
      sendCommand: (name, args) => remember(fake.sendCommand(USER, name, ...args)),
      pressButton: (ref, label) => remember(fake.pressButton(USER, Number(ref), label)),
      replyTo: (ref, text) => remember(fake.reply(USER, Number(ref), text)),
      async redeliverLast() {
        if (!last) throw new Error('nothing to redeliver');
        await fake.postToWebhook(last);
      },
      shown(): ShownMessage[] {
        return fake.botMessages(USER.id).map((m) => ({
          ref: String(m.message_id),
          fields: [{ name: 'text', shown: m.text, length: m.text.length, max: MAX_TEXT }],
          body: m.text,
          buttons: (m.reply_markup?.inline_keyboard ?? []).map((row) => row.map((b) => ({ label: b.text, token: 'callback_data' in b ? String(b.callback_data) : '' }))),
          edits: m.editCount,
        }));
      },
      failNext(f) {
        fake.failNext('sendMessage', failureOf(f));
      },
      unreachableConfig: { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: 'http://127.0.0.1:9', TELEGRAM_MODE: 'polling' },
      failNextEdit() {
        fake.failNext('editMessageText', { code: 400, description: "Bad Request: message can't be edited" });
      },
      close: () => fake.stop(),
    };
  },
};
