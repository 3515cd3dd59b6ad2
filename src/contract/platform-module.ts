/**
 * What one chat platform offers the system: a `PlatformModule` exported by `src/adapters/<name>/index.ts` and
 * listed once in the registry (src/platforms.ts). The service, the delivery workers and `kinerja status`
 * iterate the registry, so adding a platform is one folder, one registry line, and the conformance suite
 * (test/conformance/platform.test.ts) passing for it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { ConversationEngine, ExclusiveRoles, IngressInbox, IngressLookups, PlatformAdapter, PlatformSender } from './contract.js';

/**
 * One request handler on the app's HTTP server, express-compatible (an express `Router` fits). Declared as a
 * method so a handler typed with express's richer request and response types is accepted.
 */
export type HttpHandler = {
  handle(req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void;
}['handle'];

/** The part of the app's HTTP server an adapter may use: mounting its webhook routes (adapters never import src/http). */
export interface HttpRoutes {
  /** Mounts `handler` for every request; it answers its own paths and calls `next` for others. */
  mount(handler: HttpHandler): void;
}

/** The validated configuration as a platform module reads it: only its own `configKeys`. */
export type PlatformConfig = Readonly<Record<string, unknown>>;

/** A time source (src/clock.ts's `Clock` fits). */
export interface ContractClock {
  now(): Date;
}

/** What a platform can and cannot do; the engine and the conformance suite ask these instead of platform names. */
export interface PlatformCapabilities {
  /** Forms open as modals (Slack `views.open`); otherwise the engine asks field by field. */
  modalForms: boolean;
  /** Replies can be tied to a thread of an earlier message (Telegram reply, Slack thread). */
  threads: boolean;
  /** How a command is typed, for instructions: `/` (`/penilaian`) or `/kinerja ` (`/kinerja penilaian`). */
  commandPrefix: string;
  /** A sent message can be edited in place (otherwise an edit prints what changed). */
  editMessages: boolean;
  /** The platform answers with rate limits (429 and a retry-after). */
  rateLimits: boolean;
  /** The platform may deliver one event twice (webhook retries, re-sent updates); ingress must stay idempotent. */
  redelivery: boolean;
  /**
   * Buttons are clicked, so one impatient double click presses a button twice: the second press is acknowledged
   * without a word. Where a choice is typed (the console's `#1`), each line is meant and is answered.
   */
  doubleClicks: boolean;
  /** The platform can refuse a chat for good (403: bot blocked, channel archived). */
  permanentFailures: boolean;
  /** Delivery goes over a network that can fail transiently (5xx, timeouts). */
  transientFailures: boolean;
}

/**
 * Outbox rows of one platform that an adapter delivers itself right after the event commits (the console
 * prints them). The service builds these callbacks from the database and the delivery path the worker uses,
 * so such an adapter holds no SQL and does not import the delivery code.
 */
export interface InlineDelivery {
  /** Of rows `ids`, this platform's ones with their chats, in id order. */
  chatsOf(ids: readonly number[]): Promise<{ id: number; chatId: string }[]>;
  /** How many of rows `ids` are still pending. */
  pendingCount(ids: readonly number[]): Promise<number>;
  /** Delivers row `id` through `sender` now and records the outcome on the row. */
  deliver(id: number, sender: PlatformSender): Promise<unknown>;
}

/** The console's own lines (catalogue keys under `console.`). */
export type ConsoleLineKey = 'acting_as' | 'as_usage' | 'as_unknown' | 'as_demo_only';

/** The terminal a local chat runs in (the console platform), when the service has one. */
export interface TerminalSession {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
  /** Platform user id (NIP) of the person at the keyboard when the chat opens. */
  startAs: string;
  /** Demo mode: the person may switch who they are. */
  demo: boolean;
  /** Name and role of an employee by NIP, for headers and the prompt; null when unknown. */
  describe(nip: string): Promise<string | null>;
  color?: boolean;
  /** Line shown once when the chat opens. */
  banner?: string;
  /**
   * The console's own lines (switching person) in the language of the person `nip` at the keyboard, commands
   * spelled for the console; English when absent.
   */
  say?(nip: string, key: ConsoleLineKey, vars?: Record<string, string>): Promise<string>;
  /** First line to send, as if typed. */
  firstLine?: string;
  /** True when no delivery worker runs in this process: messages are printed right after the event commits. */
  deliverInline?: boolean;
  /** Called when the person leaves (quit, end of input). */
  onClose?: () => void;
}

/** What the service hands a module to build its ingress adapter. */
export interface AdapterContext {
  config: PlatformConfig;
  /** The engine, for an adapter that runs in this process's terminal (the console has nothing to acknowledge). */
  engine: ConversationEngine;
  /**
   * The durable ingress inbox: a networked platform stores each update here and acknowledges it only after the
   * store committed; the inbox consumer hands the stored updates to the engine in per-chat order.
   */
  inbox: IngressInbox;
  /** Roles only one process may hold (Telegram long polling). */
  exclusive: ExclusiveRoles;
  lookups: IngressLookups;
  http: HttpRoutes;
  logger: Logger;
  clock: ContractClock;
  /** Inline delivery of this platform's rows (only for modules with `terminal`). */
  inline?: InlineDelivery;
  /** The terminal, for modules with `terminal`. */
  terminal?: TerminalSession;
}

/** What the service or a worker hands a module to build its sender (a worker-only process has no adapter). */
export interface SenderContext {
  config: PlatformConfig;
  logger: Logger;
}

/** A delivery limiter: at most `max` deliveries per `durationMs` across all workers. */
export interface RateLimit {
  max: number;
  durationMs: number;
}

/** One chat platform, as listed in the registry. */
export interface PlatformModule {
  /** Registry name, stored in `platform` columns (at most 16 characters). */
  readonly name: string;
  /** The configuration variables the module reads (for documentation and `kinerja status`). */
  readonly configKeys: readonly string[];
  readonly capabilities: PlatformCapabilities;
  /** Its BullMQ delivery queue. */
  readonly deliveryQueue: string;
  /**
   * Runs in this process's terminal (the console): enabled by the service when it has a terminal and no other
   * platform is configured, not by configuration; its messages are printed inline, not queued.
   */
  readonly terminal?: boolean;
  /** True when the configuration enables this platform (its token is set). */
  isConfigured(config: PlatformConfig): boolean;
  /**
   * The sustained pace the platform allows into one chat (Telegram and Slack: about one message a second). A
   * chat with a backlog is drained at this pace, so it never draws the 429 that would pause every chat; 0: none.
   */
  readonly chatIntervalMs: number;
  /**
   * A 429 usually limits one chat (Telegram's per-chat flood control), not the whole platform: the first one
   * delays only that chat's message; only when a second chat is limited within the wait does the whole queue
   * pause. False (Slack: limits per method and workspace): every 429 pauses the queue.
   */
  readonly chatScopedRateLimits?: boolean;
  /** The delivery limiter for this platform; undefined: limited only by the platform's 429 answers. */
  rateLimit(config: PlatformConfig): RateLimit | undefined;
  /**
   * Whether an error of the adapter's `start()` will not go away by retrying (a wrong or revoked token): the
   * variable to fix and the platform's reason; undefined for a transient failure (the platform unreachable),
   * which the service retries with capped back-off.
   */
  startFailure?(err: unknown): { variable: string; reason: string } | undefined;
  /** Ingress plus its sender. Throws with a clear message when the configuration cannot work. */
  createAdapter(ctx: AdapterContext): PlatformAdapter;
  /** The sender alone, for a worker-only process. */
  createSender(ctx: SenderContext): PlatformSender;
}
