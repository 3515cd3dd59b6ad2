/**
 * Issue 13, item 6: the words a civil servant would write (glossary in locales/README.md). No "putaran" or
 * "utas" left in the catalogue; a cycle name is shown without repeating its kind; a resubmission is
 * "pengajuan ke-n"; realisasi and target both carry the unit. In both languages.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineHarness, type EngineHarness } from '../support/engine.js';
import { completeSelfAssessment } from '../support/engine-flows.js';

/** Every text of a catalogue (its values, not its keys), one per line. */
function catalogue(lang: 'id' | 'en'): string {
  const texts = (v: unknown): string[] => (typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(texts) : []);
  return texts(JSON.parse(readFileSync(new URL(`../../locales/${lang}.json`, import.meta.url), 'utf8'))).join('\n');
}

describe('wording', () => {
  it('the Indonesian catalogue says "pengajuan ke-n" and "balas pesan ini", never "putaran" or "utas"', () => {
    const id = catalogue('id');
    expect(id).not.toMatch(/\bputaran\b/i);
    expect(id).not.toMatch(/\butas\b/i);
    expect(id).toContain('pengajuan ke-{{round}}');
    expect(id).toContain('Balas pesan ini');
    // English keeps in step: no "round" and no "thread" in what people read.
    const en = catalogue('en');
    expect(en).not.toMatch(/\(round \{\{round\}\}\)/);
    expect(en).not.toMatch(/\bthread\b/i);
  });

  describe('through the engine', () => {
    let h: EngineHarness;
    beforeAll(async () => {
      h = await createEngineHarness();
      // HR named the cycle with its kind in front, as people often do.
      await h.query(`update cycle set name = 'Penilaian Kinerja Triwulan IV 2026' where id = ?`, [h.cycleId]);
    });
    afterAll(async () => {
      await h?.close();
    });

    it('a cycle name is shown without its kind, a resubmission as "pengajuan ke-2", numbers with their unit (Indonesian)', async () => {
      await h.send('ani', '/penilaian');
      const intro = await h.lastText('ani');
      expect(intro).toContain('Penilaian diri Triwulan IV 2026');
      expect(intro.toLowerCase()).not.toContain('penilaian diri penilaian');
      await completeSelfAssessment(h, 'ani', [12, 95, 20]);
      const prompt = await h.lastText('sari');
      expect(prompt).toContain('telah mengirim penilaian diri Triwulan IV 2026 (pengajuan ke-1)');
      await h.press('sari', 'Tinjau sekarang');
      const overview = await h.lastText('sari');
      expect(overview).toContain('Realisasi 95 % dari target 90 %');
      expect(overview).toContain('Realisasi 12 laporan dari target 12 laporan');
      await h.press('sari', 'Kembalikan');
      await h.send('sari', 'Mohon lengkapi bukti dukung indikator kedua.');
      await h.press('ani', 'Revisi sekarang');
      await h.press('ani', 'Kirim');
      expect(await h.lastText('sari')).toContain('(pengajuan ke-2)');
    });

    it('a check-in is rated on two statements with two scores (Indonesian)', async () => {
      const [fu] = await h.query<{ id: number }>(`insert into follow_up (assessment_id, kind, plan) values (?, 'coaching', 'Pendampingan') returning id`, [h.assessmentOf.citra]);
      const [ck] = await h.query<{ id: number }>(`insert into check_in (follow_up_id, due_on) values (?, '2026-12-10') returning id`, [fu.id]);
      await h.pressToken('citra', `checkin-rating:${ck.id}:5`);
      expect(await h.lastText('citra')).toContain('Pernyataan 2 dari 2: "Saya tahu langkah selanjutnya."');
      await h.press('citra', '4');
      expect(await h.lastText('citra')).toBe('Terima kasih. Penilaian Anda untuk sesi pembinaan ini: merasa didengar 5 dari 5, tahu langkah selanjutnya 4 dari 5.');
      const [r] = await h.query<{ employee_rating: number; employee_rating_next: number }>(`select employee_rating, employee_rating_next from check_in where id = ?`, [ck.id]);
      expect(r).toEqual({ employee_rating: 5, employee_rating_next: 4 });
    });

    it('the same in English: no repeated kind, "submission 2", the unit with both numbers', async () => {
      await h.send('budi', '/assess');
      expect(await h.lastText('budi')).toContain('Self-assessment Triwulan IV 2026');
      await completeSelfAssessment(h, 'budi', [95, 20]);
      await h.send('sari', '/language en');
      await h.press('sari', 0);
      const overview = await h.lastText('sari');
      expect(overview).toContain('Triwulan IV 2026 (submission 1)');
      expect(overview).toContain('Actual 95 % of target 90 %');
      expect(overview).not.toMatch(/Penilaian Kinerja/);
    });
  });
});
