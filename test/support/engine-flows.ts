/** Scripted steps shared by engine tests: complete a self-assessment, rate a submitted one. */
import { expect } from 'vitest';
import type { EngineHarness, Person } from './engine.js';

/** Answers every question with plausible values and submits. Works in either language (buttons by index). */
export async function completeSelfAssessment(h: EngineHarness, who: Person, values: number[] = [12, 90, 24]): Promise<void> {
  await h.send(who, '/penilaian');
  const [a] = await h.query<{ n: number }>(
    `select (select count(*) from indicator i where i.cycle_id = a.cycle_id and i.kind = 'hasil_kerja')
          + (select count(*) from employee_target t where t.employee_id = a.employee_id and t.cycle_id = a.cycle_id) as n
       from assessment a where a.id = ?`,
    [h.assessmentOf[who]],
  );
  const n = Number(a.n);
  const vals = values.length >= n ? values.slice(values.length - n) : values;
  for (let i = 0; i < n; i++) {
    await h.send(who, String(vals[i] ?? 1));
    await h.send(who, 'Uraian pekerjaan yang cukup panjang untuk indikator ini.');
    await h.send(who, 'https://drive.example.go.id/bukti');
  }
  // The summary: the reflection is optional (typed there), "Kirim" (its last button) submits.
  const flat = (await h.lastMessages(who)).flatMap((m) => m.buttons?.flat() ?? []);
  await h.pressToken(who, flat[flat.length - 1].token);
  const [s] = await h.query<{ status: string }>(`select status from assessment where id = ?`, [h.assessmentOf[who]]);
  expect(s.status).toBe('submitted');
}

/** The rater opens the latest review prompt and rates every item `item`, Hasil Kerja as suggested, Perilaku `perilaku`. */
export async function rate(
  h: EngineHarness,
  rater: Person,
  opts: { items: number; item: 0 | 1 | 2; perilaku: 0 | 1 | 2; feedback?: string; confirm?: boolean },
): Promise<void> {
  await h.press(rater, 0); // open review
  for (let i = 0; i < opts.items; i++) await h.press(rater, opts.item);
  await h.press(rater, opts.item); // Hasil Kerja: take the rating at the same index
  await h.press(rater, opts.perilaku);
  await h.press(rater, 0); // skip the behaviour note
  // Feedback: asked when a rating is below expectation, otherwise typed at the summary if wanted.
  if (opts.feedback) await h.send(rater, opts.feedback);
  if (opts.confirm !== false) await h.press(rater, 0); // the summary's first button saves
}
