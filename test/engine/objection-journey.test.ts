/**
 * One objection from end to end, on real PostgreSQL through the engine and the jobs: a self-assessment,
 * the supervisor's review, close and announce; the employee objects; the rater's superior changes the
 * ratings; the employee, the rater and HR are told, the predikat is recomputed by the matrix, and the
 * results export shows the decision.
 */
import { PassThrough } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { translator } from '../../src/i18n/index.js';
import { announceCycle, closeCycle } from '../../src/jobs/cycle-close.js';
import { CsvReportWriter, exportResults } from '../../src/reports/index.js';
import { createEngineHarness, PEOPLE, type EngineHarness } from '../support/engine.js';
import { completeSelfAssessment, rate } from '../support/engine-flows.js';
import { testConfig } from '../jobs/helpers.js';

describe('objection journey', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('announced result -> objection -> the superior changes the ratings -> everyone told, predikat recomputed, export row shows it', async () => {
    const em = () => h.db.orm.em.fork() as EntityManager;
    const ctx = { clock: h.clock, config: testConfig() };

    // Ani's assessment is rated Baik by Sari, the cycle closes and is announced.
    await completeSelfAssessment(h, 'ani');
    const [{ n }] = await h.query<{ n: string }>(`select count(*) as n from answer where assessment_id = ?`, [h.assessmentOf.ani]);
    await rate(h, 'sari', { items: Number(n), item: 1, perilaku: 1, feedback: 'Laporan tepat waktu, pertahankan.' });
    await closeCycle(em(), h.cycleId, ctx);
    await announceCycle(em(), h.cycleId, ctx);
    const [announced] = await h.query<{ status: string; predicate: string }>(`select status, predicate from assessment where id = ?`, [h.assessmentOf.ani]);
    expect(announced).toEqual({ status: 'announced', predicate: 'baik' });

    // Ani objects.
    await h.send('ani', '/keberatan');
    await h.send('ani', 'Dua indikator melampaui target dan inovasi layanan belum dinilai.');
    await h.send('ani', 'https://drive.example.go.id/inovasi');
    await h.press('ani', 'Ajukan keberatan');
    expect(await h.lastText('ani')).toContain('dikirim kepada Kepala Dinas');
    expect(await h.lastText('sari')).toContain('Ani Pegawai mengajukan keberatan');

    // Kepala Dinas, Sari's superior, sees the case and changes the ratings.
    const prompt = await h.lastText('kepala');
    expect(prompt).toContain('predikat: Baik.');
    expect(prompt).toContain('Umpan balik pejabat penilai: Laporan tepat waktu, pertahankan.');
    expect(prompt).toContain('Alasan keberatan: Dua indikator melampaui target');
    await h.press('kepala', 'Ubah penilaian');
    await h.press('kepala', 'Di atas ekspektasi');
    await h.press('kepala', 'Di atas ekspektasi');
    await h.send('kepala', 'Inovasi layanan terbukti dan berdampak bagi sekolah.');
    await h.press('kepala', 'Simpan keputusan');

    // Everyone is told; the predikat is the matrix's for the new ratings.
    expect(await h.lastText('ani')).toContain('penilaian diubah');
    expect(await h.lastText('ani')).toContain('predikat: Sangat Baik.');
    expect(await h.lastText('sari')).toContain('diputuskan oleh Kepala Dinas: penilaian diubah');
    expect(await h.lastText('hr')).toContain('diputuskan oleh Kepala Dinas: penilaian diubah');
    expect(await h.lastText('kepala')).toContain('Keputusan atas keberatan Ani Pegawai disimpan');
    const [after] = await h.query<{ hasil_kerja: string; perilaku: string; predicate: string }>(`select hasil_kerja, perilaku, predicate from assessment where id = ?`, [h.assessmentOf.ani]);
    expect(after).toEqual({ hasil_kerja: 'di_atas', perilaku: 'di_atas', predicate: 'sangat_baik' });
    await h.send('ani', '/status');
    expect(await h.lastText('ani')).toContain('Keberatan Anda diputuskan: penilaian diubah, predikat menjadi Sangat Baik.');

    // The results export shows the decision on Ani's row.
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await exportResults(em(), { cycleId: h.cycleId, t: translator('id'), lang: 'id', now: h.clock.now() }, new CsvReportWriter(out));
    const rows = parse(Buffer.concat(chunks).toString('utf8'), { bom: true, columns: true }) as Record<string, string>[];
    const row = rows.find((r) => r['NIP'] === PEOPLE.ani.nip)!;
    expect(row['Hasil Kerja']).toBe('Di atas ekspektasi');
    expect(row['Perilaku Kerja']).toBe('Di atas ekspektasi');
    expect(row['Predikat kinerja']).toBe('Sangat Baik');
    expect(row['Status predikat']).toBe('Final');
    expect(row['Status keberatan']).toBe('Diputuskan');
    expect(row['Keputusan keberatan']).toBe('Diubah');
    expect(row['Predikat sebelum keberatan']).toBe('Baik');
    expect(row['Predikat setelah keberatan']).toBe('Sangat Baik');
    expect(row['Alasan keputusan']).toBe('Inovasi layanan terbukti dan berdampak bagi sekolah.');
  });
});
