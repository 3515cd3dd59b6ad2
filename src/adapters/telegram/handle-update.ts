/**
 * Telegram updates through the durable inbox, whichever way they arrived (long polling or webhook):
 *
 *   accept: map each update (pure) -> store the batch in one transaction -> (caller acknowledges)
 *   handler: stored payload -> thread key of a reply (database) -> event; after the engine, answer the press
 *
 * Answering the callback query is the only platform call at ingress; everything else the engine says goes
 * through the outbox. A button press that maps to nothing is answered at once (there is nothing to store).
 */
import type { Api } from 'grammy';
import type { Update } from 'grammy/types';
import { cutText, type HandleResult, type InboxEntry, type InboxHandler, type IncomingEvent, type IngressInbox } from '../../contract/index.js';
import type { Logger } from '../../logger.js';
import { callbackQueryIdOf, repliedBotMessageId, updateToEvent, type IngressContext } from './ingress.js';
import { MAX_CALLBACK_ANSWER_CHARS } from './limits.js';
import type { ThreadKeyLookup } from './thread-key.js';

export interface UpdateHandlerDeps {
  inbox: IngressInbox;
  /** For answerCallbackQuery only. */
  api: Api;
  ingress: () => IngressContext;
  threadKeyOf: ThreadKeyLookup;
  logger: Logger;
}

/**
 * What the inbox keeps of a Telegram update: the mapped event (the mapping needs only the update and the
 * bot's own name), plus the two things that need more: the replied-to message (its thread key is a
 * database look-up, done by the consumer) and the callback query to answer after handling.
 */
interface StoredTelegramUpdate {
  event: IncomingEvent;
  repliedTo?: number;
  callbackQueryId?: string;
}

/**
 * Stores the updates in one transaction. Resolves once they are committed (acknowledge now); rejects when
 * the store failed (do not acknowledge: Telegram re-sends, polling re-fetches).
 */
export async function acceptTelegramUpdates(updates: readonly Update[], deps: UpdateHandlerDeps): Promise<void> {
  const ctx = deps.ingress();
  const entries: InboxEntry[] = [];
  for (const update of updates) {
    const event = updateToEvent(update, ctx);
    const callbackQueryId = callbackQueryIdOf(update);
    if (!event) {
      deps.logger.debug({ updateId: update.update_id }, 'telegram update ignored (not a private chat, or nothing to act on)');
      // Answered even when ignored: otherwise the person's client shows a spinner for a while.
      if (callbackQueryId !== undefined) void answerCallback(deps, callbackQueryId, undefined);
      continue;
    }
    const stored: StoredTelegramUpdate = { event };
    const repliedTo = repliedBotMessageId(update, ctx);
    if (repliedTo !== undefined) stored.repliedTo = repliedTo;
    if (callbackQueryId !== undefined) stored.callbackQueryId = callbackQueryId;
    entries.push({ platform: 'telegram', eventId: event.eventId, orderKey: event.chatId, payload: stored as unknown as Record<string, unknown> });
  }
  await deps.inbox.store(entries);
}

/** The consumer's side: stored payload -> event, and the button answer after the engine. */
export function telegramInboxHandler(deps: UpdateHandlerDeps): InboxHandler {
  return {
    async resolve(payload) {
      const stored = payload as unknown as StoredTelegramUpdate;
      const event: IncomingEvent = { ...stored.event };
      if (typeof event.receivedAt === 'string') event.receivedAt = new Date(event.receivedAt);
      if (stored.repliedTo !== undefined) {
        const threadKey = await deps.threadKeyOf(event.chatId, stored.repliedTo);
        if (threadKey) event.threadKey = threadKey;
      }
      return [event];
    },
    async afterHandled(payload, results: HandleResult[]) {
      const id = (payload as unknown as StoredTelegramUpdate).callbackQueryId;
      if (id !== undefined) await answerCallback(deps, id, results[0]?.ackText);
    },
  };
}

async function answerCallback(deps: UpdateHandlerDeps, callbackId: string, text: string | undefined): Promise<void> {
  try {
    await deps.api.answerCallbackQuery(callbackId, text ? { text: cutText(text, MAX_CALLBACK_ANSWER_CHARS) } : undefined);
  } catch (err) {
    // A query older than ~15 minutes cannot be answered any more (or it was answered before a replay).
    deps.logger.warn({ err, callbackId }, 'could not answer a Telegram callback query');
  }
}
