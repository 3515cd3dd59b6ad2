/**
 * Objection (keberatan): within the window after the announcement an employee objects once (reason, optional
 * evidence link, summary to confirm); the rater's superior (acting PLT/PLH honoured, HR when there is none)
 * upholds or changes the ratings with a written reason; everyone concerned is told, the record keeps the
 * original and the decision, reminders and the HR escalation run through the reminder sweep. Every bad input
 * gets a clear message and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { verifyAuditChain } from '../../src/db/audit.js';
import { txOf } from '../../src/db/sql.js';
import { sweepDueReminders } from '../../src/jobs/reminder-sweep.js';
import { createEngineHarness, T0, type EngineHarness, type Person } from '../support/engine.js';
import { addActing } from '../support/seed.js';
import { testConfig } from '../jobs/helpers.js';

const MATRIX = 'permenpanrb-6-2022-v1';
const REASON = 'Target laporan sekolah terlampaui dan sudah saya lampirkan buktinya.';
const DECISION = 'Bukti realisasi menunjukkan hasil kerja di atas ekspektasi.';

describe('objection (keberatan)', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Puts `who`'s assessment in the state an announcement leaves: rated by `rater` with these ratings. */
  async function rated(who: Person, rater: Person, r: { hasil: string; perilaku: string; predicate: string; feedback?: string }) {
    await h.query(`update assessment set status = 'announced', hasil_kerja = ?, perilaku = ?, predicate = ?, matrix_version = ?, reviewed_at = ? where id = ?`, [
      r.hasil, r.perilaku, r.predicate, MATRIX, T0, h.assessmentOf[who],
    ]);
    await h.query(
      `insert into review (assessment_id, round, reviewer_id, outcome, indicator_ratings, hasil_kerja, perilaku, feedback, predicate, matrix_version, created_at)
       values (?, 1, ?, 'rated', '{}', ?, ?, ?, ?, ?, ?)`,
      [h.assessmentOf[who], h.ids[rater], r.hasil, r.perilaku, r.feedback ?? null, r.predicate, MATRIX, T0],
    );
  }
  const objections = () =>
    h.query<{ assessment_id: number; status: string; reason: string; evidence_url: string | null; decider_id: number | null; rated_by_id: number; original_predicate: string; new_predicate: string | null; new_hasil_kerja: string | null; decision: string | null; decided_by_id: number | null; due_on: string; decision_reason: string | null; escalated_at: Date | null }>(
      `select assessment_id, status, reason, evidence_url, decider_id, rated_by_id, original_predicate, new_predicate, new_hasil_kerja, decision, decided_by_id,
              to_char(due_on, 'YYYY-MM-DD') as due_on, decision_reason, escalated_at from objection order by id`,
    );
  const assessment = async (who: Person) =>
    (await h.query<{ hasil_kerja: string; perilaku: string; predicate: string; version: number }>(`select hasil_kerja, perilaku, predicate, version from assessment where id = ?`, [h.assessmentOf[who]]))[0];
  const audits = async (action: string) => h.query<{ subject: string; data: Record<string, unknown> }>(`select subject, data from audit_event where action = ? order by id`, [action]);

  it('before the results are announced there is nothing to object to', async () => {
    await h.send('ani', '/keberatan');
    expect(await h.lastText('ani')).toContain('Belum ada hasil penilaian Anda yang diumumkan');
    await h.send('budi', '/objection');
    expect(await h.lastText('budi')).toContain('None of your results has been announced yet');
    expect(await objections()).toEqual([]);
  });

  it('after the announcement /status offers the objection until the window\'s last day', async () => {
    await rated('ani', 'sari', { hasil: 'sesuai', perilaku: 'sesuai', predicate: 'baik', feedback: 'Pertahankan ketepatan waktu laporan.' });
    await rated('budi', 'sari', { hasil: 'sesuai', perilaku: 'di_atas', predicate: 'baik' });
    await h.query(`update cycle set status = 'announced', announced_at = ? where id = ?`, [T0, h.cycleId]);
    await h.send('ani', '/status');
    expect(await h.lastText('ani')).toContain('Anda dapat mengajukan keberatan dengan /keberatan sampai 15 Desember 2026');
    await h.send('budi', '/status');
    expect(await h.lastText('budi')).toContain('you may object with /keberatan until 15 December 2026');
  });

  it('an empty or short reason and a bad link are refused with the question again; nothing is filed', async () => {
    await h.send('ani', '/keberatan');
    const intro = await h.lastText('ani');
    expect(intro).toContain('Hasil Kerja: Sesuai ekspektasi; Perilaku Kerja: Sesuai ekspektasi; predikat: Baik.');
    expect(intro).toContain('diputuskan oleh Kepala Dinas');
    expect(intro).toContain('Tulis alasan keberatan');
    await h.send('ani', '   ');
    expect(await h.lastText('ani')).toContain('Teks terlalu pendek (0 karakter). Tulis paling sedikit 10 karakter.');
    await h.send('ani', 'tidak adil');
    expect(await h.lastText('ani')).toContain('Kirim tautan bukti dukung');
    await h.send('ani', '/batal');
    await h.send('ani', '/keberatan');
    await h.send('ani', 'x'.repeat(2001));
    expect(await h.lastText('ani')).toContain('Teks terlalu panjang (2001 karakter)');
    await h.send('ani', 'kurang');
    expect(await h.lastText('ani')).toContain('Teks terlalu pendek (6 karakter)');
    await h.send('ani', REASON);
    await h.send('ani', 'bukan tautan');
    expect(await h.lastText('ani')).toContain('Itu bukan tautan yang lengkap');
    expect(await objections()).toEqual([]);
  });

  it('the employee confirms the summary: the objection goes to the rater\'s superior with the case, the rater is told', async () => {
    await h.send('ani', 'https://drive.example.go.id/bukti-keberatan');
    const summary = await h.lastText('ani');
    expect(summary).toContain(`Alasan: ${REASON}`);
    expect(summary).toContain('Bukti dukung: https://drive.example.go.id/bukti-keberatan');
    await h.press('ani', 'Ajukan keberatan');
    expect(await h.lastText('ani')).toContain('Keberatan Anda sudah dikirim kepada Kepala Dinas, yang akan memutuskan paling lambat 15 Desember 2026');
    const [o] = await objections();
    expect(o).toMatchObject({ assessment_id: h.assessmentOf.ani, status: 'open', reason: REASON, evidence_url: 'https://drive.example.go.id/bukti-keberatan', decider_id: h.ids.kepala, rated_by_id: h.ids.sari, original_predicate: 'baik', due_on: '2026-12-15' });
    const prompt = await h.lastText('kepala');
    expect(prompt).toContain('Keberatan dari Ani Pegawai (NIP 199001012015032003)');
    expect(prompt).toContain('dinilai oleh Sari Atasan');
    expect(prompt).toContain('predikat: Baik.');
    expect(prompt).toContain('Umpan balik pejabat penilai: Pertahankan ketepatan waktu laporan.');
    expect(prompt).toContain(`Alasan keberatan: ${REASON}`);
    expect((await h.lastMessages('kepala'))[0].buttons?.flat().map((b) => b.label)).toEqual(['Pertahankan penilaian', 'Ubah penilaian']);
    expect(await h.lastText('sari')).toContain('Ani Pegawai mengajukan keberatan atas penilaian Anda');
    expect((await audits('objection.filed')).map((a) => a.subject)).toEqual([`assessment:${h.assessmentOf.ani}`]);
    const reminders = await h.query<{ recipient_id: number; audience: string; kind: string }>(`select recipient_id, audience, kind from reminder where assessment_id = ? order by due_at`, [h.assessmentOf.ani]);
    expect(reminders.map((r) => r.kind)).toEqual(['objection:h_minus_7', 'objection:h_minus_3', 'objection:h_minus_1', 'objection:due_today', 'objection:escalate_hr']);
    expect(reminders.at(-1)).toMatchObject({ recipient_id: h.ids.ani, audience: 'hr' });
    expect(reminders[0]).toMatchObject({ recipient_id: h.ids.kepala, audience: 'employee' });
  });

  it('a second objection to the same assessment is refused', async () => {
    await h.send('ani', '/keberatan alasan lain yang juga panjang sekali');
    expect(await h.lastText('ani')).toContain('Anda sudah mengajukan keberatan atas hasil periode Triwulan IV 2026; satu penilaian hanya dapat diajukan keberatan sekali');
    expect(await objections()).toHaveLength(1);
  });

  it('someone who is not the superior cannot decide: a forged button, or a decision button they hold', async () => {
    const token = (await h.allMessages('kepala')).filter((m) => m.buttons?.length).at(-1)!.buttons![0][1].token;
    await h.pressToken('citra', token);
    expect(await h.lastText('citra')).toContain('Tombol itu bukan untuk Anda');
    // Putra holds a decision button of his own (as if sent to him earlier) but is not Sari's superior.
    const forged = `${h.ids.plh.toString(36)}.forgedobjection1`;
    await h.query(
      `insert into conversation (platform, platform_user_id, employee_id, state, version) values ('telegram', '5001', ?, jsonb_build_object('inbox', ?::jsonb, 'tokens', '{}'::jsonb, 'stale', '[]'::jsonb), 1)
       on conflict (platform, platform_user_id) do update set state = excluded.state`,
      [h.ids.plh, JSON.stringify({ [forged]: { a: 'objection_decide', id: h.assessmentOf.ani, d: 'change' } })],
    );
    await h.pressToken('plh', forged);
    expect(await h.lastText('plh')).toContain('Anda tidak berwenang memutuskan keberatan ini, jadi tidak ada yang diubah');
    // /keberatan NIP shows the case only to who may decide it.
    await h.send('citra', '/keberatan 199001012015032003');
    expect(await h.lastText('citra')).toContain('Anda tidak berwenang');
    expect((await objections())[0]).toMatchObject({ status: 'open', decision: null });
    expect(await assessment('ani')).toMatchObject({ predicate: 'baik' });
  });

  it('the superior changes the ratings with a written reason: predikat by the matrix, everyone told, original kept', async () => {
    await h.press('kepala', 'Ubah penilaian');
    expect(await h.lastText('kepala')).toContain('Hasil Kerja baru untuk Ani Pegawai');
    await h.press('kepala', 'Di atas ekspektasi');
    expect(await h.lastText('kepala')).toContain('Perilaku Kerja baru');
    await h.press('kepala', 'Di atas ekspektasi');
    expect(await h.lastText('kepala')).toContain('Tulis alasan perubahan penilaian');
    await h.send('kepala', 'singkat');
    expect(await h.lastText('kepala')).toContain('Teks terlalu pendek (7 karakter)');
    expect((await objections())[0].status).toBe('open');
    await h.send('kepala', DECISION);
    const summary = await h.lastText('kepala');
    expect(summary).toContain('Sebelumnya: Hasil Kerja: Sesuai ekspektasi; Perilaku Kerja: Sesuai ekspektasi; predikat: Baik.');
    expect(summary).toContain('Menjadi: Hasil Kerja: Di atas ekspektasi; Perilaku Kerja: Di atas ekspektasi; predikat: Sangat Baik.');
    const before = await assessment('ani');
    await h.press('kepala', 'Simpan keputusan');
    expect(await h.lastText('kepala')).toContain('Keputusan atas keberatan Ani Pegawai disimpan');
    expect(await assessment('ani')).toEqual({ hasil_kerja: 'di_atas', perilaku: 'di_atas', predicate: 'sangat_baik', version: before.version + 1 });
    expect((await objections())[0]).toMatchObject({ status: 'decided', decision: 'changed', decided_by_id: h.ids.kepala, original_predicate: 'baik', new_predicate: 'sangat_baik', new_hasil_kerja: 'di_atas', decision_reason: DECISION });
    expect(await h.lastText('ani')).toContain('Kepala Dinas memutuskan keberatan Anda atas hasil periode Triwulan IV 2026: penilaian diubah.');
    expect(await h.lastText('ani')).toContain('predikat: Sangat Baik.');
    expect(await h.lastText('sari')).toContain('Keberatan Ani Pegawai atas hasil periode Triwulan IV 2026 diputuskan oleh Kepala Dinas: penilaian diubah.');
    expect(await h.lastText('hr')).toContain('diputuskan oleh Kepala Dinas: penilaian diubah');
    expect(await h.query(`select 1 from reminder where assessment_id = ? and status = 'pending'`, [h.assessmentOf.ani])).toEqual([]);
    const [audit] = await audits('objection.decided');
    expect(audit.data).toMatchObject({ decision: 'changed', before: { predicate: 'baik' }, after: { predicate: 'sangat_baik' } });
  });

  it('/status shows the decision; a decided objection cannot be decided again', async () => {
    await h.send('ani', '/status');
    expect(await h.lastText('ani')).toContain('Keberatan Anda diputuskan: penilaian diubah, predikat menjadi Sangat Baik.');
    const token = (await h.allMessages('kepala')).filter((m) => m.text.includes('Keberatan dari Ani') && m.buttons?.length).at(-1)!.buttons![0][0].token;
    await h.pressToken('kepala', token);
    expect(await h.lastText('kepala')).toMatch(/tidak berlaku|sudah diputuskan/);
    await h.send('kepala', '/keberatan 199001012015032003');
    expect(await h.lastText('kepala')).toContain('Keberatan Ani Pegawai sudah diputuskan, jadi tidak ada yang diubah.');
    expect(await objections()).toHaveLength(1);
  });

  it('in English: filing, and the decider upholding with a reason, both sides in their language', async () => {
    // Kepala Dinas reads English for this case; Sari (Indonesian) is told in Indonesian.
    await h.query(`update employee set locale = 'en' where id = ?`, [h.ids.kepala]);
    try {
      await h.send('budi', '/objection The behaviour rating ignores my extra duties this quarter.');
      expect(await h.lastText('budi')).toContain('Send a link to supporting evidence');
      await h.send('budi', 'ftp://files.example/bukti');
      expect(await h.lastText('budi')).toContain('That is not a complete link.');
      await h.press('budi', 'Skip');
      expect(await h.lastText('budi')).toContain('Evidence: -');
      await h.press('budi', 'File objection');
      expect(await h.lastText('budi')).toContain('Your objection has been sent to Kepala Dinas, who will decide by 15 December 2026.');
      expect(await h.lastText('sari')).toContain('Budi Staff mengajukan keberatan atas penilaian Anda');
      const prompt = await h.lastText('kepala');
      expect(prompt).toContain('Objection by Budi Staff (NIP 199102022016031004) to their result for Triwulan IV 2026, rated by Sari Atasan.');
      expect(prompt).toContain('Work results: Meets expectation; work behaviour: Above expectation; rating: Good (Baik).');
      expect(prompt).toContain('Reason for the objection: The behaviour rating ignores my extra duties this quarter.');
      expect(prompt).toContain('Decide by 15 December 2026');
      await h.send('budi', '/status');
      expect(await h.lastText('budi')).toContain('Your objection is being decided; the decision is due by 15 December 2026.');
      await h.press('kepala', 'Uphold ratings');
      expect(await h.lastText('kepala')).toContain('Write why the ratings are upheld (10 to 2000 characters).');
      await h.send('kepala', 'too short');
      expect(await h.lastText('kepala')).toContain('The text is too short (9 characters). Write at least 10 characters.');
      await h.send('kepala', 'Extra duties were already weighed in the behaviour rating.');
      expect(await h.lastText('kepala')).toContain('Decision on the objection of Budi Staff: ratings UPHELD.');
      await h.press('kepala', 'Save decision');
      expect(await h.lastText('kepala')).toContain('Your decision on the objection of Budi Staff is saved.');
      const told = await h.lastText('budi');
      expect(told).toContain('Kepala Dinas decided your objection to your result for Triwulan IV 2026: the ratings are upheld.');
      expect(told).toContain('rating: Good (Baik).');
      expect(await h.lastText('sari')).toContain('Keberatan Budi Staff atas hasil periode Triwulan IV 2026 diputuskan oleh Kepala Dinas: penilaian dipertahankan.');
      expect(await assessment('budi')).toMatchObject({ predicate: 'baik', hasil_kerja: 'sesuai' });
      expect((await objections())[1]).toMatchObject({ status: 'decided', decision: 'upheld', new_predicate: 'baik', original_predicate: 'baik' });
      await h.send('budi', '/status');
      expect(await h.lastText('budi')).toContain('Your objection was decided: the ratings were upheld, your rating stays Good (Baik).');
      await h.send('budi', '/objection');
      expect(await h.lastText('budi')).toContain('Your objection to your result for Triwulan IV 2026 has been decided; an assessment can be objected to only once.');
    } finally {
      await h.query(`update employee set locale = 'id' where id = ?`, [h.ids.kepala]);
    }
  });

  it('an acting PLT for the rater\'s superior decides in their place', async () => {
    await rated('citra', 'sari', { hasil: 'di_bawah', perilaku: 'sesuai', predicate: 'butuh_perbaikan', feedback: 'Perlu meningkatkan ketepatan waktu.' });
    await addActing(h.db.orm.em.fork() as EntityManager, { kind: 'plt', actingId: h.ids.plh, forId: h.ids.kepala, startsOn: '2026-11-25', endsOn: '2026-12-31' });
    await h.send('citra', `/keberatan ${REASON}`);
    await h.press('citra', 'Lewati');
    await h.press('citra', 'Ajukan keberatan');
    expect(await h.lastText('citra')).toContain('dikirim kepada Putra PLH');
    expect(await h.lastText('plh')).toContain('Keberatan dari Citra Pegawai');
    expect((await objections())[2]).toMatchObject({ decider_id: h.ids.plh });
  });

  it('with no superior above the rater, HR decides', async () => {
    // Sari is rated by Kepala Dinas, who has nobody above: the objection goes to HR (Hana).
    await rated('sari', 'kepala', { hasil: 'sesuai', perilaku: 'di_bawah', predicate: 'kurang' });
    await h.send('sari', `/keberatan ${REASON}`);
    await h.press('sari', 'Lewati');
    await h.press('sari', 'Ajukan keberatan');
    expect(await h.lastText('sari')).toContain('dikirim kepada admin kepegawaian (BKD)');
    expect(await h.lastText('hr')).toContain('Keberatan dari Sari Atasan');
    expect((await objections())[3]).toMatchObject({ decider_id: null, rated_by_id: h.ids.kepala });
    expect(await h.lastText('kepala')).toContain('Sari Atasan mengajukan keberatan atas penilaian Anda');
    // HR's own reminders come from the sweep too, naming the command that opens the case.
    h.clock.set(new Date('2026-12-04T02:30:00Z'));
    await sweepDueReminders(h.db.orm.em.fork() as EntityManager, { clock: h.clock, config: testConfig() });
    h.clock.set(T0);
    expect((await h.allMessages('hr')).at(-1)!.text).toBe(
      'Keberatan Sari Atasan (NIP 198001012005012002) atas hasil periode Triwulan IV 2026 menunggu keputusan admin kepegawaian, paling lambat 15 Desember 2026. Ketik /keberatan 198001012005012002 untuk memutuskan.',
    );
    await h.press('hr', 'Ubah penilaian');
    await h.press('hr', 'Sesuai ekspektasi');
    await h.press('hr', 'Sesuai ekspektasi');
    await h.send('hr', 'Catatan perilaku tidak didukung bukti yang cukup.');
    await h.press('hr', 'Simpan keputusan');
    expect(await assessment('sari')).toMatchObject({ perilaku: 'sesuai', predicate: 'baik' });
  });

  it('the decider is reminded before the due date, then HR is told (escalation recorded and audited)', async () => {
    const em = h.db.orm.em.fork() as EntityManager;
    // Friday 4 December, 09:30 WIB: the 7-working-days reminder of Citra's objection to Putra.
    h.clock.set(new Date('2026-12-04T02:30:00Z'));
    await sweepDueReminders(em, { clock: h.clock, config: testConfig() });
    const reminder = (await h.allMessages('plh')).at(-1)!;
    expect(reminder.text).toBe('Pengingat: keberatan Citra Pegawai atas hasil periode Triwulan IV 2026 menunggu keputusan Anda, paling lambat 15 Desember 2026. Ketik /keberatan 199203032017032005 untuk memutuskan.');
    // Wednesday 16 December, 09:30 WIB: past the due date, HR is told.
    h.clock.set(new Date('2026-12-16T02:30:00Z'));
    await sweepDueReminders(em, { clock: h.clock, config: testConfig() });
    const hr = (await h.allMessages('hr')).at(-1)!;
    expect(hr.text).toContain('Keberatan Citra Pegawai (NIP 199203032017032005) atas hasil periode Triwulan IV 2026 belum diputuskan oleh Putra PLH');
    expect(hr.text).toContain('Ketik /keberatan 199203032017032005');
    expect((await objections())[2].escalated_at).not.toBeNull();
    expect((await audits('objection.escalated')).map((a) => a.subject)).toEqual([`assessment:${h.assessmentOf.citra}`]);
    // Escalated: HR may now decide it by the command the message names.
    await h.send('hr', '/keberatan 199203032017032005');
    expect(await h.lastText('hr')).toContain('Keberatan dari Citra Pegawai');
  });

  it('outside the window an objection is refused, saying until when it was possible', async () => {
    await rated('plh', 'kepala', { hasil: 'sesuai', perilaku: 'sesuai', predicate: 'baik' });
    await h.send('plh', '/keberatan');
    expect(await h.lastText('plh')).toContain('Masa keberatan hasil periode Triwulan IV 2026 sudah berakhir: keberatan dapat diajukan sampai 14 hari setelah pengumuman, yaitu paling lambat 15 Desember 2026.');
    await h.send('plh', '/status');
    expect(await h.lastText('plh')).not.toContain('keberatan');
    // A cycle's own window wins over the configured 14 days.
    await h.query(`update cycle set settings = settings || '{"objectionWindowDays": 30}'::jsonb where id = ?`, [h.cycleId]);
    await h.send('plh', '/keberatan');
    expect(await h.lastText('plh')).toContain('Batas pengajuan: 31 Desember 2026.');
    await h.send('plh', '/batal');
    await h.query(`update cycle set settings = settings - 'objectionWindowDays' where id = ?`, [h.cycleId]);
    expect(await objections()).toHaveLength(4);
  });

  it('every step is in the one audit chain, which verifies', async () => {
    expect(await verifyAuditChain(txOf(h.db.orm.em.fork() as EntityManager))).toBeNull();
  });
});
