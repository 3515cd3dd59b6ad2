/**
 * A local fake of the Slack Web API (the platform boundary) plus helpers that play Slack's side of the
 * Events API: signed POSTs of events, slash commands and interactions to the app's `/slack/events`.
 *
 * The fake records every call (chat.postMessage, chat.update, views.open, ...), answers users.info with
 * configurable emails, auth.test, conversations.open and apps.connections.open (Socket Mode), and can be told to fail the next call of a method
 * with a rate limit (429 + Retry-After), a platform error (`ok: false`) or an HTTP 500.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { createHmac } from 'node:crypto';
import type { AddressInfo } from 'node:net';

/**
 * Signs a request as Slack does (v0): `v0=hex(HMAC-SHA256(secret, "v0:" + timestamp + ":" + raw body))`.
 * Slack's side of the protocol, so it lives with the fake; the app verifies with Bolt's verifier.
 */
export function signSlackRequest(signingSecret: string, timestamp: number | string, rawBody: string): string {
  return 'v0=' + createHmac('sha256', signingSecret).update(`v0:${timestamp}:${rawBody}`).digest('hex');
}

export interface FakeSlackCall {
  method: string;
  args: Record<string, unknown>;
  /** Bearer token the call carried. */
  token?: string;
  /** What the fake answered (e.g. the `ts` of a posted message). */
  result?: Record<string, unknown>;
}

export type FakeSlackFailure = { ratelimited: number } | { error: string } | { status: number };

export interface FakeSlackUser {
  email?: string;
  name?: string;
  /** DM channel conversations.open returns; default `D` + user id. */
  dm?: string;
}

export const FAKE_BOT_USER_ID = 'UBOT';
export const FAKE_BOT_ID = 'BBOT';
export const FAKE_TEAM_ID = 'T0001';

/** The fake Web API server. */
export class FakeSlack {
  readonly calls: FakeSlackCall[] = [];
  readonly users = new Map<string, FakeSlackUser>();
  private readonly failures = new Map<string, FakeSlackFailure[]>();
  private server?: Server;
  private tsCounter = 0;
  private viewCounter = 0;
  /** Base URL for SLACK_API_URL, ending in `/api/`. */
  apiUrl = '';
  /** What `apps.connections.open` hands out (Socket Mode): a FakeSlackSocket's url. Unset: `ok: false`. */
  socketUrl?: string;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, headers, body }) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.apiUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      if (!this.server) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  /** Makes the next call of `method` fail as described (queued: several calls fail in order). */
  failNext(method: string, failure: FakeSlackFailure): void {
    const list = this.failures.get(method) ?? [];
    list.push(failure);
    this.failures.set(method, list);
  }

  /** Calls of one method, in order. */
  callsOf(method: string): FakeSlackCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Messages posted to `channel` (chat.postMessage args). */
  postedTo(channel: string): Record<string, unknown>[] {
    return this.callsOf('chat.postMessage').filter((c) => c.args.channel === channel).map((c) => c.args);
  }

  /** Files uploaded to the fake (files.getUploadURLExternal, the upload, files.completeUploadExternal). */
  readonly uploads = new Map<string, { filename: string; length: number; bytes?: Buffer; channel?: string; comment?: string; title?: string }>();
  private fileCounter = 0;

  /** Files shared into `channel`, with their bytes and comment. */
  filesIn(channel: string): { id: string; filename: string; bytes?: Buffer; comment?: string }[] {
    return [...this.uploads.entries()].filter(([, u]) => u.channel === channel).map(([id, u]) => ({ id, filename: u.filename, bytes: u.bytes, comment: u.comment }));
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; headers?: Record<string, string>; body: unknown }> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    // The upload URL files.getUploadURLExternal hands out: the raw bytes of one file.
    const upload = /^\/upload\/(F\w+)$/.exec(req.url ?? '');
    if (upload) {
      const u = this.uploads.get(upload[1]!);
      this.calls.push({ method: 'upload', args: { file: upload[1], length: body.length } });
      if (!u) return { status: 404, body: { ok: false } };
      u.bytes = body;
      return { status: 200, body: { ok: true } };
    }
    const raw = body.toString('utf8');
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0];
    const args = parseArgs(raw, req.headers['content-type']);
    const token = String(req.headers.authorization ?? '').replace(/^Bearer /, '') || undefined;
    const failure = this.failures.get(method)?.shift();
    const call: FakeSlackCall = { method, args, token };
    this.calls.push(call);
    if (failure) {
      if ('ratelimited' in failure) return { status: 429, headers: { 'retry-after': String(failure.ratelimited) }, body: { ok: false, error: 'ratelimited' } };
      if ('status' in failure) return { status: failure.status, body: { ok: false, error: 'http_error' } };
      return { status: 200, body: { ok: false, error: failure.error } };
    }
    call.result = this.answer(method, args);
    return { status: 200, body: call.result };
  }

  private answer(method: string, args: Record<string, unknown>): Record<string, unknown> {
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://kinerja.slack.com/', team: 'Kinerja', user: 'kinerja', team_id: FAKE_TEAM_ID, user_id: FAKE_BOT_USER_ID, bot_id: FAKE_BOT_ID };
      case 'users.info': {
        const id = String(args.user);
        const u = this.users.get(id);
        if (!u) return { ok: false, error: 'user_not_found' };
        return { ok: true, user: { id, name: u.name ?? id, real_name: u.name ?? id, locale: 'id-ID', profile: { email: u.email, display_name: u.name ?? '' } } };
      }
      case 'conversations.open': {
        const id = String(args.users);
        return { ok: true, channel: { id: this.users.get(id)?.dm ?? `D${id}` } };
      }
      case 'chat.postMessage':
        return { ok: true, channel: args.channel, ts: this.nextTs(), message: { text: args.text } };
      case 'chat.update':
        return { ok: true, channel: args.channel, ts: args.ts };
      case 'views.open':
        return { ok: true, view: { id: `V${++this.viewCounter}` } };
      case 'files.getUploadURLExternal': {
        const length = Number(args.length);
        if (!args.filename || !Number.isInteger(length) || length <= 0) return { ok: false, error: 'invalid_arguments' };
        const id = `F${String(++this.fileCounter).padStart(6, '0')}`;
        this.uploads.set(id, { filename: String(args.filename), length });
        return { ok: true, upload_url: `${this.apiUrl.replace(/\/api\/$/, '')}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const files = (typeof args.files === 'string' ? JSON.parse(args.files) : args.files) as { id: string; title?: string }[];
        for (const f of files ?? []) {
          const u = this.uploads.get(f.id);
          if (!u || !u.bytes) return { ok: false, error: 'file_not_found' };
          if (u.bytes.length !== u.length) return { ok: false, error: 'file_upload_size_mismatch' };
        }
        for (const f of files) Object.assign(this.uploads.get(f.id)!, { channel: args.channel_id === undefined ? undefined : String(args.channel_id), comment: args.initial_comment as string | undefined, title: f.title });
        return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) };
      }
      case 'apps.connections.open':
        return this.socketUrl ? { ok: true, url: this.socketUrl } : { ok: false, error: 'not_allowed_token_type' };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `1767225600.${String(this.tsCounter).padStart(6, '0')}`;
  }
}

/** WebClient sends form-encoded args with JSON-encoded objects (blocks, view); decode both back. */
function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if ((contentType ?? '').includes('application/json')) return JSON.parse(raw) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    if (v.startsWith('{') || v.startsWith('[')) {
      try {
        out[k] = JSON.parse(v);
        continue;
      } catch {
        // A plain string that happens to start with a bracket.
      }
    }
    out[k] = v;
  }
  return out;
}

export interface SignedPostOptions {
  /** Request timestamp in seconds; default: `nowMs`. */
  timestamp?: number;
  /** Time used for the default timestamp (ms since epoch). */
  nowMs?: number;
  /** Override the signature (to test a bad one). */
  signature?: string;
  /** X-Slack-Retry-Num, as Slack sends on a retry. */
  retryNum?: number;
}

export interface SignedPostResult {
  status: number;
  text: string;
  json: unknown;
}

/** POSTs a body to the app as Slack would: JSON for events, form-encoded for commands and interactions. */
export async function postSigned(url: string, signingSecret: string, body: { json: unknown } | { form: Record<string, string> }, opts: SignedPostOptions = {}): Promise<SignedPostResult> {
  const raw = 'json' in body ? JSON.stringify(body.json) : new URLSearchParams(body.form).toString();
  const ts = opts.timestamp ?? Math.floor((opts.nowMs ?? Date.now()) / 1000);
  const headers: Record<string, string> = {
    'content-type': 'json' in body ? 'application/json' : 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': opts.signature ?? signSlackRequest(signingSecret, ts, raw),
  };
  if (opts.retryNum !== undefined) {
    headers['x-slack-retry-num'] = String(opts.retryNum);
    headers['x-slack-retry-reason'] = 'http_timeout';
  }
  const res = await fetch(url, { method: 'POST', headers, body: raw });
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

/** Wraps an interaction payload the way Slack posts it (`payload=<json>`). */
export function interactionForm(payload: unknown): { form: Record<string, string> } {
  return { form: { payload: JSON.stringify(payload) } };
}

let seq = 0;
/** A fresh Slack-looking id with a prefix (event ids, trigger ids, ts). */
export function slackId(prefix: string): string {
  seq += 1;
  return `${prefix}${Date.now().toString(36).toUpperCase()}${seq}`;
}

/** An Events API envelope of a message in a DM (or in a channel thread with `channelType`). */
export function messageEvent(opts: {
  user: string;
  channel: string;
  text?: string;
  eventId?: string;
  ts?: string;
  threadTs?: string;
  channelType?: 'im' | 'channel' | 'group';
  files?: Record<string, unknown>[];
  botId?: string;
  subtype?: string;
}): Record<string, unknown> {
  const ts = opts.ts ?? `1767225600.${String(++seq).padStart(6, '0')}`;
  const event: Record<string, unknown> = {
    type: 'message',
    channel: opts.channel,
    user: opts.user,
    text: opts.text ?? '',
    ts,
    channel_type: opts.channelType ?? 'im',
  };
  if (opts.threadTs) event.thread_ts = opts.threadTs;
  if (opts.files) {
    event.files = opts.files;
    event.subtype = 'file_share';
  }
  if (opts.botId) event.bot_id = opts.botId;
  if (opts.subtype) event.subtype = opts.subtype;
  return {
    token: 'legacy-verification-token',
    team_id: FAKE_TEAM_ID,
    api_app_id: 'A0001',
    type: 'event_callback',
    event_id: opts.eventId ?? slackId('Ev'),
    event_time: Math.floor(Number(ts)),
    authorizations: [{ team_id: FAKE_TEAM_ID, user_id: FAKE_BOT_USER_ID, is_bot: true }],
    event,
  };
}

/** A block_actions payload: `user` pressed the button with `value` in `channel`. */
export function blockAction(opts: { user: string; channel: string; value: string; actionId?: string; triggerId?: string; messageTs?: string }): Record<string, unknown> {
  return {
    type: 'block_actions',
    team: { id: FAKE_TEAM_ID },
    user: { id: opts.user },
    api_app_id: 'A0001',
    trigger_id: opts.triggerId ?? slackId('trig.'),
    channel: { id: opts.channel },
    container: { type: 'message', channel_id: opts.channel, message_ts: opts.messageTs ?? '1767225600.000001' },
    message: { ts: opts.messageTs ?? '1767225600.000001' },
    actions: [{ type: 'button', action_id: opts.actionId ?? 'kinerja_btn_0', block_id: 'b1', value: opts.value, action_ts: '1767225601.000001' }],
  };
}

/** A view_submission of a modal opened from `view` (the views.open args the fake recorded). */
export function viewSubmission(opts: { user: string; view: Record<string, unknown>; values: Record<string, string>; triggerId?: string }): Record<string, unknown> {
  const state: Record<string, Record<string, { type: string; value: string }>> = {};
  for (const [field, value] of Object.entries(opts.values)) state[field] = { value: { type: 'plain_text_input', value } };
  return {
    type: 'view_submission',
    team: { id: FAKE_TEAM_ID },
    user: { id: opts.user },
    api_app_id: 'A0001',
    trigger_id: opts.triggerId ?? slackId('trig.'),
    view: {
      id: 'V1',
      type: 'modal',
      callback_id: opts.view.callback_id,
      private_metadata: opts.view.private_metadata,
      state: { values: state },
    },
  };
}

/** A `/kinerja` slash command as Slack posts it. */
export function slashCommand(opts: { user: string; channel: string; text: string; triggerId?: string }): { form: Record<string, string> } {
  return {
    form: {
      token: 'legacy',
      team_id: FAKE_TEAM_ID,
      channel_id: opts.channel,
      user_id: opts.user,
      command: '/kinerja',
      text: opts.text,
      trigger_id: opts.triggerId ?? slackId('trig.'),
      response_url: 'http://127.0.0.1:9/unused',
    },
  };
}
