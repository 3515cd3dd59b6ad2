import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANNOUNCE_CHAT, createEngineHarness, type EngineHarness } from '../support/engine.js';
import { completeSelfAssessment, rate } from '../support/engine-flows.js';
import { verifyAuditChain } from '../../src/db/audit.js';
import { txOf } from '../../src/db/sql.js';

describe('supervisor review, result and follow-up', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('rates all above: suggestion with reasoning, Sangat Baik told privately as provisional, nothing public before announce', async () => {
    await completeSelfAssessment(h, 'ani');
    await h.send('sari', '/tinjau');
    expect(await h.lastText('sari')).toContain('Ani Pegawai');
    await h.press('sari', 'Ani Pegawai');
    let text = await h.lastText('sari');
    expect(text).toContain('Penilaian diri Ani Pegawai');
    expect(text).toContain('capaian 100%');
    expect(text).toContain('Indikator 1 dari 3');
    for (let i = 0; i < 3; i++) await h.press('sari', 'Di atas ekspektasi');
    text = await h.lastText('sari');
    expect(text).toContain('Saran Hasil Kerja: Di atas ekspektasi');
    expect(text).toContain('3 di atas, 0 sesuai, 0 di bawah ekspektasi dari 3 indikator');
    await h.press('sari', '(saran)');
    expect(await h.lastText('sari')).toContain('BerAKHLAK');
    await h.press('sari', 'Di atas ekspektasi');
    await h.press('sari', 'Lewati');
    await h.send('sari', 'Terus pertahankan kualitas layanan yang sangat baik.');
    text = await h.lastText('sari');
    expect(text).toContain('Predikat: Sangat Baik');
    await h.press('sari', 'Simpan penilaian');
    expect(await h.lastText('sari')).toContain('Predikat Ani Pegawai: Sangat Baik');

    const [a] = await h.query<{ status: string; predicate: string; matrix_version: string; hasil_kerja: string }>(
      `select status, predicate, matrix_version, hasil_kerja from assessment where id = ?`,
      [h.assessmentOf.ani],
    );
    expect(a).toEqual({ status: 'reviewed', predicate: 'sangat_baik', matrix_version: 'permenpanrb-6-2022-v1', hasil_kerja: 'di_atas' });
    const reviews = await h.query<{ outcome: string; round: number; predicate: string; suggested_hasil_kerja: string }>(
      `select outcome, round, predicate, suggested_hasil_kerja from review where assessment_id = ?`,
      [h.assessmentOf.ani],
    );
    expect(reviews).toEqual([{ outcome: 'rated', round: 1, predicate: 'sangat_baik', suggested_hasil_kerja: 'di_atas' }]);
    const rated = await h.query(`select 1 from answer where assessment_id = ? and supervisor_rating = 'di_atas'`, [h.assessmentOf.ani]);
    expect(rated).toHaveLength(3);

    // One message: the ratings, the feedback and the predikat, marked provisional; no award yet, nothing public.
    const ani = await h.lastMessages('ani');
    expect(ani).toHaveLength(1);
    expect(ani[0].text).toContain('(sementara, menunggu penetapan)');
    expect(ani[0].text).toContain('Hasil Kerja: Di atas ekspektasi');
    expect(ani[0].text).toContain('Predikat: Sangat Baik');
    expect(ani[0].text).toContain('Umpan balik atasan: Terus pertahankan');
    expect(ani[0].text).not.toContain('Selamat');
    expect(await h.lastMessages(`telegram:${ANNOUNCE_CHAT}`)).toEqual([]);
    expect(await h.query(`select kind from follow_up where assessment_id = ?`, [h.assessmentOf.ani])).toEqual([]);
  });

  it('requires feedback when a rating is below, then coaching: private notice and a plan with check-ins (English employee)', async () => {
    await completeSelfAssessment(h, 'budi', [40, 48]);
    await h.press('sari', 0);
    await h.press('sari', 'Di bawah');
    await h.press('sari', 'Di bawah');
    expect(await h.lastText('sari')).toContain('Saran Hasil Kerja: Di bawah ekspektasi');
    await h.press('sari', '(saran)');
    await h.press('sari', 'Sesuai');
    await h.press('sari', 'Lewati');
    const ask = await h.lastMessages('sari');
    expect(ask[0].text).toContain('Wajib');
    expect(ask[0].buttons ?? []).toEqual([]);
    await h.send('sari', 'kurang');
    expect(await h.lastText('sari')).toContain('Uraian terlalu pendek (6 karakter)');
    await h.send('sari', 'Kecepatan respons perlu ditingkatkan secara nyata.');
    expect(await h.lastText('sari')).toContain('Predikat: Butuh Perbaikan');
    await h.press('sari', 'Simpan penilaian');
    expect(await h.lastText('sari')).toContain('Tulis rencana pembinaan');

    const budi = await h.lastMessages('budi');
    expect(budi).toHaveLength(1);
    expect(budi[0].text).toContain('Performance result Triwulan IV 2026 (provisional, awaiting confirmation');
    expect(budi[0].text).toContain('Rating: Needs Improvement (Butuh Perbaikan)');
    expect(budi[0].text).toContain('coaching plan');
    expect(await h.lastMessages(`telegram:${ANNOUNCE_CHAT}`)).toEqual([]);

    // The rater may leave and come back to the plan through /tinjau.
    await h.send('sari', '/batal');
    await h.send('sari', '/tinjau');
    expect(await h.lastText('sari')).toContain('Budi Staff (Triwulan IV 2026): rencana pembinaan belum ditulis');
    await h.press('sari', 'Rencana pembinaan Budi Staff');
    expect(await h.lastText('sari')).toContain('Tulis rencana pembinaan');
    await h.send('sari', 'Pendampingan mingguan untuk mempercepat respons pengaduan.');
    expect(await h.lastText('sari')).toContain('15 Desember 2026');
    await h.send('sari', '2026-12-10');
    expect(await h.lastText('sari')).toContain('10 Desember 2026');
    expect(await h.lastText('budi')).toContain('Follow-up meetings: 10 December 2026, 24 December 2026.');
    const [fu] = await h.query<{ id: number; kind: string; plan: string; first_check_in: string }>(
      `select id, kind, plan, to_char(first_check_in, 'YYYY-MM-DD') as first_check_in from follow_up where assessment_id = ?`,
      [h.assessmentOf.budi],
    );
    expect(fu).toMatchObject({ kind: 'coaching', first_check_in: '2026-12-10' });
    const checkIns = await h.query<{ d: string }>(`select to_char(due_on, 'YYYY-MM-DD') as d from check_in where follow_up_id = ? order by due_on`, [fu.id]);
    expect(checkIns.map((c) => c.d)).toEqual(['2026-12-10', '2026-12-24']);

    // The follow-up job's check-in message carries rating buttons; only Budi may rate his session, once.
    const [ck] = await h.query<{ id: number }>(`select id from check_in where follow_up_id = ? order by due_on limit 1`, [fu.id]);
    await h.pressToken('ani', `checkin-rating:${ck.id}:1`);
    expect(await h.lastText('ani')).toContain('bukan untuk Anda');
    // Two statements, two scores: the message's buttons rate "I felt heard", then the second is asked.
    await h.pressToken('budi', `checkin-rating:${ck.id}:4`);
    expect(await h.lastText('budi')).toContain('Statement 2 of 2: "I know what to do next."');
    await h.press('budi', '3');
    expect(await h.lastText('budi')).toContain('felt heard 4 out of 5, know what to do next 3 out of 5');
    await h.pressToken('budi', `checkin-rating:${ck.id}:2`);
    expect(await h.lastText('budi')).toContain('already rated');
    const [rated] = await h.query<{ employee_rating: number; employee_rating_next: number }>(`select employee_rating, employee_rating_next from check_in where id = ?`, [ck.id]);
    expect(rated).toEqual({ employee_rating: 4, employee_rating_next: 3 });
  });

  it('returns for revision with a note; the employee edits and resubmits; both rounds are kept; opt-out stops the announcement', async () => {
    await h.send('citra', '/pengumuman');
    await h.press('citra', 'Jangan umumkan');
    await completeSelfAssessment(h, 'citra');
    await h.press('sari', 0);
    await h.press('sari', 'Kembalikan untuk revisi');
    await h.send('sari', 'Lengkapi bukti dukung untuk kualitas pelayanan.');
    expect(await h.lastText('sari')).toContain('dikembalikan untuk revisi');
    const citraMsgs = await h.lastMessages('citra');
    expect(citraMsgs[0].text).toContain('Lengkapi bukti dukung');
    let [a] = await h.query<{ status: string; round: number }>(`select status, round from assessment where id = ?`, [h.assessmentOf.citra]);
    expect(a).toEqual({ status: 'returned', round: 2 });

    await h.press('citra', 'Revisi sekarang');
    let text = await h.lastText('citra');
    expect(text).toContain('Lengkapi bukti dukung');
    expect(text).toContain('Ringkasan penilaian diri');
    // One thing at a time: the number typed after "Ubah 1" is the realisasi, then back to the summary.
    await h.press('citra', 'Ubah 1');
    expect(await h.lastText('citra')).toContain('Apa yang diubah pada indikator 1');
    await h.send('citra', '92');
    text = await h.lastText('citra');
    expect(text).toContain('Realisasi 92');
    expect(text).toContain('Ringkasan penilaian diri');
    // A link typed after "Ubah 1" adds evidence; the narrative and the number stay.
    await h.press('citra', 'Ubah 1');
    await h.send('citra', 'https://drive.example.go.id/bukti-baru');
    text = await h.lastText('citra');
    expect(text).toContain('https://drive.example.go.id/bukti-baru');
    expect(text).toContain('Realisasi 92');
    await h.press('citra', 'Kirim');
    expect(await h.lastText('sari')).toContain('(pengajuan ke-2)');

    await rate(h, 'sari', { items: 2, item: 0, perilaku: 0 });
    [a] = await h.query<{ status: string; round: number }>(`select status, round from assessment where id = ?`, [h.assessmentOf.citra]);
    expect(a).toEqual({ status: 'reviewed', round: 2 });
    const rounds = await h.query<{ round: number; outcome: string; return_note: string | null }>(
      `select round, outcome, return_note from review where assessment_id = ? order by round`,
      [h.assessmentOf.citra],
    );
    expect(rounds).toEqual([
      { round: 1, outcome: 'returned', return_note: 'Lengkapi bukti dukung untuk kualitas pelayanan.' },
      { round: 2, outcome: 'rated', return_note: null },
    ]);
    expect(await h.lastText('citra')).toContain('Sangat Baik');
    expect(await h.lastMessages(`telegram:${ANNOUNCE_CHAT}`)).toEqual([]);
  });

  it('relays dialog kinerja messages between owner and rater only, in the same thread', async () => {
    const tk = h.threadKeyOf.ani;
    await h.send('ani', 'Terima kasih atas umpan baliknya, Bu.', { threadKey: tk });
    const toSari = await h.lastMessages('sari');
    expect(toSari).toEqual([expect.objectContaining({ text: 'Ani Pegawai: Terima kasih atas umpan baliknya, Bu.', threadKey: tk })]);
    await h.send('sari', 'Sama-sama, pertahankan.', { threadKey: tk });
    expect(await h.lastMessages('ani')).toEqual([expect.objectContaining({ text: 'Sari Atasan: Sama-sama, pertahankan.', threadKey: tk })]);

    await h.send('citra', 'Saya ikut membaca.', { threadKey: tk });
    expect(await h.lastText('citra')).toContain('tidak dapat membalas');
    expect(await h.lastMessages('ani')).toEqual([]);
    expect(await h.lastMessages('sari')).toEqual([]);
    const stored = await h.query(`select text from thread_message where assessment_id = ? order by id`, [h.assessmentOf.ani]);
    expect(stored).toHaveLength(2);
  });

  it('audits every transition on the shared hash chain, which still verifies', async () => {
    const all = await h.query<{ action: string; subject: string; actor: string; data: Record<string, unknown> }>(`select action, subject, actor, data from audit_event order by id`);
    // Every data change is in the chain too: answers, reflections, ratings with feedback, plans, dialog.
    const own = new Set(['answer.saved', 'reflection.saved', 'review.recorded', 'follow_up.saved', 'dialog.message_posted', 'employee.opt_out_set', 'employee.locale_set', 'check_in.rated']);
    const counts = (action: string) => all.filter((r) => r.action === action).length;
    expect(counts('review.recorded')).toBe(4); // three rated, one returned
    expect(counts('dialog.message_posted')).toBe(2);
    expect(counts('answer.saved')).toBeGreaterThan(10);
    const rated = all.find((r) => r.action === 'review.recorded' && r.data.outcome === 'rated')!;
    expect(rated.data).toMatchObject({ predicate: expect.any(String), feedbackSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const answer = all.find((r) => r.action === 'answer.saved' && r.data.narrativeSha256)!;
    expect(answer.data.narrativeSha256).toMatch(/^[0-9a-f]{64}$/);
    // Texts are digests only: no narrative, feedback or dialog text is in the log.
    const [stored] = await h.query<{ text: string }>(`select text from thread_message order by id limit 1`);
    expect(JSON.stringify(all)).not.toContain(stored!.text);
    const rows = all.filter((r) => !own.has(r.action));
    expect(rows.map((r) => r.action)).toEqual([
      'assessment.submitted',
      'assessment.reviewed',
      'assessment.submitted',
      'assessment.reviewed',
      'coaching.planned',
      'assessment.submitted',
      'assessment.returned',
      'assessment.submitted',
      'assessment.reviewed',
    ]);
    expect(rows[0]).toMatchObject({ subject: `assessment:${h.assessmentOf.ani}`, actor: '199001012015032003' });
    expect(await verifyAuditChain(txOf(h.db.orm.em.fork()))).toBeNull();
  });
});
