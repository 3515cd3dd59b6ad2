/**
 * The Telegram adapter: receives updates by long polling or by webhook on the app's HTTP server and stores
 * them in the durable inbox before acknowledging them (webhook: 200 after the commit; polling: the next
 * getUpdates offset confirms only a stored batch), plus the sender the delivery worker uses. The inbox
 * consumer hands them to the engine in per-chat order. No business rule lives here.
 */
import { autoRetry } from '@grammyjs/auto-retry';
import { Bot } from 'grammy';
import type { Update, UserFromGetMe } from 'grammy/types';
import type { ExclusiveLease, ExclusiveRoles, HttpRoutes, IngressInbox, IngressLookups, PlatformAdapter } from '../../contract/index.js';
import type { Logger } from '../../logger.js';
import { acceptTelegramUpdates, malformedTelegramUpdate, telegramInboxHandler, type UpdateHandlerDeps } from './handle-update.js';
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
  /** Where updates are stored before they are acknowledged; the adapter registers its handler there. */
  inbox: IngressInbox;
  /** The app's HTTP server; required in webhook mode (the route is mounted at once, answering 503 until started). */
  http?: HttpRoutes;
  /** Thread keys of the bot's messages (the service builds the look-ups from the database). */
  lookups: Pick<IngressLookups, 'threadKeyOf'>;
  logger: Logger;
  /** Long-polling timeout in seconds (default 30); stop() interrupts a pending poll either way. */
  pollTimeoutSeconds?: number;
  /**
   * Polling mode: only the process holding the `telegram-polling` role polls; the others stand by and one
   * takes over when it dies. Absent: this process is the only one (tests that drive one adapter).
   */
  exclusive?: ExclusiveRoles;
}

/** The role of the one process that calls getUpdates. */
export const TELEGRAM_POLLING_ROLE = 'telegram-polling';

/** Polling back-off after a failed getUpdates or a failed store: 0.5 s doubling, at most this. */
const POLL_MAX_BACKOFF_MS = 5_000;

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
  const { config, inbox, logger, lookups } = opts;
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
  let polling: Promise<void> | undefined;
  let pollAbort: AbortController | undefined;
  let stopping = new AbortController();

  const deps: UpdateHandlerDeps = {
    inbox,
    api: bot.api,
    ingress: () => ({ botUsername: bot.botInfo.username, botId: bot.botInfo.id }),
    threadKeyOf,
    logger: log,
  };
  inbox.register('telegram', telegramInboxHandler(deps));

  if (mode === 'webhook' && opts.http && secret) {
    opts.http.mount(
      telegramWebhookRouter({
      secret,
      isReady: () => running,
      logger: log,
        handle: (update: Update) => acceptTelegramUpdates([update], deps),
        park: (raw, reason) => deps.inbox.store([malformedTelegramUpdate(raw, reason)]),
      }),
    );
  }

  /**
   * Long polling that loses nothing: getUpdates confirms every update below the offset it is given, so the
   * offset moves past a batch only after the batch is stored. A crash (even kill -9) before that leaves the
   * batch unconfirmed, and the next getUpdates (offset 0 after a restart: "from the oldest unconfirmed")
   * fetches it again; the inbox stores an update id once.
   */
  async function poll(lost: AbortSignal): Promise<void> {
    // One listener for the whole polling spell: one per getUpdates call (as before) stayed on `lost` until the
    // role was lost, a closure per poll, thousands a day on a busy bot.
    const onLost = () => pollAbort?.abort();
    lost.addEventListener('abort', onLost, { once: true });
    try {
      await pollUntilLost(lost);
    } finally {
      lost.removeEventListener('abort', onLost);
    }
  }

  async function pollUntilLost(lost: AbortSignal): Promise<void> {
    let offset = 0;
    let failures = 0;
    while (running && !lost.aborted) {
      pollAbort = new AbortController();
      try {
        const updates = await bot.api.getUpdates({ offset, timeout: opts.pollTimeoutSeconds ?? 30, allowed_updates: [...ALLOWED_UPDATES] }, pollAbort.signal as Parameters<typeof bot.api.getUpdates>[1]);
        if (!running || lost.aborted) return;
        if (updates.length) {
          await acceptTelegramUpdates(updates, deps);
          offset = updates[updates.length - 1].update_id + 1;
        }
        failures = 0;
      } catch (err) {
        if (!running || lost.aborted) return;
        failures++;
        log.warn({ err, failures }, 'telegram polling: getUpdates or storing the batch failed; the batch will be fetched again');
        await sleep(Math.min(POLL_MAX_BACKOFF_MS, 500 * 2 ** Math.min(10, failures - 1)));
      }
    }
  }

  /**
   * Polls while this process holds the polling role; stands by while another process does, and takes over
   * when that one dies. Telegram answers two pollers with 409 and hands each update to one of them: two
   * bot processes in polling mode would otherwise take turns and mix up a chat's order.
   */
  async function pollWhileHolding(): Promise<void> {
    while (running) {
      let lease: ExclusiveLease;
      try {
        lease = opts.exclusive ? await opts.exclusive.acquire(TELEGRAM_POLLING_ROLE, stopping.signal) : { lost: new AbortController().signal, release: async () => undefined };
      } catch (err) {
        if (!running) return;
        log.warn({ err }, 'telegram polling: could not take the polling role; trying again');
        await sleep(2_000);
        continue;
      }
      try {
        if (running) await poll(lease.lost);
      } finally {
        await lease.release();
      }
      if (running) log.warn('telegram polling: the polling role was lost; standing by until it can be taken again');
    }
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
        running = true;
        stopping = new AbortController();
        polling = pollWhileHolding();
      }
      log.info({ bot: bot.botInfo.username }, 'telegram adapter started');
    },
    async stop() {
      running = false;
      stopping.abort();
      pollAbort?.abort();
      await polling;
      polling = undefined;
    },
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
