import { describe, expect, it } from 'vitest';
import { renderForConsole } from '../../src/adapters/console/render.js';
import { parseConsoleLine } from '../../src/adapters/console/ingress.js';
import { ConsoleSender } from '../../src/adapters/console/sender.js';
import { spellCommands } from '../../src/contract/index.js';
import { translator } from '../../src/i18n/index.js';

describe('console rendering', () => {
  it('numbers buttons across rows and returns their tokens in order', () => {
    const r = renderForConsole({ text: 'Pilih', buttons: [[{ label: 'Ubah 1', token: 'a' }, { label: 'Ubah 2', token: 'b' }], [{ label: 'Kirim', token: 'c' }]] });
    expect(r.text).toContain('[1] Ubah 1');
    expect(r.text).toContain('[3] Kirim');
    expect(r.choices).toEqual(['a', 'b', 'c']);
  });

  it('strips terminal control characters from user text', () => {
    const r = renderForConsole({ text: 'narasi \x1b[31mmerah\x07' });
    expect(r.text).toBe('narasi [31mmerah');
  });
});

describe('console input', () => {
  const nip = '198503122010011002';
  const choice = (n: number) => (n === 2 ? 'tok-2' : undefined);

  it('a number picks the button of the last prompt', () => {
    const p = parseConsoleLine('2', nip, choice);
    expect(p).toMatchObject({ kind: 'event', event: { kind: 'action', payload: 'tok-2', platform: 'console', platformUserId: nip, chatId: `console:${nip}` } });
  });

  it('a number with no such button is plain text (a realisasi, say)', () => {
    expect(parseConsoleLine('7', nip, choice)).toMatchObject({ kind: 'event', event: { kind: 'text', payload: '7' } });
  });

  it('commands are lower-cased with their arguments', () => {
    expect(parseConsoleLine('/Start ABCDEF1234', nip, choice)).toMatchObject({ kind: 'event', event: { kind: 'command', payload: 'start', args: ['ABCDEF1234'] } });
  });

  it('/as switches the acting person; /quit ends', () => {
    expect(parseConsoleLine('/as 199001012015031001', nip, choice)).toEqual({ kind: 'switch', nip: '199001012015031001' });
    expect(parseConsoleLine('/quit', nip, choice)).toEqual({ kind: 'quit' });
    expect(parseConsoleLine('   ', nip, choice)).toEqual({ kind: 'empty' });
  });

  it('`> text` answers in the thread of the latest threaded message; without one it is plain text', () => {
    expect(parseConsoleLine('> Terima kasih Pak', nip, choice, () => 'fbthread1')).toMatchObject({ kind: 'event', event: { kind: 'text', payload: 'Terima kasih Pak', threadKey: 'fbthread1' } });
    const plain = parseConsoleLine('> Terima kasih Pak', nip, choice, () => undefined);
    expect(plain).toMatchObject({ kind: 'event', event: { kind: 'text', payload: '> Terima kasih Pak' } });
    expect(plain.kind === 'event' && plain.event.threadKey).toBeFalsy();
  });

  it('the line is cleaned before it is read: `/as` never hands a NUL to the lookup; a line of only control characters is text', () => {
    expect(parseConsoleLine('/as 1\u00009', nip, choice)).toEqual({ kind: 'switch', nip: '19' });
    expect(parseConsoleLine('/as \u0000', nip, choice)).toEqual({ kind: 'switch', nip: '' });
    expect(parseConsoleLine('/penilaian a\u0000b \ud800', nip, choice)).toMatchObject({ kind: 'event', event: { kind: 'command', payload: 'penilaian', args: ['ab', '\ufffd'] } });
    // Cleaned to nothing, but not blank: the engine answers it (a blank line only shows the prompt again).
    expect(parseConsoleLine('\u0007', nip, choice)).toMatchObject({ kind: 'event', event: { kind: 'text', payload: '' } });
    expect(parseConsoleLine(' \t ', nip, choice)).toEqual({ kind: 'empty' });
  });

  it('every event gets a fresh id so retyping is not taken for a replay', () => {
    const a = parseConsoleLine('halo', nip, choice);
    const b = parseConsoleLine('halo', nip, choice);
    expect(a.kind === 'event' && b.kind === 'event' && a.event.eventId !== b.event.eventId).toBe(true);
  });
});

describe('console: a number is an answer unless the question on screen offers buttons (issue 13 item 1)', () => {
  const nip = '199001012015032003';
  const chat = `console:${nip}`;
  function setup() {
    const lines: string[] = [];
    const sender = new ConsoleSender({ write: (t) => lines.push(t) }, () => chat);
    const parse = (line: string) => parseConsoleLine(line, nip, (n, explicit) => sender.choice(chat, n, explicit));
    return { sender, parse };
  }

  it('after a prompt with buttons, a number question without buttons takes "1" as its answer; "#1" still presses', async () => {
    const { sender, parse } = setup();
    await sender.deliver({ platform: 'console', chatId: chat }, { text: 'Bukti dukung?', buttons: [[{ label: 'Lewati', token: 'skip' }]] });
    expect(parse('1')).toMatchObject({ kind: 'event', event: { kind: 'action', payload: 'skip' } });
    // The pressed prompt is edited (not a new question): its buttons stay pressable by number.
    await sender.deliver({ platform: 'console', chatId: chat }, { text: 'Bukti dukung?\n✓ Lewati', replaceOutboxId: 1 });
    expect(parse('1')).toMatchObject({ kind: 'event', event: { kind: 'action', payload: 'skip' } });
    await sender.deliver({ platform: 'console', chatId: chat }, { text: 'Realisasi indikator 2? Target: 90 %' });
    expect(parse('1')).toMatchObject({ kind: 'event', event: { kind: 'text', payload: '1' } });
    expect(parse('95')).toMatchObject({ kind: 'event', event: { kind: 'text', payload: '95' } });
    expect(parse('#1')).toMatchObject({ kind: 'event', event: { kind: 'action', payload: 'skip' } });
    expect(parse('# 1')).toMatchObject({ kind: 'event', event: { kind: 'action', payload: 'skip' } });
    // No such button: the text goes to the conversation as typed.
    expect(parse('#4')).toMatchObject({ kind: 'event', event: { kind: 'text', payload: '#4' } });
  });

  it('messages to someone else do not change what the number presses here', async () => {
    const { sender, parse } = setup();
    await sender.deliver({ platform: 'console', chatId: chat }, { text: 'Pilih', buttons: [[{ label: 'A', token: 'a' }, { label: 'B', token: 'b' }]] });
    await sender.deliver({ platform: 'console', chatId: 'console:198001012005012002' }, { text: 'Untuk atasan' });
    expect(parse('2')).toMatchObject({ kind: 'event', event: { kind: 'action', payload: 'b' } });
  });
});

describe("the console's own lines in both languages", () => {
  const line = (locale: 'id' | 'en', key: string, vars: Record<string, string> = {}) => spellCommands(translator(locale)(`console.${key}`, vars), '/');
  it('switching person and the banner, commands spelled for the console', () => {
    expect(line('en', 'acting_as', { name: 'Budi Santoso' })).toBe('Now acting as Budi Santoso.');
    expect(line('id', 'acting_as', { name: 'Budi Santoso' })).toBe('Sekarang Anda bertindak sebagai Budi Santoso.');
    expect(line('en', 'as_usage')).toBe('Usage: /as NIP');
    expect(line('id', 'as_usage')).toBe('Cara pakai: /as NIP');
    expect(line('en', 'banner')).toContain('/help for help, /quit to leave');
    expect(line('id', 'banner')).toContain('/bantuan untuk bantuan, /quit untuk keluar');
  });
});
