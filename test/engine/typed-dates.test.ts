/**
 * Dates in the coaching prompt read the way people write them (issue 13 item 1): the prompt's own example
 * "16 Desember 2026" is accepted, and a refusal gives an example that is itself accepted. Both languages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineHarness, type EngineHarness } from '../support/engine.js';
import { completeSelfAssessment, rate } from '../support/engine-flows.js';

describe('coaching check-in dates as people type them', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
  });
  afterAll(async () => h?.close());

  it('Indonesian: the example of the prompt is accepted; a refused date is answered with an example that works', async () => {
    await completeSelfAssessment(h, 'budi', [40, 48]);
    await rate(h, 'sari', { items: 2, item: 2, perilaku: 1, feedback: 'Kecepatan respons perlu ditingkatkan secara nyata.' });
    await h.send('sari', 'Pendampingan mingguan untuk mempercepat respons pengaduan.');
    const ask = await h.lastText('sari');
    const example = /misalnya (\d{1,2} [A-Za-z]+ \d{4});/.exec(ask)?.[1];
    expect(example).toBe('15 Desember 2026');
    for (const bad of ['besok', '31 Foo 2026', '30 Nov 2026']) {
      await h.send('sari', bad);
      const refusal = await h.lastText('sari');
      expect(refusal).toContain('Tanggal tidak dikenali atau sudah lewat');
      expect(refusal).toContain(`misalnya ${example}.`);
    }
    await h.send('sari', '16 Desember 2026');
    expect(await h.lastText('sari')).toContain('Pertemuan tindak lanjut: 16 Desember 2026, 30 Desember 2026.');
    expect(await h.query(`select 1 from follow_up where assessment_id = ? and kind = 'coaching'`, [h.assessmentOf.budi])).toHaveLength(1);
  });

  it('English: a date in the past is refused with an example, and that example is accepted as it is', async () => {
    await h.query(`update employee set locale = 'en' where id = ?`, [h.ids.sari]);
    await completeSelfAssessment(h, 'ani', [1, 1, 1]);
    await rate(h, 'sari', { items: 3, item: 2, perilaku: 1, feedback: 'Response speed needs to improve noticeably.' });
    await h.send('sari', 'Weekly mentoring to speed up replies to complaints.');
    expect(await h.lastText('sari')).toContain('When are the follow-up meetings?');
    await h.send('sari', '30 November 2026');
    const refusal = await h.lastText('sari');
    expect(refusal).toContain('I could not read that date');
    const example = /for example (\d{1,2} [A-Za-z]+ \d{4})\./.exec(refusal)?.[1];
    expect(example).toBe('15 December 2026');
    await h.send('sari', example!);
    expect(await h.lastText('sari')).toContain('Follow-up meetings: 15 December 2026, 29 December 2026.');
  });
});
