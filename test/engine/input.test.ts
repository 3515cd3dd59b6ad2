import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineHarness, type EngineHarness } from '../support/engine.js';

describe('bad input keeps what was entered and asks again', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  async function answers(who: 'ani' | 'budi') {
    return h.query<{ item_key: string; realisasi: number | null; narrative: string | null }>(
      `select item_key, realisasi::float as realisasi, narrative from answer where assessment_id = ? order by id`,
      [h.assessmentOf[who]],
    );
  }

  it('refuses bad realisasi values with the reason, in Indonesian', async () => {
    await h.send('ani', '/penilaian');
    await h.send('ani', 'dua belas');
    let text = await h.lastText('ani');
    expect(text).toContain('"dua belas" bukan angka');
    expect(text).toContain('Indikator 1 dari 3');
    await h.send('ani', '-3');
    expect(await h.lastText('ani')).toContain('tidak boleh negatif');
    await h.send('ani', '61');
    text = await h.lastText('ani');
    expect(text).toContain('lebih dari 5 kali target');
    expect(text).toContain('paling banyak 60');
    expect(await answers('ani')).toEqual([]);
    await h.send('ani', '12.5');
    expect((await answers('ani'))[0].realisasi).toBe(12.5);
  });

  it('refuses a narrative that is too short without losing the realisasi', async () => {
    await h.send('ani', 'singkat');
    expect(await h.lastText('ani')).toContain('Uraian terlalu pendek (7 karakter). Tulis paling sedikit 10');
    expect((await answers('ani'))[0]).toMatchObject({ realisasi: 12.5, narrative: null });
    await h.send('ani', 'x'.repeat(2001));
    expect(await h.lastText('ani')).toContain('paling banyak 2000');
  });

  it('refuses a bad link and a file above the limit, then accepts a skip', async () => {
    await h.send('ani', 'Uraian yang cukup panjang untuk lolos.');
    await h.send('ani', 'bukan tautan');
    expect(await h.lastText('ani')).toContain('bukan tautan yang lengkap');
    await h.send('ani', 'ftp://files.example/x');
    expect(await h.lastText('ani')).toContain('Hanya tautan http://');
    await h.sendFile('ani', { kind: 'file', fileId: 'BIG', name: 'scan.pdf', size: 25 * 1024 * 1024 });
    expect(await h.lastText('ani')).toContain('File terlalu besar (25 MB). Batasnya 20 MB');
    await h.press('ani', 'Lewati');
    expect(await h.lastText('ani')).toContain('Indikator 2 dari 3');
  });

  it('answers an unknown command and a file in the wrong step with a hint and the same question', async () => {
    await h.send('ani', '/entahlah');
    let text = await h.lastText('ani');
    expect(text).toContain('Perintah /entahlah tidak dikenal');
    expect(text).toContain('Indikator 2 dari 3');
    await h.sendFile('ani', { kind: 'photo', fileId: 'P1', size: 10 });
    text = await h.lastText('ani');
    expect(text).toContain('File hanya diterima sebagai bukti dukung');
    expect(text).toContain('Indikator 2 dari 3');
  });

  it('gives help that fits the step, /batal keeps the draft, and /penilaian resumes at the first unanswered step', async () => {
    await h.send('ani', '/bantuan');
    expect(await h.lastText('ani')).toContain('Sekarang: ketik realisasi berupa angka');
    await h.send('ani', '/batal');
    expect(await h.lastText('ani')).toContain('tetap tersimpan sebagai draf');
    await h.send('ani', 'halo');
    expect(await h.lastText('ani')).toContain('belum selesai');
    await h.send('ani', '/penilaian');
    expect(await h.lastText('ani')).toContain('Indikator 2 dari 3: Kualitas pelayanan');
  });

  it('after the idle time says the draft was kept and asks the question again without using the message', async () => {
    h.clock.advance(61 * 60_000);
    await h.send('ani', '95');
    const text = await h.lastText('ani');
    expect(text).toContain('Draf Anda tetap tersimpan');
    expect(text).toContain('Indikator 2 dari 3');
    expect(await answers('ani')).toHaveLength(1);
    await h.send('ani', '95');
    expect(await answers('ani')).toHaveLength(2);
  });

  it('speaks English to an English-speaking employee, with English number formats, and /bahasa switches', async () => {
    await h.send('budi', '/assess');
    let text = await h.lastText('budi');
    expect(text).toContain('Deadline: 5 January 2027');
    expect(text).toContain('Indicator 1 of 2: Service quality');
    await h.send('budi', 'abc');
    expect(await h.lastText('budi')).toContain('"abc" is not a number');
    await h.send('budi', '1000');
    expect(await h.lastText('budi')).toMatch(/more than 5 times the target.*Type at most 450/);
    await h.send('budi', '/bahasa');
    await h.press('budi', 'Bahasa Indonesia');
    expect(await h.lastText('budi')).toContain('Bahasa diubah');
    const [e] = await h.query<{ locale: string }>(`select locale from employee where id = ?`, [h.ids.budi]);
    expect(e.locale).toBe('id');
    await h.send('budi', '/status');
    text = await h.lastText('budi');
    expect(text).toContain('Penilaian diri Triwulan IV 2026: draf. Terisi 0 dari 2 indikator');
    await h.send('budi', '/language en');
    expect(await h.lastText('budi')).toContain('Language changed to English');
  });

  it('/status and /tinjau tell a supervisor what waits for them', async () => {
    await h.send('sari', '/status');
    expect(await h.lastText('sari')).toContain('Tidak ada penilaian bawahan yang menunggu');
    await h.send('sari', '/review');
    expect(await h.lastText('sari')).toContain('Tidak ada penilaian yang menunggu');
  });
});
