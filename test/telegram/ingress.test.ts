import { describe, expect, it } from 'vitest';
import type { Update } from 'grammy/types';
import { callbackQueryIdOf, repliedBotMessageId, updateToEvent, type IngressContext } from '../../src/adapters/telegram/ingress.js';
import type { IncomingEvent } from '../../src/contract/index.js';

const ctx: IngressContext = { botUsername: 'kinerja_bot', botId: 999 };
const ani = { id: 42, is_bot: false, first_name: 'Ani', last_name: 'Wijaya', language_code: 'id' };
const privateChat = { id: 42, type: 'private', first_name: 'Ani' };
const date = 1_764_560_000;

function message(extra: Record<string, unknown>, chat: Record<string, unknown> = privateChat): Update {
  return { update_id: 7001, message: { message_id: 5, date, chat, from: ani, ...extra } } as unknown as Update;
}
function command(text: string): Update {
  const m = /^\/\S+/.exec(text)!;
  return message({ text, entities: [{ type: 'bot_command', offset: 0, length: m[0].length }] });
}

const base = { platform: 'telegram', platformUserId: '42', chatId: '42', eventId: '7001', hints: { displayName: 'Ani Wijaya', locale: 'id' }, receivedAt: new Date(date * 1000) };

describe('updateToEvent', () => {
  it.each<[string, Update, Partial<IncomingEvent> | null]>([
    ['plain text', message({ text: 'Selesai 12 laporan' }), { kind: 'text', payload: 'Selesai 12 laporan' }],
    ['text with markup characters is passed as typed', message({ text: '<b>&"\' *_[]' }), { kind: 'text', payload: '<b>&"\' *_[]' }],
    ['a command', command('/penilaian'), { kind: 'command', payload: 'penilaian', args: [] }],
    ['a command is lower-cased', command('/Penilaian'), { kind: 'command', payload: 'penilaian', args: [] }],
    ['/start deep-link payload', command('/start AB12-cd_34'), { kind: 'command', payload: 'start', args: ['AB12-cd_34'] }],
    ['@botname suffix stripped', command('/bantuan@kinerja_bot'), { kind: 'command', payload: 'bantuan', args: [] }],
    ['@botname suffix is case-insensitive', command('/start@Kinerja_Bot X1'), { kind: 'command', payload: 'start', args: ['X1'] }],
    ['several arguments', command('/link  123   456 '), { kind: 'command', payload: 'link', args: ['123', '456'] }],
    ['slash text without a command entity is text', message({ text: '/ bukan perintah', entities: [] }), { kind: 'text', payload: '/ bukan perintah' }],
    [
      'a document',
      message({ document: { file_id: 'F1', file_unique_id: 'U1', file_name: 'laporan.pdf', file_size: 2048, mime_type: 'application/pdf' }, caption: 'bukti' }),
      { kind: 'file', payload: 'bukti', file: { kind: 'file', fileId: 'F1', name: 'laporan.pdf', size: 2048, mimeType: 'application/pdf' } },
    ],
    [
      'an oversized document is still passed on, with its size',
      message({ document: { file_id: 'F2', file_unique_id: 'U2', file_name: 'video.zip', file_size: 60 * 1024 * 1024, mime_type: 'application/zip' } }),
      { kind: 'file', payload: '', file: { kind: 'file', fileId: 'F2', name: 'video.zip', size: 60 * 1024 * 1024, mimeType: 'application/zip' } },
    ],
    [
      'a photo: the largest size',
      message({ photo: [{ file_id: 'small', file_unique_id: 's', width: 90, height: 60, file_size: 100 }, { file_id: 'big', file_unique_id: 'b', width: 1280, height: 960, file_size: 90000 }] }),
      { kind: 'file', payload: '', file: { kind: 'photo', fileId: 'big', size: 90000, mimeType: 'image/jpeg' } },
    ],
  ])('%s', (_name, update, expected) => {
    expect(updateToEvent(update, ctx)).toEqual({ ...base, ...expected });
  });

  it('a button press becomes an action carrying the callback data', () => {
    const update = {
      update_id: 7002,
      callback_query: { id: 'cb1', from: ani, chat_instance: 'x', data: 'tk_AbC123', message: { message_id: 9, date, chat: privateChat, text: 'Nilai?' } },
    } as unknown as Update;
    expect(updateToEvent(update, ctx)).toEqual({
      platform: 'telegram', platformUserId: '42', chatId: '42', eventId: '7002', kind: 'action', payload: 'tk_AbC123', hints: { displayName: 'Ani Wijaya', locale: 'id' },
    });
    expect(callbackQueryIdOf(update)).toBe('cb1');
  });

  it('a command in a group comes with the group as groupChatId and the private chat (the user id) as chatId', () => {
    const update = message({ text: '/daftarkan_kanal@kinerja_bot DISHUB', entities: [{ type: 'bot_command', offset: 0, length: 28 }] }, { id: -100777, type: 'supergroup', title: 'Dinas' });
    expect(updateToEvent(update, ctx)).toMatchObject({ platformUserId: '42', chatId: '42', groupChatId: '-100777', kind: 'command', payload: 'daftarkan_kanal', args: ['DISHUB'] });
  });

  it.each<[string, Update]>([
    ['a group message', message({ text: 'halo semua' }, { id: -100123, type: 'supergroup', title: 'Dinas' })],
    ['a command in a group for another bot', message({ text: '/daftarkan_kanal@other_bot X', entities: [{ type: 'bot_command', offset: 0, length: 26 }] }, { id: -5, type: 'group', title: 'G' })],
    ['a channel post', { update_id: 1, channel_post: { message_id: 1, date, chat: { id: -100, type: 'channel', title: 'C' }, text: 'x' } } as unknown as Update],
    ['a command for another bot', command('/start@other_bot X')],
    ['a sticker', message({ sticker: { file_id: 's', file_unique_id: 's', type: 'regular', width: 1, height: 1, is_animated: false, is_video: false } })],
    ['a message from a bot', { update_id: 1, message: { message_id: 1, date, chat: privateChat, from: { id: 5, is_bot: true, first_name: 'B' }, text: 'x' } } as unknown as Update],
    ['an edited message', { update_id: 1, edited_message: { message_id: 1, date, edit_date: date, chat: privateChat, from: ani, text: 'x' } } as unknown as Update],
    ['a button press in a group', { update_id: 1, callback_query: { id: 'q', from: ani, chat_instance: 'x', data: 't', message: { message_id: 1, date, chat: { id: -5, type: 'group', title: 'G' } } } } as unknown as Update],
    ['a game button without data', { update_id: 1, callback_query: { id: 'q', from: ani, chat_instance: 'x', game_short_name: 'g' } } as unknown as Update],
  ])('ignores %s', (_name, update) => {
    expect(updateToEvent(update, ctx)).toBeNull();
  });
});

describe('repliedBotMessageId', () => {
  const botMessage = { message_id: 77, date, chat: privateChat, from: { id: 999, is_bot: true, first_name: 'Kinerja', username: 'kinerja_bot' }, text: 'Dialog kinerja' };
  it.each<[string, Update, number | undefined]>([
    ['a reply to the bot', message({ text: 'Terima kasih', reply_to_message: botMessage }), 77],
    ['a reply to the person\'s own message', message({ text: 'x', reply_to_message: { ...botMessage, from: ani } }), undefined],
    ['no reply', message({ text: 'x' }), undefined],
  ])('%s', (_name, update, expected) => {
    expect(repliedBotMessageId(update, ctx)).toBe(expected);
    // The mapping itself does not invent a thread key: the adapter looks it up in the outbox.
    expect(updateToEvent(update, ctx)?.threadKey).toBeUndefined();
  });
});
