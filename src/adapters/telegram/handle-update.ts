/**
 * Telegram updates through the durable inbox, whichever way they arrived (long polling or webhook):
 *
 *   accept: map each update (pure) -> store the batch in one transaction -> (caller acknowledges)
 *   handler: stored payload -> thread key of a reply (database) -> event; after the engine, answer the press
 *
 * Answering the callback query is the only platform call at ingress; everything else the engine says goes
 * through the outbox. A button press that maps to nothing is answered at once (there is nothing to store).
 */
import { createHash } from 'node:crypto';
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
    let event: IncomingEvent | null;
    let callbackQueryId: string | undefined;
    try {
      event = updateToEvent(update, ctx);
      callbackQueryId = callbackQueryIdOf(update);
      const problem = event ? shapeProblem(event) : undefined;
      if (problem) throw new Error(problem);
    } catch (err) {
      // Not the shape Telegram documents: kept parked for an operator, acknowledged so it is not re-sent forever.
      entries.push(malformedTelegramUpdate(update, `not a readable Telegram update: ${err instanceof Error ? err.message : String(err)}`));
      deps.logger.warn({ updateId: update.update_id }, 'telegram update could not be read; stored parked');
      continue;
    }
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

/** What is wrong with an event mapped from an update Telegram would never send (a number for a text...). */
function shapeProblem(event: IncomingEvent): string | undefined {
  if (typeof event.payload !== 'string') return `${event.kind} is ${typeof event.payload}, not a string`;
  if (event.args?.some((a) => typeof a !== 'string')) return 'a command argument is not a string';
  if (!event.chatId || !event.platformUserId || event.chatId === 'undefined' || event.platformUserId === 'undefined') return 'no chat or sender id';
  // Telegram ids are integers (at most 52 bits); anything else would also overflow the inbox's order key.
  if (!/^-?\d{1,20}$/.test(event.chatId) || !/^-?\d{1,20}$/.test(event.platformUserId)) return 'the chat or sender id is not a Telegram id';
  if (event.receivedAt !== undefined && !(event.receivedAt instanceof Date && !Number.isNaN(event.receivedAt.getTime()))) return 'the date is not a date';
  return undefined;
}

/**
 * The inbox entry of an update that cannot be read (stored parked with `reason`): keyed by its update_id when
 * it has a numeric one, else by a hash of its body, so a re-sent copy is stored once.
 */
export function malformedTelegramUpdate(raw: unknown, reason: string): InboxEntry {
  const id = (raw as { update_id?: unknown } | null)?.update_id;
  const body = JSON.stringify(raw) ?? 'null';
  const eventId = typeof id === 'number' && Number.isSafeInteger(id) ? String(id) : `malformed:${createHash('sha256').update(body).digest('hex').slice(0, 40)}`;
  return { platform: 'telegram', eventId, orderKey: 'malformed', payload: { malformed: body.slice(0, 64 * 1024) }, parked: reason };
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
