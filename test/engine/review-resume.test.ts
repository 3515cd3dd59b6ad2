/**
 * A rater who asks for a review again while it is in progress (`/tinjau`, the prompt's button pressed
 * again, after `/batal` or a restart) continues at the step they were at with every rating kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineHarness, type EngineHarness, type Person } from '../support/engine.js';
import { completeSelfAssessment } from '../support/engine-flows.js';

describe('resuming a review in progress', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Presses the "open review" button of the prompt `rater` got about `owner` (not the latest buttons). */
  async function pressPrompt(rater: Person, ownerName: string): Promise<void> {
    const prompt = (await h.allMessages(rater)).filter((m) => m.text.includes(ownerName) && m.threadRoot && m.buttons?.length).at(-1);
    if (!prompt) throw new Error(`no review prompt about ${ownerName} was sent to ${rater}`);
    await h.pressToken(rater, prompt.buttons![0][0].token);
  }

  it('/tinjau mid-way continues at the next indicator with the ratings already given (Indonesian)', async () => {
    await completeSelfAssessment(h, 'ani');
    await pressPrompt('sari', 'Ani Pegawai');
    expect(await h.lastText('sari')).toContain('Indikator 1 dari 3');
    await h.press('sari', 'Di atas ekspektasi');
    await h.press('sari', 'Sesuai ekspektasi');
    expect(await h.lastText('sari')).toContain('Indikator 3 dari 3');

    await h.send('sari', '/tinjau');
    const text = await h.lastText('sari');
    expect(text).toContain('Melanjutkan tinjauan Ani Pegawai');
    expect(text).toContain('2 dari 3 indikator sudah dinilai');
    expect(text).toContain('Indikator 3 dari 3');
    expect(text).not.toContain('Indikator 1 dari 3');

    await h.press('sari', 'Di atas ekspektasi');
    // The suggestion counts the two ratings given before /tinjau and the one after it.
    expect(await h.lastText('sari')).toContain('2 di atas, 1 sesuai, 0 di bawah ekspektasi dari 3 indikator');
  });

  it('the prompt button pressed again, /batal, and a restart all resume at the same step; the stored review has every rating', async () => {
    // Still in Ani's review from the previous test, at the Hasil Kerja suggestion.
    await h.press('sari', '(saran)');
    expect(await h.lastText('sari')).toContain('BerAKHLAK');

    await pressPrompt('sari', 'Ani Pegawai');
    let text = await h.lastText('sari');
    expect(text).toContain('3 dari 3 indikator sudah dinilai');
    expect(text).toContain('BerAKHLAK');
    expect(text).not.toContain('Indikator 1 dari 3');

    await h.send('sari', '/batal');
    expect(await h.lastText('sari')).toContain('Tinjauan Anda atas penilaian Ani Pegawai tetap tersimpan');
    h.restart();
    await h.send('sari', '/tinjau');
    expect(await h.lastText('sari')).toContain('Penilaian yang menunggu tinjauan Anda');
    await h.press('sari', 'Ani Pegawai');
    text = await h.lastText('sari');
    expect(text).toContain('Melanjutkan tinjauan Ani Pegawai');
    expect(text).toContain('BerAKHLAK');

    await h.press('sari', 'Sesuai ekspektasi');
    await h.press('sari', 'Lewati'); // the behaviour note; optional feedback would be typed at the summary
    text = await h.lastText('sari');
    expect(text).toContain('Hasil Kerja: Di atas ekspektasi');
    expect(text).toContain('Predikat: Baik');
    await h.press('sari', 'Simpan penilaian');

    const [r] = await h.query<{ indicator_ratings: Record<string, string>; hasil_kerja: string; perilaku: string; predicate: string }>(
      `select indicator_ratings, hasil_kerja, perilaku, predicate from review where assessment_id = ?`,
      [h.assessmentOf.ani],
    );
    // Items in review order: Ani's own target first, then the cycle's indicators by position.
    const [tgt] = await h.query<{ id: number }>(`select id from employee_target where employee_id = ?`, [h.ids.ani]);
    const inds = await h.query<{ id: number }>(`select id from indicator where cycle_id = ? and kind = 'hasil_kerja' order by position`, [h.cycleId]);
    expect(r.indicator_ratings).toEqual({ [`tgt:${tgt.id}`]: 'di_atas', [`ind:${inds[0].id}`]: 'sesuai', [`ind:${inds[1].id}`]: 'di_atas' });
    expect(r).toMatchObject({ hasil_kerja: 'di_atas', perilaku: 'sesuai', predicate: 'baik' });
  });

  it('a resubmitted assessment (a new round) is reviewed from the first indicator, not from the old draft (English rater)', async () => {
    await h.send('sari', '/language en');
    await completeSelfAssessment(h, 'citra');
    await pressPrompt('sari', 'Citra Pegawai');
    await h.press('sari', 'Above expectation');
    await h.send('sari', '/review');
    let text = await h.lastText('sari');
    expect(text).toContain('Continuing your review of Citra Pegawai where you left off');
    expect(text).toContain('1 of 2 indicators rated');
    expect(text).toContain('Indicator 2 of 2');

    // Return it instead; Citra resubmits: round 2 starts clean although round 1's draft had a rating.
    await h.press('sari', 'Return');
    await h.send('sari', 'Mohon lengkapi bukti dukung untuk indikator pertama.');
    const [a] = await h.query<{ status: string; round: number }>(`select status, round from assessment where id = ?`, [h.assessmentOf.citra]);
    expect(a).toEqual({ status: 'returned', round: 2 });
    await h.press('citra', 'Revisi sekarang');
    await h.press('citra', 'Kirim');
    expect(await h.lastText('sari')).toContain('(submission 2)');
    await pressPrompt('sari', 'Citra Pegawai');
    text = await h.lastText('sari');
    expect(text).toContain('(submission 2)');
    expect(text).not.toContain('Continuing your review');
    expect(text).toContain('Indicator 1 of 2');
  });
});
