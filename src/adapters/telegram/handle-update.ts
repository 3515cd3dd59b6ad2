/**
 * Handles one Telegram update, whichever way it arrived (long polling or webhook): map it, attach the thread
 * key of a reply, hand it to the engine, and answer a button press. Answering the callback query is the only
 * platform call allowed at ingress; everything else the engine says goes through the outbox.
 */
import type { Api } from 'grammy';
import type { Update } from 'grammy/types';
import type { ConversationEngine, HandleResult } from '../../contract/index.js';
import type { Logger } from '../../logger.js';
import { callbackQueryIdOf, repliedBotMessageId, updateToEvent, type IngressContext } from './ingress.js';
import { MAX_CALLBACK_ANSWER_CHARS } from './limits.js';
import type { ThreadKeyLookup } from './thread-key.js';

export interface UpdateHandlerDeps {
  engine: ConversationEngine;
  /** For answerCallbackQuery only. */
  api: Api;
  ingress: IngressContext;
  threadKeyOf: ThreadKeyLookup;
  logger: Logger;
}

/**
 * Processes one update. Throws when the engine fails, so a webhook answers 500 and Telegram re-sends the
 * update (the engine records the update id with its effects, so a re-send after success changes nothing).
 */
export async function handleTelegramUpdate(update: Update, deps: UpdateHandlerDeps): Promise<HandleResult | null> {
  const callbackId = callbackQueryIdOf(update);
  let result: HandleResult | null = null;
  try {
    const event = updateToEvent(update, deps.ingress);
    if (!event) {
      deps.logger.debug({ updateId: update.update_id }, 'telegram update ignored (not a private chat, or nothing to act on)');
      return null;
    }
    const repliedTo = repliedBotMessageId(update, deps.ingress);
    if (repliedTo !== undefined) {
      const threadKey = await deps.threadKeyOf(event.chatId, repliedTo);
      if (threadKey) event.threadKey = threadKey;
    }
    result = await deps.engine.handle(event);
    return result;
  } finally {
    // Always answered, even when ignored or failed: otherwise the person's client shows a spinner for a while.
    if (callbackId !== undefined) await answerCallback(deps, callbackId, result?.ackText);
  }
}

async function answerCallback(deps: UpdateHandlerDeps, callbackId: string, text: string | undefined): Promise<void> {
  try {
    await deps.api.answerCallbackQuery(callbackId, text ? { text: text.slice(0, MAX_CALLBACK_ANSWER_CHARS) } : undefined);
  } catch (err) {
    // A query older than ~15 minutes cannot be answered any more; the press itself was still handled.
    deps.logger.warn({ err, callbackId }, 'could not answer a Telegram callback query');
  }
}
