import { describe, expect, it } from 'vitest';
import type { OutgoingMessage } from '../../src/contract/index.js';
import { MESSAGE_BLOCKS_MAX, MODAL_TITLE_MAX, SECTION_TEXT_MAX } from '../../src/adapters/slack/limits.js';
import {
  decodeFormMetadata,
  escapeMrkdwn,
  FORM_CALLBACK_ID,
  formErrorsResponse,
  OPEN_FORM_ACTION_PREFIX,
  renderMessage,
  renderModal,
  spanToMrkdwn,
  splitText,
  TRUNCATION_NOTE,
} from '../../src/adapters/slack/render.js';

type AnyBlock = { type: string; text?: { text: string }; elements?: { value?: string; action_id?: string; style?: string; text?: { text: string } }[] };

function sectionsOf(msg: OutgoingMessage): string[] {
  return (renderMessage(msg).blocks as AnyBlock[]).filter((b) => b.type === 'section').map((b) => b.text!.text);
}

describe('Slack rendering', () => {
  it('escapes &, < and > in user text so it cannot become a mention or a link', () => {
    expect(escapeMrkdwn('<!channel> & <https://evil|klik>')).toBe('&lt;!channel&gt; &amp; &lt;https://evil|klik&gt;');
    expect(sectionsOf({ text: 'Realisasi <5 & >2 <@U1>' })).toEqual(['Realisasi &lt;5 &amp; &gt;2 &lt;@U1&gt;']);
  });

  it('renders spans as *bold*, _italic_ and `code`, with spaces outside the markers', () => {
    expect(spanToMrkdwn({ text: 'Baik ', bold: true })).toBe('*Baik* ');
    expect(spanToMrkdwn({ text: 'catatan', italic: true })).toBe('_catatan_');
    expect(spanToMrkdwn({ text: 'a`b<c', code: true })).toBe('`aˋb&lt;c`');
    const msg: OutgoingMessage = { text: 'Predikat: Baik', blocks: [[{ text: 'Predikat: ' }, { text: 'Baik', bold: true }], [{ text: 'R&D', italic: true }]] };
    expect(sectionsOf(msg)).toEqual(['Predikat: *Baik*', '_R&amp;D_']);
    expect(renderMessage(msg).text).toBe('Predikat: Baik');
  });

  it('keeps every section at most 3000 characters, splitting on line breaks and never inside an entity', () => {
    const long = Array.from({ length: 200 }, (_, i) => `Baris ${i} & cukup panjang untuk diuji`).join('\n');
    const sections = sectionsOf({ text: long });
    expect(sections.length).toBeGreaterThan(1);
    for (const s of sections) expect(s.length).toBeLessThanOrEqual(SECTION_TEXT_MAX);
    expect(sections.join('\n')).toBe(escapeMrkdwn(long));
    const pieces = splitText('&amp;'.repeat(1000), SECTION_TEXT_MAX);
    for (const p of pieces) expect(p).toMatch(/^(&amp;)+$/);
  });

  it('never sends more than 50 blocks: text is cut with a note, the buttons stay', () => {
    const msg: OutgoingMessage = {
      text: 'x',
      blocks: Array.from({ length: 80 }, (_, i) => [{ text: `Paragraf ${i}` }]),
      buttons: [[{ label: 'Kirim', token: 't1', style: 'primary' }], [{ label: 'Batal', token: 't2' }]],
    };
    const blocks = renderMessage(msg).blocks as AnyBlock[];
    expect(blocks).toHaveLength(MESSAGE_BLOCKS_MAX);
    expect(blocks.slice(-2).map((b) => b.type)).toEqual(['actions', 'actions']);
    expect(blocks[blocks.length - 3]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: TRUNCATION_NOTE }] });
  });

  it('renders button rows as actions blocks: value = token, unique opaque action ids, styles kept', () => {
    const msg: OutgoingMessage = { text: 'Nilai?', buttons: [[{ label: 'Di atas', token: 'a1' }, { label: 'Sesuai', token: 'a2', style: 'primary' }], [{ label: 'Di bawah', token: 'a3', style: 'danger' }]] };
    const actions = (renderMessage(msg).blocks as AnyBlock[]).filter((b) => b.type === 'actions');
    expect(actions).toHaveLength(2);
    const els = actions.flatMap((a) => a.elements!);
    expect(els.map((e) => e.value)).toEqual(['a1', 'a2', 'a3']);
    expect(new Set(els.map((e) => e.action_id)).size).toBe(3);
    expect(els.map((e) => e.style)).toEqual([undefined, 'primary', 'danger']);
    expect(els[0].text!.text).toBe('Di atas');
  });

  it('renders link attachments as escaped Slack links', () => {
    expect(sectionsOf({ text: 'Lihat', attachments: [{ kind: 'link', title: 'Panduan <SKP>', url: 'https://bkd.jakarta.go.id/a|b' }] })).toEqual([
      'Lihat',
      '<https://bkd.jakarta.go.id/a%7Cb|Panduan &lt;SKP&gt;>',
    ]);
  });

  it('offers a form behind an "open" button when no modal can be opened', () => {
    const msg: OutgoingMessage = { text: 'Isi realisasi', form: { token: 'f1', title: 'Indikator 1', submitLabel: 'Simpan', fields: [{ id: 'realisasi', label: 'Realisasi' }] } };
    const last = (renderMessage(msg, { openForm: true }).blocks as AnyBlock[]).at(-1)!;
    expect(last.type).toBe('actions');
    expect(last.elements![0]).toMatchObject({ value: 'f1', action_id: OPEN_FORM_ACTION_PREFIX });
  });

  it('renders a form as a modal with one input per field and its metadata', () => {
    const modal = renderModal(
      {
        token: 'ftok',
        title: 'Penilaian diri: indikator kualitas pelayanan',
        submitLabel: 'Simpan',
        fields: [
          { id: 'realisasi', label: 'Realisasi', initial: '12' },
          { id: 'narasi', label: 'Narasi', multiline: true, hint: '10-2000 karakter', optional: true },
        ],
        errors: { realisasi: 'Bukan angka' },
      },
      'D1',
    );
    expect(modal.callback_id).toBe(FORM_CALLBACK_ID);
    expect(modal.title.text.length).toBeLessThanOrEqual(MODAL_TITLE_MAX);
    expect(decodeFormMetadata(modal.private_metadata)).toEqual({ token: 'ftok', chatId: 'D1' });
    expect(modal.blocks).toEqual([
      expect.objectContaining({ type: 'input', block_id: 'realisasi', optional: false, element: expect.objectContaining({ initial_value: '12', multiline: false }), hint: { type: 'plain_text', text: '⚠ Bukan angka' } }),
      expect.objectContaining({ type: 'input', block_id: 'narasi', optional: true, element: expect.objectContaining({ multiline: true }), hint: { type: 'plain_text', text: '10-2000 karakter' } }),
    ]);
    expect(formErrorsResponse({ realisasi: 'Bukan angka' })).toEqual({ response_action: 'errors', errors: { realisasi: 'Bukan angka' } });
  });
});
