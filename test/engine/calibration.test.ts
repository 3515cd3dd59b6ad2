/**
 * Calibration in chat (DOMAIN.md "Result timeline", step 2): between close and announce the rater sees the
 * curve state of their units and may revise a rating with a reason; the employee is told; every way it can
 * go wrong says why and changes nothing. Then /status after announce.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createEngineHarness, type EngineHarness } from '../support/engine.js';
import { completeSelfAssessment, rate } from '../support/engine-flows.js';
import { announceCycle, closeCycle } from '../../src/jobs/cycle-close.js';
import { testConfig } from '../jobs/helpers.js';
import { verifyAuditChain } from '../../src/db/audit.js';
import { txOf } from '../../src/db/sql.js';

describe('calibration: revising a rating between close and announce', () => {
  let h: EngineHarness;
  const config = testConfig();
  const jobs = () => ({ clock: h.clock, config });
  const em = () => h.db.orm.em.fork() as EntityManager;
  const assessment = async (who: 'ani' | 'budi') =>
    (await h.query<{ status: string; predicate: string; hasil_kerja: string; perilaku: string }>(`select status, predicate, hasil_kerja, perilaku from assessment where id = ?`, [h.assessmentOf[who]]))[0];
  const revisions = () => h.query(`select * from rating_revision`);

  beforeAll(async () => {
    h = await createEngineHarness();
    await h.query(`update unit set org_rating = 'baik'`);
    await completeSelfAssessment(h, 'ani');
    await rate(h, 'sari', { items: 3, item: 0, perilaku: 0, feedback: 'Terus pertahankan kualitas layanan yang sangat baik.' });
    await completeSelfAssessment(h, 'budi', [40, 48]);
    await rate(h, 'sari', { items: 2, item: 2, perilaku: 1, feedback: 'Kecepatan respons perlu ditingkatkan secara nyata.' });
    await h.send('sari', 'Pendampingan mingguan untuk mempercepat respons pengaduan.');
    // Dates that do not read, or already passed (one of several is enough), are refused and asked again.
    for (const bad of ['besok', '15-12-2026, 01-11-2026']) {
      await h.send('sari', bad);
      expect(await h.lastText('sari')).toContain('Tanggal tidak dikenali atau sudah lewat');
    }
    expect(await h.query(`select 1 from check_in`)).toEqual([]);
    await h.press('sari', 'Jadwal bawaan');
    expect(await h.lastText('sari')).toContain('dijadwalkan saat hasil ditetapkan (2 dan 4 minggu setelahnya)');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('nothing to calibrate while the cycle is open: /kalibrasi says so', async () => {
    await h.send('sari', '/kalibrasi');
    expect(await h.lastText('sari')).toBe('Belum ada periode yang sedang dikalibrasi untuk penilaian yang Anda berikan.');
    await h.send('ani', '/status');
    const status = await h.lastText('ani');
    expect(status).toContain('Hasil Triwulan IV 2026 (sementara, menunggu penetapan): predikat Sangat Baik');
  });

  it('after close the rater sees the curve state of the unit and a button per person', async () => {
    await closeCycle(em(), h.cycleId, jobs());
    await h.send('sari', '/kalibrasi');
    const [msg] = await h.lastMessages('sari');
    expect(msg.text).toContain('Kalibrasi Triwulan IV 2026');
    expect(msg.text).toContain('Dinas Pendidikan (capaian organisasi: Baik): sebaran predikat sesuai kurva (2 orang dinilai)');
    expect(msg.buttons!.flat().map((b) => b.label)).toEqual(['Ubah: Ani Pegawai (Sangat Baik)', 'Ubah: Budi Staff (Butuh Perbaikan)']);
    // /status shows a supervisor the same state.
    await h.send('sari', '/status');
    expect(await h.lastText('sari')).toContain('sebaran predikat sesuai kurva');
  });

  it('a reason is required: blank or too short is refused with the reason and asked again', async () => {
    await h.press('sari', 'Ubah: Ani Pegawai');
    expect(await h.lastText('sari')).toContain('Saat ini: Hasil Kerja Di atas ekspektasi, Perilaku Kerja Di atas ekspektasi, predikat Sangat Baik');
    await h.press('sari', 'Di bawah');
    await h.press('sari', 'Sesuai');
    expect(await h.lastText('sari')).toContain('Tulis alasan perubahan untuk Ani Pegawai');
    await h.send('sari', '   ');
    expect(await h.lastText('sari')).toContain('terlalu pendek');
    await h.send('sari', 'kurang');
    expect(await h.lastText('sari')).toContain('Tulis alasan perubahan');
    expect(await revisions()).toEqual([]);
  });

  it('the revision is saved with the reason, audited and told to the employee; a coaching result asks for the plan', async () => {
    await h.send('sari', 'Target utama layanan sekolah tidak tercapai pada kuartal ini.');
    expect(await h.lastText('sari')).toContain('Predikat: Sangat Baik -> Butuh Perbaikan');
    await h.press('sari', 'Simpan perubahan');
    const said = await h.lastText('sari');
    expect(said).toContain('Penilaian Ani Pegawai diubah: predikat Butuh Perbaikan');
    expect(said).toContain('Tulis rencana pembinaan');
    expect(await assessment('ani')).toEqual({ status: 'reviewed', predicate: 'butuh_perbaikan', hasil_kerja: 'di_bawah', perilaku: 'sesuai' });
    expect(await revisions()).toEqual([
      expect.objectContaining({ old_predicate: 'sangat_baik', predicate: 'butuh_perbaikan', reviser_id: h.ids.sari, reason: 'Target utama layanan sekolah tidak tercapai pada kuartal ini.' }),
    ]);
    const ani = await h.lastText('ani');
    expect(ani).toContain('Sari Atasan mengubah penilaian kinerja Triwulan IV 2026 Anda saat kalibrasi (sementara, menunggu penetapan)');
    expect(ani).toContain('Alasan: Target utama layanan');
    await h.send('sari', 'Pendampingan dua mingguan untuk target layanan sekolah.');
    await h.send('sari', '2027-01-04');
    expect(await h.lastText('sari')).toContain('4 Januari 2027, 18 Januari 2027');
    const [audit] = await h.query<{ data: { reason: string; to: { predicate: string } } }>(`select data from audit_event where action = 'assessment.revised'`);
    expect(audit.data).toMatchObject({ reason: 'Target utama layanan sekolah tidak tercapai pada kuartal ini.', to: { predicate: 'butuh_perbaikan' } });
  });

  it('the same ratings again change nothing (English)', async () => {
    await h.send('sari', '/bahasa en');
    await h.send('sari', '/kalibrasi');
    await h.press('sari', 'Revise: Budi Staff');
    await h.press('sari', 'Below');
    await h.press('sari', 'Meets');
    await h.send('sari', 'Checking the rating once more after calibration.');
    await h.press('sari', 'Save the change');
    expect(await h.lastText('sari')).toBe('The rating of Budi Staff is unchanged; nothing was saved.');
    expect(await revisions()).toHaveLength(1);
  });

  it('someone who is no longer the rater cannot revise', async () => {
    await h.send('sari', '/kalibrasi');
    await h.query(`update employee set supervisor_id = ? where id = ?`, [h.ids.plh, h.ids.budi]);
    await h.press('sari', 'Revise: Budi Staff');
    expect(await h.lastText('sari')).toContain('Only the direct supervisor or the appointed acting official');
    await h.query(`update employee set supervisor_id = ? where id = ?`, [h.ids.sari, h.ids.budi]);
    expect(await revisions()).toHaveLength(1);
  });

  it('revised out of coaching the plan goes; revised back into it, the plan is asked for again (English)', async () => {
    await h.send('sari', '/kalibrasi');
    await h.press('sari', 'Revise: Budi Staff');
    await h.press('sari', 'Meets');
    await h.press('sari', 'Meets');
    await h.send('sari', 'After calibration the response times were within the standard.');
    await h.press('sari', 'Save the change');
    expect(await h.lastText('sari')).toContain('The rating of Budi Staff was revised: Good (Baik)');
    expect(await h.query(`select 1 from follow_up where assessment_id = ?`, [h.assessmentOf.budi])).toEqual([]);
    expect(await h.lastText('budi')).toContain('Reason: After calibration the response times');

    await h.send('sari', '/kalibrasi');
    await h.press('sari', 'Revise: Budi Staff');
    await h.press('sari', 'Below');
    await h.press('sari', 'Meets');
    await h.send('sari', 'The complaint backlog grew again in the last weeks.');
    await h.press('sari', 'Save the change');
    expect(await h.lastText('sari')).toContain('Write the coaching plan');
    await h.send('sari', 'Weekly mentoring to bring the complaint backlog down.');
    await h.press('sari', 'Default schedule');
    expect(await h.query(`select kind from follow_up where assessment_id = ?`, [h.assessmentOf.budi])).toEqual([{ kind: 'coaching' }]);
    expect(await revisions()).toHaveLength(3);
  });

  it('revising after announce is refused; the final result shows in /status', async () => {
    await h.send('sari', '/kalibrasi');
    await h.press('sari', 'Revise: Budi Staff');
    await h.press('sari', 'Meets');
    await h.press('sari', 'Meets');
    await h.send('sari', 'Better than I first thought after the calibration meeting.');
    await announceCycle(em(), h.cycleId, jobs());
    await h.press('sari', 'Save the change');
    expect(await h.lastText('sari')).toContain('cannot be changed now: revising is only possible after the cycle closes and before the results are announced');
    expect(await assessment('budi')).toMatchObject({ status: 'announced', predicate: 'butuh_perbaikan' });
    expect(await revisions()).toHaveLength(3);

    await h.send('sari', '/kalibrasi');
    expect(await h.lastText('sari')).toContain('The results of Triwulan IV 2026 are set and announced.');
    await h.send('ani', '/status');
    const status = await h.lastText('ani');
    expect(status).toContain('Hasil final Triwulan IV 2026: predikat Butuh Perbaikan (Hasil Kerja: Di bawah ekspektasi, Perilaku Kerja: Sesuai ekspektasi)');
    expect(status).toContain('Umpan balik atasan: Terus pertahankan');
    expect(status).toContain('Rencana pembinaan: Pendampingan dua mingguan');
    expect(status).toContain('Pertemuan tindak lanjut: 4 Januari 2027, 18 Januari 2027.');
    await h.send('budi', '/status');
    expect(await h.lastText('budi')).toContain('Follow-up meetings: 15 December 2026, 29 December 2026.');
    expect(await verifyAuditChain(txOf(em()))).toBeNull();
  });
});
