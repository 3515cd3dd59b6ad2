/**
 * The Telegram adapter: a grammY bot whose only middleware hands each update to the engine, receiving updates
 * by long polling (`@grammyjs/runner`, one chat's updates in order) or by webhook on the app's HTTP server,
 * plus the sender the delivery worker uses. No business rule lives here.
 */
import { autoRetry } from '@grammyjs/auto-retry';
import { run, sequentialize, type RunnerHandle } from '@grammyjs/runner';
import { Bot, type Context } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import type { ConversationEngine, HttpRoutes, IngressLookups, PlatformAdapter } from '../../contract/index.js';
import type { Logger } from '../../logger.js';
import { handleTelegramUpdate } from './handle-update.js';
import { ALLOWED_UPDATES, WEBHOOK_PATH } from './limits.js';
import { TelegramSender } from './sender.js';
import { telegramThreadKeyLookup } from './thread-key.js';
import { telegramWebhookRouter } from './webhook.js';

/** The configuration the adapter reads (validated by src/config.ts); the full `Config` fits. */
export interface TelegramConfig {
  TELEGRAM_BOT_TOKEN?: string;
  TELEGRAM_API_ROOT: string;
  TELEGRAM_MODE: 'polling' | 'webhook';
  TELEGRAM_WEBHOOK_URL?: string;
  TELEGRAM_WEBHOOK_SECRET?: string;
}

export interface TelegramAdapterOptions {
  config: TelegramConfig;
  engine: ConversationEngine;
  /** The app's HTTP server; required in webhook mode (the route is mounted at once, answering 503 until started). */
  http?: HttpRoutes;
  /** Thread keys of the bot's messages (the service builds the look-ups from the database). */
  lookups: Pick<IngressLookups, 'threadKeyOf'>;
  logger: Logger;
  /** Long-polling timeout in seconds (default 30); stop() interrupts a pending poll either way. */
  pollTimeoutSeconds?: number;
}

/** The adapter plus what the CLI and tests want to know about the running bot. */
export interface TelegramAdapter extends PlatformAdapter {
  readonly platform: 'telegram';
  readonly sender: TelegramSender;
  readonly mode: 'polling' | 'webhook';
  /** The bot's own account, known after start() (getMe). */
  botInfo(): UserFromGetMe | undefined;
}

/** Retries for the few direct calls at ingress (getMe, setWebhook, answerCallbackQuery): few and short. */
const INGRESS_RETRY = { maxRetryAttempts: 3, maxDelaySeconds: 5 };

/**
 * Creates the adapter. Throws when the configuration cannot work: no token, or webhook mode without secret
 * or HTTP server.
 */
export function createTelegramAdapter(opts: TelegramAdapterOptions): TelegramAdapter {
  const { config, engine, logger, lookups } = opts;
  const token = config.TELEGRAM_BOT_TOKEN;
  if (!token) throw new Error('Telegram adapter needs TELEGRAM_BOT_TOKEN (from BotFather); unset it entirely to run without Telegram.');
  const mode = config.TELEGRAM_MODE;
  const secret = config.TELEGRAM_WEBHOOK_SECRET;
  if (mode === 'webhook' && !secret) throw new Error('TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_SECRET (16-256 characters of A-Z, a-z, 0-9, _ or -).');
  if (mode === 'webhook' && !opts.http) throw new Error('TELEGRAM_MODE=webhook needs the app HTTP server to mount /telegram/webhook on.');

  const log = logger.child({ adapter: 'telegram', mode });
  const bot = new Bot(token, { client: { apiRoot: config.TELEGRAM_API_ROOT } });
  bot.api.config.use(autoRetry(INGRESS_RETRY));
  const threadKeyOf = telegramThreadKeyLookup(lookups);
  let running = false;
  let runner: RunnerHandle | undefined;

  // One chat's updates in order: the second answer must not overtake the first.
  bot.use(sequentialize((ctx: Context) => String(ctx.chat?.id ?? ctx.from?.id ?? ctx.update.update_id)));
  bot.use(async (ctx) => {
    await handleTelegramUpdate(ctx.update, {
      engine,
      api: bot.api,
      ingress: { botUsername: ctx.me.username, botId: ctx.me.id },
      threadKeyOf,
      logger: log,
    });
  });
  bot.catch((err) => {
    log.error({ err: err.error, updateId: err.ctx.update.update_id }, 'telegram update failed in polling mode; the engine did not commit it');
  });

  if (mode === 'webhook' && opts.http && secret) {
    opts.http.mount(
      telegramWebhookRouter({
      secret,
      isReady: () => running,
      logger: log,
      // grammY wraps middleware errors in BotError; unwrap so the route logs what actually failed.
      handle: (update: Update) => bot.handleUpdate(update).catch((err: unknown) => Promise.reject(err instanceof Error && 'error' in err ? (err as { error: unknown }).error : err)),
      }),
    );
  }

  return {
    platform: 'telegram',
    mode,
    sender: new TelegramSender({ token, apiRoot: config.TELEGRAM_API_ROOT }),
    botInfo: () => (bot.isInited() ? bot.botInfo : undefined),
    async start() {
      if (running) return;
      await bot.init();
      if (mode === 'webhook') {
        if (config.TELEGRAM_WEBHOOK_URL) {
          if (!new URL(config.TELEGRAM_WEBHOOK_URL).pathname.endsWith(WEBHOOK_PATH)) {
            log.warn({ url: config.TELEGRAM_WEBHOOK_URL }, `TELEGRAM_WEBHOOK_URL does not end in ${WEBHOOK_PATH}; Telegram will post where this app does not listen`);
          }
          await bot.api.setWebhook(config.TELEGRAM_WEBHOOK_URL, { secret_token: secret, allowed_updates: [...ALLOWED_UPDATES] });
        } else {
          log.warn('TELEGRAM_WEBHOOK_URL unset: not calling setWebhook; the webhook must already be registered');
        }
        running = true;
      } else {
        // Telegram refuses getUpdates while a webhook is set, so polling starts by removing it.
        await bot.api.deleteWebhook();
        runner = run(bot, {
          runner: { fetch: { timeout: opts.pollTimeoutSeconds ?? 30, allowed_updates: [...ALLOWED_UPDATES] }, silent: true, retryInterval: 'exponential' },
        });
        running = true;
      }
      log.info({ bot: bot.botInfo.username }, 'telegram adapter started');
    },
    async stop() {
      running = false;
      if (runner?.isRunning()) await runner.stop();
      runner = undefined;
    },
  };
}
