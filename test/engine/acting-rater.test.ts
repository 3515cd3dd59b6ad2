/**
 * An acting PLT/PLH for the supervisor on the day of submission is the rater: the review prompt and the
 * review reminders planned with it go to the acting official, not to the absent supervisor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineHarness, type EngineHarness } from '../support/engine.js';
import { addActing } from '../support/seed.js';
import { completeSelfAssessment } from '../support/engine-flows.js';

describe('acting PLT/PLH as the rater', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a submission while a PLH acts for the supervisor prompts and reminds the PLH', async () => {
    // The harness clock stands at 1 December 2026; Sari is away from 30 November to 2 December.
    await addActing(h.db.orm.em, { kind: 'plh', actingId: h.ids.plh, forId: h.ids.sari, startsOn: '2026-11-30', endsOn: '2026-12-02' });
    await completeSelfAssessment(h, 'ani');
    expect(await h.lastMessages('sari')).toEqual([]);
    const prompt = await h.lastMessages('plh');
    expect(prompt.map((m) => m.text).join('\n')).toContain('Ani Pegawai (NIP 199001012015032003) telah mengirim penilaian diri');
    expect(prompt.flatMap((m) => m.buttons?.flat() ?? []).map((b) => b.label)).toContain('Tinjau sekarang');

    const reminders = await h.query<{ recipient_id: number; kind: string }>(`select recipient_id, kind from reminder where assessment_id = ? and kind like 'review:%' and status = 'pending'`, [h.assessmentOf.ani]);
    expect(reminders.map((r) => r.kind)).toContain('review:due_today');
    expect(new Set(reminders.map((r) => r.recipient_id))).toEqual(new Set([h.ids.plh]));
  });

  it('after the assignment ends, the next submission prompts and reminds the supervisor of record', async () => {
    h.clock.advance(2 * 24 * 3_600_000); // 3 December: Sari is back
    await completeSelfAssessment(h, 'citra');
    expect(await h.lastText('sari')).toContain('Citra Pegawai');
    expect(await h.lastMessages('plh')).toEqual([]);
    const reminders = await h.query<{ recipient_id: number }>(`select recipient_id from reminder where assessment_id = ? and kind like 'review:%' and status = 'pending'`, [h.assessmentOf.citra]);
    expect(reminders.length).toBeGreaterThan(0);
    expect(new Set(reminders.map((r) => r.recipient_id))).toEqual(new Set([h.ids.sari]));
  });
});
