/**
 * The whole journey over HTTP against our fake Bot API: two Telegram users link with their codes, the
 * employee completes and submits a self-assessment (one invalid number, one oversized file, one real
 * document), the supervisor rates it from the prompt, the employee receives the predikat, both talk in the
 * dialog kinerja by replying, and an old button gets a friendly answer and changes nothing. Run in both
 * ingress modes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUser } from '../support/fake-telegram.js';
import { ANI, createTelegramHarness, SARI, T0, type TelegramHarness } from './harness.js';

describe.each(['polling', 'webhook'] as const)('Telegram end to end (%s)', (mode) => {
  let h: TelegramHarness;
  beforeAll(async () => {
    h = await createTelegramHarness(mode);
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Everything the bot said to `user` since message count `from`, as one string. */
  const said = (user: FakeUser, from: number) =>
    h.fake
      .botMessages(user.id)
      .slice(from)
      .map((m) => m.text)
      .join('\n---\n');
  const count = (user: FakeUser) => h.fake.botMessages(user.id).length;
  /** Types `text` and returns what the bot answered. */
  async function type(user: FakeUser, text: string, opts: { replyTo?: number } = {}): Promise<string> {
    const before = count(user);
    await h.act(() => h.fake.sendText(user, text, opts));
    return said(user, before);
  }
  /** Presses the newest button whose label contains `label` (as a person would, on the latest prompt). */
  async function press(user: FakeUser, label: string): Promise<{ answer: string; callbackId: string }> {
    const messages = h.fake.botMessages(user.id);
    const target = [...messages].reverse().find((m) => m.reply_markup?.inline_keyboard.flat().some((b) => b.text.includes(label)));
    if (!target) throw new Error(`no button "${label}" in chat ${user.id}; last message: ${messages.at(-1)?.text}`);
    const button = target.reply_markup!.inline_keyboard.flat().find((b) => b.text.includes(label))!;
    const before = count(user);
    const { update } = await h.act(() => h.fake.pressButton(user, target.message_id, button.text));
    return { answer: said(user, before), callbackId: update.callback_query!.id };
  }

  it('links both people with their deep-link codes', async () => {
    await h.act(() => h.fake.sendCommand(ANI, 'start', h.codes.ani));
    expect(said(ANI, 0)).toContain('Akun ini sudah tertaut');
    await h.act(() => h.fake.sendCommand(SARI, 'start', h.codes.sari));
    expect(said(SARI, 0)).toContain('Akun ini sudah tertaut');
    const used = await h.query<{ n: number }>(`select count(*)::int as n from link_code where used_at is not null`);
    expect(used[0].n).toBe(2);
  });

  it('completes a self-assessment with an invalid number and an evidence file, then submits', async () => {
    let answer = (await press(ANI, 'Mulai penilaian diri')).answer;
    expect(answer).toContain('Indikator 1 dari 3: Jumlah laporan layanan');

    answer = await type(ANI, 'dua belas');
    expect(answer).toContain('"dua belas" bukan angka');
    expect(answer).toContain('Indikator 1 dari 3');
    expect(await type(ANI, '12,5')).toContain('Ceritakan singkat');
    expect(await type(ANI, 'Menyusun laporan layanan sekolah setiap bulan tepat waktu.')).toContain('bukti dukung');

    // Over EVIDENCE_MAX_MB (20): a clear message, and the same question again.
    let before = count(ANI);
    await h.act(() => h.fake.sendDocument(ANI, { fileName: 'rekaman.mp4', size: 25 * 1024 * 1024, mimeType: 'video/mp4' }));
    expect(said(ANI, before)).toContain('File terlalu besar (25 MB). Batasnya 20 MB');
    before = count(ANI);
    await h.act(() => h.fake.sendDocument(ANI, { fileName: 'laporan-layanan.pdf', size: 312_000, mimeType: 'application/pdf', caption: 'Laporan Oktober' }));
    answer = said(ANI, before);
    expect(answer).toContain('Bukti dukung tersimpan');
    expect(answer).toContain('Indikator 2 dari 3: Kualitas pelayanan');

    await type(ANI, '95');
    await type(ANI, 'Survei kepuasan naik karena antrean dipercepat.');
    expect(await type(ANI, 'https://drive.example.go.id/survei')).toContain('Indikator 3 dari 3: Kecepatan respons');
    // Replying to the question (Telegram's "reply") answers it; it is not a dialog kinerja message.
    const question = [...h.fake.botMessages(ANI.id)].reverse().find((m) => m.text.includes('Indikator 3 dari 3'))!;
    expect(await type(ANI, '20', { replyTo: question.message_id })).toContain('Ceritakan singkat');
    await type(ANI, 'Waktu respons pengaduan turun menjadi 20 jam.');
    // No evidence for the third: the summary, where the optional reflection is typed.
    expect((await press(ANI, 'Lewati')).answer).toContain('Refleksi (opsional)');
    answer = await type(ANI, 'Saya melayani sekolah dengan ramah, cepat dan akuntabel.');
    expect(answer).toContain('Refleksi tersimpan');
    expect(answer).toContain('Ringkasan penilaian diri');
    expect(answer).toContain('capaian 104,2%');

    const sariBefore = count(SARI);
    expect((await press(ANI, 'Kirim')).answer).toContain('Sari Atasan');

    const [a] = await h.query<{ status: string }>(`select status from assessment where id = ?`, [h.assessmentIds.ani]);
    expect(a.status).toBe('submitted');
    const [answerRow] = await h.query<{ evidence: Record<string, unknown>[] }>(
      `select evidence from answer where assessment_id = ? and jsonb_array_length(evidence) > 0 and evidence->0->>'kind' = 'file'`,
      [h.assessmentIds.ani],
    );
    expect(answerRow.evidence[0]).toMatchObject({ kind: 'file', platform: 'telegram', fileId: expect.stringMatching(/^FILE/), name: 'laporan-layanan.pdf', size: 312_000, mimeType: 'application/pdf' });

    // The supervisor, another Telegram user, gets the prompt with its button.
    const prompt = h.fake.botMessages(SARI.id).slice(sariBefore);
    expect(prompt.map((m) => m.text).join('\n')).toContain('Ani Pegawai');
    expect(prompt.at(-1)!.reply_markup?.inline_keyboard[0][0].text).toBe('Tinjau sekarang');
  });

  it('the supervisor rates from the prompt and the employee receives the predikat', async () => {
    expect((await press(SARI, 'Tinjau sekarang')).answer).toContain('Penilaian diri Ani Pegawai');
    for (let i = 0; i < 3; i++) await press(SARI, 'Di atas ekspektasi');
    expect(said(SARI, count(SARI) - 1)).toContain('Saran Hasil Kerja: Di atas ekspektasi');
    expect((await press(SARI, '(saran)')).answer).toContain('BerAKHLAK');
    await press(SARI, 'Di atas ekspektasi');
    await press(SARI, 'Lewati');
    expect(await type(SARI, 'Terus pertahankan kualitas layanan yang sangat baik.')).toContain('Predikat: Sangat Baik');
    const aniBefore = count(ANI);
    expect((await press(SARI, 'Simpan penilaian')).answer).toContain('Predikat Ani Pegawai: Sangat Baik');

    const toAni = said(ANI, aniBefore);
    expect(toAni).toContain('Predikat: Sangat Baik');
    expect(toAni).toContain('menunggu penetapan');
    expect(toAni).toContain('Umpan balik atasan: Terus pertahankan');
    const [a] = await h.query<{ status: string; predicate: string }>(`select status, predicate from assessment where id = ?`, [h.assessmentIds.ani]);
    expect(a).toEqual({ status: 'reviewed', predicate: 'sangat_baik' });
  });

  it('holds the dialog kinerja by replying to the bot\'s messages', async () => {
    const result = h.fake.botMessages(ANI.id).find((m) => m.text.includes('Predikat: Sangat Baik'))!;
    const sariBefore = count(SARI);
    await h.act(() => h.fake.reply(ANI, result.message_id, 'Terima kasih atas umpan baliknya, Bu.'));
    const relayed = h.fake.botMessages(SARI.id).slice(sariBefore);
    expect(relayed.map((m) => m.text)).toEqual(['Ani Pegawai: Terima kasih atas umpan baliknya, Bu.']);

    // Sari answers by replying to the relayed message; it reaches Ani in the same thread.
    const aniBefore = count(ANI);
    await h.act(() => h.fake.reply(SARI, relayed[0].message_id, 'Sama-sama, pertahankan.'));
    expect(said(ANI, aniBefore)).toBe('Sari Atasan: Sama-sama, pertahankan.');
    // Each sender is told the message went through (Telegram shows no acknowledgement for typed text).
    expect(said(SARI, count(SARI) - 1)).toBe('Pesan diteruskan.');
    const stored = await h.query<{ text: string }>(`select text from thread_message where assessment_id = ? order by id`, [h.assessmentIds.ani]);
    expect(stored.map((s) => s.text)).toEqual(['Terima kasih atas umpan baliknya, Bu.', 'Sama-sama, pertahankan.']);
  });

  it('the result says to reply to it; a reply to any message of the thread is relayed; a plain answer right after a relay too; too long is handed back', async () => {
    const result = h.fake.botMessages(ANI.id).find((m) => m.text.includes('Predikat: Sangat Baik'))!;
    expect(result.text).toContain('Balas pesan ini');
    expect(result.text).not.toContain('utas');
    // Sari replies to her own "Tersimpan. Predikat ..." (a message of the assessment's thread): relayed to Ani.
    const saved = h.fake.botMessages(SARI.id).find((m) => m.text.startsWith('Tersimpan. Predikat'))!;
    let aniBefore = count(ANI);
    await h.act(() => h.fake.reply(SARI, saved.message_id, 'Satu hal lagi: tolong bagikan caranya ke tim.'));
    expect(said(ANI, aniBefore)).toBe('Sari Atasan: Satu hal lagi: tolong bagikan caranya ke tim.');
    // Ani answers without replying, right after the relay: taken as her reply, and she is told so.
    const sariBefore = count(SARI);
    aniBefore = count(ANI);
    await type(ANI, 'Baik, Bu. Minggu depan saya bagikan.');
    expect(said(SARI, sariBefore)).toBe('Ani Pegawai: Baik, Bu. Minggu depan saya bagikan.');
    expect(said(ANI, aniBefore)).toContain('dianggap balasan atas pesan Sari Atasan');
    // Too long: refused with the limit, the draft handed back whole (in as many messages as it takes), nothing relayed.
    const long = `Catatan panjang. ${'Kalimat yang diulang untuk menguji batas. '.repeat(120)}`.trim();
    const sariBeforeLong = count(SARI);
    aniBefore = count(ANI);
    await h.act(() => h.fake.reply(ANI, result.message_id, long));
    const back = said(ANI, aniBefore);
    expect(back).toContain(`Teks terlalu panjang (${long.length} karakter). Persingkat menjadi paling banyak 4000 karakter.`);
    expect(back).toContain('Draf Anda ada di pesan berikut');
    expect(back.replace(/\s+/g, ' ')).toContain(long.slice(-300).replace(/\s+/g, ' '));
    expect(count(SARI)).toBe(sariBeforeLong);
    const stored = await h.query<{ text: string }>(`select text from thread_message where assessment_id = ? order by id`, [h.assessmentIds.ani]);
    expect(stored.map((x) => x.text)).not.toContain(long);
  });

  it('answers an old button kindly and changes nothing', async () => {
    const snapshot = async () => ({
      assessment: await h.query(`select status, round, predicate, version from assessment where id = ?`, [h.assessmentIds.ani]),
      reviews: await h.query(`select id, predicate from review where assessment_id = ?`, [h.assessmentIds.ani]),
      answers: await h.query(`select item_key, realisasi, evidence from answer where assessment_id = ? order by item_key`, [h.assessmentIds.ani]),
    });
    const before = await snapshot();
    // Answered prompts lost their buttons and say what was chosen: the summary's "Kirim" cannot be pressed twice.
    const summary = [...h.fake.botMessages(ANI.id)].reverse().find((m) => m.text.includes('Ringkasan penilaian diri'))!;
    expect(summary.reply_markup?.inline_keyboard ?? []).toEqual([]);
    expect(summary.text).toContain('✓ Kirim');
    // A prompt answered by typing lost its keyboard too (the first evidence question, answered with a file),
    // its text unchanged; a client still showing its "Lewati" gets "no longer valid":
    const sent = h.fake.callsTo('sendMessage').find((c) => String(c.params.text).includes('bukti dukung') && c.params.reply_markup);
    const markup = (typeof sent!.params.reply_markup === 'string' ? JSON.parse(sent!.params.reply_markup) : sent!.params.reply_markup) as { inline_keyboard: { text: string; callback_data: string }[][] };
    const skip = markup.inline_keyboard.flat().find((b) => b.text === 'Lewati')!.callback_data;
    const evidence = h.fake.botMessages(ANI.id).find((m) => m.text.includes('bukti dukung'))!;
    expect(evidence.reply_markup?.inline_keyboard ?? []).toEqual([]);
    expect(evidence.text).not.toContain('✓');
    const shown = count(ANI);
    const { update } = await h.act(() => h.fake.pressButton(ANI, evidence.message_id, skip, { force: true }));
    // The spinner stops and the bot explains, kindly.
    expect(h.fake.callbackAnswer(update.callback_query!.id)?.answered).toBe(true);
    expect(said(ANI, shown)).toContain('Tombol itu sudah tidak berlaku');
    expect(await snapshot()).toEqual(before);
  });

  it('sent every message as valid Telegram HTML, and answered every button press', () => {
    const failed = h.fake.calls.filter((c) => c.method !== 'getUpdates' && c.status !== 200 && c.method !== 'answerCallbackQuery');
    expect(failed).toEqual([]);
    const presses = h.fake.callbackAnswers();
    // 3 by Ani (the summary submits: no second "Ya, kirim"), 8 by Sari, 1 stale.
    expect(presses).toHaveLength(12);
    expect(presses.filter((p) => !p.answered)).toEqual([]);
    expect(h.fake.callsTo('answerCallbackQuery').every((c) => c.status === 200)).toBe(true);
  });

  it('after the announcement /status offers /keberatan, and /keberatan starts an objection', async () => {
    await h.query(`update cycle set status = 'announced', announced_at = ?`, [T0]);
    await h.query(`update assessment set status = 'announced' where predicate is not null`);
    let before = count(ANI);
    await h.act(() => h.fake.sendCommand(ANI, 'status'));
    expect(said(ANI, before)).toContain('Anda dapat mengajukan keberatan dengan /keberatan sampai 15 Desember 2026');
    before = count(ANI);
    await h.act(() => h.fake.sendCommand(ANI, 'keberatan'));
    const intro = said(ANI, before);
    expect(intro).toContain('Keberatan atas hasil penilaian periode Triwulan IV 2026');
    expect(intro).toContain('Tulis alasan keberatan');
    expect(await type(ANI, 'Penilaian belum memperhitungkan laporan tambahan.')).toContain('Kirim tautan bukti dukung');
    expect((await press(ANI, 'Lewati')).answer).toContain('Ringkasan keberatan');
    // Nobody is above Sari in this unit and it has no HR officer: the objection waits for HR all the same.
    expect((await press(ANI, 'Ajukan keberatan')).answer).toContain('Keberatan Anda sudah dikirim kepada admin kepegawaian (BKD)');
    const rows = await h.query<{ status: string; decider_id: number | null }>(`select status, decider_id from objection`);
    expect(rows).toEqual([{ status: 'open', decider_id: null }]);
  });
});
