/**
 * Renders an OutgoingMessage for a terminal: plain text, spans as ANSI bold/italic, buttons as numbered
 * choices the person answers by typing the number.
 */
import type { OutgoingMessage, TextSpan } from '../../contract/index.js';

const BOLD = '\x1b[1m';
const ITALIC = '\x1b[3m';
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

export interface RenderedConsoleMessage {
  text: string;
  /** Button tokens in the order of their numbers (1-based on screen). */
  choices: string[];
}

function span(s: TextSpan, color: boolean): string {
  if (!color) return s.text;
  let out = s.text;
  if (s.bold) out = BOLD + out + RESET;
  if (s.italic) out = ITALIC + out + RESET;
  if (s.code) out = DIM + out + RESET;
  return out;
}

/** Control characters in user-supplied text could move the cursor or recolour the terminal: strip them. */
export function stripControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '');
}

export function renderForConsole(message: OutgoingMessage, opts: { color?: boolean } = {}): RenderedConsoleMessage {
  const color = opts.color ?? false;
  const body = message.blocks?.length
    ? message.blocks.map((para) => para.map((s) => span({ ...s, text: stripControl(s.text) }, color)).join('')).join('\n\n')
    : stripControl(message.text);
  const lines = [body];
  for (const a of message.attachments ?? []) lines.push(`  [${stripControl(a.title)}] ${a.url ?? a.fileId ?? ''}`.trimEnd());
  const choices: string[] = [];
  for (const row of message.buttons ?? []) {
    const cells = row.map((b) => {
      choices.push(b.token);
      return `[${choices.length}] ${stripControl(b.label)}`;
    });
    lines.push('  ' + cells.join('   '));
  }
  if (message.form) {
    lines.push(`  (${stripControl(message.form.title)}: ${message.form.fields.map((f) => stripControl(f.label)).join(', ')})`);
  }
  return { text: lines.join('\n'), choices };
}
