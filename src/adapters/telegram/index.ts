/** The Telegram adapter: ingress mapping, rendering, sender and the adapter that runs them. */
import type { PlatformConfig, PlatformModule } from '../../contract/index.js';
import { createTelegramAdapter, type TelegramConfig } from './adapter.js';
import { createTelegramSender } from './sender.js';

export { createTelegramAdapter, TELEGRAM_POLLING_ROLE, type TelegramAdapter, type TelegramAdapterOptions, type TelegramConfig } from './adapter.js';
export { createTelegramSender, TelegramSender, type TelegramSenderOptions } from './sender.js';
export { updateToEvent, repliedBotMessageId, callbackQueryIdOf, type IngressContext } from './ingress.js';
export { renderMessage, keyboardFor, escapeHtml, RenderError, type TelegramMessagePart } from './render.js';
export { classifyTelegramError } from './classify.js';
export { telegramThreadKeyLookup, type ThreadKeyLookup } from './thread-key.js';
export * from './limits.js';

/** The keys this platform reads; src/config.ts has validated their values. */
const CONFIG_KEYS = ['TELEGRAM_BOT_TOKEN', 'TELEGRAM_API_ROOT', 'TELEGRAM_MODE', 'TELEGRAM_WEBHOOK_URL', 'TELEGRAM_WEBHOOK_SECRET', 'TELEGRAM_RATE_PER_SEC'] as const;

/** The validated configuration seen through this platform's keys. */
function telegramConfig(config: PlatformConfig): TelegramConfig & { TELEGRAM_RATE_PER_SEC?: number } {
  return config as unknown as TelegramConfig & { TELEGRAM_RATE_PER_SEC?: number };
}

/** Telegram as the registry sees it. */
export const telegramPlatform: PlatformModule = {
  name: 'telegram',
  configKeys: CONFIG_KEYS,
  capabilities: {
    modalForms: false,
    threads: true,
    commandPrefix: '/',
    editMessages: true,
    redelivery: true,
    rateLimits: true,
    permanentFailures: true,
    transientFailures: true,
    doubleClicks: true,
  },
  deliveryQueue: 'deliver-telegram',
  isConfigured: (config) => Boolean(telegramConfig(config).TELEGRAM_BOT_TOKEN),
  // Telegram allows about 30 messages a second per bot; the limiter keeps below it (TELEGRAM_RATE_PER_SEC).
  // Telegram: "avoid sending more than one message per second" to one chat (Bot API FAQ).
  chatIntervalMs: 1000,
  // A 429 names one chat's flood limit far more often than the bot's global one (which our limiter keeps under).
  chatScopedRateLimits: true,
  rateLimit: (config) => ({ max: telegramConfig(config).TELEGRAM_RATE_PER_SEC ?? 25, durationMs: 1000 }),
  startFailure: (err) => {
    // getMe/setWebhook answered 401 (a wrong or revoked token) or 404 (a token of no bot): retrying cannot help.
    const e = err as { error_code?: unknown; description?: unknown; method?: unknown } | null;
    if (e && (e.error_code === 401 || e.error_code === 404)) return { variable: 'TELEGRAM_BOT_TOKEN', reason: `Telegram answered ${e.error_code} ${typeof e.description === 'string' ? e.description : ''}`.trim() };
    return undefined;
  },
  createAdapter: (ctx) => createTelegramAdapter({ config: telegramConfig(ctx.config), inbox: ctx.inbox, exclusive: ctx.exclusive, http: ctx.http, lookups: ctx.lookups, logger: ctx.logger }),
  createSender: (ctx) => {
    const config = telegramConfig(ctx.config);
    if (!config.TELEGRAM_BOT_TOKEN) throw new Error('The Telegram sender needs TELEGRAM_BOT_TOKEN.');
    return createTelegramSender({ token: config.TELEGRAM_BOT_TOKEN, apiRoot: config.TELEGRAM_API_ROOT });
  },
};
