/**
 * Telegram update -> `IncomingEvent`. Pure: no I/O, so every mapping rule is a table-driven unit test. The one
 * thing that needs the database (which assessment thread a reply belongs to) is left to the caller, who gets
 * the replied-to message id from `repliedBotMessageId`.
 */
import type { Message, Update, User } from 'grammy/types';
import type { IncomingEvent, IncomingFile } from '../../contract/index.js';

/** What the mapping needs to know about the bot itself (from getMe). */
export interface IngressContext {
  /** The bot's username without `@`, to strip `/command@botname` suffixes. */
  botUsername: string;
  /** The bot's user id, to recognise replies to the bot's own messages. */
  botId: number;
}

/**
 * Maps one update to the engine's event, or `null` when the bot should ignore it: anything in a group but a
 * command (groups receive announcements; a command there, e.g. `/daftarkan_kanal UNIT`, comes with the
 * group as `groupChatId` and the sender's private chat as `chatId`, where the engine answers any other command), channels, messages from other bots,
 * service messages, commands addressed to another bot, and kinds the product has no use for (stickers,
 * locations).
 * Files are passed on with their size even when over EVIDENCE_MAX_MB: the engine owns the rule and the
 * localised explanation.
 */
export function updateToEvent(update: Update, ctx: IngressContext): IncomingEvent | null {
  if (update.message) return messageToEvent(update.update_id, update.message, ctx);
  if (update.callback_query) {
    const q = update.callback_query;
    if (q.data === undefined || q.from.is_bot) return null;
    const chat = q.message?.chat;
    if (chat && chat.type !== 'private') return null;
    return {
      platform: 'telegram',
      platformUserId: String(q.from.id),
      // A button on an inline-mode message has no chat; in a private chat the chat id is the user id.
      chatId: String(chat?.id ?? q.from.id),
      eventId: String(update.update_id),
      kind: 'action',
      payload: q.data,
      hints: hintsOf(q.from),
    };
  }
  return null;
}

/**
 * The message id the update replies to when that message is one of the bot's own (a dialog kinerja thread
 * message or review prompt); `undefined` otherwise. The caller maps it to the thread key via the outbox.
 */
export function repliedBotMessageId(update: Update, ctx: IngressContext): number | undefined {
  const replied = update.message?.reply_to_message;
  if (!replied || replied.from?.id !== ctx.botId) return undefined;
  return replied.message_id;
}

/** The id of the callback query to answer, if this update is a button press (answered even when ignored). */
export function callbackQueryIdOf(update: Update): string | undefined {
  return update.callback_query?.id;
}

function messageToEvent(updateId: number, m: Message, ctx: IngressContext): IncomingEvent | null {
  if (!m.from || m.from.is_bot) return null;
  if (m.chat.type === 'group' || m.chat.type === 'supergroup') return groupCommandEvent(updateId, m, m.from, ctx);
  if (m.chat.type !== 'private') return null;
  const base = {
    platform: 'telegram' as const,
    platformUserId: String(m.from.id),
    chatId: String(m.chat.id),
    eventId: String(updateId),
    hints: hintsOf(m.from),
    receivedAt: new Date(m.date * 1000),
  };
  if (m.text !== undefined) {
    const command = parseCommand(m, ctx.botUsername);
    if (command === 'other_bot') return null;
    if (command) return { ...base, kind: 'command', payload: command.name, args: command.args };
    return { ...base, kind: 'text', payload: m.text };
  }
  const file = fileOf(m);
  if (file) return { ...base, kind: 'file', payload: m.caption ?? '', file };
  return null;
}

/** A command typed in a group: the person's private chat (in Telegram its id is the user id) and the group. */
function groupCommandEvent(updateId: number, m: Message, from: User, ctx: IngressContext): IncomingEvent | null {
  if (m.text === undefined) return null;
  const command = parseCommand(m, ctx.botUsername);
  if (!command || command === 'other_bot') return null;
  return {
    platform: 'telegram',
    platformUserId: String(from.id),
    chatId: String(from.id),
    groupChatId: String(m.chat.id),
    eventId: String(updateId),
    kind: 'command',
    payload: command.name,
    args: command.args,
    hints: hintsOf(from),
    receivedAt: new Date(m.date * 1000),
  };
}

/**
 * `/name@bot arg1 arg2` -> { name, args }. Telegram marks a command with a `bot_command` entity at offset 0;
 * the text check is a fallback for clients that omit entities. A suffix naming another bot means the
 * command was not for us.
 */
function parseCommand(m: Message, botUsername: string): { name: string; args: string[] } | 'other_bot' | null {
  const text = m.text ?? '';
  const entity = m.entities?.find((e) => e.type === 'bot_command' && e.offset === 0);
  const match = /^\/([A-Za-z0-9_]{1,64})(?:@([A-Za-z0-9_]{3,64}))?(?=\s|$)/.exec(text);
  if (!match || (m.entities && !entity)) return null;
  const [whole, name, target] = match;
  if (target && target.toLowerCase() !== botUsername.toLowerCase()) return 'other_bot';
  const rest = text.slice(whole.length).trim();
  return { name: name.toLowerCase(), args: rest ? rest.split(/\s+/) : [] };
}

/** Evidence: documents, photos (largest size), videos, audio and voice notes. Only the reference is kept. */
function fileOf(m: Message): IncomingFile | undefined {
  if (m.document) {
    return clean<IncomingFile>({ kind: 'file', fileId: m.document.file_id, name: m.document.file_name, size: m.document.file_size, mimeType: m.document.mime_type });
  }
  if (m.photo && m.photo.length > 0) {
    // Telegram lists the sizes smallest first; the last is the original the person sent.
    const largest = m.photo[m.photo.length - 1];
    return clean<IncomingFile>({ kind: 'photo', fileId: largest.file_id, size: largest.file_size, mimeType: 'image/jpeg' });
  }
  const media = m.video ?? m.audio ?? m.voice;
  if (media) {
    const name = 'file_name' in media && typeof media.file_name === 'string' ? media.file_name : undefined;
    return clean<IncomingFile>({ kind: 'file', fileId: media.file_id, name, size: media.file_size, mimeType: media.mime_type });
  }
  return undefined;
}

function hintsOf(u: User): IncomingEvent['hints'] {
  const displayName = [u.first_name, u.last_name].filter(Boolean).join(' ');
  return clean({ displayName: displayName || undefined, locale: u.language_code });
}

/** Drops undefined fields so events compare and serialise cleanly. */
function clean<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
