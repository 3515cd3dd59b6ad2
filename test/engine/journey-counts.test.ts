/**
 * Issue 13, item 2: how many inputs (messages typed + buttons pressed) the everyday journeys take, scripted
 * through the engine on each platform and in both languages. The targets: a 3-indicator self-assessment in
 * at most 11, a review without coaching in at most 8, changing one number before submitting in at most 3,
 * adding one link after a return for revision in at most 4. Steps that set a journey up (another person's
 * submission, the supervisor's return) are not counted; everything the person in the journey does is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineHarness, PEOPLE, type EngineHarness, type Person } from '../support/engine.js';
import { addTarget, SCHOOL_REPORTS_TARGET } from '../support/seed.js';

const TARGETS = { selfAssessment: 11, review: 8, changeNumber: 3, addLinkAfterReturn: 4 } as const;
const LINK = 'https://drive.example.go.id/bukti-tambahan';
const NARRATIVE = 'Uraian pekerjaan yang cukup panjang untuk indikator ini.';

describe.each(['telegram', 'slack', 'console'] as const)('journey counts on %s', (platform) => {
  let h: EngineHarness;
  /** Inputs of the journey being measured. */
  let inputs = 0;
  /** The chat of `p` on this platform (the harness names Telegram users by person). */
  const chat = (p: Person) => (platform === 'telegram' ? p : `${platform}:${PEOPLE[p].tg}`);
  const send = (p: Person, text: string) => (inputs++, h.send(chat(p), text));
  const press = (p: Person, label: string | number) => (inputs++, h.press(chat(p), label));
  const pressLast = async (p: Person) => {
    const flat = (await h.lastMessages(chat(p))).flatMap((m) => m.buttons?.flat() ?? []);
    inputs++;
    return h.pressToken(chat(p), flat[flat.length - 1].token);
  };
  const measure = async (journey: () => Promise<void>): Promise<number> => {
    inputs = 0;
    await journey();
    return inputs;
  };
  const status = async (p: Person) => (await h.query<{ status: string }>(`select status from assessment where id = ?`, [h.assessmentOf[p]]))[0].status;

  beforeAll(async () => {
    h = await createEngineHarness();
    // Everyone talks to the bot on this platform; Budi (English) gets a third indicator like Ani's.
    await h.query(`update chat_identity set platform = ?`, [platform]);
    await addTarget(h.db.orm.em.fork(), h.ids.budi, h.cycleId, SCHOOL_REPORTS_TARGET);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  for (const [who, lang] of [['ani', 'id'], ['budi', 'en']] as const) {
    it(`a 3-indicator self-assessment takes at most ${TARGETS.selfAssessment} inputs (${lang})`, async () => {
      const n = await measure(async () => {
        await send(who, lang === 'id' ? '/penilaian' : '/assess');
        for (const v of ['12', '90', '24']) {
          await send(who, v);
          await send(who, NARRATIVE);
          await send(who, LINK);
        }
        // The summary: the reflection is optional (typed there), its last button submits.
        await pressLast(who);
      });
      expect(await status(who)).toBe('submitted');
      expect(n).toBeLessThanOrEqual(TARGETS.selfAssessment);
    });

    it(`a review without coaching takes at most ${TARGETS.review} inputs (${lang} rater)`, async () => {
      await h.send(chat('sari'), lang === 'id' ? '/bahasa id' : '/bahasa en');
      const n = await measure(async () => {
        await press('sari', 0); // the prompt's only button: open the review
        for (let i = 0; i < 3; i++) await press('sari', 1); // sesuai ekspektasi
        await press('sari', 1); // Hasil Kerja as suggested
        await press('sari', 1); // Perilaku Kerja
        await press('sari', 0); // no behaviour note
        await press('sari', 0); // the summary's first button saves
      });
      expect(await status(who)).toBe('reviewed');
      expect(n).toBeLessThanOrEqual(TARGETS.review);
    });
  }

  for (const [who, lang] of [['citra', 'id'], ['plh', 'en']] as const) {
    it(`changing one number before submitting takes at most ${TARGETS.changeNumber} inputs (${lang})`, async () => {
      if (lang === 'en') await h.send(chat(who), '/bahasa en');
      // Filled in, looking at the summary (not counted).
      await h.send(chat(who), '/penilaian');
      for (let i = 0; i < 2; i++) {
        await h.send(chat(who), '80');
        await h.send(chat(who), NARRATIVE);
        await h.send(chat(who), LINK);
      }
      const n = await measure(async () => {
        await press(who, lang === 'id' ? 'Ubah 1' : 'Edit 1');
        await send(who, '85');
        await pressLast(who);
      });
      expect(await status(who)).toBe('submitted');
      const values = await h.query<{ r: number }>(`select realisasi::float as r from answer where assessment_id = ?`, [h.assessmentOf[who]]);
      expect(values.map((v) => Number(v.r)).sort()).toEqual([80, 85]);
      expect(n).toBeLessThanOrEqual(TARGETS.changeNumber);
    });

    it(`adding one link after a return for revision takes at most ${TARGETS.addLinkAfterReturn} inputs (${lang})`, async () => {
      const rater: Person = who === 'citra' ? 'sari' : 'kepala';
      // The rater returns it (not counted).
      await h.send(chat(rater), '/tinjau');
      await h.press(chat(rater), PEOPLE[who].name);
      await h.press(chat(rater), rater === 'sari' ? /* sari speaks English since Budi's review */ 'Return' : 'Kembalikan');
      await h.send(chat(rater), 'Mohon lengkapi bukti dukung untuk indikator kedua.');
      expect(await status(who)).toBe('returned');
      const n = await measure(async () => {
        await press(who, lang === 'id' ? 'Revisi sekarang' : 'Revise now');
        await press(who, lang === 'id' ? 'Ubah 2' : 'Edit 2');
        await send(who, 'https://drive.example.go.id/bukti-revisi');
        await pressLast(who);
      });
      expect(await status(who)).toBe('submitted');
      const rows = await h.query<{ evidence: { url?: string }[] }>(`select evidence from answer where assessment_id = ?`, [h.assessmentOf[who]]);
      expect(rows.map((r) => r.evidence.map((e) => e.url))).toContainEqual([LINK, 'https://drive.example.go.id/bukti-revisi']);
      expect(n).toBeLessThanOrEqual(TARGETS.addLinkAfterReturn);
    });
  }
});
