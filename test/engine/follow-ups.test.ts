/**
 * Engine behaviour the chat adapters rely on: text in an assessment's thread that answers the current
 * question, prompts that lose their buttons once answered, the Slack item form, reminders on submission and
 * return, old buttons, a supervisor told of waiting reviews when linking, and HR's read-only /lihat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashCode } from '../../src/engine/load.js';
import { createEngineHarness, PEOPLE, type EngineHarness } from '../support/engine.js';
import { linkChat } from '../support/seed.js';
import { completeSelfAssessment } from '../support/engine-flows.js';

describe('engine follow-ups', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const answerOf = async (who: 'ani' | 'citra', key: string) =>
    (await h.query<{ realisasi: string | null; narrative: string | null }>(`select realisasi, narrative from answer where assessment_id = ? and item_key = ?`, [h.assessmentOf[who], key]))[0];
  const threadCount = async () => Number((await h.query<{ n: string }>(`select count(*) as n from thread_message`))[0].n);

  it('text replying to the current question (same assessment thread) is the answer, not a dialog message', async () => {
    await h.send('ani', '/penilaian');
    const tk = h.threadKeyOf.ani;
    await h.send('ani', '12', { threadKey: tk });
    expect(await h.lastText('ani')).toContain('Ceritakan singkat');
    await h.send('ani', 'Menyusun dua belas laporan layanan tepat waktu.', { threadKey: tk });
    expect(await h.lastText('ani')).toContain('bukti dukung');
    const [tgt] = await h.query<{ id: number }>(`select id from employee_target where employee_id = ?`, [h.ids.ani]);
    const saved = await answerOf('ani', `tgt:${tgt.id}`);
    expect([Number(saved.realisasi), saved.narrative]).toEqual([12, 'Menyusun dua belas laporan layanan tepat waktu.']);
    expect(await threadCount()).toBe(0);
    expect(await h.lastMessages('sari')).toEqual([]);
  });

  it('a pressed button disappears: its prompt is edited to show the choice; a later press of it is stale', async () => {
    const prompt = (await h.allMessages('ani')).filter((m) => m.buttons?.length).at(-1)!;
    expect(prompt.text).toContain('bukti dukung');
    await h.press('ani', 'Lewati');
    const [edit] = await h.lastEdits('ani');
    expect(edit.replaceOutboxId).toBe(prompt.outboxId);
    expect(edit.buttons).toBeUndefined();
    expect(edit.text).toBe(`${prompt.text}\n✓ Lewati`);
    expect(edit.threadKey).toBe(prompt.threadKey);
    // The edit goes out first, then the next question.
    expect(edit.outboxId).toBeLessThan((await h.lastMessages('ani'))[0].outboxId);
    // Pressed again later (not the second press of a double click, which is silent: no-leftovers.test.ts).
    h.clock.advance(60_000);
    await h.pressToken('ani', prompt.buttons![0][0].token);
    expect(await h.lastText('ani')).toContain('sudah tidak berlaku');
    expect(await h.lastEdits('ani')).toEqual([]);
  });

  it('a text in the thread while the step expects a button is a dialog message, confirmed to the sender', async () => {
    // Ani is at indicator 2's realisasi; Sari (idle) writes in Ani's thread: relayed and confirmed.
    await h.send('sari', 'Semangat, Ani. Jangan lupa lampirkan bukti.', { threadKey: h.threadKeyOf.ani });
    expect(await h.lastText('sari')).toBe('Pesan diteruskan.');
    expect(await h.lastText('ani')).toBe('Sari Atasan: Semangat, Ani. Jangan lupa lampirkan bukti.');
    expect(await threadCount()).toBe(1);
    // Citra is at a realisasi step of her own assessment; text in another assessment's thread is not an
    // answer (and not hers to post in).
    await h.send('citra', '/penilaian');
    await h.send('citra', '95', { threadKey: h.threadKeyOf.ani });
    expect(await h.lastText('citra')).toContain('tidak dapat membalas pesan');
    expect(await h.query(`select 1 from answer where assessment_id = ?`, [h.assessmentOf.citra])).toEqual([]);
  });

  it('submission cancels only the employee\'s reminders and plans the rater\'s; return for revision cancels the rater\'s', async () => {
    const due = new Date('2027-01-04T02:00:00Z');
    await h.query(
      `insert into reminder (assessment_id, recipient_id, audience, kind, due_at, local_date, status) values (?, ?, 'employee', 'self:h-1', ?, '2027-01-04', 'pending'),
              (?, ?, 'employee', 'self:h-1', ?, '2027-01-04', 'pending')`,
      [h.assessmentOf.ani, h.ids.ani, due, h.assessmentOf.citra, h.ids.citra, due],
    );
    // Ani finishes the two remaining indicators and submits.
    for (const value of ['90', '24']) {
      await h.send('ani', value);
      await h.send('ani', 'Uraian pekerjaan yang cukup panjang untuk indikator ini.');
      await h.send('ani', 'https://drive.example.go.id/bukti');
    }
    await h.press('ani', 'Kirim');
    const rows = await h.query<{ assessment_id: number; recipient_id: number; kind: string; status: string }>(
      `select assessment_id, recipient_id, kind, status from reminder order by id`,
    );
    expect(rows.filter((r) => r.kind === 'self:h-1').map((r) => [r.assessment_id, r.status])).toEqual([
      [h.assessmentOf.ani, 'cancelled'],
      [h.assessmentOf.citra, 'pending'],
    ]);
    const review = rows.filter((r) => r.kind.startsWith('review:'));
    expect(review.length).toBeGreaterThan(0);
    expect(review.every((r) => r.recipient_id === h.ids.sari && r.status === 'pending' && r.assessment_id === h.assessmentOf.ani)).toBe(true);

    // The "Tinjau sekarang" button of the prompt in Sari's chat disappears once pressed.
    const prompt = (await h.allMessages('sari')).filter((m) => m.buttons?.flat().some((b) => b.label === 'Tinjau sekarang')).at(-1)!;
    await h.press('sari', 'Tinjau sekarang');
    const [edit] = await h.lastEdits('sari');
    expect(edit).toMatchObject({ replaceOutboxId: prompt.outboxId, text: `${prompt.text}\n✓ Tinjau sekarang` });

    // Sari is at "rate" (buttons only): a text in Ani's thread is dialog, not an answer.
    await h.send('sari', 'Saya baca dulu ya, Ani.', { threadKey: h.threadKeyOf.ani });
    expect(await h.lastText('ani')).toBe('Sari Atasan: Saya baca dulu ya, Ani.');
    await h.press('sari', 'Kembalikan untuk revisi');
    // The return note, typed in the thread of the assessment under review, is the answer.
    await h.send('sari', 'Mohon lengkapi bukti untuk indikator kedua.', { threadKey: h.threadKeyOf.ani });
    expect(await h.lastText('sari')).toContain('dikembalikan');
    const [a] = await h.query<{ status: string }>(`select status from assessment where id = ?`, [h.assessmentOf.ani]);
    expect(a.status).toBe('returned');
    const left = await h.query(`select 1 from reminder where assessment_id = ? and kind like 'review:%' and status = 'pending'`, [h.assessmentOf.ani]);
    expect(left).toEqual([]);
  });

  it('an own button from long ago is "no longer valid"; someone else\'s is "not for you"', async () => {
    const first = (await h.allMessages('ani')).find((m) => m.buttons?.length)!;
    const old = first.buttons![0][0].token;
    await h.pressToken('ani', old);
    expect(await h.lastText('ani')).toContain('sudah tidak berlaku');
    await h.pressToken('budi', old);
    expect(await h.lastText('budi')).toContain('not yours');
  });

  it('a supervisor linking another account with reviews waiting is told at once, with a button per review', async () => {
    await completeSelfAssessment(h, 'citra');
    await h.query(`insert into link_code (employee_id, code_hash, expires_at) values (?, ?, ?)`, [h.ids.sari, hashCode('SARI2LINK9X'), new Date(h.clock.now().getTime() + 3_600_000)]);
    await h.send('slack:USARI', 'link SARI2LINK9X');
    const msgs = await h.lastMessages('slack:USARI');
    expect(msgs[0].text).toContain('tertaut');
    expect(msgs[1].text).toContain('Citra Pegawai');
    await h.press('slack:USARI', 'Citra Pegawai');
    expect(await h.lastText('slack:USARI')).toContain('Penilaian diri Citra Pegawai');
  });

  it('/lihat NIP lets an HR admin read an assessment, audited; anyone else is refused', async () => {
    await h.send('hr', `/lihat ${PEOPLE.citra.nip}`);
    const text = await h.lastText('hr');
    expect(text).toContain('Penilaian Citra Pegawai');
    expect(text).toContain('Status: terkirim, menunggu tinjauan');
    expect(text).toContain('capaian');
    const audit = await h.query<{ actor: string; subject: string }>(`select actor, subject from audit_event where action = 'assessment.viewed_by_admin'`);
    expect(audit).toEqual([{ actor: PEOPLE.hr.nip, subject: `assessment:${h.assessmentOf.citra}` }]);
    await h.send('hr', '/lihat 123');
    expect(await h.lastText('hr')).toContain('NIP 18 digit');
    await h.send('budi', `/view ${PEOPLE.citra.nip}`);
    expect(await h.lastText('budi')).toContain('HR admins only');
    await h.send('ani', `/lihat ${PEOPLE.citra.nip}`);
    expect(await h.lastText('ani')).toContain('hanya untuk admin');
  });
});

describe('Slack item form', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
    await linkChat(h.db.orm.em, h.ids.citra, { platform: 'slack', userId: 'UCITRA' });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('offers realisasi + narrative as a form; invalid fields come back inline, valid ones are saved, nothing typed is lost', async () => {
    await h.send('slack:UCITRA', '/penilaian');
    const msgs = await h.lastMessages('slack:UCITRA');
    const offer = msgs.find((m) => m.form)!;
    expect(offer.form!.fields.map((f) => f.id)).toEqual(['realisasi', 'narasi']);
    expect(msgs.some((m) => m.text.includes('Indikator 1 dari 2') && !m.form)).toBe(true);
    const submit = (values: Record<string, string>) => h.handle(h.event('slack:UCITRA', 'action', offer.form!.token, { args: [JSON.stringify(values)] }));

    let res = await submit({ realisasi: 'sembilan puluh', narasi: 'Survei kepuasan naik karena antrean dipercepat.' });
    expect(res.formErrors).toEqual({ realisasi: expect.stringContaining('"sembilan puluh" bukan angka') });
    expect(await h.lastMessages('slack:UCITRA')).toEqual([]);
    const [saved] = await h.query<{ realisasi: string | null; narrative: string }>(`select realisasi, narrative from answer where assessment_id = ?`, [h.assessmentOf.citra]);
    expect(saved).toEqual({ realisasi: null, narrative: 'Survei kepuasan naik karena antrean dipercepat.' });

    res = await submit({ realisasi: '92,5', narasi: 'pendek' });
    expect(res.formErrors).toEqual({ narasi: expect.stringContaining('terlalu pendek') });
    res = await submit({ realisasi: '92,5', narasi: 'Survei kepuasan naik karena antrean dipercepat.' });
    expect(res.formErrors).toBeUndefined();
    expect(await h.lastText('slack:UCITRA')).toContain('bukti dukung');
    const [done] = await h.query<{ realisasi: string }>(`select realisasi from answer where assessment_id = ?`, [h.assessmentOf.citra]);
    expect(Number(done.realisasi)).toBe(92.5);
    // The typed path still works for the next indicator, and its form shows saved values when editing.
    await h.press('slack:UCITRA', 'Lewati');
    await h.send('slack:UCITRA', '20');
    expect(await h.lastText('slack:UCITRA')).toContain('Ceritakan singkat');
  });
});
