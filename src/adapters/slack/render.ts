/**
 * OutgoingMessage -> Slack Block Kit. Pure functions: the sender decides which API method to call, this file
 * only decides what the message and the modal look like, inside Slack's limits (limits.ts).
 */
import type { types as Slack } from '@slack/bolt';
import { cutText, graphemeBoundary, type Attachment, type Button, type FormSpec, type OutgoingMessage, type TextSpan } from '../../contract/index.js';
import {
  ACTIONS_ELEMENTS_MAX,
  BUTTON_LABEL_MAX,
  BUTTON_VALUE_MAX,
  FALLBACK_TEXT_MAX,
  INPUT_HINT_MAX,
  INPUT_LABEL_MAX,
  INPUT_VALUE_MAX,
  MESSAGE_BLOCKS_MAX,
  MODAL_BLOCKS_MAX,
  MODAL_TITLE_MAX,
  PRIVATE_METADATA_MAX,
  SECTION_TEXT_MAX,
} from './limits.js';

/** callback_id of every modal we open; view_submission with this id carries a form token. */
export const FORM_CALLBACK_ID = 'kinerja_form';
/** action_id of the plain_text_input inside each input block (the block_id is the field id). */
export const FORM_INPUT_ACTION_ID = 'value';
/** action_id prefix of the adapter's own "open the form" button, handled at ingress, never by the engine. */
export const OPEN_FORM_ACTION_PREFIX = 'kinerja_open_form';
/** action_id prefix of engine buttons; the suffix only makes ids unique within a message. */
export const BUTTON_ACTION_PREFIX = 'kinerja_btn';
/** Shown where blocks were dropped to stay under Slack's 50-block limit; language-neutral on purpose. */
export const TRUNCATION_NOTE = '…';

/** What a rendered chat message is made of: `text` is the notification fallback, `blocks` the body. */
export interface RenderedMessage {
  text: string;
  blocks: Slack.KnownBlock[];
}

/** An invisible character that stops a formatting marker from opening (mrkdwn has no backslash escape). */
const ZERO_WIDTH_SPACE = '\u200B';

/**
 * Escapes text for Slack's mrkdwn so it shows literally: the three control characters (Slack "Formatting
 * text": `<!channel>` would notify a whole channel) become entities, and a `*`, `_`, `~` or backtick that
 * could open bold, italic, strike or code (at the start of a word) gets a zero-width space after it, so a
 * person's `*penting*` shows with its asterisks. Markers inside words (`nama_file`, URLs) are left alone.
 */
export function escapeMrkdwn(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/(^|[\s(])([*_~`])(?=\S)/g, `$1$2${ZERO_WIDTH_SPACE}`);
}

/** The top-level `text` (notifications, screen readers) is parsed as mrkdwn too: escaped, then clipped without cutting an entity. */
function fallbackText(text: string): string {
  const escaped = escapeMrkdwn(text);
  if (escaped.length <= FALLBACK_TEXT_MAX) return escaped;
  let cut = graphemeBoundary(escaped, FALLBACK_TEXT_MAX - 1);
  const amp = escaped.lastIndexOf('&', cut);
  if (amp > cut - 5 && escaped.indexOf(';', amp) >= cut) cut = amp;
  return escaped.slice(0, cut) + '…';
}

/**
 * One span as mrkdwn. Emphasis markers only work when they touch the word, so surrounding spaces move
 * outside them; a backtick inside code would end the code span early, so it is replaced by a look-alike.
 */
export function spanToMrkdwn(span: TextSpan): string {
  const escaped = escapeMrkdwn(span.code ? span.text.replace(/`/g, 'ˋ') : span.text);
  const match = /^(\s*)([\s\S]*?)(\s*)$/.exec(escaped);
  const [lead, core, trail] = match ? [match[1], match[2], match[3]] : ['', escaped, ''];
  if (!core) return escaped;
  let out = core;
  if (span.code) out = '`' + out + '`';
  if (span.italic) out = '_' + out + '_';
  if (span.bold) out = '*' + out + '*';
  return lead + out + trail;
}

/** Paragraphs of spans -> mrkdwn paragraphs. */
export function paragraphsToMrkdwn(paragraphs: TextSpan[][]): string[] {
  return paragraphs.map((spans) => spans.map(spanToMrkdwn).join(''));
}

/**
 * Splits text into pieces of at most `max` characters, preferring a line break, then a space, so a word or
 * an escape sequence like `&amp;` is never cut in half.
 */
export function splitText(text: string, max: number = SECTION_TEXT_MAX): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > max) {
    let cut = rest.lastIndexOf('\n', max);
    if (cut < max / 2) cut = rest.lastIndexOf(' ', max);
    if (cut < max / 2) {
      // Never split inside a grapheme (an emoji, a combining sequence); one longer than max goes whole.
      cut = graphemeBoundary(rest, max) || rest.length;
      // Never split inside an entity such as &amp; (at most 5 characters long).
      const amp = rest.lastIndexOf('&', cut);
      if (amp > cut - 5 && rest.indexOf(';', amp) >= cut) cut = amp;
    }
    pieces.push(rest.slice(0, cut));
    rest = rest.slice(cut).replace(/^[\n ]/, '');
  }
  if (rest.length > 0 || pieces.length === 0) pieces.push(rest);
  return pieces;
}

function section(text: string): Slack.SectionBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function clip(text: string, max: number): string {
  return cutText(text, max, '…');
}

function buttonElement(button: Button, index: number): Slack.Button {
  if (button.token.length > BUTTON_VALUE_MAX) {
    throw new Error(`Button token is ${button.token.length} characters; Slack allows ${BUTTON_VALUE_MAX}. Keep engine tokens short.`);
  }
  const el: Slack.Button = {
    type: 'button',
    text: { type: 'plain_text', text: clip(button.label, BUTTON_LABEL_MAX), emoji: true },
    value: button.token,
    action_id: `${BUTTON_ACTION_PREFIX}_${index}`,
  };
  if (button.style) el.style = button.style;
  return el;
}

/** Button rows -> actions blocks (a row longer than Slack allows continues in the next block). */
export function buttonsToBlocks(rows: Button[][]): Slack.ActionsBlock[] {
  const blocks: Slack.ActionsBlock[] = [];
  let index = 0;
  for (const row of rows) {
    for (let i = 0; i < row.length; i += ACTIONS_ELEMENTS_MAX) {
      const elements = row.slice(i, i + ACTIONS_ELEMENTS_MAX).map((b) => buttonElement(b, index++));
      if (elements.length) blocks.push({ type: 'actions', elements });
    }
  }
  return blocks;
}

function attachmentLine(att: Attachment): string {
  const title = escapeMrkdwn(att.title);
  // A `|` or `>` in the URL would end Slack's <url|label> link early.
  if (att.url) return `<${att.url.replace(/\|/g, '%7C').replace(/>/g, '%3E')}|${title}>`;
  return title;
}

/** Button that opens `form` as a modal; its value is the form token, resolved at ingress. */
export function openFormButton(form: FormSpec): Slack.ActionsBlock {
  return {
    type: 'actions',
    elements: [{ type: 'button', style: 'primary', text: { type: 'plain_text', text: clip(form.title, BUTTON_LABEL_MAX), emoji: true }, value: form.token, action_id: OPEN_FORM_ACTION_PREFIX }],
  };
}

/**
 * Renders a chat message: text (or span paragraphs) as escaped mrkdwn sections of at most 3000 characters,
 * link attachments, then button rows. Over 50 blocks, text sections are dropped from the end (buttons are
 * kept: they are how the conversation goes on) and a note marks the cut.
 */
export function renderMessage(message: OutgoingMessage, opts: { openForm?: boolean } = {}): RenderedMessage {
  const paragraphs = message.blocks?.length ? paragraphsToMrkdwn(message.blocks) : [escapeMrkdwn(message.text)];
  const textBlocks: Slack.KnownBlock[] = [];
  for (const para of paragraphs) {
    if (!para.trim()) continue;
    for (const piece of splitText(para)) textBlocks.push(section(piece));
  }
  for (const att of message.attachments ?? []) textBlocks.push(section(clip(attachmentLine(att), SECTION_TEXT_MAX)));
  const actionBlocks: Slack.KnownBlock[] = buttonsToBlocks(message.buttons ?? []);
  if (opts.openForm && message.form) actionBlocks.push(openFormButton(message.form));

  let blocks = [...textBlocks, ...actionBlocks];
  if (blocks.length > MESSAGE_BLOCKS_MAX) {
    const room = Math.max(0, MESSAGE_BLOCKS_MAX - actionBlocks.length - 1);
    const note: Slack.ContextBlock = { type: 'context', elements: [{ type: 'mrkdwn', text: TRUNCATION_NOTE }] };
    blocks = [...textBlocks.slice(0, room), note, ...actionBlocks].slice(0, MESSAGE_BLOCKS_MAX);
  }
  return { text: fallbackText(message.text), blocks };
}

/** What a modal remembers between views.open and view_submission. */
export interface FormMetadata {
  /** The engine's form token. */
  token: string;
  /** The DM channel the form belongs to (view_submission payloads carry no channel). */
  chatId: string;
}

/** Encodes FormMetadata into private_metadata. */
export function encodeFormMetadata(meta: FormMetadata): string {
  const out = JSON.stringify({ t: meta.token, c: meta.chatId });
  if (out.length > PRIVATE_METADATA_MAX) throw new Error(`Form metadata is ${out.length} characters; Slack allows ${PRIVATE_METADATA_MAX}.`);
  return out;
}

/** Decodes private_metadata written by encodeFormMetadata; null for anything else. */
export function decodeFormMetadata(raw: string | undefined): FormMetadata | null {
  if (!raw) return null;
  try {
    const parsed = JSON.parse(raw) as { t?: unknown; c?: unknown };
    if (typeof parsed.t === 'string' && typeof parsed.c === 'string') return { token: parsed.t, chatId: parsed.c };
  } catch {
    // Not ours: fall through.
  }
  return null;
}

/**
 * FormSpec -> a modal for views.open: one input block per field (block_id = field id), errors from an
 * earlier attempt shown as the field's hint because a modal cannot open with inline errors.
 */
export function renderModal(form: FormSpec, chatId: string): Slack.ModalView {
  const blocks: Slack.InputBlock[] = form.fields.slice(0, MODAL_BLOCKS_MAX).map((field) => {
    const element: Slack.PlainTextInput = { type: 'plain_text_input', action_id: FORM_INPUT_ACTION_ID, multiline: field.multiline ?? false };
    if (field.initial) element.initial_value = cutText(field.initial, INPUT_VALUE_MAX);
    const block: Slack.InputBlock = {
      type: 'input',
      block_id: field.id,
      optional: field.optional ?? false,
      label: { type: 'plain_text', text: clip(field.label, INPUT_LABEL_MAX), emoji: true },
      element,
    };
    const error = form.errors?.[field.id];
    const hint = error ? `⚠ ${error}` : field.hint;
    if (hint) block.hint = { type: 'plain_text', text: clip(hint, INPUT_HINT_MAX) };
    return block;
  });
  return {
    type: 'modal',
    callback_id: FORM_CALLBACK_ID,
    private_metadata: encodeFormMetadata({ token: form.token, chatId }),
    title: { type: 'plain_text', text: clip(form.title, MODAL_TITLE_MAX) },
    submit: { type: 'plain_text', text: clip(form.submitLabel, MODAL_TITLE_MAX) },
    blocks,
  };
}

/** The response that keeps a modal open and shows `errors` under their fields (`response_action: errors`). */
export function formErrorsResponse(errors: Record<string, string>): { response_action: 'errors'; errors: Record<string, string> } {
  return { response_action: 'errors', errors };
}
