/**
 * The Telegram `PlatformSender` the delivery worker uses. One Bot API call per attempt (two when an edit
 * falls back to a new message, or one per part of a long message), no SDK retries: BullMQ owns retrying and
 * the Telegram rate limit, so a 429 must surface at once instead of sleeping inside a job.
 */
import { Api } from 'grammy';
import type { DeliveryLookups, DeliveryReceipt, Destination, OutgoingMessage, PlatformSender } from '../../contract/index.js';
import { classifyTelegramError, isNotModified, isUneditable } from './classify.js';
import { renderMessage, type TelegramMessagePart } from './render.js';

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
   * (its old buttons disappear, so they cannot be pressed twice) and sends a new message when Telegram
   * refuses the edit (deleted, too old). Returns the message_id of the last message, the one with buttons.
   * Throws only `DeliveryError`.
   */
  async deliver(destination: Destination, message: OutgoingMessage, lookups: DeliveryLookups): Promise<DeliveryReceipt> {
    let parts: TelegramMessagePart[];
    try {
      parts = renderMessage(message);
    } catch (err) {
      throw classifyTelegramError(err, 'rendering');
    }
    const chatId = destination.chatId;
    let rest = parts;
    let lastRef: string | undefined;
    if (message.replaceOutboxId !== undefined) {
      const ref = await lookups.messageRefOf(message.replaceOutboxId);
      if (ref !== null) {
        const edited = await this.edit(chatId, Number(ref), parts[0]);
        if (edited) {
          lastRef = ref;
          rest = parts.slice(1);
        }
      }
    }
    for (const part of rest) lastRef = await this.send(chatId, part);
    return { platformMessageRef: lastRef as string };
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

  private async send(chatId: string, part: TelegramMessagePart): Promise<string> {
    try {
      const sent = await this.api.sendMessage(chatId, part.text, { parse_mode: part.parse_mode, reply_markup: part.reply_markup });
      return String(sent.message_id);
    } catch (err) {
      throw classifyTelegramError(err, `sendMessage to chat ${chatId}`);
    }
  }
}

/** Creates the Telegram sender from the bot token and API root. */
export function createTelegramSender(opts: TelegramSenderOptions): TelegramSender {
  return new TelegramSender(opts);
}
