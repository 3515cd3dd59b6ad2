/**
 * Issue 13, item 2 "Edit one thing": "Ubah n" on the self-assessment summary changes one field of item n and
 * comes back to the summary (nothing else asked again); a supervisor changes one indicator's rating from the
 * review summary before saving, and what depends on it (the suggested Hasil Kerja, required feedback) is
 * asked again only when it changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineHarness, type EngineHarness } from '../support/engine.js';

const NARRATIVE = 'Uraian pekerjaan yang cukup panjang untuk indikator ini.';

describe('edit one thing', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
  });
  afterAll(async () => {
    await h?.close();
  });
  const answers = async (id: number) =>
    h.query<{ realisasi: number; narrative: string; evidence: unknown[] }>(`select realisasi::float as realisasi, narrative, evidence from answer where assessment_id = ? order by id`, [id]);

  it('changes one field of an indicator from the summary and returns to it (Indonesian)', async () => {
    await h.send('ani', '/penilaian');
    for (const v of ['12', '90', '24']) {
      await h.send('ani', v);
      await h.send('ani', NARRATIVE);
      await h.press('ani', 'Lewati');
    }
    expect(await h.lastText('ani')).toContain('Ringkasan penilaian diri');

    // "Ubah 2" asks which field; "Uraian" asks only the narrative, then the summary again.
    await h.press('ani', 'Ubah 2');
    const pick = (await h.lastMessages('ani')).at(-1)!;
    expect(pick.text).toContain('Apa yang diubah pada indikator 2');
    expect(pick.buttons!.flat().map((b) => b.label)).toEqual(['Realisasi', 'Uraian', 'Bukti dukung', 'Kembali ke ringkasan']);
    await h.press('ani', 'Uraian');
    expect(await h.lastText('ani')).toContain('Ceritakan singkat');
    await h.send('ani', 'Survei kepuasan naik karena antrean dipercepat.');
    let text = await h.lastText('ani');
    expect(text).toContain('Ringkasan penilaian diri');
    expect(text).toContain('Uraian: Survei kepuasan naik');
    let rows = await answers(h.assessmentOf.ani);
    expect(rows.map((r) => Number(r.realisasi))).toEqual([12, 90, 24]);

    // A bad number typed after "Ubah 1" is refused with the reason; the question stays the realisasi.
    await h.press('ani', 'Ubah 1');
    await h.send('ani', '-5');
    text = await h.lastText('ani');
    expect(text).toContain('tidak boleh negatif');
    expect(text).toContain('Berapa realisasinya');
    await h.send('ani', '13');
    expect(await h.lastText('ani')).toContain('Ringkasan penilaian diri');

    // A file after "Ubah 3" is more evidence; "Kembali ke ringkasan" changes nothing.
    await h.press('ani', 'Ubah 3');
    await h.sendFile('ani', { kind: 'photo', fileId: 'AgAD-edit', size: 1000 });
    expect(await h.lastText('ani')).toContain('Bukti dukung tersimpan');
    await h.press('ani', 'Ubah 3');
    await h.press('ani', 'Kembali ke ringkasan');
    expect(await h.lastText('ani')).toContain('Ringkasan penilaian diri');
    rows = await answers(h.assessmentOf.ani);
    expect(rows.map((r) => Number(r.realisasi))).toEqual([13, 90, 24]);
    expect(rows[1].narrative).toBe('Survei kepuasan naik karena antrean dipercepat.');
    expect(rows[2].evidence).toHaveLength(1);
    expect(rows[0].narrative).toBe(NARRATIVE);

    await h.press('ani', 'Kirim');
    const [a] = await h.query<{ status: string }>(`select status from assessment where id = ?`, [h.assessmentOf.ani]);
    expect(a.status).toBe('submitted');
  });

  it('the supervisor changes an indicator rating from the review summary; a changed suggestion is asked again (Indonesian)', async () => {
    await h.press('sari', 'Tinjau sekarang');
    for (let i = 0; i < 3; i++) await h.press('sari', 'Di atas ekspektasi');
    await h.press('sari', '(saran)');
    await h.press('sari', 'Di atas ekspektasi');
    await h.press('sari', 'Lewati');
    let summary = (await h.lastMessages('sari')).at(-1)!;
    expect(summary.text).toContain('2. Kualitas pelayanan: Di atas ekspektasi');
    expect(summary.text).toContain('Umpan balik untuk pegawai (opsional)');
    expect(summary.buttons!.flat().map((b) => b.label)).toEqual(['Simpan penilaian', 'Ubah 1', 'Ubah 2', 'Ubah 3', 'Kembalikan untuk revisi']);

    // Item 2 to "sesuai": two of three still above, the suggestion stands: straight back to the summary.
    await h.press('sari', 'Ubah 2');
    expect(await h.lastText('sari')).toContain('Penilaian saat ini: Di atas ekspektasi');
    await h.press('sari', 'Sesuai ekspektasi');
    summary = (await h.lastMessages('sari')).at(-1)!;
    expect(summary.text).toContain('2. Kualitas pelayanan: Sesuai ekspektasi');
    expect(summary.text).toContain('Hasil Kerja: Di atas ekspektasi');

    // Item 1 to "di bawah" (a main result): the suggestion changes, so Hasil Kerja is asked again, and the
    // feedback it now requires.
    await h.press('sari', 'Ubah 1');
    await h.press('sari', 'Di bawah ekspektasi');
    expect(await h.lastText('sari')).toContain('Saran Hasil Kerja');
    await h.press('sari', '(saran)');
    expect(await h.lastText('sari')).toContain('Wajib');
    await h.send('sari', 'Laporan layanan perlu disusun tepat waktu setiap bulan.');
    summary = (await h.lastMessages('sari')).at(-1)!;
    expect(summary.text).toContain('1. Jumlah laporan layanan: Di bawah ekspektasi');
    await h.press('sari', 'Simpan penilaian');
    const [r] = await h.query<{ indicator_ratings: Record<string, string>; feedback: string }>(`select indicator_ratings, feedback from review where assessment_id = ?`, [h.assessmentOf.ani]);
    expect(Object.values(r.indicator_ratings).sort()).toEqual(['di_atas', 'di_bawah', 'sesuai']);
    expect(r.feedback).toContain('tepat waktu');
  });

  it('the same in English: "Edit n" offers the fields, the rater edits a rating and types optional feedback at the summary', async () => {
    await h.send('budi', '/assess');
    for (const v of ['90', '20']) {
      await h.send('budi', v);
      await h.send('budi', 'Service quality stayed above target all quarter.');
      await h.send('budi', 'https://drive.example.go.id/proof');
    }
    await h.press('budi', 'Edit 2');
    const pick = (await h.lastMessages('budi')).at(-1)!;
    expect(pick.text).toContain('What do you want to change in indicator 2');
    expect(pick.buttons!.flat().map((b) => b.label)).toEqual(['Actual result', 'Description', 'Evidence', 'Back to the summary']);
    // Typed without choosing: a description (not a number, not a link).
    await h.send('budi', 'Complaints were answered within eighteen hours.');
    expect(await h.lastText('budi')).toContain('Description: Complaints were answered within eighteen hours.');
    expect(await h.lastText('budi')).toContain('Reflection (optional)');
    await h.press('budi', 'Send');

    await h.send('sari', '/language en');
    await h.press('sari', 0);
    await h.press('sari', 'Meets');
    await h.press('sari', 'Meets');
    await h.press('sari', '(suggested)');
    await h.press('sari', 'Meets');
    await h.press('sari', 'Skip');
    expect(await h.lastText('sari')).toContain('Feedback for the employee (optional)');
    await h.press('sari', 'Edit 1');
    expect(await h.lastText('sari')).toContain('Current rating: Meets expectation');
    await h.press('sari', 'Above');
    await h.send('sari', 'Good steady work, keep sharing it with the team.');
    const text = await h.lastText('sari');
    expect(text).toContain('Feedback: Good steady work');
    expect(text).toContain('1. Service quality: Above expectation');
    await h.press('sari', 'Save rating');
    const [r] = await h.query<{ feedback: string; outcome: string }>(`select feedback, outcome from review where assessment_id = ?`, [h.assessmentOf.budi]);
    expect(r).toEqual({ feedback: 'Good steady work, keep sharing it with the team.', outcome: 'rated' });
  });
});
