import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTINUE_ASSESSMENT_TOKEN } from '../../src/engine/tokens.js';
import { createEngineHarness, type EngineHarness } from '../support/engine.js';
import { addActing } from '../support/seed.js';
import { completeSelfAssessment } from '../support/engine-flows.js';

describe('engine reliability', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const count = async (sql: string, params: unknown[] = []) => Number((await h.query<{ n: string }>(`select count(*) as n from (${sql}) x`, params))[0].n);

  it('a replayed event changes nothing and sends nothing twice, also when the replay races the original', async () => {
    await h.send('ani', '/penilaian');
    const ev = h.event('ani', 'text', '10');
    const first = await h.handle(ev);
    expect(first.duplicate).toBe(false);
    expect(first.outboxIds.length).toBeGreaterThan(0);
    const outboxBefore = await count('select 1 from outbox_message');
    const second = await h.handle(ev);
    expect(second).toEqual({ duplicate: true, outboxIds: [] });
    expect(await count('select 1 from outbox_message')).toBe(outboxBefore);

    const ev2 = h.event('ani', 'text', 'Uraian yang cukup panjang untuk indikator.');
    const results = await Promise.all([h.engine.handle(ev2), h.engine.handle(ev2), h.engine.handle(ev2)]);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await count('select 1 from outbox_message')).toBe(outboxBefore + results.find((r) => !r.duplicate)!.outboxIds.length);
    const [c] = await h.query<{ step: string }>(`select step from conversation where platform = 'telegram' and platform_user_id = '1001'`);
    expect(c.step).toBe('evidence');
  });

  it('two concurrent presses of one button (a double click) give exactly one transition; the other is acknowledged silently', async () => {
    const [msg] = (await h.allMessages('ani')).slice(-1);
    const skip = msg.buttons!.flat()[0];
    const a = h.event('ani', 'action', skip.token);
    const b = h.event('ani', 'action', skip.token);
    const before = await count('select 1 from outbox_message');
    await Promise.all([h.engine.handle(a), h.engine.handle(b)]);
    const texts = (await h.query<{ t: string }>(`select payload->>'text' as t from outbox_message where id > ? order by id`, [0])).slice(before).map((r) => r.t);
    expect(texts.filter((t) => t.includes('Indikator 2 dari 3'))).toHaveLength(1); // the transition only
    expect(texts.filter((t) => t.includes('sudah tidak berlaku'))).toHaveLength(0);
    const [ans] = await h.query<{ evidence_skipped: boolean }>(`select evidence_skipped from answer where assessment_id = ? and item_key like 'tgt:%'`, [h.assessmentOf.ani]);
    expect(ans.evidence_skipped).toBe(true);
  });

  it('a restart (new engine on the same database) resumes at the last committed step', async () => {
    h.restart();
    await h.send('ani', '/penilaian');
    expect(await h.lastText('ani')).toContain('Indikator 2 dari 3');
    h.restart();
    await h.send('ani', '88');
    expect(await h.lastText('ani')).toContain('Ceritakan singkat');
  });

  it('stale, foreign and forged tokens get a clear message and change nothing', async () => {
    const before = await h.query<{ state: unknown; version: number }>(`select state, version from conversation where platform_user_id = '1001'`);
    // Citra presses Ani's current button.
    await h.send('ani', '/bantuan'); // no state change, no new buttons
    const aniButtons = (await h.allMessages('ani')).filter((m) => m.buttons?.length);
    const oldToken = aniButtons[0].buttons!.flat()[0].token;
    await h.pressToken('citra', oldToken);
    expect(await h.lastText('citra')).toContain('bukan untuk Anda');
    await h.pressToken('ani', 'forged-token-123');
    expect(await h.lastText('ani')).toContain('bukan untuk Anda');
    const after = await h.query<{ state: unknown; version: number }>(`select state, version from conversation where platform_user_id = '1001'`);
    expect(after[0].state).toEqual(before[0].state);
    await h.pressToken('ani', oldToken);
    const text = await h.lastText('ani');
    expect(text).toContain('sudah tidak berlaku');
    expect(text).toContain('Ceritakan singkat');
  });

  it('the reminder token continues only the presser\'s own assessment', async () => {
    await h.pressToken('citra', CONTINUE_ASSESSMENT_TOKEN);
    const text = await h.lastText('citra');
    expect(text).toContain('Indikator 1 dari 2: Kualitas pelayanan');
    expect(await h.lastMessages('ani')).toEqual([]);
  });

  it('an unexpected error is logged with an id, the user gets that id, and nothing typed before is lost', async () => {
    await h.query(`alter table answer rename to answer_moved`);
    try {
      await h.send('ani', 'Uraian yang cukup panjang untuk indikator dua.');
    } finally {
      await h.query(`alter table answer_moved rename to answer`);
    }
    const text = await h.lastText('ani');
    expect(text).toMatch(/sampaikan kode [0-9a-f]{8} kepada admin/);
    expect(await count(`select 1 from answer where assessment_id = ?`, [h.assessmentOf.ani])).toBe(2);
    await h.send('ani', 'Uraian yang cukup panjang untuk indikator dua.');
    expect(await h.lastText('ani')).toContain('bukti dukung');
  });
});

describe('authorisation', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('an acting PLH gets the prompt and rates; the review records it', async () => {
    await addActing(h.db.orm.em, { kind: 'plh', actingId: h.ids.plh, forId: h.ids.sari, startsOn: '2026-11-30', endsOn: '2026-12-02' });
    await completeSelfAssessment(h, 'budi');
    expect(await h.lastMessages('sari')).toEqual([]);
    expect(await h.lastText('plh')).toContain('Budi Staff');
    await h.send('plh', '/tinjau');
    expect(await h.lastText('plh')).toContain('Budi Staff');
    await h.press('plh', 'Budi Staff');
    await h.press('plh', 'Sesuai');
    await h.press('plh', 'Sesuai');
    await h.press('plh', '(saran)');
    await h.press('plh', 'Sesuai');
    await h.press('plh', 'Lewati');
    await h.press('plh', 'Simpan penilaian');
    const [r] = await h.query<{ reviewer_id: number; acting_kind: string; predicate: string }>(`select reviewer_id, acting_kind, predicate from review where assessment_id = ?`, [h.assessmentOf.budi]);
    expect(r).toEqual({ reviewer_id: h.ids.plh, acting_kind: 'plh', predicate: 'baik' });
    expect(await h.lastText('budi')).toContain('Good (Baik)');
  });

  it('authority is re-checked at every step: an expired acting assignment stops the review mid-way', async () => {
    await completeSelfAssessment(h, 'citra');
    await h.press('plh', 'Tinjau sekarang');
    await h.press('plh', 'Sesuai');
    h.clock.advance(3 * 24 * 3_600_000); // past 2 December: no longer acting
    await h.press('plh', 'Sesuai');
    expect(await h.lastText('plh')).toContain('tidak berwenang');
    const [a] = await h.query<{ status: string }>(`select status from assessment where id = ?`, [h.assessmentOf.citra]);
    expect(a.status).toBe('submitted');
    // The supervisor of record can always rate; the PLH's prompt does not reach her, /tinjau does.
    await h.send('sari', '/tinjau');
    expect(await h.lastText('sari')).toContain('Citra Pegawai');
  });

  it('nobody else can open, rate or post in an assessment that is not theirs', async () => {
    const plhPrompt = (await h.allMessages('plh')).filter((m) => m.text.includes('Citra Pegawai') && m.buttons?.length)[0];
    const token = plhPrompt.buttons!.flat()[0].token;
    for (const who of ['kepala', 'hr', 'ani'] as const) {
      await h.pressToken(who, token);
      expect(await h.lastText(who)).toContain('bukan untuk Anda');
      await h.send(who, 'Boleh saya lihat?', { threadKey: h.threadKeyOf.citra });
      expect(await h.lastText(who)).toContain('tidak dapat membalas');
      await h.send(who, '/tinjau');
      expect(await h.lastText(who)).not.toContain('Citra');
    }
    expect(await h.lastMessages('citra')).toEqual([]);
    const [a] = await h.query<{ status: string }>(`select status from assessment where id = ?`, [h.assessmentOf.citra]);
    expect(a.status).toBe('submitted');
  });
});
