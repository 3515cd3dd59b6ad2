/**
 * Our own fake Telegram Bot API server, for tests and the hand-driven demo (`scripts/telegram-demo.ts`).
 * It is not the `telegram-test-api` package: a small server we control completely is easier to make fail on
 * purpose (429 with retry_after, 403, 400, 500, a dropped connection) and to inspect.
 *
 * It serves `/bot<token>/<method>` like api.telegram.org for the methods the adapter uses (getMe, getUpdates
 * with long polling and offsets, setWebhook, deleteWebhook, sendMessage, editMessageText,
 * editMessageReplyMarkup, answerCallbackQuery, getFile), validates what Telegram validates (HTML entities,
 * 4096 characters, 64-byte callback_data, unknown chats, edits of missing messages), records every call, and
 * lets a test act as Telegram users: type text and commands, press a button on a message the bot sent, send a
 * document or photo, reply to a bot message. Updates are queued for getUpdates or, once a webhook is set,
 * POSTed to it with the secret header.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { InlineKeyboardMarkup, Update } from 'grammy/types';

/** A simulated Telegram user. Their private chat with the bot has the same id. */
export interface FakeUser {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

/** One Bot API call the fake received, with what it answered. */
export interface ApiCall {
  method: string;
  params: Record<string, unknown>;
  status: number;
  result?: unknown;
  description?: string;
  /** When the fake answered (ms since the epoch). */
  at: number;
}

/** A failure to serve instead of the next call to a method. `network` drops the connection without answering. */
export type FakeFailure =
  | { code: 429; retryAfter: number; description?: string }
  | { code: 400 | 401 | 403 | 404 | 409 | 500 | 502; description?: string }
  | { code: 'network' };

/** A message as the fake holds it: the visible (parsed) text, the HTML the bot sent, its keyboard. */
export interface ChatMessage {
  message_id: number;
  chatId: number;
  /** 'bot' or the user id. */
  from: 'bot' | number;
  date: number;
  /** What the person sees: HTML tags removed, entities decoded. */
  text: string;
  /** Raw text as the bot sent it (HTML parse mode). */
  html?: string;
  reply_markup?: InlineKeyboardMarkup;
  editCount: number;
  replyTo?: number;
  document?: { file_id: string; file_name?: string; file_size?: number; mime_type?: string };
  /** A picture the bot sent (sendPhoto): its bytes are in `FakeTelegram.sentFile(file_id)`. */
  photo?: { file_id: string; file_name?: string; file_size?: number; mime_type?: string };
}

/** A file part of a multipart request. */
export interface MultipartFile {
  filename: string;
  contentType: string;
  bytes: Buffer;
}

/** What happened to an injected update. */
export interface Injected {
  update: Update;
  /** Webhook mode: the HTTP status the app answered. Polling mode: undefined (queued for getUpdates). */
  status?: number;
}

class ApiFailure extends Error {
  constructor(
    readonly code: number,
    readonly description: string,
    readonly parameters?: Record<string, unknown>,
  ) {
    super(description);
  }
}

const ALLOWED_TAGS = new Set(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'span', 'tg-spoiler', 'a', 'code', 'pre', 'blockquote', 'tg-emoji']);
const MAX_TEXT = 4096;
const MAX_CALLBACK_DATA = 64;
const MAX_ROW = 8;

/**
 * Telegram's HTML parse mode, strictly: only supported tags, properly nested, and `<`, `>`, `&` escaped
 * elsewhere. Returns the visible text, or throws the 400 Telegram gives for bad markup.
 */
export function parseTelegramHtml(html: string): string {
  let out = '';
  const stack: string[] = [];
  let i = 0;
  while (i < html.length) {
    const c = html[i];
    if (c === '<') {
      const m = /^<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:="[^"]*"|='[^']*')?)*)\s*>/.exec(html.slice(i));
      if (!m) throw new ApiFailure(400, `Bad Request: can't parse entities: Unexpected character "<" at byte offset ${i}`);
      const [whole, slash, rawName] = m;
      const name = rawName.toLowerCase();
      if (!ALLOWED_TAGS.has(name)) throw new ApiFailure(400, `Bad Request: can't parse entities: Unsupported start tag "${name}" at byte offset ${i}`);
      if (slash) {
        if (stack.pop() !== name) throw new ApiFailure(400, `Bad Request: can't parse entities: Unmatched end tag at byte offset ${i}, expected "</${stack.at(-1) ?? ''}>", found "</${name}>"`);
      } else stack.push(name);
      i += whole.length;
      continue;
    }
    if (c === '>') throw new ApiFailure(400, `Bad Request: can't parse entities: Unexpected character ">" at byte offset ${i}`);
    if (c === '&') {
      const m = /^&(lt|gt|amp|quot|#(\d+)|#x([0-9a-fA-F]+));/.exec(html.slice(i));
      if (!m) throw new ApiFailure(400, `Bad Request: can't parse entities: Can't find end of the entity starting at byte offset ${i}`);
      const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };
      out += named[m[1]] ?? String.fromCodePoint(m[2] ? Number(m[2]) : parseInt(m[3], 16));
      i += m[0].length;
      continue;
    }
    out += c;
    i += 1;
  }
  if (stack.length > 0) throw new ApiFailure(400, `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "${stack.at(-1)}"`);
  return out;
}

/** Options for starting the fake. */
export interface FakeTelegramOptions {
  token: string;
  bot?: { id: number; username: string; first_name: string };
  /** Port to listen on (0 = any free port). */
  port?: number;
  /**
   * Telegram's flood control for one chat: more than `burst` messages to a chat within one second answer 429
   * with retry_after `retryAfter` (Telegram allows about one message a second to a chat, sustained).
   */
  perChatLimit?: { burst: number; retryAfter: number };
}

/** The fake Bot API server. Start it with `FakeTelegram.start()`, point TELEGRAM_API_ROOT at `apiRoot`. */
export class FakeTelegram extends EventEmitter {
  readonly calls: ApiCall[] = [];
  readonly bot: { id: number; username: string; first_name: string };
  private readonly token: string;
  private server!: Server;
  private port = 0;
  private nextUpdateId = 100_000;
  private nextCallbackId = 1;
  private nextFileId = 1;
  private readonly queue: Update[] = [];
  private readonly pollers = new Set<() => void>();
  /** Ends the long poll waiting now with 409 (a second poller arrived). */
  private waitingPoll: (() => void) | null = null;
  /** Long polls ended by another poller's getUpdates (409): two bot processes polling at once. */
  pollConflicts = 0;
  private readonly chats = new Map<number, { messages: ChatMessage[]; nextId: number; blocked: boolean; type: string }>();
  private readonly sentFiles = new Map<string, MultipartFile>();
  private readonly failures = new Map<string, FakeFailure[]>();
  private readonly openCallbacks = new Map<string, { answered: boolean; text?: string }>();
  private readonly files = new Map<string, { file_size?: number; path: string }>();
  private webhook: { url: string; secret?: string } | null = null;

  private constructor(private readonly opts: FakeTelegramOptions) {
    super();
    this.setMaxListeners(100);
    this.token = opts.token;
    this.bot = opts.bot ?? { id: 7_000_000_001, username: 'kinerja_test_bot', first_name: 'Kinerja' };
  }

  /** Starts the server on 127.0.0.1. */
  static async start(opts: FakeTelegramOptions): Promise<FakeTelegram> {
    const fake = new FakeTelegram(opts);
    fake.server = createServer((req, res) => void fake.serve(req, res));
    await new Promise<void>((resolve) => fake.server.listen(opts.port ?? 0, '127.0.0.1', resolve));
    fake.port = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** The value for TELEGRAM_API_ROOT. */
  get apiRoot(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The webhook the app registered, if any. */
  get webhookInfo(): { url: string; secret?: string } | null {
    return this.webhook;
  }

  async stop(): Promise<void> {
    for (const wake of this.pollers) wake();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  // ---- inspection -------------------------------------------------------------------------------------------

  /** Calls to one method, oldest first. */
  callsTo(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Every message in a chat, user and bot, oldest first (edits applied). */
  messages(chatId: number): ChatMessage[] {
    return [...(this.chats.get(chatId)?.messages ?? [])];
  }

  /** The bot's messages in a chat, oldest first. */
  botMessages(chatId: number): ChatMessage[] {
    return this.messages(chatId).filter((m) => m.from === 'bot');
  }

  /** Every button press so far, with whether (and how) the bot answered it. */
  callbackAnswers(): { id: string; answered: boolean; text?: string }[] {
    return [...this.openCallbacks].map(([id, a]) => ({ id, ...a }));
  }

  /** The answer to one button press (undefined for an unknown id). */
  callbackAnswer(callbackQueryId: string): { answered: boolean; text?: string } | undefined {
    return this.openCallbacks.get(callbackQueryId);
  }

  /**
   * Resolves with `probe()`'s first truthy value, re-checking after every API call or injected update.
   * Rejects after `timeoutMs` (a guard for a broken test, not a timing device) listing the last calls.
   */
  waitFor<T>(probe: () => T | undefined | null | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
    const first = probe();
    if (first) return Promise.resolve(first);
    return new Promise<T>((resolve, reject) => {
      const onChange = () => {
        const v = probe();
        if (v) {
          cleanup();
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        const recent = this.calls.slice(-8).map((c) => `${c.method} ${c.status} ${JSON.stringify(c.params).slice(0, 160)}`);
        reject(new Error(`fake Telegram: timed out after ${timeoutMs} ms waiting for ${what}. Last calls:\n  ${recent.join('\n  ')}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.off('change', onChange);
      };
      this.on('change', onChange);
    });
  }

  /** Waits until the bot has sent (or edited) `count` messages to `chatId` beyond `after` messages (all by default). */
  waitForBotMessages(chatId: number, count: number, after = 0, timeoutMs?: number): Promise<ChatMessage[]> {
    return this.waitFor(() => {
      const sent = this.botMessages(chatId).slice(after);
      return sent.length >= count ? sent : undefined;
    }, timeoutMs, `${count} bot message(s) in chat ${chatId} after the first ${after}`);
  }

  // ---- failure injection ------------------------------------------------------------------------------------

  /** The next `times` calls to `method` ('*' for any) fail with `failure` instead of being served. */
  failNext(method: string, failure: FakeFailure, times = 1): void {
    const list = this.failures.get(method) ?? [];
    for (let i = 0; i < times; i++) list.push(failure);
    this.failures.set(method, list);
  }

  /** From now on, sending to this user fails with 403 "bot was blocked by the user". */
  blockBot(user: FakeUser): void {
    this.chatOf(user.id).blocked = true;
  }

  /** Makes a chat known (as if the person had pressed Start) without sending an update. */
  knowChat(chatId: number, type: 'private' | 'group' | 'supergroup' | 'channel' = 'private'): void {
    const chat = this.chatOf(chatId);
    chat.type = type;
  }

  // ---- simulated users ----------------------------------------------------------------------------------------

  /** The user types `text` in their private chat (optionally as a reply to message `replyTo`). */
  sendText(user: FakeUser, text: string, opts: { replyTo?: number } = {}): Promise<Injected> {
    const entities = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
    const message = this.addUserMessage(user, { text, replyTo: opts.replyTo });
    const tgMessage: Record<string, unknown> = { ...this.messageObject(message, user), text };
    if (entities) tgMessage.entities = [{ type: 'bot_command', offset: 0, length: entities[0].length }];
    return this.inject({ message: tgMessage } as unknown as Omit<Update, 'update_id'>);
  }

  /**
   * The user types `text` in group `groupId` (the bot is a member): the message is in the group's chat, from
   * the user; a leading `/command` carries its bot_command entity, as Telegram sends it.
   */
  sendInGroup(user: FakeUser, groupId: number, text: string, opts: { title?: string; type?: 'group' | 'supergroup' } = {}): Promise<Injected> {
    const chat = this.chatOf(groupId);
    chat.type = opts.type ?? 'supergroup';
    const message: ChatMessage = { message_id: chat.nextId++, chatId: groupId, from: user.id, date: now(), text, editCount: 0 };
    chat.messages.push(message);
    const entities = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
    const tgMessage: Record<string, unknown> = {
      message_id: message.message_id,
      from: this.userObject(user),
      chat: { id: groupId, type: chat.type, title: opts.title ?? 'Grup' },
      date: message.date,
      text,
      ...(entities ? { entities: [{ type: 'bot_command', offset: 0, length: entities[0].length }] } : {}),
    };
    return this.inject({ message: tgMessage } as unknown as Omit<Update, 'update_id'>);
  }

  /** `/command args...` as Telegram sends it (with its bot_command entity). */
  sendCommand(user: FakeUser, command: string, ...args: string[]): Promise<Injected> {
    return this.sendText(user, [`/${command}`, ...args].join(' '));
  }

  /** The user replies to message `messageId` (usually the bot's) with `text`. */
  reply(user: FakeUser, messageId: number, text: string): Promise<Injected> {
    return this.sendText(user, text, { replyTo: messageId });
  }

  /** The user sends a document. */
  sendDocument(user: FakeUser, doc: { fileName: string; size: number; mimeType: string; caption?: string }): Promise<Injected> {
    const fileId = this.registerFile(doc.size, `documents/${doc.fileName}`);
    const document = { file_id: fileId, file_unique_id: `u${fileId}`, file_name: doc.fileName, file_size: doc.size, mime_type: doc.mimeType };
    const message = this.addUserMessage(user, { text: doc.caption ?? '', document });
    return this.inject({ message: { ...this.messageObject(message, user), document, ...(doc.caption ? { caption: doc.caption } : {}) } } as unknown as Omit<Update, 'update_id'>);
  }

  /** The user sends a photo (Telegram offers three sizes; the last is the original). */
  sendPhoto(user: FakeUser, photo: { size: number; caption?: string }): Promise<Injected> {
    const sizes = [Math.round(photo.size / 20), Math.round(photo.size / 4), photo.size].map((s, i) => {
      const fileId = this.registerFile(s, `photos/file_${this.nextFileId}.jpg`);
      return { file_id: fileId, file_unique_id: `u${fileId}`, width: 90 * (i + 1) * 4, height: 60 * (i + 1) * 4, file_size: s };
    });
    const message = this.addUserMessage(user, { text: photo.caption ?? '' });
    return this.inject({ message: { ...this.messageObject(message, user), photo: sizes, ...(photo.caption ? { caption: photo.caption } : {}) } } as unknown as Omit<Update, 'update_id'>);
  }

  /**
   * The user presses the button labelled (or carrying data) `button` on bot message `messageId`. Throws when
   * the message shows no such button (its keyboard was removed by an edit) unless `force` is set, which
   * simulates a client still showing an old keyboard. Returns the update; its callback_query id identifies
   * the answer (`callbackAnswer`).
   */
  pressButton(user: FakeUser, messageId: number, button: string, opts: { force?: boolean } = {}): Promise<Injected> {
    const message = this.chats.get(user.id)?.messages.find((m) => m.message_id === messageId && m.from === 'bot');
    if (!message) throw new Error(`fake Telegram: no bot message ${messageId} in chat ${user.id}`);
    const buttons = (message.reply_markup?.inline_keyboard ?? []).flat();
    const found = buttons.find((b) => b.text === button || ('callback_data' in b && b.callback_data === button));
    let data: string;
    if (found && 'callback_data' in found && found.callback_data) data = found.callback_data;
    else if (opts.force) data = button;
    else throw new Error(`fake Telegram: message ${messageId} shows no button "${button}"; it shows: ${buttons.map((b) => b.text).join(', ') || '(no buttons)'}`);
    const id = String(this.nextCallbackId++);
    this.openCallbacks.set(id, { answered: false });
    const callback_query = { id, from: this.userObject(user), message: this.messageObject(message, user), chat_instance: `ci${user.id}`, data };
    return this.inject({ callback_query } as unknown as Omit<Update, 'update_id'>);
  }

  /** Delivers any update (an id is assigned): queued for getUpdates, or POSTed to the webhook. */
  async inject(partial: Omit<Update, 'update_id'>): Promise<Injected> {
    const update = { update_id: this.nextUpdateId++, ...partial } as Update;
    if (this.webhook) {
      const status = await this.postToWebhook(update);
      return { update, status };
    }
    this.queue.push(update);
    for (const wake of [...this.pollers]) wake();
    this.emit('change');
    return { update };
  }

  /**
   * POSTs `update` to the registered webhook as Telegram does. `secret`: the header value to send (default:
   * the registered secret; null: no header). Used directly to test wrong secrets and re-deliveries.
   */
  async postToWebhook(update: Update, opts: { secret?: string | null; url?: string } = {}): Promise<number> {
    const url = opts.url ?? this.webhook?.url;
    if (!url) throw new Error('fake Telegram: no webhook registered (setWebhook was not called)');
    const secret = opts.secret === undefined ? this.webhook?.secret : opts.secret;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (secret !== null && secret !== undefined) headers['x-telegram-bot-api-secret-token'] = secret;
    const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify(update) });
    await res.arrayBuffer();
    this.emit('change');
    return res.status;
  }

  // ---- the HTTP side ------------------------------------------------------------------------------------------

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!m) return this.respond(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = m;
    let params: Record<string, unknown>;
    try {
      params = { ...Object.fromEntries(url.searchParams), ...(await readBody(req)) };
    } catch {
      return this.respond(res, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid JSON body' });
    }
    if (token !== this.token) return this.finish(res, method, params, new ApiFailure(401, 'Unauthorized'));
    const failure = this.takeFailure(method);
    if (failure) {
      if (failure.code === 'network') {
        this.record({ method, params, status: 0, description: 'connection dropped' });
        req.socket.destroy();
        return;
      }
      const description = failure.description ?? defaultDescription(failure.code, failure.code === 429 ? failure.retryAfter : 0);
      return this.finish(res, method, params, new ApiFailure(failure.code, description, failure.code === 429 ? { retry_after: failure.retryAfter } : undefined));
    }
    try {
      const result = method === 'getUpdates' ? await this.getUpdates(params, res) : this.call(method, params);
      this.finish(res, method, params, result);
    } catch (err) {
      this.finish(res, method, params, err instanceof ApiFailure ? err : new ApiFailure(500, `Internal Server Error: ${String(err)}`));
    }
  }

  private finish(res: ServerResponse, method: string, params: Record<string, unknown>, outcome: unknown): void {
    if (outcome instanceof ApiFailure) {
      this.record({ method, params, status: outcome.code, description: outcome.description });
      this.respond(res, outcome.code, { ok: false, error_code: outcome.code, description: outcome.description, ...(outcome.parameters ? { parameters: outcome.parameters } : {}) });
    } else {
      this.record({ method, params, status: 200, result: outcome });
      this.respond(res, 200, { ok: true, result: outcome });
    }
  }

  private readonly sentAt = new Map<string, number[]>();

  /** Throws Telegram's 429 when the chat got more than `perChatLimit.burst` messages in the last second. */
  private floodControl(p: Record<string, unknown>): void {
    const limit = this.opts.perChatLimit;
    if (!limit) return;
    const chat = String(p.chat_id);
    const now = Date.now();
    const recent = (this.sentAt.get(chat) ?? []).filter((t) => now - t < 1000);
    if (recent.length >= limit.burst) {
      this.sentAt.set(chat, recent);
      throw new ApiFailure(429, `Too Many Requests: retry after ${limit.retryAfter}`, { retry_after: limit.retryAfter });
    }
    recent.push(now);
    this.sentAt.set(chat, recent);
  }

  private record(input: Omit<ApiCall, 'at'>): void {
    const call: ApiCall = { ...input, at: Date.now() };
    // Long polls that return nothing are noise in a test's call list.
    if (!(call.method === 'getUpdates' && Array.isArray(call.result) && call.result.length === 0)) this.calls.push(call);
    this.emit('change');
  }

  private respond(res: ServerResponse, status: number, body: unknown): void {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  private takeFailure(method: string): FakeFailure | undefined {
    for (const key of [method, '*']) {
      const list = this.failures.get(key);
      if (list && list.length > 0 && method !== 'getUpdates') return list.shift();
    }
    return undefined;
  }

  private async getUpdates(params: Record<string, unknown>, res: ServerResponse): Promise<Update[]> {
    if (this.webhook) throw new ApiFailure(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
    const offset = params.offset !== undefined ? Number(params.offset) : undefined;
    const limit = params.limit !== undefined ? Number(params.limit) : 100;
    const timeout = params.timeout !== undefined ? Number(params.timeout) : 0;
    // An offset confirms every update before it: Telegram forgets them.
    if (offset !== undefined) while (this.queue.length > 0 && this.queue[0].update_id < offset) this.queue.shift();
    const ready = () => this.queue.slice(0, Math.max(1, Math.min(limit, 100)));
    // Telegram serves one getUpdates per bot at a time: a second one ends the waiting one with 409.
    this.waitingPoll?.();
    if (this.queue.length > 0 || timeout <= 0) return ready();
    let conflicted = false;
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.pollers.delete(wake);
        if (this.waitingPoll === conflict) this.waitingPoll = null;
        resolve();
      };
      const conflict = () => {
        conflicted = true;
        wake();
      };
      const timer = setTimeout(wake, timeout * 1000);
      this.pollers.add(wake);
      this.waitingPoll = conflict;
      // The client gave up (the runner stopping aborts its poll): stop waiting.
      res.once('close', wake);
    });
    if (conflicted) {
      this.pollConflicts++;
      throw new ApiFailure(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running');
    }
    return ready();
  }

  /** Every method other than getUpdates. Throws ApiFailure for what Telegram would refuse. */
  private call(method: string, p: Record<string, unknown>): unknown {
    switch (method) {
      case 'getMe':
        return { id: this.bot.id, is_bot: true, first_name: this.bot.first_name, username: this.bot.username, can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false, can_connect_to_business: false, has_main_web_app: false };
      case 'setWebhook': {
        const url = String(p.url ?? '');
        if (url === '') {
          this.webhook = null;
          return true;
        }
        if (!/^https?:\/\//.test(url)) throw new ApiFailure(400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
        this.webhook = { url, secret: p.secret_token !== undefined ? String(p.secret_token) : undefined };
        return true;
      }
      case 'deleteWebhook':
        this.webhook = null;
        return true;
      case 'getWebhookInfo':
        return { url: this.webhook?.url ?? '', has_custom_certificate: false, pending_update_count: this.queue.length };
      case 'sendMessage':
        this.floodControl(p);
        return this.sendMessage(p);
      case 'sendPhoto':
      case 'sendDocument':
        return this.sendFile(method, p);
      case 'editMessageText':
        return this.editMessage(p, true);
      case 'editMessageReplyMarkup':
        return this.editMessage(p, false);
      case 'answerCallbackQuery': {
        const q = this.openCallbacks.get(String(p.callback_query_id));
        if (!q || q.answered) throw new ApiFailure(400, 'Bad Request: query is too old and response timeout expired or query ID is invalid');
        q.answered = true;
        if (p.text !== undefined) q.text = String(p.text);
        return true;
      }
      case 'getFile': {
        const f = this.files.get(String(p.file_id));
        if (!f) throw new ApiFailure(400, 'Bad Request: invalid file_id');
        return { file_id: p.file_id, file_unique_id: `u${String(p.file_id)}`, file_size: f.file_size, file_path: f.path };
      }
      default:
        throw new ApiFailure(404, 'Not Found: method not found');
    }
  }

  /** sendPhoto / sendDocument, multipart with the file in field `photo` / `document`. */
  private sendFile(method: 'sendPhoto' | 'sendDocument', p: Record<string, unknown>): unknown {
    const chatId = Number(p.chat_id);
    const chat = this.chats.get(chatId);
    if (!chat) throw new ApiFailure(400, 'Bad Request: chat not found');
    if (chat.blocked) throw new ApiFailure(403, 'Forbidden: bot was blocked by the user');
    const field = method === 'sendPhoto' ? 'photo' : 'document';
    const upload = p[field];
    if (!(upload instanceof Object) || !('bytes' in upload)) throw new ApiFailure(400, `Bad Request: there is no ${field} in the request`);
    const file = upload as MultipartFile;
    if (file.bytes.length === 0) throw new ApiFailure(400, 'Bad Request: file must be non-empty');
    const caption = String(p.caption ?? '');
    if (parseTelegramHtml(caption).length > 1024) throw new ApiFailure(400, 'Bad Request: message caption is too long');
    const fileId = `fake-sent-${this.sentFiles.size + 1}`;
    this.sentFiles.set(fileId, file);
    const message: ChatMessage = {
      message_id: chat.nextId++, chatId, from: 'bot', date: now(),
      text: p.parse_mode === 'HTML' ? parseTelegramHtml(caption) : caption, html: caption,
      reply_markup: this.markupOf(p.reply_markup), editCount: 0,
      ...(method === 'sendPhoto'
        ? { photo: { file_id: fileId, file_name: file.filename, file_size: file.bytes.length, mime_type: file.contentType } }
        : { document: { file_id: fileId, file_name: file.filename, file_size: file.bytes.length, mime_type: file.contentType } }),
    };
    chat.messages.push(message);
    this.emit('botMessage', message);
    return this.botMessageObject(message);
  }

  /** The bytes of a file the bot sent (sendPhoto, sendDocument), by the file id the fake gave it. */
  sentFile(fileId: string): MultipartFile | undefined {
    return this.sentFiles.get(fileId);
  }

  private sendMessage(p: Record<string, unknown>): unknown {
    const chatId = Number(p.chat_id);
    const chat = this.chats.get(chatId);
    if (!chat) throw new ApiFailure(400, 'Bad Request: chat not found');
    if (chat.blocked) throw new ApiFailure(403, 'Forbidden: bot was blocked by the user');
    const { text, html } = this.visibleText(p);
    const reply_markup = this.markupOf(p.reply_markup);
    const message: ChatMessage = { message_id: chat.nextId++, chatId, from: 'bot', date: now(), text, html, reply_markup, editCount: 0 };
    chat.messages.push(message);
    this.emit('botMessage', message);
    return this.botMessageObject(message);
  }

  private editMessage(p: Record<string, unknown>, withText: boolean): unknown {
    const chatId = Number(p.chat_id);
    const chat = this.chats.get(chatId);
    if (!chat) throw new ApiFailure(400, 'Bad Request: chat not found');
    if (chat.blocked) throw new ApiFailure(403, 'Forbidden: bot was blocked by the user');
    const message = chat.messages.find((m) => m.message_id === Number(p.message_id));
    if (!message) throw new ApiFailure(400, 'Bad Request: message to edit not found');
    if (message.from !== 'bot') throw new ApiFailure(400, "Bad Request: message can't be edited");
    const reply_markup = this.markupOf(p.reply_markup);
    const next = withText ? this.visibleText(p) : { text: message.text, html: message.html };
    if (next.html === message.html && JSON.stringify(reply_markup ?? null) === JSON.stringify(message.reply_markup ?? null)) {
      throw new ApiFailure(400, 'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message');
    }
    message.text = next.text;
    message.html = next.html;
    message.reply_markup = reply_markup;
    message.editCount += 1;
    this.emit('botMessage', message);
    return this.botMessageObject(message);
  }

  private visibleText(p: Record<string, unknown>): { text: string; html: string } {
    const html = String(p.text ?? '');
    const text = p.parse_mode === 'HTML' ? parseTelegramHtml(html) : html;
    if (text.trim().length === 0) throw new ApiFailure(400, 'Bad Request: message text is empty');
    if (text.length > MAX_TEXT) throw new ApiFailure(400, 'Bad Request: message is too long');
    return { text, html };
  }

  private markupOf(raw: unknown): InlineKeyboardMarkup | undefined {
    if (raw === undefined || raw === null || raw === '') return undefined;
    const markup = (typeof raw === 'string' ? JSON.parse(raw) : raw) as InlineKeyboardMarkup;
    if (!Array.isArray(markup.inline_keyboard)) throw new ApiFailure(400, 'Bad Request: object expected as reply markup');
    for (const row of markup.inline_keyboard) {
      if (row.length > MAX_ROW) throw new ApiFailure(400, 'Bad Request: too many buttons in a row');
      for (const b of row) {
        if (!b.text) throw new ApiFailure(400, 'Bad Request: text buttons are unallowed in the inline keyboard');
        if ('callback_data' in b && (Buffer.byteLength(b.callback_data ?? '', 'utf8') > MAX_CALLBACK_DATA || !b.callback_data)) {
          throw new ApiFailure(400, 'Bad Request: BUTTON_DATA_INVALID');
        }
      }
    }
    return markup.inline_keyboard.length > 0 ? markup : undefined;
  }

  // ---- helpers --------------------------------------------------------------------------------------------

  private chatOf(chatId: number) {
    let chat = this.chats.get(chatId);
    if (!chat) {
      chat = { messages: [], nextId: 1, blocked: false, type: chatId > 0 ? 'private' : 'group' };
      this.chats.set(chatId, chat);
    }
    return chat;
  }

  private addUserMessage(user: FakeUser, m: { text: string; replyTo?: number; document?: ChatMessage['document'] }): ChatMessage {
    const chat = this.chatOf(user.id);
    chat.blocked = false;
    if (m.replyTo !== undefined && !chat.messages.some((x) => x.message_id === m.replyTo)) {
      throw new Error(`fake Telegram: cannot reply to message ${m.replyTo}: it is not in chat ${user.id}`);
    }
    const message: ChatMessage = { message_id: chat.nextId++, chatId: user.id, from: user.id, date: now(), text: m.text, editCount: 0, replyTo: m.replyTo, document: m.document };
    chat.messages.push(message);
    return message;
  }

  private registerFile(size: number, path: string): string {
    const id = `FILE${this.nextFileId++}_${Math.random().toString(36).slice(2, 10)}`;
    this.files.set(id, { file_size: size, path });
    return id;
  }

  private userObject(user: FakeUser): Record<string, unknown> {
    return { is_bot: false, ...user };
  }

  private chatObject(user: FakeUser): Record<string, unknown> {
    return { id: user.id, type: 'private', first_name: user.first_name, ...(user.last_name ? { last_name: user.last_name } : {}), ...(user.username ? { username: user.username } : {}) };
  }

  /** The Telegram Message object for `m` as seen in `user`'s private chat. */
  private messageObject(m: ChatMessage, user: FakeUser): Record<string, unknown> {
    const from = m.from === 'bot' ? { id: this.bot.id, is_bot: true, first_name: this.bot.first_name, username: this.bot.username } : this.userObject(user);
    const out: Record<string, unknown> = { message_id: m.message_id, from, chat: this.chatObject(user), date: m.date };
    if (m.from === 'bot') {
      out.text = m.text;
      if (m.reply_markup) out.reply_markup = m.reply_markup;
    }
    if (m.replyTo !== undefined) {
      const target = this.chats.get(m.chatId)?.messages.find((x) => x.message_id === m.replyTo);
      if (target) out.reply_to_message = this.messageObject({ ...target, replyTo: undefined }, user);
    }
    return out;
  }

  private botMessageObject(m: ChatMessage): Record<string, unknown> {
    const chat = this.chats.get(m.chatId);
    return {
      message_id: m.message_id,
      from: { id: this.bot.id, is_bot: true, first_name: this.bot.first_name, username: this.bot.username },
      chat: { id: m.chatId, type: chat?.type ?? 'private' },
      date: m.date,
      text: m.text,
      ...(m.editCount > 0 ? { edit_date: now() } : {}),
      ...(m.reply_markup ? { reply_markup: m.reply_markup } : {}),
    };
  }
}

function defaultDescription(code: number, retryAfter: number): string {
  switch (code) {
    case 429:
      return `Too Many Requests: retry after ${retryAfter}`;
    case 403:
      return 'Forbidden: bot was blocked by the user';
    case 400:
      return 'Bad Request: chat not found';
    case 401:
      return 'Unauthorized';
    case 409:
      return 'Conflict: terminated by other getUpdates request';
    default:
      return 'Internal Server Error';
  }
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const boundary = /multipart\/form-data;.*boundary=("?)([^";]+)\1/i.exec(req.headers['content-type'] ?? '')?.[2];
  if (boundary) return parseMultipart(body, boundary);
  const raw = body.toString('utf8');
  if (raw === '') return {};
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  return JSON.parse(raw) as Record<string, unknown>;
}

/**
 * A multipart/form-data body (what the Bot API gets with a file upload): text fields as strings, file
 * fields as `MultipartFile`s.
 */
export function parseMultipart(body: Buffer, boundary: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const delimiter = Buffer.from(`--${boundary}`);
  let start = body.indexOf(delimiter);
  while (start !== -1) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    // Each part: CRLF, headers, CRLF CRLF, content, CRLF (before the next delimiter).
    const part = body.subarray(start + delimiter.length + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const content = part.subarray(headerEnd + 4);
      // grammY writes `name="<id>";filename=<name>` (the file name unquoted), browsers quote it: accept both.
      const name = /(?:^|[;\s])name="([^"]*)"/i.exec(headers)?.[1];
      const filename = /filename=(?:"([^"]*)"|([^;\r\n]*))/i.exec(headers)?.slice(1).find((x) => x !== undefined);
      const contentType = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1] ?? 'application/octet-stream';
      if (name !== undefined) out[name] = filename !== undefined ? ({ filename, contentType, bytes: Buffer.from(content) } satisfies MultipartFile) : content.toString('utf8');
    }
    start = next;
  }
  // grammY sends an attached file as `attach://<id>` in the method's field and the bytes under `<id>`.
  for (const [k, v] of Object.entries(out)) if (typeof v === 'string' && v.startsWith('attach://')) out[k] = out[v.slice('attach://'.length)];
  return out;
}
