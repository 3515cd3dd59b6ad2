import { describe, expect, it } from 'vitest';
import { escapeHtml, renderMessage, RenderError } from '../../src/adapters/telegram/render.js';
import { MAX_BUTTONS_PER_ROW, MAX_MESSAGE_CHARS } from '../../src/adapters/telegram/limits.js';
import { parseTelegramHtml } from '../support/fake-telegram.js';

/** What a Telegram user would see: the HTML parsed exactly as Telegram's strict parser does. */
const visible = (html: string) => parseTelegramHtml(html);

describe('renderMessage', () => {
  it('shows user-supplied markup characters literally', () => {
    const typed = 'Catatan: <b>&"\' *tebal* _miring_ [tautan](x) `kode`';
    const [part] = renderMessage({ text: typed });
    expect(part.parse_mode).toBe('HTML');
    expect(part.text).not.toContain('<b>');
    expect(visible(part.text)).toBe(typed);
  });

  it('maps block spans to bold, italic and code, escaping their text', () => {
    const [part] = renderMessage({
      text: 'fallback',
      blocks: [
        [{ text: 'Realisasi: ', bold: true }, { text: '12 < 15 & naik', code: true }],
        [{ text: 'catatan <i>', italic: true }],
      ],
    });
    expect(part.text).toBe('<b>Realisasi: </b><code>12 &lt; 15 &amp; naik</code>\n\n<i>catatan &lt;i&gt;</i>');
    expect(visible(part.text)).toBe('Realisasi: 12 < 15 & naik\n\ncatatan <i>');
  });

  it('renders link attachments as links with an escaped address', () => {
    const [part] = renderMessage({ text: 'Tautan Anda:', attachments: [{ kind: 'link', title: 'Buka <bot>', url: 'https://t.me/kinerja_bot?start=AB&x="1"' }] });
    expect(part.text).toContain('<a href="https://t.me/kinerja_bot?start=AB&amp;x=&quot;1&quot;">Buka &lt;bot&gt;</a>');
    expect(visible(part.text)).toBe('Tautan Anda:\n\nBuka <bot>');
  });

  it('puts at most 8 buttons in a row, splitting longer rows in order', () => {
    const row = Array.from({ length: 11 }, (_, i) => ({ label: `${i + 1}`, token: `t${i + 1}` }));
    const [part] = renderMessage({ text: 'Pilih', buttons: [row, [{ label: 'Batal', token: 'cancel' }]] });
    const kb = part.reply_markup!.inline_keyboard;
    expect(kb.map((r) => r.length)).toEqual([MAX_BUTTONS_PER_ROW, 3, 1]);
    expect(kb.flat().map((b) => ('callback_data' in b ? b.callback_data : ''))).toEqual([...row.map((b) => b.token), 'cancel']);
  });

  it('accepts a 64-byte token and refuses a longer one (multi-byte characters count as bytes)', () => {
    expect(() => renderMessage({ text: 'x', buttons: [[{ label: 'ok', token: 'a'.repeat(64) }]] })).not.toThrow();
    expect(() => renderMessage({ text: 'x', buttons: [[{ label: 'ok', token: 'a'.repeat(65) }]] })).toThrow(RenderError);
    // 22 three-byte characters: 22 characters, 66 bytes.
    expect(() => renderMessage({ text: 'x', buttons: [[{ label: 'ok', token: '€'.repeat(22) }]] })).toThrow(/66-byte token/);
  });

  it('splits a message over 4096 characters on paragraph boundaries, buttons on the last part', () => {
    const paragraphs = Array.from({ length: 12 }, (_, i) => `Paragraf ${i + 1}: ${'x'.repeat(600)}`);
    const parts = renderMessage({ text: paragraphs.join('\n\n'), buttons: [[{ label: 'Kirim', token: 'submit' }]] });
    expect(parts.length).toBe(2);
    for (const p of parts) expect(visible(p.text).length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(parts[0].reply_markup).toBeUndefined();
    expect(parts[1].reply_markup?.inline_keyboard[0][0].text).toBe('Kirim');
    // Every paragraph arrives whole and in order.
    expect(parts.map((p) => visible(p.text)).join('\n\n')).toBe(paragraphs.join('\n\n'));
    expect(visible(parts[1].text).startsWith('Paragraf ')).toBe(true);
  });

  it('cuts a single paragraph longer than the limit at a space, losing nothing', () => {
    const words = Array.from({ length: 1500 }, (_, i) => `kata${i}`).join(' ');
    const parts = renderMessage({ text: words });
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(visible(p.text).length).toBeLessThanOrEqual(MAX_MESSAGE_CHARS);
    expect(parts.map((p) => visible(p.text)).join(' ')).toBe(words);
  });

  it('keeps escaping inside split parts (no entity cut in half)', () => {
    const text = '&<>'.repeat(2000);
    const parts = renderMessage({ text });
    expect(parts.map((p) => visible(p.text)).join('')).toBe(text);
  });

  it('escapes exactly &, < and >', () => {
    expect(escapeHtml(`a&b<c>d"e'f`)).toBe(`a&amp;b&lt;c&gt;d"e'f`);
  });
});
