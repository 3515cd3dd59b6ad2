/**
 * Slack payloads -> IncomingEvents. Pure and table-tested: no I/O here. What needs I/O (the thread key of a
 * thread root, the DM of someone writing in a channel, the user's email) is returned as a request for the
 * adapter to resolve (`threadTs`, `channelId`), so this file stays a plain mapping.
 *
 * Slack sends three shapes to `/slack/events`: Events API envelopes (`event_callback`: messages in a DM or
 * or, should a workspace subscribe to channel messages, in a thread under one of our messages; files shared
 * there), slash commands (`/kinerja <sub>`, also typed in a channel), and interactions
 * (`block_actions` for buttons, `view_submission` for modals).
 */
import { createHash } from 'node:crypto';
import { mentionOf, type IncomingEvent, type IncomingFile } from '../../contract/index.js';
import { decodeFormMetadata, FORM_CALLBACK_ID, FORM_INPUT_ACTION_ID, OPEN_FORM_ACTION_PREFIX } from './render.js';

/** The one real slash command; `/kinerja penilaian` is the same as typing `/penilaian` to the bot. */
export const SLASH_COMMAND = '/kinerja';
/** `/kinerja` alone: the engine's greeting/help entry point. */
export const DEFAULT_SUBCOMMAND = 'start';

/** Message subtypes that are a person talking; every other subtype (edits, joins, bots) is ignored. */
const PERSON_SUBTYPES = new Set([undefined, 'file_share', 'thread_broadcast']);

/** The result of mapping one Slack payload. */
export interface MappedIngress {
  /** Events for the engine, in order; `chatId` is the channel where it happened until the adapter resolves the DM. */
  events: IncomingEvent[];
  /** The channel it happened in (a DM `D...`, or a channel where a slash command was typed). */
  channelId: string;
  /** True when `channelId` is a DM with the bot. */
  isDirect: boolean;
  /** Thread root ts when the message was posted inside a thread: its thread key is looked up by the adapter. */
  threadTs?: string;
  /** A channel message: ours only when its thread is under one of our messages (the manifest subscribes to none). */
  onlyInOurThread?: boolean;
  /** A trigger_id that can open a modal for the next 3 seconds. */
  triggerId?: string;
  /** The adapter's own "open the form" button was pressed (never reaches the engine). */
  openForm?: { token: string; userId: string };
}

/** A view_submission of one of our forms. */
export interface MappedFormSubmission {
  event: IncomingEvent;
  /** Field id -> value, as submitted. */
  values: Record<string, string>;
}

type Dict = Record<string, unknown>;

function isDict(v: unknown): v is Dict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/**
 * Slack's message text -> what the person typed: `<https://x|label>` and `<https://x>` become the URL,
 * `<mailto:a@b|a@b>` the address, a mention `<@U1>` or `<@U1|name>` the contract's mention `<@U1>`
 * (`mentionOf`), and the `&amp; &lt; &gt;` entities are decoded.
 */
export function slackTextToPlain(text: string): string {
  return text
    .replace(/<((?:https?|mailto):[^>|]+)(?:\|[^>]*)?>/g, (_m, url: string) => url.replace(/^mailto:/, ''))
    .replace(/<@([A-Z0-9]+)(?:\|[^>]*)?>/g, (_m, id: string) => mentionOf(id))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** `/start ABC` -> { name: 'start', args: ['ABC'] }; null when the text is not a command. */
export function parseCommandText(text: string): { name: string; args: string[] } | null {
  const trimmed = text.trim();
  if (!trimmed.startsWith('/')) return null;
  const [head, ...args] = trimmed.slice(1).split(/\s+/).filter(Boolean);
  if (!head) return null;
  return { name: head.toLowerCase(), args };
}

/** Text typed in a DM -> a text or a command event body. */
function textEvent(text: string): Pick<IncomingEvent, 'kind' | 'payload' | 'args'> {
  const cmd = parseCommandText(text);
  if (cmd) return { kind: 'command', payload: cmd.name, args: cmd.args };
  return { kind: 'text', payload: text };
}

function slackTsToDate(ts: unknown): Date | undefined {
  const n = typeof ts === 'string' ? Number(ts) : num(ts);
  return n !== undefined && Number.isFinite(n) ? new Date(Math.round(n * 1000)) : undefined;
}

/** One Slack file object -> evidence reference (the id only: bytes are never fetched). */
export function mapFile(file: Dict): IncomingFile | null {
  const id = str(file.id);
  if (!id) return null;
  const mimeType = str(file.mimetype);
  const out: IncomingFile = { kind: mimeType?.startsWith('image/') ? 'photo' : 'file', fileId: id };
  const name = str(file.name) ?? str(file.title);
  if (name) out.name = name;
  const size = num(file.size);
  if (size !== undefined) out.size = size;
  if (mimeType) out.mimeType = mimeType;
  return out;
}

/**
 * An Events API envelope -> events. Only people's messages count: anything from a bot (including our own
 * messages echoed back), edits, deletions and joins are ignored so the bot can never talk to itself. In a
 * channel (the manifest asks for no channel events: reviews stay in DMs), only replies inside a thread under one of
 * our messages are taken.
 */
export function mapEventCallback(body: unknown): MappedIngress | null {
  if (!isDict(body) || body.type !== 'event_callback' || !isDict(body.event)) return null;
  const eventId = str(body.event_id);
  const ev = body.event;
  if (!eventId || ev.type !== 'message') return null;
  if (ev.bot_id || ev.bot_profile || !PERSON_SUBTYPES.has(ev.subtype as string | undefined)) return null;
  const user = str(ev.user);
  const channel = str(ev.channel);
  if (!user || !channel) return null;
  const isDirect = ev.channel_type === 'im' || channel.startsWith('D');
  const ts = str(ev.ts);
  const threadTs = str(ev.thread_ts);
  const inThread = threadTs !== undefined && threadTs !== ts;
  if (!isDirect && !inThread) return null;

  const base = { platform: 'slack' as const, platformUserId: user, chatId: channel, receivedAt: slackTsToDate(ts ?? body.event_time) };
  const text = slackTextToPlain(typeof ev.text === 'string' ? ev.text : '');
  const files = (Array.isArray(ev.files) ? ev.files : []).filter(isDict).map(mapFile).filter((f): f is IncomingFile => f !== null);
  const events: IncomingEvent[] = [];
  if (files.length > 0) {
    files.forEach((file, i) => {
      // One Slack message can carry several files; each is its own evidence event with a stable id.
      events.push({ ...base, eventId: i === 0 ? eventId : `${eventId}#${i}`, kind: 'file', payload: i === 0 ? text : '', file });
    });
  } else if (text.trim()) {
    events.push({ ...base, eventId, ...textEvent(text) });
  }
  if (events.length === 0) return null;
  const out: MappedIngress = { events, channelId: channel, isDirect };
  if (inThread) out.threadTs = threadTs;
  if (!isDirect) out.onlyInOurThread = true;
  return out;
}

/**
 * A stable id for an interaction, which has no event_id: the trigger_id is unique per click or submission;
 * without one, the hash of the payload itself.
 */
export function interactionEventId(kind: string, body: Dict): string {
  const trigger = str(body.trigger_id);
  if (trigger) return `${kind}:${trigger}`;
  return `${kind}:${createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 48)}`;
}

/** `/kinerja <sub> [args]` -> a command event (`/kinerja` alone -> DEFAULT_SUBCOMMAND). */
export function mapSlashCommand(body: unknown): MappedIngress | null {
  if (!isDict(body) || body.command !== SLASH_COMMAND) return null;
  const user = str(body.user_id);
  const channel = str(body.channel_id);
  if (!user || !channel) return null;
  // The slash command is escaped (manifest `should_escape: true`), so a mention arrives as `<@U1|name>`.
  const parsed = parseCommandText('/' + slackTextToPlain(String(body.text ?? '')).trim().replace(/^\//, ''));
  const event: IncomingEvent = {
    platform: 'slack',
    platformUserId: user,
    chatId: channel,
    eventId: interactionEventId('cmd', body),
    kind: 'command',
    payload: parsed?.name ?? DEFAULT_SUBCOMMAND,
    args: parsed?.args ?? [],
  };
  const isDirect = channel.startsWith('D');
  // Typed in a channel: the engine answers in the DM (resolved by the adapter) and knows the channel.
  if (!isDirect) event.groupChatId = channel;
  const out: MappedIngress = { events: [event], channelId: channel, isDirect };
  const trigger = str(body.trigger_id);
  if (trigger) out.triggerId = trigger;
  return out;
}

/** A button click -> an action event carrying the button's value (the engine's opaque token). */
export function mapBlockActions(body: unknown): MappedIngress | null {
  if (!isDict(body) || body.type !== 'block_actions' || !Array.isArray(body.actions)) return null;
  const action = body.actions.find(isDict);
  const user = isDict(body.user) ? str(body.user.id) : undefined;
  const channel = (isDict(body.channel) ? str(body.channel.id) : undefined) ?? (isDict(body.container) ? str(body.container.channel_id) : undefined);
  if (!action || !user || !channel) return null;
  const value = str(action.value);
  if (action.type !== 'button' || !value) return null;
  const out: MappedIngress = { events: [], channelId: channel, isDirect: channel.startsWith('D') };
  const trigger = str(body.trigger_id);
  if (trigger) out.triggerId = trigger;
  if (typeof action.action_id === 'string' && action.action_id.startsWith(OPEN_FORM_ACTION_PREFIX)) {
    out.openForm = { token: value, userId: user };
    return out;
  }
  out.events.push({
    platform: 'slack',
    platformUserId: user,
    chatId: channel,
    eventId: interactionEventId('act', body),
    kind: 'action',
    payload: value,
    receivedAt: slackTsToDate(action.action_ts),
  });
  return out;
}

/**
 * How a submitted form reaches the engine: an `action` event whose payload is the form token and whose one
 * argument is the JSON object of field values (`{"realisasi":"12","narasi":"..."}`).
 */
export function formSubmissionEvent(base: Omit<IncomingEvent, 'kind' | 'payload' | 'args'>, token: string, values: Record<string, string>): IncomingEvent {
  return { ...base, kind: 'action', payload: token, args: [JSON.stringify(values)] };
}

/** A submitted modal of ours -> the form's action event. Other views (not ours) -> null. */
export function mapViewSubmission(body: unknown): MappedFormSubmission | null {
  if (!isDict(body) || body.type !== 'view_submission' || !isDict(body.view)) return null;
  const view = body.view;
  if (view.callback_id !== FORM_CALLBACK_ID) return null;
  const meta = decodeFormMetadata(str(view.private_metadata));
  const user = isDict(body.user) ? str(body.user.id) : undefined;
  if (!meta || !user) return null;
  const values: Record<string, string> = {};
  const state = isDict(view.state) && isDict(view.state.values) ? view.state.values : {};
  for (const [blockId, block] of Object.entries(state)) {
    if (!isDict(block) || !isDict(block[FORM_INPUT_ACTION_ID])) continue;
    const v = block[FORM_INPUT_ACTION_ID].value;
    values[blockId] = typeof v === 'string' ? v : '';
  }
  const event = formSubmissionEvent({ platform: 'slack', platformUserId: user, chatId: meta.chatId, eventId: interactionEventId('view', body) }, meta.token, values);
  return { event, values };
}
