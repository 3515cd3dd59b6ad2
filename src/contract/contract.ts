/**
 * The contract between chat platforms and the conversation engine (moved out of the engine so adapters
 * depend on it alone). Telegram, Slack and the console turn
 * whatever their platform delivers into an `IncomingEvent`; the engine answers with `OutgoingMessage`s that
 * it writes to the outbox; a per-platform `PlatformSender` renders and delivers them from the queue worker.
 * No business rule lives in an adapter, and no platform detail lives in the engine.
 */
/**
 * A platform's registry name (`telegram`, `slack`, `console`, ...): the `name` of its `PlatformModule` in
 * src/platforms.ts. A plain string on purpose: adding a platform needs no database migration.
 */
export type Platform = string;

/** What kind of thing the person did. */
export type IncomingKind = 'text' | 'command' | 'action' | 'file';

/** A file the person sent (evidence). Only a platform reference is kept, never the bytes. */
export interface IncomingFile {
  kind: 'file' | 'photo';
  /** Platform file reference (Telegram file_id, Slack file id). */
  fileId: string;
  name?: string;
  size?: number;
  mimeType?: string;
}

/** One normalised event from a platform. */
export interface IncomingEvent {
  platform: Platform;
  /** The platform's id of the person (Telegram user id, Slack user id, console NIP). */
  platformUserId: string;
  /** The private chat the bot answers in (Telegram chat id, Slack DM channel id). */
  chatId: string;
  /**
   * Set when the person wrote in a group or channel (a Telegram group, a Slack channel) rather than in their
   * private chat with the bot: that chat's id. Only commands come from groups: one meant for a group
   * (registering a unit's channel) answers there, any other is answered in the private chat (`chatId`).
   */
  groupChatId?: string;
  /**
   * Platform id of this event, unique per platform (Telegram update_id, Slack event_id or a hash of the
   * interaction payload). A second event with the same id is ignored: platforms retry.
   */
  eventId: string;
  kind: IncomingKind;
  /**
   * - text: the message text as typed;
   * - command: the command name without slash, lower-case (e.g. `penilaian`), and `args` below;
   * - action: the opaque button token the platform echoed back;
   * - file: the caption, if any.
   */
  payload: string;
  /** Command arguments (`/start CODE` -> ['CODE']). */
  args?: string[];
  file?: IncomingFile;
  /**
   * Set when the message belongs to an assessment's dialog kinerja thread: the adapter found it was a reply
   * to (Telegram) or posted in the thread of (Slack) a message that carried this thread key.
   */
  threadKey?: string;
  /** Extra identity hints the engine may use to link automatically (Slack: the user's email). */
  hints?: { email?: string; displayName?: string; locale?: string };
  /** When the platform says the event happened. */
  receivedAt?: Date;
}

/** One button. `token` is opaque: the engine maps it back to an action; platforms echo it unchanged. */
export interface Button {
  label: string;
  token: string;
  style?: 'primary' | 'danger';
}

/** A link the message carries (a Telegram deep link, a document). */
export interface Attachment {
  kind: 'link' | 'file';
  title: string;
  url?: string;
  fileId?: string;
}

/**
 * A file a message carries (a monitoring chart, an export), sent as a photo (`image`) or a document. The
 * outbox row holds only this description, never the bytes: the system produces the file when the row is
 * delivered (`DeliveryLookups.fileContent`). Keeping bytes out of the row keeps the outbox small (the delivery
 * worker reads it constantly, and an XLSX of a whole province is megabytes), and it lets the engine, which must
 * stay quick inside its transaction and holds no report code, ask for a picture without drawing it.
 */
export interface OutgoingFile {
  kind: 'image' | 'document';
  /** What produces it: a name the system's file source knows (`pantau-completion`, `export-results`, ...). */
  source: string;
  /** The source's arguments (cycle, unit, language): small plain values. */
  params: Record<string, string | number | null>;
}

/** A produced file, ready to upload. */
export interface FileContent {
  bytes: Uint8Array;
  mimeType: string;
  fileName: string;
  /**
   * Text that goes with the file (what a chart shows, in words: for screen readers and notifications); the
   * sender puts it under the message text as the file's caption.
   */
  caption?: string;
}

/** Produces the file an outgoing message describes; throws DeliveryError('permanent') when it cannot. */
export type FileSource = (file: OutgoingFile) => Promise<FileContent>;

/** Inline emphasis for renderers: the engine never embeds platform markup in `text`. */
export interface TextSpan {
  text: string;
  bold?: boolean;
  italic?: boolean;
  code?: boolean;
}

/**
 * One platform-neutral message. `text` is plain text (user-supplied parts included); renderers escape it for
 * their platform. `blocks` is an optional richer form of the same content: paragraphs of spans.
 */
export interface OutgoingMessage {
  text: string;
  /** Paragraphs of spans; when present renderers prefer it over `text` (which stays as the plain fallback). */
  blocks?: TextSpan[][];
  /** Rows of buttons, in order. */
  buttons?: Button[][];
  /** The assessment thread this message belongs to (dialog kinerja, review prompt). */
  threadKey?: string;
  /** True for the message that starts a thread (the review prompt on Slack, the result on the employee's side). */
  threadRoot?: boolean;
  /**
   * A line saying the message can be answered by replying to it ("balas pesan ini"), added at delivery where
   * the platform holds threads (Telegram replies, Slack threads) and left out where it does not (the console).
   */
  threadHint?: string;
  /**
   * A dialog message relayed from the other party of `threadKey`: a plain message typed right after it, outside
   * the thread, is taken as the answer to it (src/engine/engine.ts).
   */
  relay?: boolean;
  attachments?: Attachment[];
  /**
   * Edit an earlier message instead of sending a new one: the id of the outbox row that sent it. The sender
   * edits in place (removing its buttons) and falls back to a new message when the edit fails.
   */
  replaceOutboxId?: number;
  /**
   * With `replaceOutboxId`: the edit only takes the buttons away (the question was answered by typing), the
   * text is unchanged; a platform that cannot edit shows nothing for it.
   */
  buttonsRemoved?: boolean;
  /** A modal form (Slack `views.open`); other platforms ask field by field and ignore this. */
  form?: FormSpec;
  /**
   * One file sent with this message (Telegram sendPhoto/sendDocument with the text as caption, a Slack file
   * upload with the text as its comment, a file written under DATA_DIR on the console). A message with a
   * file is never an edit.
   */
  file?: OutgoingFile;
}

/** A small form for platforms with modals. Values come back as an `action` event with JSON payload. */
export interface FormSpec {
  token: string;
  title: string;
  submitLabel: string;
  fields: { id: string; label: string; multiline?: boolean; initial?: string; hint?: string; optional?: boolean }[];
  /** Field id -> error text, for re-showing a form with validation errors. */
  errors?: Record<string, string>;
}

/** Where an outbox row goes: one platform chat. */
export interface Destination {
  platform: Platform;
  chatId: string;
}

/** What a sender reports after a successful delivery. */
export interface DeliveryReceipt {
  /** The platform's id of the message (Telegram message_id, Slack ts), stored to edit or thread later. */
  platformMessageRef: string;
}

/** Failures a sender can report; the delivery worker decides what to do with each. */
export type DeliveryFailureKind = 'rate_limited' | 'permanent' | 'transient';

/** A classified delivery failure. Senders throw only this. */
export class DeliveryError extends Error {
  constructor(
    readonly kind: DeliveryFailureKind,
    message: string,
    /** For rate_limited: how long the platform asked us to wait. */
    readonly retryAfterMs?: number,
    /** The platform's own error code or description, for HR's failure report. */
    readonly platformCode?: string,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}

/** Look-ups a sender may need from earlier deliveries (kept in the outbox table). */
export interface DeliveryLookups {
  /** The platform message ref of an earlier outbox row, if it was delivered. */
  messageRefOf(outboxId: number): Promise<string | null>;
  /** The platform message ref of the first delivered message of `threadKey` in that chat (Slack thread_ts). */
  threadRootRef(destination: Destination, threadKey: string): Promise<string | null>;
  /** The bytes of the file a message describes (produced now: see `OutgoingFile`). */
  fileContent: FileSource;
}

/**
 * Renders and delivers one message on one platform. Implementations make exactly one platform call per
 * attempt (no hidden SDK retries: BullMQ owns retrying) and throw `DeliveryError` on failure.
 */
export interface PlatformSender {
  readonly platform: Platform;
  deliver(destination: Destination, message: OutgoingMessage, lookups: DeliveryLookups): Promise<DeliveryReceipt>;
}

/** Result of handling one incoming event, for adapters that must answer synchronously (Slack modals). */
export interface HandleResult {
  /** True when the event id was seen before and nothing was done. */
  duplicate: boolean;
  /** Outbox ids written by this event, in order. */
  outboxIds: number[];
  /** Inline form errors to show in an open modal (Slack `response_action: errors`). */
  formErrors?: Record<string, string>;
  /** A short text for an immediate acknowledgement (Telegram answerCallbackQuery). */
  ackText?: string;
  /**
   * Set when the event could not be handled for its content (a bug, an unreadable payload): the person got
   * the error reply quoting `errorId`, and the event is recorded so it is not tried again.
   */
  failed?: { errorId: string; reason: string };
}

/** The engine as adapters see it. */
export interface ConversationEngine {
  /**
   * Handles the event in one transaction. Rejects when nothing of it could be committed (the database is
   * away): the event must then be kept and offered again, never acknowledged as handled.
   */
  handle(event: IncomingEvent): Promise<HandleResult>;
  /**
   * Handles events of different chats together (group commit: one read and one write for those that fit),
   * with the same guarantees as `handle` for each; results in the order given. A rejected result means
   * nothing of that event was committed. `onSettled` hears each result as soon as it is known (the events
   * written together commit before those that run alone finish), with its index in `events`.
   */
  handleMany?(
    events: readonly IncomingEvent[],
    onSettled?: (index: number, result: PromiseSettledResult<HandleResult>) => void,
  ): Promise<PromiseSettledResult<HandleResult>[]>;
}

/** One platform update to store before it is acknowledged. */
export interface InboxEntry {
  platform: Platform;
  /** The platform's id of the update: a re-sent update is stored once. */
  eventId: string;
  /** Who the update's order matters for (the chat, or the person): rows of one key are handled in order. */
  orderKey: string;
  /** JSON the platform's `InboxHandler` turns into events later. */
  payload: Record<string, unknown>;
  /**
   * Set when the update cannot be read (not JSON, not the platform's shape): it is stored parked with this
   * reason, for an operator to look at, and acknowledged, so the platform does not re-send it forever.
   */
  parked?: string;
}

/** How one platform's stored payloads become events, in the process that handles them. */
export interface InboxHandler {
  /**
   * The events of a stored payload, in order. Look-ups that need the database or the platform (the thread
   * a reply belongs to, a Slack user's DM) happen here, after the update was acknowledged.
   */
  resolve(payload: Record<string, unknown>): Promise<IncomingEvent[]>;
  /** After the events committed (Telegram answers the button press with the engine's text). */
  afterHandled?(payload: Record<string, unknown>, results: HandleResult[]): Promise<void>;
}

/**
 * The durable ingress inbox as adapters see it: store first, acknowledge the platform after, and let the
 * consumer hand the events to the engine (engine/inbox-consumer.ts).
 */
export interface IngressInbox {
  /** Stores the entries in one transaction; resolves once committed. Rejects when not: do not acknowledge. */
  store(entries: readonly InboxEntry[]): Promise<void>;
  /** Registers this process's handler of one platform's rows; rows of platforms without one are left to others. */
  register(platform: Platform, handler: InboxHandler): void;
  /**
   * Resolves with the results once this process has handled the entry (call before `store`), or with
   * 'timeout' after `ms` (another process may be handling it, or it is waiting for the database).
   */
  awaitHandled(platform: Platform, eventId: string, ms: number): Promise<HandleResult[] | 'timeout'>;
}

/**
 * A role only one process of a deployment may hold at a time, such as Telegram long polling (Telegram answers
 * a second poller with 409 and the two take turns losing updates' order). The service backs it with a
 * PostgreSQL advisory lock held by a session of its own: a process that dies, even by kill -9, ends the
 * session and so lets a stand-by take over.
 */
export interface ExclusiveRoles {
  /**
   * Resolves once this process holds `role`, waiting while another process does (asking again every few
   * seconds); rejects when `signal` aborts first.
   */
  acquire(role: string, signal: AbortSignal): Promise<ExclusiveLease>;
}

/** A role held by this process. */
export interface ExclusiveLease {
  /** Aborted when the hold is lost (its database session ended or stopped answering): stop the work at once. */
  readonly lost: AbortSignal;
  /** Gives the role up (another process may take it). */
  release(): Promise<void>;
}

/**
 * A platform adapter: ingress (turns platform updates into events for the engine) plus its sender.
 * `start` begins receiving (polling, socket) or mounts its webhook on the app's HTTP server.
 */
export interface PlatformAdapter {
  readonly platform: Platform;
  readonly sender: PlatformSender;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * What an adapter may ask the system at ingress, before an event reaches the engine (read-only; the engine
 * owns every write). The service creates it from the database (src/db/lookups.ts) and passes it in, so
 * adapters hold no SQL and take no ORM.
 */
export interface IngressLookups {
  /** The thread key the bot's message `messageRef` (the platform's message id) in a chat carried, if any. */
  threadKeyOf(platform: Platform, chatId: string, messageRef: string): Promise<string | null>;
  /** The chat a platform account talks to the bot in; null when that account is not linked yet. */
  currentChatOf(platform: Platform, platformUserId: string): Promise<string | null>;
  /** The form the bot last offered in a chat with this token (an "open form" button). */
  offeredForm(platform: Platform, chatId: string, formToken: string): Promise<FormSpec | null>;
}
