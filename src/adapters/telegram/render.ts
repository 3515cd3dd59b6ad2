/**
 * `OutgoingMessage` -> Telegram sendMessage parameters (HTML parse mode). Every piece of text is escaped here,
 * because the engine's text includes what people typed: `<b>` typed by a user must arrive as `<b>`, not bold.
 * HTML rather than MarkdownV2 because only three characters need escaping and none of them are common in
 * Indonesian prose.
 */
import type { InlineKeyboardMarkup } from 'grammy/types';
import { graphemeBoundary, type Attachment, type Button, type OutgoingMessage, type TextSpan } from '../../contract/index.js';
import { MAX_BUTTONS_PER_ROW, MAX_CALLBACK_DATA_BYTES, MAX_MESSAGE_CHARS } from './limits.js';

/** One Telegram message's worth of a rendered `OutgoingMessage`. */
export interface TelegramMessagePart {
  /** HTML text, escaped. */
  text: string;
  parse_mode: 'HTML';
  /** Present only on the last part: buttons belong under the end of the message. */
  reply_markup?: InlineKeyboardMarkup;
}

/** A message that cannot be sent as built (a button token too long): retrying will not help. */
export class RenderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RenderError';
  }
}

/** Escapes the three characters Telegram's HTML parser treats specially. Quotes are fine outside attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Renders a message into one or more parts, each within MAX_MESSAGE_CHARS visible characters, split on
 * paragraph boundaries (then lines, then words) so a long summary stays readable. Buttons go on the last part.
 */
export function renderMessage(message: OutgoingMessage, maxChars: number = MAX_MESSAGE_CHARS): TelegramMessagePart[] {
  const paragraphs = paragraphsOf(message);
  const links = (message.attachments ?? []).filter((a) => a.kind === 'link' && a.url);
  const files = (message.attachments ?? []).filter((a) => !(a.kind === 'link' && a.url));
  // Files cannot ride along a text message; their titles are listed so the reader knows they exist.
  for (const f of files) paragraphs.push([{ text: `📎 ${f.title}` }]);
  const linkLines = links.map(linkHtml);
  const linkVisible = links.map((a) => a.title.length).reduce((a, b) => a + b + 1, 0);

  const chunks = packParagraphs(paragraphs, maxChars);
  const markup = message.buttons && message.buttons.length > 0 ? keyboardFor(message.buttons) : undefined;
  const parts: TelegramMessagePart[] = chunks.map((chunk) => ({ text: chunk.map(paragraphHtml).join('\n\n'), parse_mode: 'HTML' }));
  if (linkLines.length > 0) {
    const last = parts[parts.length - 1];
    const lastVisible = chunks.length ? visibleLength(chunks[chunks.length - 1]) : 0;
    if (last && lastVisible + 2 + linkVisible <= maxChars) last.text = `${last.text}\n\n${linkLines.join('\n')}`;
    else parts.push({ text: linkLines.join('\n'), parse_mode: 'HTML' });
  }
  if (parts.length === 0) parts.push({ text: escapeHtml(message.text) || '…', parse_mode: 'HTML' });
  if (markup) parts[parts.length - 1].reply_markup = markup;
  return parts;
}

/**
 * Rows of buttons -> an inline keyboard. Rows longer than MAX_BUTTONS_PER_ROW are split; a token longer than
 * MAX_CALLBACK_DATA_BYTES throws RenderError (the engine's tokens are short, so this is a bug to report).
 */
export function keyboardFor(rows: Button[][]): InlineKeyboardMarkup {
  const inline_keyboard: InlineKeyboardMarkup['inline_keyboard'] = [];
  for (const row of rows) {
    for (let i = 0; i < row.length; i += MAX_BUTTONS_PER_ROW) {
      inline_keyboard.push(
        row.slice(i, i + MAX_BUTTONS_PER_ROW).map((b) => {
          const bytes = Buffer.byteLength(b.token, 'utf8');
          if (bytes > MAX_CALLBACK_DATA_BYTES) {
            throw new RenderError(`button "${b.label}" carries a ${bytes}-byte token; Telegram allows at most ${MAX_CALLBACK_DATA_BYTES} bytes of callback_data. The engine must issue shorter tokens.`);
          }
          return { text: b.label, callback_data: b.token };
        }),
      );
    }
  }
  return { inline_keyboard };
}

/** The message as paragraphs of spans: `blocks` when given, else `text` split on blank lines. */
function paragraphsOf(message: OutgoingMessage): TextSpan[][] {
  if (message.blocks && message.blocks.length > 0) return message.blocks.map((p) => p.filter((s) => s.text.length > 0)).filter((p) => p.length > 0);
  return message.text
    .split(/\n{2,}/)
    .filter((p) => p.trim().length > 0)
    .map((p) => [{ text: p }]);
}

function visibleLength(chunk: TextSpan[][]): number {
  return chunk.reduce((n, p, i) => n + (i > 0 ? 2 : 0) + p.reduce((m, s) => m + s.text.length, 0), 0);
}

/** Greedy packing of paragraphs into messages; a paragraph too long on its own is cut into pieces first. */
function packParagraphs(paragraphs: TextSpan[][], maxChars: number): TextSpan[][][] {
  const pieces = paragraphs.flatMap((p) => splitParagraph(p, maxChars));
  const chunks: TextSpan[][][] = [];
  let current: TextSpan[][] = [];
  for (const piece of pieces) {
    if (current.length > 0 && visibleLength([...current, piece]) > maxChars) {
      chunks.push(current);
      current = [];
    }
    current.push(piece);
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Cuts one paragraph into pieces of at most maxChars, preferring a line break, then a space. */
function splitParagraph(paragraph: TextSpan[], maxChars: number): TextSpan[][] {
  const out: TextSpan[][] = [];
  let rest = paragraph.map((s) => ({ ...s }));
  while (rest.reduce((n, s) => n + s.text.length, 0) > maxChars) {
    const flat = rest.map((s) => s.text).join('');
    let cut = flat.lastIndexOf('\n', maxChars);
    if (cut < maxChars / 2) cut = flat.lastIndexOf(' ', maxChars);
    // Never cut inside a grapheme (an emoji, a combining sequence); one longer than maxChars goes whole.
    if (cut < maxChars / 2) cut = graphemeBoundary(flat, maxChars) || flat.length;
    const [head, tail] = splitSpansAt(rest, cut);
    out.push(head);
    rest = trimStart(tail);
  }
  if (rest.length > 0) out.push(rest);
  return out;
}

function splitSpansAt(spans: TextSpan[], at: number): [TextSpan[], TextSpan[]] {
  const head: TextSpan[] = [];
  const tail: TextSpan[] = [];
  let pos = 0;
  for (const s of spans) {
    const end = pos + s.text.length;
    if (end <= at) head.push(s);
    else if (pos >= at) tail.push(s);
    else {
      head.push({ ...s, text: s.text.slice(0, at - pos) });
      tail.push({ ...s, text: s.text.slice(at - pos) });
    }
    pos = end;
  }
  return [head.filter((s) => s.text.length > 0), tail];
}

function trimStart(spans: TextSpan[]): TextSpan[] {
  const out = [...spans];
  while (out.length > 0) {
    const t = out[0].text.replace(/^\s+/, '');
    if (t.length > 0) {
      out[0] = { ...out[0], text: t };
      break;
    }
    out.shift();
  }
  return out;
}

function paragraphHtml(spans: TextSpan[]): string {
  return spans.map(spanHtml).join('');
}

function spanHtml(s: TextSpan): string {
  let html = escapeHtml(s.text);
  if (s.code) html = `<code>${html}</code>`;
  if (s.italic) html = `<i>${html}</i>`;
  if (s.bold) html = `<b>${html}</b>`;
  return html;
}

function linkHtml(a: Attachment): string {
  const href = (a.url ?? '').replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return `<a href="${href}">${escapeHtml(a.title)}</a>`;
}
