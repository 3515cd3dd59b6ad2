import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineHarness, type EngineHarness } from '../support/engine.js';

describe('self-assessment through the engine', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('walks an employee from /penilaian to a submitted, locked assessment (Indonesian)', async () => {
    await h.send('ani', '/penilaian');
    let text = await h.lastText('ani');
    expect(text).toContain('Triwulan IV 2026');
    expect(text).toContain('5 Januari 2027');
    expect(text).toContain('Jumlah indikator: 3');
    expect(text).toContain('Indikator 1 dari 3: Jumlah laporan layanan');

    await h.send('ani', '12,5');
    expect(await h.lastText('ani')).toContain('Ceritakan singkat');
    await h.send('ani', 'Menyusun laporan layanan setiap bulan tepat waktu.');
    expect(await h.lastText('ani')).toContain('bukti dukung');
    await h.send('ani', 'https://drive.example.go.id/laporan');
    text = await h.lastText('ani');
    expect(text).toContain('Bukti dukung tersimpan');
    expect(text).toContain('Indikator 2 dari 3: Kualitas pelayanan');

    await h.send('ani', '95');
    await h.send('ani', 'Survei kepuasan naik karena antrean dipercepat.');
    await h.sendFile('ani', { kind: 'photo', fileId: 'AgAD-photo-1', size: 200_000 });
    await h.send('ani', '20');
    await h.send('ani', 'Waktu respons pengaduan turun menjadi 20 jam.');
    await h.press('ani', 'Lewati');
    // The summary: the optional reflection is typed there.
    expect(await h.lastText('ani')).toContain('Refleksi (opsional)');
    await h.send('ani', 'Saya berusaha melayani dengan ramah dan cepat.');

    text = await h.lastText('ani');
    expect(text).toContain('Refleksi tersimpan.');
    expect(text).toContain('Ringkasan penilaian diri');
    // capaian = 12.5 / 12 x 100 = 104.2 %, formatted the Indonesian way.
    expect(text).toContain('capaian 104,2%');
    expect(text).toContain('Realisasi 12,5 laporan dari target 12 laporan');
    // The unit goes with both numbers, whatever it is.
    expect(text).toContain('Realisasi 95 % dari target 90 %');

    // The summary is the last look: "Kirim" submits.
    await h.press('ani', 'Kirim');
    expect(await h.lastText('ani')).toContain('Sari Atasan');

    const [a] = await h.query<{ status: string; reflection: string }>(`select status, reflection from assessment where id = ?`, [h.assessmentOf.ani]);
    expect(a.status).toBe('submitted');
    const answers = await h.query<{ item_key: string; realisasi: string; evidence: unknown[]; evidence_skipped: boolean }>(
      `select item_key, realisasi::float as realisasi, evidence, evidence_skipped from answer where assessment_id = ? order by item_key`,
      [h.assessmentOf.ani],
    );
    expect(answers).toHaveLength(3);
    expect(answers.map((x) => Number(x.realisasi)).sort((x, y) => x - y)).toEqual([12.5, 20, 95]);

    const sari = await h.lastText('sari');
    expect(sari).toContain('Ani Pegawai');
    expect((await h.lastMessages('sari'))[0].buttons?.flat()[0].label).toBe('Tinjau sekarang');

    // Locked: coming back says so and changes nothing.
    await h.send('ani', '/penilaian');
    expect(await h.lastText('ani')).toContain('tidak bisa diubah');
  });
});

describe('on the embedded PGlite (the console demo database)', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness({ embedded: true });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('runs a self-assessment to submission and the review prompt, with audit, exactly as on the server', async () => {
    await h.send('budi', '/assess');
    await h.send('budi', '90');
    await h.send('budi', 'Service quality stayed above target all quarter.');
    await h.press('budi', 'Skip');
    await h.send('budi', '20');
    await h.send('budi', 'Complaints were answered within twenty hours.');
    await h.sendFile('budi', { kind: 'file', fileId: 'F1', name: 'log.pdf', size: 1000 });
    const summary = await h.lastText('budi');
    expect(summary).toContain('achievement 100%');
    expect(summary).toContain('Actual 90 % of target 90 %');
    await h.press('budi', 'Send');
    expect(await h.lastText('budi')).toContain('Sent.');
    expect(await h.lastText('sari')).toContain('Budi Staff');
    const [a] = await h.query<{ status: string }>(`select status from assessment where id = ?`, [h.assessmentOf.budi]);
    expect(a.status).toBe('submitted');
    const audit = await h.query<{ action: string; data: Record<string, unknown> }>(`select action, data from audit_event order by id`);
    expect(audit.map((r) => r.action).filter((a) => a !== 'answer.saved' && a !== 'reflection.saved')).toEqual(['assessment.submitted']);
    // Each answer is in the chain with its value and the digest of its text, on the embedded database too.
    expect(audit.filter((r) => r.action === 'answer.saved').map((r) => r.data.realisasi).filter((v) => v !== undefined).length).toBeGreaterThan(0);
  });
});
