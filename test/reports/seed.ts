/**
 * A small cycle for the export tests: people, units and the cycle through the product's own importers and
 * cycle set-up (src/setup); answers, reviews, coaching and an objection in plain SQL, since they are made by
 * chat flows that have no setup function.
 *
 * Units: BKD with sub-unit BKD-UMP, and DISDIK. People of BKD-UMP under Sari Atasan:
 *  - `=HYPERLINK(...)` rated Baik, feedback with a comma, a quote and a newline, an open objection
 *  - `+cmd|...` returned for revision (round 2)
 *  - Eko Bina rated Butuh Perbaikan, coaching plan starting with "-", two check-ins (one rated 4)
 *  - Budi Belum not started
 * DISDIK: Dewi Draf has answered one indicator (draft).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createCycle, openCycle } from '../../src/setup/cycles.js';
import { importEmployeesFile } from '../../src/setup/employees.js';
import { importTargetsFile } from '../../src/setup/targets.js';
import { syntheticNip } from '../../scripts/gen-employees.js';

export const HYPERLINK_NAME = '=HYPERLINK("http://evil.example/x","klik")';
export const CMD_NAME = "+cmd|' /C calc'!A0";
export const NARRATIVE = 'Melayani 120 warga, termasuk "lansia"\nbaris kedua';
export const FEEDBACK = 'Bagus, "teliti"\r\nlanjutkan';
export const COACHING_PLAN = '-Kurangi keterlambatan, ikut pelatihan';

export interface ExportSeed {
  cycleId: number;
  nip: Record<'kepalaBkd' | 'sari' | 'hyperlink' | 'cmd' | 'eko' | 'budi' | 'kepalaDisdik' | 'dewi', string>;
}

function csv(rows: string[][]): string {
  const field = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return rows.map((r) => r.map(field).join(',')).join('\n') + '\n';
}

export async function seedExportCycle(em: EntityManager): Promise<ExportSeed> {
  const nip = {
    kepalaBkd: syntheticNip(1), sari: syntheticNip(2), hyperlink: syntheticNip(3), cmd: syntheticNip(4),
    eko: syntheticNip(5), budi: syntheticNip(6), kepalaDisdik: syntheticNip(7), dewi: syntheticNip(8),
  };
  const header = ['nip', 'nama', 'email', 'jabatan', 'jenis_jabatan', 'unit_kode', 'unit_nama', 'unit_induk', 'atasan_nip', 'peran', 'zona_waktu', 'bahasa'];
  const person = (n: string, name: string, position: string, kind: string, unit: string, unitName: string, parent: string, sup: string) => [n, name, '', position, kind, unit, unitName, parent, sup, 'pegawai', 'WIB', 'id'];
  const dir = mkdtempSync(join(tmpdir(), 'kinerja-export-seed-'));
  try {
    writeFileSync(
      join(dir, 'pegawai.csv'),
      csv([
        header,
        person(nip.kepalaBkd, 'Kepala BKD', 'Kepala Badan', 'jpt', 'BKD', 'Badan Kepegawaian Daerah', '', ''),
        person(nip.sari, 'Sari Atasan', 'Kepala Bidang Umum', 'administrator', 'BKD-UMP', 'Bidang Umum', 'BKD', nip.kepalaBkd),
        person(nip.hyperlink, 'Nama Sementara Satu', 'Analis', 'pelaksana', 'BKD-UMP', 'Bidang Umum', 'BKD', nip.sari),
        person(nip.cmd, 'Nama Sementara Dua', 'Pengadministrasi', 'pelaksana', 'BKD-UMP', 'Bidang Umum', 'BKD', nip.sari),
        person(nip.eko, 'Eko Bina', 'Pengolah Data', 'pelaksana', 'BKD-UMP', 'Bidang Umum', 'BKD', nip.sari),
        person(nip.budi, 'Budi Belum', 'Pengolah Data', 'pelaksana', 'BKD-UMP', 'Bidang Umum', 'BKD', nip.sari),
        person(nip.kepalaDisdik, 'Kepala Disdik', 'Kepala Dinas', 'jpt', 'DISDIK', 'Dinas Pendidikan', '', ''),
        person(nip.dewi, 'Dewi Draf', 'Guru', 'fungsional', 'DISDIK', 'Dinas Pendidikan', '', nip.kepalaDisdik),
      ]),
    );
    await importEmployeesFile(em.fork() as EntityManager, join(dir, 'pegawai.csv'), { actor: 'test' });
    // Imports refuse formula-looking names; such names still reach the database by other ways (rows from
    // before that rule, direct edits), so the exports must neutralise them: put them in directly.
    await em.fork().getConnection().execute('update employee set name = ? where nip = ?', [HYPERLINK_NAME, nip.hyperlink]);
    await em.fork().getConnection().execute('update employee set name = ? where nip = ?', [CMD_NAME, nip.cmd]);
    const cycle = await createCycle(em.fork() as EntityManager, {
      name: 'Triwulan IV 2026', kind: 'triwulan', periodStart: '2026-10-01', periodEnd: '2026-12-31', selfDeadline: '2027-01-07', reviewDeadline: '2027-01-14',
    }, { actor: 'test' });
    writeFileSync(
      join(dir, 'target.csv'),
      csv([
        ['nip', 'kode', 'jenis_rhk', 'rhk', 'iki', 'target', 'satuan'],
        [nip.hyperlink, 'RHK1', 'utama', 'Layanan kepegawaian tepat waktu', 'Persentase usulan diproses', '100', '%'],
        [nip.hyperlink, 'RHK2', 'tambahan', '@Sosialisasi aturan baru', 'Jumlah sesi', '4', 'sesi'],
      ]),
    );
    await importTargetsFile(em.fork() as EntityManager, join(dir, 'target.csv'), cycle.id, { actor: 'test' });
    await openCycle(em.fork() as EntityManager, cycle.id, { actor: 'test' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const conn = em.fork().getConnection();
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => conn.execute<T[]>(sql, params);
  const [{ id: cycleId }] = await q<{ id: number }>(`select id from cycle order by id desc limit 1`);
  const assessment = async (n: string) => (await q<{ id: number }>(`select a.id from assessment a join employee e on e.id = a.employee_id where e.nip = ? and a.cycle_id = ?`, [n, cycleId]))[0]!.id;
  const employeeId = async (n: string) => (await q<{ id: number }>(`select id from employee where nip = ?`, [n]))[0]!.id;
  const inds = await q<{ id: number; code: string }>(`select id, code from indicator where cycle_id = ? and kind = 'hasil_kerja' order by position, id`, [cycleId]);
  const targets = await q<{ id: number; code: string }>(`select t.id, t.code from employee_target t where t.cycle_id = ? order by t.position, t.id`, [cycleId]);
  const sari = await employeeId(nip.sari);
  const answer = (a: number, key: string, realisasi: number | null, rating: string | null, narrative: string | null) =>
    q(`insert into answer (assessment_id, item_key, indicator_id, target_id, realisasi, narrative, evidence, evidence_skipped, supervisor_rating, updated_at)
       values (?, ?, ?, ?, ?, ?, '[]', false, ?, now())`,
      [a, key, key.startsWith('ind:') ? Number(key.slice(4)) : null, key.startsWith('tgt:') ? Number(key.slice(4)) : null, realisasi, narrative, rating]);

  // Rated Baik, with feedback, an open objection.
  const h = await assessment(nip.hyperlink);
  await answer(h, `ind:${inds[0]!.id}`, 95, 'di_atas', NARRATIVE);
  await answer(h, `ind:${inds[1]!.id}`, -2.5, 'sesuai', 'angka negatif tetap angka');
  await answer(h, `ind:${inds[2]!.id}`, 1, 'sesuai', null);
  await answer(h, `tgt:${targets[0]!.id}`, 80, 'di_bawah', 'sebagian tertunda');
  await answer(h, `tgt:${targets[1]!.id}`, 4, 'sesuai', '=1+1');
  await q(`update assessment set status = 'reviewed', submitted_at = '2026-11-20T03:00:00Z', reviewed_at = '2026-11-25T07:30:00Z', hasil_kerja = 'sesuai', perilaku = 'sesuai', predicate = 'baik', matrix_version = 'v1' where id = ?`, [h]);
  await q(`insert into review (assessment_id, round, reviewer_id, outcome, indicator_ratings, hasil_kerja, perilaku, perilaku_note, feedback, predicate, matrix_version, created_at)
           values (?, 1, ?, 'rated', '{}', 'sesuai', 'sesuai', 'Kolaboratif', ?, 'baik', 'v1', now())`, [h, sari, FEEDBACK]);
  await q(`insert into objection (assessment_id, reason, status, created_at) values (?, 'Saya keberatan, karena target berubah', 'open', now())`, [h]);

  // Returned for revision: round 2 now.
  const c = await assessment(nip.cmd);
  await answer(c, `ind:${inds[0]!.id}`, 70, null, 'kurang data');
  await q(`update assessment set status = 'returned', round = 2, submitted_at = '2026-11-21T03:00:00Z' where id = ?`, [c]);
  await q(`insert into review (assessment_id, round, reviewer_id, outcome, indicator_ratings, return_note, created_at) values (?, 1, ?, 'returned', '{}', 'Lengkapi bukti dukung', now())`, [c, sari]);

  // Rated Butuh Perbaikan, with a coaching plan and two check-ins.
  const e = await assessment(nip.eko);
  await answer(e, `ind:${inds[0]!.id}`, 40, 'di_bawah', null);
  await q(`update assessment set status = 'reviewed', submitted_at = '2026-11-22T03:00:00Z', reviewed_at = '2026-11-26T03:00:00Z', hasil_kerja = 'di_bawah', perilaku = 'sesuai', predicate = 'butuh_perbaikan', matrix_version = 'v1' where id = ?`, [e]);
  await q(`insert into review (assessment_id, round, reviewer_id, outcome, indicator_ratings, hasil_kerja, perilaku, feedback, predicate, matrix_version, created_at)
           values (?, 1, ?, 'rated', '{}', 'di_bawah', 'sesuai', 'Perlu pendampingan', 'butuh_perbaikan', 'v1', now())`, [e, sari]);
  const [f] = await q<{ id: number }>(`insert into follow_up (assessment_id, kind, plan, first_check_in, status, created_at) values (?, 'coaching', ?, '2026-12-10', 'open', now()) returning id`, [e, COACHING_PLAN]);
  await q(`insert into check_in (follow_up_id, due_on, employee_rating, employee_rating_next, done_at) values (?, '2026-12-10', 4, 3, now()), (?, '2026-12-24', null, null, null)`, [f!.id, f!.id]);

  // Draft in DISDIK: one answer.
  await answer(await assessment(nip.dewi), `ind:${inds[0]!.id}`, 50, null, null);

  // Feedback and recognitions gathered in the period (issue 12): the hyperlink person got two supervisor
  // feedback, Eko one recognition (a second one hidden by HR), Dewi one feedback; one given between periods
  // (no cycle) counts nowhere.
  const hyperlinkId = await employeeId(nip.hyperlink);
  const ekoId = await employeeId(nip.eko);
  const feedback = (to: number, giver: number, cycle: number | null, key: string) =>
    q(`insert into feedback (cycle_id, giver_id, employee_id, kind, text, thread_key, platform, created_at) values (?, ?, ?, 'apresiasi', 'Kerja bagus minggu ini.', ?, 'telegram', now())`, [cycle, giver, to, key]);
  await feedback(hyperlinkId, sari, cycleId, 'fb-export-1');
  await feedback(hyperlinkId, sari, cycleId, 'fb-export-2');
  await feedback(hyperlinkId, sari, null, 'fb-export-3');
  await feedback(await employeeId(nip.dewi), await employeeId(nip.kepalaDisdik), cycleId, 'fb-export-4');
  await q(`insert into recognition (cycle_id, sender_id, recipient_id, value, text, platform, created_at) values (?, ?, ?, 'kolaboratif', 'Terima kasih bantuannya.', 'telegram', now())`, [cycleId, hyperlinkId, ekoId]);
  await q(`insert into recognition (cycle_id, sender_id, recipient_id, value, text, platform, hidden_at, hidden_reason, hidden_by, created_at) values (?, ?, ?, 'loyal', 'Disembunyikan.', 'telegram', now(), 'tidak pantas', 'hr', now())`, [cycleId, hyperlinkId, ekoId]);

  // BKD-UMP has an organisational rating, so its summary is checked against the curve.
  await q(`update unit set org_rating = 'baik' where code = 'BKD-UMP'`);
  return { cycleId, nip };
}
