/** The Telegram adapter: ingress mapping, rendering, sender and the adapter that runs them. */
export { createTelegramAdapter, type TelegramAdapter, type TelegramAdapterOptions, type TelegramConfig } from './adapter.js';
export { createTelegramSender, TelegramSender, type TelegramSenderOptions } from './sender.js';
export { updateToEvent, repliedBotMessageId, callbackQueryIdOf, type IngressContext } from './ingress.js';
export { renderMessage, keyboardFor, escapeHtml, RenderError, type TelegramMessagePart } from './render.js';
export { classifyTelegramError } from './classify.js';
export { telegramThreadKeyLookup, type ThreadKeyLookup } from './thread-key.js';
export * from './limits.js';
