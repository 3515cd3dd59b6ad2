/**
 * Hostile text over the whole Telegram stack (fake Bot API, inbox, engine, outbox): NUL bytes, other control
 * characters, lone surrogates and an emoji at the 40-character cut of the quoted input. None gives the
 * internal-error reply, nothing is parked, and what is stored is valid text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANI, createTelegramHarness, type TelegramHarness } from './harness.js';

const wellFormed = (s: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe('hostile text through Telegram', () => {
  let h: TelegramHarness;
  beforeAll(async () => {
    h = await createTelegramHarness('polling');
    await h.act(() => h.fake.sendCommand(ANI, 'start', h.codes.ani));
  });
  afterAll(async () => {
    await h?.close();
  });

  const count = () => h.fake.botMessages(ANI.id).length;
  async function type(text: string): Promise<string> {
    const before = count();
    await h.act(() => h.fake.sendText(ANI, text));
    return h.fake
      .botMessages(ANI.id)
      .slice(before)
      .map((m) => m.text)
      .join('\n---\n');
  }

  it('a realisasi with NUL, escape codes and a lone surrogate is refused as not a number, never an internal error', async () => {
    await type('/penilaian');
    for (const text of ['dua\u0000belas', '\u001B[31m12\u0007', '1\uD83D2', '\uDE00']) {
      const answer = await type(text);
      expect(answer).toContain('bukan angka');
      expect(answer).not.toContain('kesalahan di sistem');
      expect(answer).not.toContain('\u0000');
      expect(wellFormed(answer)).toBe(true);
    }
  });

  it('the quoted input is cut between graphemes: an emoji at the 40th character is left out whole', async () => {
    const answer = await type('x'.repeat(39) + '😀' + ' sisa teks yang panjang');
    expect(answer).toContain(`"${'x'.repeat(39)}" bukan angka`);
    expect(wellFormed(answer)).toBe(true);
    const family = await type('y'.repeat(35) + '👨‍👩‍👧‍👦' + 'z'.repeat(10));
    expect(family).toContain(`"${'y'.repeat(35)}" bukan angka`);
  });

  it('a narrative with NUL and a lone surrogate is stored cleaned; nothing is parked', async () => {
    expect(await type('12')).not.toContain('kesalahan di sistem');
    const answer = await type('Uraian\u0000 kegiatan 😀 dengan \uD83D sendiri');
    expect(answer).not.toContain('kesalahan di sistem');
    const [row] = await h.query<{ narrative: string }>(`select narrative from answer where assessment_id = ? order by id limit 1`, [h.assessmentIds.ani]);
    expect(row.narrative).toBe('Uraian kegiatan 😀 dengan \uFFFD sendiri');
    const parked = await h.query<{ n: string }>(`select count(*)::text as n from inbox_event where status = 'parked'`);
    expect(parked[0].n).toBe('0');
    const errors = await h.query<{ n: string }>(`select count(*)::text as n from outbox_message where dedupe_key like '%:error'`);
    expect(errors[0].n).toBe('0');
  });
});
