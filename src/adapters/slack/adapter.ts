/**
 * The Slack adapter: one Bolt app whose transport is either our HTTP receiver on the shared express server
 * (`POST /slack/events`) or Socket Mode, by configuration. Every request is stored in the durable inbox and
 * acknowledged after that commit (well within Slack's 3 s); a failed store is not acknowledged, so Slack
 * retries. The inbox consumer hands the stored request to the engine. Only a modal submission waits (a
 * bounded time) for the engine, because its validation errors must go back in the acknowledgement itself
 * (`response_action: errors`).
 *
 * The adapter holds no business rule: it maps payloads (ingress.ts) and, when the consumer resolves a stored
 * request, adds what only Slack knows (the thread a reply belongs to, the person's email for linking, the DM
 * of someone writing in a channel). Everything it sends goes through the outbox and the sender (sender.ts).
 */
import { App, SocketModeReceiver } from '@slack/bolt';
import { WebClient } from '@slack/web-api';
import { systemClock, type Clock } from '../../clock.js';
import type { HandleResult, HttpRoutes, InboxHandler, IncomingEvent, IngressInbox, IngressLookups, PlatformAdapter } from '../../contract/index.js';
import type { Logger } from '../../logger.js';
import { SlackDirectory } from './directory.js';
import { slackSdkLogger } from './slack-logger.js';
import { mapBlockActions, mapEventCallback, mapSlashCommand, mapViewSubmission, SLASH_COMMAND, type MappedIngress } from './ingress.js';
import { ACK_DEADLINE_MS } from './limits.js';
import { FORM_CALLBACK_ID, formErrorsResponse, renderModal } from './render.js';
import { SlackHttpReceiver } from './receiver.js';
import { createDeliveryClient, SlackSender } from './sender.js';
import { TriggerStore } from './trigger-store.js';

/** Ingress Web API calls (users.info, conversations.open, views.open) must leave time to answer Slack. */
export const INGRESS_CALL_TIMEOUT_MS = 2000;
/** A form submission waits this long for the engine before the modal is closed without it. */
export const FORM_ENGINE_DEADLINE_MS = ACK_DEADLINE_MS - 500;
/**
 * How long stop() waits for Slack to complete the WebSocket closing handshake (the SDK itself waits 30 s)
 * before it gives up waiting; the SDK still tears the socket down on its own timer.
 */
export const SOCKET_CLOSE_DEADLINE_MS = 5000;

/** The configuration the adapter reads (validated by src/config.ts); the full `Config` fits. */
export interface SlackConfig {
  SLACK_BOT_TOKEN?: string;
  SLACK_SIGNING_SECRET?: string;
  SLACK_APP_TOKEN?: string;
  SLACK_MODE: 'http' | 'socket';
  SLACK_API_URL: string;
}

/** What the Socket Mode client emits for each envelope (@slack/socket-mode's 'slack_event'). */
interface SocketModeEvent {
  type: string;
  body: unknown;
  ack: (response?: Record<string, unknown>) => Promise<void>;
}

export interface SlackAdapterDeps {
  config: SlackConfig;
  /** Where requests are stored before they are acknowledged; the adapter registers its handler there. */
  inbox: IngressInbox;
  /** The one HTTP server; the receiver mounts `POST /slack/events` on it (HTTP mode). */
  http: HttpRoutes;
  /** Who is linked, thread keys and offered forms (the service builds them from the database). */
  lookups: IngressLookups;
  logger: Logger;
  clock?: Clock;
  /** How long a form submission waits for the engine before the modal is closed anyway (FORM_ENGINE_DEADLINE_MS). */
  formDeadlineMs?: number;
}

/** The Slack PlatformAdapter plus what tests and the process supervisor need. */
export interface SlackAdapter extends PlatformAdapter {
  readonly sender: SlackSender;
  /** Resolves when every event accepted so far has been handled by the engine (tests, graceful stop). */
  idle(): Promise<void>;
}

/** How long idle() waits for a stored request's handling (it may be waiting for the database). */
const IDLE_WAIT_MS = 30_000;

/** What the inbox keeps of a Slack request: the mapped request, or a modal submission's event. */
interface StoredSlackRequest {
  mapped?: MappedIngress;
  form?: IncomingEvent;
}

/** JSON gives dates back as strings. */
function revive(event: IncomingEvent): IncomingEvent {
  return typeof event.receivedAt === 'string' ? { ...event, receivedAt: new Date(event.receivedAt) } : event;
}

/** Races `work` against a deadline; the timer never outlives the race. */
async function withDeadline<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Creates the Slack adapter. Requires SLACK_BOT_TOKEN, and SLACK_SIGNING_SECRET (HTTP mode) or
 * SLACK_APP_TOKEN (Socket Mode); loadConfig() has already checked the pairing.
 */
export function createSlackAdapter(deps: SlackAdapterDeps): SlackAdapter {
  const { config, inbox, http, lookups, logger } = deps;
  const clock = deps.clock ?? systemClock;
  const log = logger.child({ platform: 'slack' });
  const token = config.SLACK_BOT_TOKEN;
  if (!token) throw new Error('SLACK_BOT_TOKEN is not set: the Slack adapter cannot start. Set it to the bot token (xoxb-...) from the app\'s "OAuth & Permissions" page.');
  const socketMode = config.SLACK_MODE === 'socket';
  if (socketMode && !config.SLACK_APP_TOKEN) throw new Error('SLACK_MODE=socket needs SLACK_APP_TOKEN (xapp-...), an app-level token with the connections:write scope.');
  if (!socketMode && !config.SLACK_SIGNING_SECRET) throw new Error('SLACK_MODE=http needs SLACK_SIGNING_SECRET from the app\'s "Basic Information" page.');

  const triggers = new TriggerStore(clock);
  const sender = new SlackSender({ client: createDeliveryClient({ token, apiUrl: config.SLACK_API_URL, logger: log }), triggers, logger: log });
  const ingressClient = new WebClient(token, { slackApiUrl: config.SLACK_API_URL, retryConfig: { retries: 0 }, timeout: INGRESS_CALL_TIMEOUT_MS, logger: slackSdkLogger(log, 'web-api') });
  const directory = new SlackDirectory(ingressClient, clock, log);
  const receiver = socketMode ? undefined : new SlackHttpReceiver({ signingSecret: config.SLACK_SIGNING_SECRET!, clock, logger: log });
  const clientOptions = { slackApiUrl: config.SLACK_API_URL, retryConfig: { retries: 0 } };
  // Built here rather than by Bolt so stop() can wait on the client's disconnect: Bolt's own stop() resolves
  // before the closing handshake, while the socket can still deliver events to an adapter being shut down.
  const socketReceiver = socketMode
    ? new SocketModeReceiver({ appToken: config.SLACK_APP_TOKEN!, logger: slackSdkLogger(log, 'socket-mode'), installerOptions: { clientOptions } })
    : undefined;

  const app = new App({
    token,
    ...(receiver ? { receiver } : { socketMode: true, receiver: socketReceiver }),
    clientOptions,
    logger: slackSdkLogger(log, 'bolt'),
    deferInitialization: true,
    // Conversation state lives in PostgreSQL; Bolt's in-memory conversation store is not used.
    convoStore: false,
  });

  const inflight = new Set<Promise<unknown>>();
  const settle = (p: Promise<unknown>) => {
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };
  // Mounted at once: POST /slack/events answers 503 (Slack retries) until start() succeeded, never 404.
  if (receiver) http.mount(receiver.router);

  /** Keeps `work` visible to idle() and logs instead of throwing: ingress must never crash the process. */
  function track<T>(work: Promise<T>): Promise<T | undefined> {
    const p = work.catch((err: unknown) => {
      log.error({ err }, 'slack: handling an incoming event failed');
      return undefined;
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    return p;
  }

  async function openOfferedForm(chatId: string, formToken: string, triggerId: string): Promise<void> {
    const form = await lookups.offeredForm('slack', chatId, formToken);
    if (!form) {
      log.info({ chatId }, 'slack: "open form" pressed for a form this chat was never offered; ignored');
      return;
    }
    // Opening the modal is part of acknowledging the click: the trigger expires in 3 s, so it cannot wait for a worker.
    await ingressClient.views.open({ trigger_id: triggerId, view: renderModal(form, chatId) });
  }

  /** Resolves what the mapping could not know: the events of one stored request, in order. */
  async function resolveMapped(mapped: MappedIngress): Promise<IncomingEvent[]> {
    const userId = mapped.events[0]?.platformUserId;
    if (!userId) return [];
    const linkedChat = await lookups.currentChatOf('slack', userId);
    const chatId = mapped.isDirect ? mapped.channelId : (linkedChat ?? (await directory.dmChannelOf(userId)));
    if (!chatId) return [];
    if (mapped.triggerId) triggers.remember(chatId, mapped.triggerId);
    let threadKey: string | undefined;
    if (mapped.threadTs) threadKey = (await lookups.threadKeyOf('slack', mapped.channelId, mapped.threadTs)) ?? undefined;
    // In a channel, only a thread under one of our messages is ours; other threads are people's own talk.
    if (mapped.onlyInOurThread && !threadKey) return [];
    const hints = linkedChat !== null ? undefined : await directory.hintsFor(userId);
    return mapped.events.map((base) => {
      const event: IncomingEvent = revive({ ...base, chatId });
      if (threadKey) event.threadKey = threadKey;
      if (hints && Object.keys(hints).length) event.hints = hints;
      return event;
    });
  }

  const handler: InboxHandler = {
    async resolve(payload) {
      const stored = payload as unknown as StoredSlackRequest;
      if (stored.form) return [revive(stored.form)];
      return stored.mapped ? resolveMapped(stored.mapped) : [];
    },
  };
  inbox.register('slack', handler);

  /**
   * Stores a request; resolves once committed (acknowledge now). `idle()` then also waits for its handling.
   * Rejects when the store failed: the caller must not acknowledge (Slack retries, or shows the person an error).
   */
  async function store(eventId: string, orderKey: string, payload: StoredSlackRequest): Promise<void> {
    const handled = inbox.awaitHandled('slack', eventId, IDLE_WAIT_MS);
    const storing = inbox.store([{ platform: 'slack', eventId, orderKey, payload: payload as unknown as Record<string, unknown> }]);
    // Visible to idle() at once, before the store even finished.
    settle(storing.then(() => handled).catch(() => undefined));
    try {
      await storing;
    } catch (err) {
      log.error({ err, eventId }, 'slack: could not store a request; not acknowledging it');
      throw err;
    }
  }

  async function storeMapped(mapped: MappedIngress): Promise<void> {
    const first = mapped.events[0];
    if (!first) return;
    await store(first.eventId, first.platformUserId, { mapped });
  }

  if (socketReceiver) {
    // Bolt acknowledges a Socket Mode events_api envelope before any listener runs, which would confirm a
    // message the inbox never stored. Envelopes of that type are taken here instead: stored, then acknowledged;
    // when the store fails nothing is acknowledged and Slack delivers the envelope again. Commands and button
    // presses still go through Bolt, whose listeners below acknowledge only after storing.
    const client = socketReceiver.client;
    const boltListeners = client.listeners('slack_event') as ((args: SocketModeEvent) => Promise<void>)[];
    client.removeAllListeners('slack_event');
    client.on('slack_event', (args: SocketModeEvent) => {
      if (args.type !== 'events_api') {
        for (const listener of boltListeners) void listener(args);
        return;
      }
      void track(
        (async () => {
          const mapped = mapEventCallback(args.body);
          try {
            if (mapped) await storeMapped(mapped);
          } catch {
            return; // logged by store(); not acknowledged, so Slack re-sends the envelope
          }
          await args.ack();
        })(),
      );
    });
  }

  app.event('message', async ({ body }) => {
    // The receiver acknowledges an Events API request only after this listener returned (stored).
    const mapped = mapEventCallback(body);
    if (mapped) await storeMapped(mapped);
  });

  app.command(SLASH_COMMAND, async ({ body, ack }) => {
    const mapped = mapSlashCommand(body);
    if (mapped?.openForm) {
      await ack();
      await track(openFormFor(mapped));
      return;
    }
    if (mapped) await storeMapped(mapped);
    await ack();
  });

  app.action(/.*/, async ({ body, ack }) => {
    const mapped = mapBlockActions(body);
    if (mapped?.openForm) {
      await ack();
      await track(openFormFor(mapped));
      return;
    }
    if (mapped) await storeMapped(mapped);
    await ack();
  });

  app.view({ callback_id: FORM_CALLBACK_ID, type: 'view_submission' }, async ({ body, ack }) => {
    const mapped = mapViewSubmission(body);
    if (!mapped) {
      await ack();
      return;
    }
    const event = mapped.event;
    // Registered before the store, so a consumer faster than this line still reaches it.
    const waiting = inbox.awaitHandled('slack', event.eventId, deps.formDeadlineMs ?? FORM_ENGINE_DEADLINE_MS);
    await store(event.eventId, event.platformUserId, { form: event });
    const results: HandleResult[] | 'timeout' = await waiting;
    if (results === 'timeout') log.warn({ eventId: event.eventId }, 'slack: form submission still being handled at the ack deadline; closing the modal');
    const errors = results !== 'timeout' ? results.find((r) => r.formErrors)?.formErrors : undefined;
    await ack(errors && Object.keys(errors).length ? formErrorsResponse(errors) : undefined);
  });

  /** "Open the form": no state changes, so nothing to store; the modal must open within the trigger's 3 s. */
  async function openFormFor(mapped: MappedIngress): Promise<void> {
    const open = mapped.openForm;
    if (!open || !mapped.triggerId || !mapped.isDirect) return;
    await openOfferedForm(mapped.channelId, open.token, mapped.triggerId);
  }

  app.error(async (err) => {
    log.error({ err }, 'slack: Bolt reported an error');
    // Rethrown so the receiver knows the request was not stored and answers 5xx instead of acknowledging it.
    throw err;
  });

  return {
    platform: 'slack',
    sender,
    async start() {
      // auth.test: a wrong token stops start-up here with Slack's reason, not at the first message.
      await app.init();
      if (receiver) {
        await receiver.start();
        log.info('slack: receiving events over HTTP at POST /slack/events');
      } else {
        await app.start();
        log.info('slack: receiving events over Socket Mode');
      }
    },
    async stop() {
      if (socketReceiver) {
        // Resolves once Slack has answered our close frame (or the socket is already gone); no reconnect follows.
        const closed = await withDeadline(socketReceiver.client.disconnect(), SOCKET_CLOSE_DEADLINE_MS);
        if (closed === 'timeout') log.warn('slack: Socket Mode connection did not finish closing in time; stopping anyway');
      } else await receiver?.stop();
      await this.idle();
    },
    async idle() {
      while (inflight.size) await Promise.allSettled([...inflight]);
    },
  };
}
