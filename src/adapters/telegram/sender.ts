/**
 * The Telegram `PlatformSender` the delivery worker uses. One Bot API call per attempt (two when an edit
 * falls back to a new message, or one per part of a long message), no SDK retries: BullMQ owns retrying and
 * the Telegram rate limit, so a 429 must surface at once instead of sleeping inside a job.
 */
import { Api, InputFile } from 'grammy';
import { cutText, DeliveryError, type DeliveryLookups, type DeliveryReceipt, type Destination, type OutgoingMessage, type PlatformSender } from '../../contract/index.js';
import { classifyTelegramError, isNotModified, isUneditable } from './classify.js';
import { escapeHtml, renderMessage, type TelegramMessagePart } from './render.js';
import { MAX_CAPTION_CHARS } from './limits.js';

export interface TelegramSenderOptions {
  /** Bot token from BotFather (TELEGRAM_BOT_TOKEN). */
  token: string;
  /** Bot API root (TELEGRAM_API_ROOT); a local fake in tests. */
  apiRoot?: string;
  /** Longest one call may take; short, because a stuck call holds a delivery job. Default 30 s. */
  timeoutSeconds?: number;
}

/** Telegram's sender: renders an `OutgoingMessage` and sends it, or edits the message it replaces. */
export class TelegramSender implements PlatformSender {
  readonly platform = 'telegram' as const;
  /** A bare API client: deliberately without the auto-retry transformer. */
  private readonly api: Api;

  constructor(opts: TelegramSenderOptions) {
    this.api = new Api(opts.token, { apiRoot: opts.apiRoot, timeoutSeconds: opts.timeoutSeconds ?? 30 });
  }

  /**
   * Delivers `message` to `destination.chatId`. With `replaceOutboxId` it edits that earlier message in place
   * (its old buttons disappear, so they cannot be pressed twice), part by part when it was split, and sends
   * new messages for what no longer fits or when Telegram refuses the edit (deleted, too old). Returns the
   * message ids of every part (`partsRef`), the last one carrying the buttons. Throws only `DeliveryError`.
   */
  async deliver(destination: Destination, message: OutgoingMessage, lookups: DeliveryLookups): Promise<DeliveryReceipt> {
    if (message.file) return this.sendFile(destination.chatId, message, lookups);
    if (message.buttonsRemoved && message.replaceOutboxId !== undefined) {
      // Only the keyboard goes (the text stays as it was); a message that cannot be edited is left alone.
      const ref = await lookups.messageRefOf(message.replaceOutboxId);
      const last = ref === null ? undefined : partIds(ref).at(-1);
      if (last !== undefined) await this.removeButtons(destination.chatId, Number(last));
      return { platformMessageRef: ref ?? 'none' };
    }
    let parts: TelegramMessagePart[];
    try {
      parts = renderMessage(message);
    } catch (err) {
      throw classifyTelegramError(err, 'rendering');
    }
    const chatId = destination.chatId;
    const ids: string[] = [];
    let rest = parts;
    if (message.replaceOutboxId !== undefined) {
      const ref = await lookups.messageRefOf(message.replaceOutboxId);
      const old = ref === null ? [] : partIds(ref);
      // Part i of the new text replaces part i of the old message; an uneditable part ends the editing.
      for (let i = 0; i < Math.min(old.length, parts.length); i++) {
        if (!(await this.edit(chatId, Number(old[i]), parts[i]))) break;
        ids.push(old[i]);
      }
      rest = parts.slice(ids.length);
      // Old parts the new text does not reach keep their text, but their buttons must go (they were answered).
      const lastOld = old.at(-1);
      if (lastOld !== undefined && ids.length > 0 && ids.length < old.length) await this.removeButtons(chatId, Number(lastOld));
    }
    for (const part of rest) ids.push(await this.send(chatId, part));
    return { platformMessageRef: partsRef(ids) };
  }

  /** Removes the keyboard of an old message; a message that is gone or unchanged is fine as it is. */
  private async removeButtons(chatId: string, messageId: number): Promise<void> {
    try {
      await this.api.editMessageReplyMarkup(chatId, messageId, { reply_markup: undefined });
    } catch (err) {
      if (isNotModified(err) || isUneditable(err)) return;
      throw classifyTelegramError(err, `editMessageReplyMarkup in chat ${chatId}`);
    }
  }

  /** Edits one message; false when Telegram says it cannot be edited (the caller sends a new one). */
  private async edit(chatId: string, messageId: number, part: TelegramMessagePart): Promise<boolean> {
    try {
      // Without reply_markup Telegram removes the old keyboard, which is what answering a prompt needs.
      await this.api.editMessageText(chatId, messageId, part.text, { parse_mode: part.parse_mode, reply_markup: part.reply_markup });
      return true;
    } catch (err) {
      if (isNotModified(err)) return true;
      if (isUneditable(err)) return false;
      throw classifyTelegramError(err, `editMessageText to chat ${chatId}`);
    }
  }

  /**
   * A message with a file: one sendPhoto (a picture) or sendDocument call, multipart, the text and the file's
   * own caption as the caption (cut to Telegram's 1024 characters), the buttons under it.
   */
  private async sendFile(chatId: string, message: OutgoingMessage, lookups: DeliveryLookups): Promise<DeliveryReceipt> {
    const file = message.file!;
    let content;
    try {
      content = await lookups.fileContent(file);
    } catch (err) {
      throw err instanceof DeliveryError ? err : new DeliveryError('transient', `producing ${file.source}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const plain = [message.text, content.caption].filter((x): x is string => !!x && x.trim() !== '').join('\n\n');
    const caption = escapeHtml(cutText(plain, MAX_CAPTION_CHARS, '…'));
    const markup = message.buttons?.length ? renderMessage({ text: '.', buttons: message.buttons }).at(-1)?.reply_markup : undefined;
    const input = new InputFile(content.bytes, content.fileName);
    const options = { caption, parse_mode: 'HTML' as const, ...(markup ? { reply_markup: markup } : {}) };
    const method = file.kind === 'image' ? 'sendPhoto' : 'sendDocument';
    try {
      const sent = file.kind === 'image' ? await this.api.sendPhoto(chatId, input, options) : await this.api.sendDocument(chatId, input, options);
      return { platformMessageRef: String(sent.message_id) };
    } catch (err) {
      throw classifyTelegramError(err, `${method} to chat ${chatId}`);
    }
  }

  private async send(chatId: string, part: TelegramMessagePart): Promise<string> {
    try {
      const sent = await this.api.sendMessage(chatId, part.text, { parse_mode: part.parse_mode, reply_markup: part.reply_markup });
      return String(sent.message_id);
    } catch (err) {
      throw classifyTelegramError(err, `sendMessage to chat ${chatId}`);
    }
  }
}

/**
 * The platformMessageRef of a message sent in parts: the message ids joined by commas (one id for a single
 * message), so an edit reaches every part and a reply to any part finds its thread.
 */
export function partsRef(ids: readonly string[]): string {
  let kept = [...ids];
  // The outbox column holds 128 characters; the earliest parts give way first (the last one has the buttons).
  while (kept.length > 1 && kept.join(',').length > MAX_MESSAGE_REF_CHARS) kept = kept.slice(1);
  return kept.join(',');
}

/** Longest platformMessageRef the outbox stores. */
const MAX_MESSAGE_REF_CHARS = 128;

/** The message ids of a platformMessageRef written by `partsRef`. */
export function partIds(ref: string): string[] {
  return ref.split(',').filter(Boolean);
}

/** Creates the Telegram sender from the bot token and API root. */
export function createTelegramSender(opts: TelegramSenderOptions): TelegramSender {
  return new TelegramSender(opts);
}
