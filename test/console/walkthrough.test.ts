/**
 * The README walkthrough on the embedded default, exactly as `npm start` runs it: PGlite in-process, BullMQ
 * on its PostgreSQL backend, demo data, the console chat. Employee -> /as supervisor -> review -> result.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startService, type RunningService } from '../../src/service.js';
import { DEMO_EMPLOYEE_NIP, DEMO_SUPERVISOR_NIP } from '../../src/demo/seed.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import { systemClock } from '../../src/clock.js';
import { txOf } from '../../src/db/sql.js';
import { announceCycle, closeCycle } from '../../src/jobs/cycle-close.js';
import { createQueues } from '../../src/jobs/worker-role.js';

describe('README walkthrough on the embedded default (console)', () => {
  let dataDir: string;
  let service: RunningService;
  const input = new PassThrough();
  const output = new PassThrough();
  let screen = '';
  output.on('data', (d: Buffer) => {
    screen += d.toString();
  });

  /** Types a line and waits until the chat shows the next prompt. */
  async function type(line: string): Promise<string> {
    const before = screen.length;
    input.write(line + '\n');
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const tail = screen.slice(before);
      if (/\)> $/.test(tail)) return tail;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no prompt after "${line}"; screen so far:\n${screen.slice(before)}`);
  }

  /** Presses the button labelled `label` in the last screenful. */
  async function press(label: string): Promise<string> {
    const matches = [...screen.matchAll(/\[(\d+)\] ([^[\n]+?)(?=\s{3}\[|\n|$)/g)].filter((m) => m[2]!.trim() === label);
    const last = matches.at(-1);
    if (!last) throw new Error(`no button "${label}" on screen:\n${screen.slice(-1500)}`);
    return type(last[1]!);
  }

  async function until(check: () => boolean, ms = 20_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`not on screen in time:\n${screen.slice(-1500)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'kinerja-walkthrough-'));
    const config = loadConfig({ DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' });
    service = await startService({ config, roles: new Set(['bot', 'worker']), console: true, input, output });
    const deadline = Date.now() + 20_000;
    while (!/Berapa realisasinya\?[\s\S]*\)> $/.test(screen) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  }, 60_000);

  afterAll(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('opens as the demo employee with the self-assessment of the open cycle', () => {
    expect(screen).toContain('Siti Rahmawati');
    expect(screen).toContain('Indikator 1 dari 3: Kualitas pelayanan');
  });

  it('refuses a bad number with the reason and asks again, then completes all three indicators', async () => {
    expect(await type('-3')).toMatch(/negatif|kurang dari 0|tidak boleh/i);
    expect(await type('95')).toContain('Ceritakan singkat');
    expect(await type('pendek')).toContain('terlalu pendek');
    await type('Melayani 120 pengaduan warga tepat waktu');
    await press('Lewati');
    await type('88');
    await type('Menjawab permintaan informasi dalam sehari');
    await press('Lewati');
    await type('2');
    await type('Membuat formulir pengaduan daring baru');
    const summary = await press('Lewati'); // no evidence for the third: the summary follows (the reflection is typed there if wanted)
    expect(summary).toContain('capaian 105,6%');
    expect(summary).toContain('capaian 200%');
  }, 60_000);

  it('submits: the supervisor gets the review prompt', async () => {
    const sent = await press('Kirim'); // the summary is the last look
    expect(sent).toContain('--- to Budi Santoso');
    expect(sent).toContain('Tinjau sekarang');
  }, 30_000);

  it('/as switches to the supervisor, who rates, gives feedback and confirms; both see the predikat', async () => {
    // The console's own lines speak the person's language (Indonesian by default) too.
    expect(screen).toContain('kinerja-bot demo (obrolan konsol)');
    expect(screen).toContain('#2 selalu menekan tombol 2');
    // The cycle name does not repeat its kind ("penilaian diri Penilaian Bulanan ...").
    expect(screen).toMatch(/Penilaian diri Bulanan \S+ \d{4} \(demo\)/);
    expect(screen.toLowerCase()).not.toContain('penilaian diri penilaian');
    expect(await type('/as 000000000000000000')).toContain('Tidak ada pegawai dengan NIP 000000000000000000.');
    expect(await type(`/as ${DEMO_SUPERVISOR_NIP}`)).toContain('Sekarang Anda bertindak sebagai Budi Santoso');
    await press('Tinjau sekarang');
    await press('Di atas ekspektasi');
    await press('Di atas ekspektasi');
    const suggestion = await press('Di atas ekspektasi');
    expect(suggestion).toContain('Saran Hasil Kerja: Di atas ekspektasi');
    await press('Di atas ekspektasi (saran)');
    await press('Di atas ekspektasi'); // Perilaku Kerja
    await press('Lewati'); // optional behaviour note
    const afterFeedback = await type('Sangat baik dalam melayani warga, pertahankan.');
    const confirmLabel = [...afterFeedback.matchAll(/\[(\d+)\] ([^[\n]+?)(?=\s{3}\[|\n|$)/g)].map((m) => m[2]!.trim())[0]!;
    const result = await press(confirmLabel);
    expect(result).toContain('Sangat Baik');
    expect(result).toContain('--- to Siti Rahmawati');
  }, 60_000);

  it('the employee sees the result in /status after switching back, still provisional', async () => {
    await type(`/as ${DEMO_EMPLOYEE_NIP}`);
    expect(await type('/status')).toMatch(/sementara, menunggu penetapan\): predikat Sangat Baik/);
  }, 30_000);

  it("the HR admin's /pantau writes both pictures under DATA_DIR/files and prints their paths and numbers", async () => {
    await type('/as 198611112011012007'); // Fitri Handayani, admin kepegawaian in the demo data
    const shown = await type('/pantau');
    expect(shown).toContain('semua unit');
    const paths = [...shown.matchAll(/📎 (\S+\.png)/g)].map((m) => m[1]!);
    expect(paths).toHaveLength(2);
    for (const p of paths) {
      expect(p.startsWith(join(dataDir, 'files'))).toBe(true);
      expect(readFileSync(p).subarray(0, 4)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    }
    expect(shown).toMatch(/sudah dinilai 1/);
    expect(shown).toContain('Unduh hasil (Excel)');
  }, 60_000);

  it('the supervisor gives feedback any time (/umpanbalik); the employee recognises a colleague publicly (/apresiasi)', async () => {
    await type(`/as ${DEMO_SUPERVISOR_NIP}`);
    expect(await type('/umpanbalik Siti')).toContain('Umpan balik untuk Siti Rahmawati: apa jenisnya?');
    await press('Apresiasi');
    await press('Berorientasi Pelayanan');
    const given = await type('Terima kasih, pengaduan warga minggu ini selesai semua tepat waktu.');
    expect(given).toContain('--- to Siti Rahmawati');
    expect(given).toContain('Apresiasi dari atasan Anda, Budi Santoso:');
    expect(given).toContain('Umpan balik terkirim kepada Siti Rahmawati');

    // Siti answers in the feedback's thread (`> text`, the terminal's reply-to); Budi gets it, and answers back.
    await type(`/as ${DEMO_EMPLOYEE_NIP}`);
    const answered = await type('> Terima kasih Pak, tim pengaduan juga ikut membantu.');
    expect(answered).toContain('Pesan diteruskan.');
    await until(() => screen.includes('Siti Rahmawati: Terima kasih Pak, tim pengaduan juga ikut membantu.'));
    await type(`/as ${DEMO_SUPERVISOR_NIP}`);
    await type('> Sampaikan terima kasih saya ke tim.');
    await until(() => screen.includes('Budi Santoso: Sampaikan terima kasih saya ke tim.'));

    await type(`/as ${DEMO_EMPLOYEE_NIP}`);
    expect(await type('/apresiasi Andi')).toContain('Apresiasi untuk Andi Pratama');
    await press('Kolaboratif');
    await type('Terima kasih sudah menggantikan jaga loket pengaduan hari Senin.');
    const mark = screen.length;
    expect(await press('Ya, umumkan')).toContain('diumumkan di kanal unitnya');
    await until(() => screen.slice(mark).includes('--- channel #DKIS-LP ---') && screen.slice(mark).includes('Siti Rahmawati memberi apresiasi kepada Andi Pratama'));
  }, 60_000);

  it('HR closes the cycle (the curve check reaches the supervisor) and announces with a reason: the award prints under the channel header', async () => {
    const em = service.orm.em.fork() as EntityManager;
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    const queues = createQueues({ orm: service.orm, config, databaseUrl: service.databaseUrl });
    const ctx = { clock: systemClock, config, enqueue: (ids: readonly number[]) => queues.enqueueOutbox([...ids]) };
    try {
      const [cycle] = await txOf(em).query<{ id: number }>('select id from cycle');
      const before = screen.length;
      const closed = await closeCycle(em, cycle.id, ctx);
      expect(closed.violations.length).toBeGreaterThan(0);
      await until(() => screen.slice(before).includes('tidak sesuai kurva distribusi'));
      expect(screen.slice(before)).toContain('--- to Budi Santoso');
      await expect(announceCycle(em, cycle.id, ctx)).rejects.toThrow(/distribution curve/);
      const mark = screen.length;
      await announceCycle(em, cycle.id, ctx, { overrideCurve: 'Demo: satu pegawai dinilai dalam periode ini.' });
      // Alone this arrives in about 2 s; under the whole suite's load on 2 cores it once took over 20 s (left
      // for the next session to explain: see the session-5 closing note), so this step waits longer.
      await until(() => screen.slice(mark).includes('--- channel #DKIS-LP ---') && screen.slice(mark).includes('telah ditetapkan (final)'), 50_000);
      expect(screen.slice(mark)).toContain('Selamat kepada Siti Rahmawati');
      expect(screen.slice(mark)).toContain('telah ditetapkan (final)');
    } finally {
      await queues.close();
    }
  }, 90_000);

  it('Siti objects to her announced result and Ratna Sari, her rater\'s superior, decides it (README step 7)', async () => {
    await type('/as 199002142015031008');
    await type('/keberatan');
    await type('Inovasi layanan pengaduan belum masuk penilaian periode ini.');
    await press('Lewati');
    const filed = await press('Ajukan keberatan');
    expect(filed).toContain('Ratna Sari');
    await until(() => screen.includes('--- to Ratna Sari'));
    await type('/as 197806202003122002');
    await press('Pertahankan penilaian');
    await type('Inovasi sudah dinilai pada indikator kualitas pelayanan.');
    const decided = await press('Simpan keputusan');
    expect(decided).toContain('Keputusan atas keberatan Siti Rahmawati disimpan');
    await type('/as 199002142015031008');
    expect(await type('/status')).toContain('Keberatan Anda diputuskan: penilaian dipertahankan');
    expect(await type('/keberatan')).toContain('sekali');
  }, 60_000);
});
