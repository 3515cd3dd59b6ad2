/**
 * Turns a line typed in the terminal into an IncomingEvent. A bare number picks a button when the latest
 * message offers buttons (no question that offers buttons takes a typed number: a number question has none,
 * so there the number is its answer); `#2` always presses button 2 of the latest buttons shown; `/cmd args`
 * is a command; `> text` answers in the thread of the latest threaded message (a terminal's reply-to: a
 * feedback's answer, dialog kinerja); anything else is text. The console user id is the acting person's NIP.
 * The line is cleaned (`cleanText`) before anything reads it, as every platform's ingress does: `/as` looks a
 * NIP up itself, without the engine, and a NUL in it made PostgreSQL refuse the query.
 */
import { randomUUID } from 'node:crypto';
import { cleanText, type IncomingEvent } from '../../contract/index.js';

export type ConsoleLine =
  | { kind: 'event'; event: IncomingEvent }
  | { kind: 'switch'; nip: string }
  | { kind: 'quit' }
  | { kind: 'empty' };

export function consoleChatId(nip: string): string {
  return `console:${nip}`;
}

/** The console "channel" of a unit (its announcements), e.g. `console:#DKIS-LP`. */
export function consoleChannelId(unitCode: string): string {
  return `console:#${unitCode}`;
}

/** The unit code when `chatId` is a unit's console channel, else null. */
export function consoleChannelOf(chatId: string): string | null {
  return chatId.startsWith('console:#') ? chatId.slice('console:#'.length) : null;
}

export function parseConsoleLine(
  line: string,
  actingNip: string,
  choice: (n: number, explicit: boolean) => string | undefined,
  thread: () => string | undefined = () => undefined,
): ConsoleLine {
  if (!line.trim()) return { kind: 'empty' };
  const text = cleanText(line).trim();
  if (text === '/quit' || text === '/exit') return { kind: 'quit' };
  const base = { platform: 'console' as const, platformUserId: actingNip, chatId: consoleChatId(actingNip), eventId: randomUUID(), receivedAt: new Date() };
  const as = /^\/as(?:\s+(\S+))?$/i.exec(text);
  if (as) return { kind: 'switch', nip: (as[1] ?? '').replace(/\s/g, '') };
  const number = /^(#)?\s*(\d{1,2})$/.exec(text);
  if (number) {
    const token = choice(Number(number[2]), number[1] === '#');
    if (token) return { kind: 'event', event: { ...base, kind: 'action', payload: token } };
  }
  const reply = /^>\s*(\S[\s\S]*)$/.exec(text);
  const threadKey = reply ? thread() : undefined;
  if (reply && threadKey) return { kind: 'event', event: { ...base, kind: 'text', payload: reply[1]!, threadKey } };
  if (text.startsWith('/')) {
    const [cmd = '', ...args] = text.slice(1).split(/\s+/);
    return { kind: 'event', event: { ...base, kind: 'command', payload: cmd.toLowerCase(), args } };
  }
  // A line of only characters cleaning removes (a bell, say) is text too: the engine says it came out empty.
  if (/^https?:\/\/\S+$/i.test(text) || !text.startsWith('/')) return { kind: 'event', event: { ...base, kind: 'text', payload: text } };
  return { kind: 'empty' };
}
