/**
 * Supervisor feedback any time (`/umpanbalik`, issue 12 item 1): the supervisor of record or the acting
 * rater picks one of their people, the kind and optionally a BerAKHLAK value, writes it; the employee gets
 * it privately and may answer in its thread; anyone else is refused. Both languages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineHarness, type EngineHarness } from '../support/engine.js';
import { addActing } from '../support/seed.js';

let h: EngineHarness;
beforeAll(async () => {
  h = await createEngineHarness();
});
afterAll(async () => {
  await h?.close();
});

const labels = async (who: string) => (await h.lastMessages(who)).flatMap((m) => (m.buttons ?? []).flat().map((b) => b.label));

describe('/umpanbalik', () => {
  it('a supervisor gives appreciation tied to a BerAKHLAK value; the employee gets it privately, stored on the period and audited', async () => {
    await h.send('sari', '/umpanbalik');
    expect(await labels('sari')).toEqual(['Ani Pegawai', 'Budi Staff', 'Citra Pegawai']);
    await h.press('sari', 'Ani Pegawai');
    expect(await h.lastText('sari')).toContain('Umpan balik untuk Ani Pegawai: apa jenisnya?');
    await h.press('sari', 'Apresiasi');
    expect(await labels('sari')).toContain('Berorientasi Pelayanan');
    await h.press('sari', 'Berorientasi Pelayanan');
    expect(await h.lastText('sari')).toContain('10 sampai 2000 karakter');
    await h.send('sari', 'Terima kasih, Ani, layanan PPDB kemarin sangat cepat dan ramah.');

    const [toAni] = await h.lastMessages('ani');
    expect(toAni!.text).toContain('Apresiasi dari atasan Anda, Sari Atasan:');
    expect(toAni!.text).toContain('Nilai BerAKHLAK: Berorientasi Pelayanan');
    expect(toAni!.text).toContain('layanan PPDB kemarin sangat cepat');
    expect(await h.lastText('sari')).toContain('Umpan balik terkirim kepada Ani Pegawai');
    // Nobody else hears of it.
    expect(await h.lastMessages('budi')).toEqual([]);
    expect(await h.lastMessages('kepala')).toEqual([]);

    const rows = await h.query<{ kind: string; value: string; cycle_id: number; acting_kind: string | null }>(`select kind, value, cycle_id, acting_kind from feedback where employee_id = ?`, [h.ids.ani]);
    expect(rows).toEqual([{ kind: 'apresiasi', value: 'berorientasi_pelayanan', cycle_id: h.cycleId, acting_kind: null }]);
    const audit = await h.query<{ action: string }>(`select action from audit_event where action = 'feedback.given'`);
    expect(audit).toHaveLength(1);
  });

  it('the employee answers in the feedback thread; the supervisor gets the answer in the same thread, and replies back', async () => {
    const [{ thread_key: key, id }] = await h.query<{ thread_key: string; id: number }>(`select thread_key, id from feedback where employee_id = ?`, [h.ids.ani]);
    await h.send('ani', 'Terima kasih Bu, tim loket juga ikut membantu.', { threadKey: key });
    const [relayed] = await h.lastMessages('sari');
    expect(relayed).toMatchObject({ text: 'Ani Pegawai: Terima kasih Bu, tim loket juga ikut membantu.', threadKey: key });
    expect(await h.lastText('ani')).toContain('Pesan diteruskan.');
    await h.send('sari', 'Sampaikan terima kasih saya ke tim loket.', { threadKey: key });
    expect(await h.lastText('ani')).toContain('Sari Atasan: Sampaikan terima kasih saya ke tim loket.');
    const replies = await h.query<{ author_id: number }>(`select author_id from feedback_reply where feedback_id = ? order by id`, [id]);
    expect(replies.map((r) => r.author_id)).toEqual([h.ids.ani, h.ids.sari]);
    // A third person cannot write in it.
    await h.send('budi', 'Saya juga mau ikut.', { threadKey: key });
    expect(await h.lastText('budi')).toContain("You cannot reply to this feedback's messages.");
    expect(await h.lastMessages('ani')).toEqual([]);
  });

  it('in English: a suggestion without a value, found by typing the name; too short text is refused and asked again', async () => {
    await h.query(`update employee set locale = 'en' where id = ?`, [h.ids.sari]);
    await h.send('sari', '/feedback budi');
    expect(await h.lastText('sari')).toContain('Feedback for Budi Staff: what kind?');
    await h.press('sari', 'Suggestion for improvement');
    await h.press('sari', 'No link');
    await h.send('sari', 'Too short');
    expect(await h.lastText('sari')).toContain('The feedback is too short (9 characters). Write at least 10 characters.');
    await h.send('sari', 'Please send the monthly report two days earlier next time.');
    const [toBudi] = await h.lastMessages('budi');
    expect(toBudi!.text).toContain('A suggestion for improvement from your supervisor, Sari Atasan:');
    expect(toBudi!.text).not.toContain('BerAKHLAK');
    expect(toBudi!.text).toContain('Reply to this message to answer.');
    expect(await h.lastText('sari')).toContain('Feedback sent privately to Budi Staff.');
    const [row] = await h.query<{ kind: string; value: string | null }>(`select kind, value from feedback where employee_id = ?`, [h.ids.budi]);
    expect(row).toEqual({ kind: 'saran', value: null });
    await h.query(`update employee set locale = 'id' where id = ?`, [h.ids.sari]);
  });

  it('someone who supervises nobody is refused, in both languages', async () => {
    await h.send('ani', '/umpanbalik');
    expect(await h.lastText('ani')).toContain('Umpan balik atasan hanya dapat diberikan oleh atasan langsung atau PLT/PLH');
    await h.send('budi', '/feedback');
    expect(await h.lastText('budi')).toContain('Supervisor feedback can only be given by the direct supervisor or the appointed acting official');
  });

  it('a supervisor naming someone who is not theirs finds no one; cancelling sends nothing', async () => {
    await h.send('sari', '/umpanbalik Hana');
    expect(await h.lastText('sari')).toContain('Tidak ada bawahan Anda yang cocok dengan "Hana"');
    await h.send('sari', '/batal');
    expect(await h.lastText('sari')).toContain('Umpan balik dibatalkan');
  });

  it('/mintaumpanbalik: the employee asks with a topic; the supervisor answers from the button; the request is answered', async () => {
    await h.send('ani', '/mintaumpanbalik laporan PPDB bulan ini');
    expect(await h.lastText('ani')).toContain('Permintaan umpan balik terkirim kepada Sari Atasan.');
    expect(await h.lastText('sari')).toContain('Ani Pegawai meminta umpan balik dari Anda tentang: laporan PPDB bulan ini');
    await h.press('sari', 'Beri umpan balik');
    expect(await h.lastText('sari')).toContain('Umpan balik untuk Ani Pegawai: apa jenisnya?');
    await h.press('sari', 'Saran perbaikan');
    await h.press('sari', 'Tanpa kaitan');
    await h.send('sari', 'Lampirkan rekap per sekolah di laporan PPDB berikutnya.');
    expect(await h.lastText('ani')).toContain('Saran perbaikan dari atasan Anda, Sari Atasan:');
    const [req] = await h.query<{ topic: string; answered: boolean; rater_id: number }>(`select topic, answered_at is not null as answered, rater_id from feedback_request where employee_id = ?`, [h.ids.ani]);
    expect(req).toEqual({ topic: 'laporan PPDB bulan ini', answered: true, rater_id: h.ids.sari });
  });

  it('/requestfeedback in English without a topic; someone with no supervisor is told, in both languages', async () => {
    await h.send('budi', '/requestfeedback');
    expect(await h.lastText('budi')).toContain('Request for feedback sent to Sari Atasan.');
    expect(await h.lastText('sari')).toContain('Budi Staff meminta umpan balik dari Anda.');
    await h.send('kepala', '/mintaumpanbalik');
    expect(await h.lastText('kepala')).toContain('Anda belum memiliki atasan atau PLT/PLH yang tercatat');
    await h.query(`update employee set locale = 'en' where id = ?`, [h.ids.kepala]);
    await h.send('kepala', '/requestfeedback');
    expect(await h.lastText('kepala')).toContain('You have no supervisor or acting official (PLT/PLH) on record');
    await h.query(`update employee set locale = 'id' where id = ?`, [h.ids.kepala]);
  });

  it('an acting PLH gives feedback to the absent supervisor\'s people; the row records the acting kind', async () => {
    await addActing(h.db.orm.em, { kind: 'plh', actingId: h.ids.plh, forId: h.ids.sari, startsOn: '2026-11-30', endsOn: '2026-12-02' });
    await h.send('plh', '/umpanbalik');
    expect(await labels('plh')).toEqual(['Ani Pegawai (PLH)', 'Budi Staff (PLH)', 'Citra Pegawai (PLH)']);
    await h.press('plh', 'Citra');
    await h.press('plh', 'Apresiasi');
    await h.press('plh', 'Kolaboratif');
    await h.send('plh', 'Kerja sama Citra dengan puskesmas sangat membantu minggu ini.');
    expect(await h.lastText('citra')).toContain('Apresiasi dari atasan Anda, Putra PLH:');
    const [row] = await h.query<{ acting_kind: string; giver_id: number }>(`select acting_kind, giver_id from feedback where employee_id = ?`, [h.ids.citra]);
    expect(row).toEqual({ acting_kind: 'plh', giver_id: h.ids.plh });
  });

  it('names one of the person\'s indicators and carries evidence (a link and a photo); both reach the employee and the row', async () => {
    await h.send('sari', '/umpanbalik Ani');
    await h.press('sari', 'Apresiasi');
    // Ani's own target first, then the period's Hasil Kerja indicators, then the values.
    const shown = await labels('sari');
    expect(shown.slice(0, 3)).toEqual(['Jumlah laporan layanan', 'Kualitas pelayanan', 'Kecepatan respons']);
    expect(shown).toContain('Kolaboratif');
    expect(shown.at(-1)).toBe('Tanpa kaitan');
    await h.press('sari', 'Jumlah laporan layanan');
    expect(await h.lastText('sari')).toContain('Bukti dukung (file, foto, atau tautan https://) boleh dikirim lebih dulu');
    await h.send('sari', 'javascript:alert(1)');
    expect(await h.lastText('sari')).toContain('Hanya tautan http:// atau https:// yang diterima');
    await h.send('sari', 'https://drive.example.go.id/laporan-ppdb.pdf');
    expect(await h.lastText('sari')).toContain('Bukti dukung tersimpan (1)');
    await h.sendFile('sari', { kind: 'photo', fileId: 'photo-loket-1', name: 'loket.jpg', size: 120_000 });
    expect(await h.lastText('sari')).toContain('Bukti dukung tersimpan (2)');
    await h.sendFile('sari', { kind: 'file', fileId: 'big', name: 'video.mp4', size: 50 * 1024 * 1024 });
    expect(await h.lastText('sari')).toContain('File terlalu besar');
    await h.send('sari', 'Dua belas laporan layanan sekolah selesai lebih awal, rapi dan lengkap.');

    const [toAni] = await h.lastMessages('ani');
    expect(toAni!.text).toContain('Indikator: Jumlah laporan layanan');
    expect(toAni!.text).not.toContain('Nilai BerAKHLAK');
    expect(toAni!.text).toContain('Bukti dukung:\n- https://drive.example.go.id/laporan-ppdb.pdf\n- foto loket.jpg');
    const [row] = await h.query<{ item_key: string; item_title: string; value: string | null; evidence: { kind: string; url?: string; fileId?: string }[] }>(
      `select item_key, item_title, value, evidence from feedback where employee_id = ? order by id desc limit 1`,
      [h.ids.ani],
    );
    expect(row!.item_key).toMatch(/^tgt:\d+$/);
    expect(row!.item_title).toBe('Jumlah laporan layanan');
    expect(row!.value).toBeNull();
    expect(row!.evidence.map((e) => e.url ?? e.fileId)).toEqual(['https://drive.example.go.id/laporan-ppdb.pdf', 'photo-loket-1']);
  });

  it('in English: an indicator in the reader\'s language; a file before the text step is refused, nothing lost', async () => {
    await h.query(`update employee set locale = 'en' where id = ?`, [h.ids.sari]);
    await h.send('sari', '/feedback Budi');
    await h.sendFile('sari', { kind: 'file', fileId: 'early', name: 'early.pdf', size: 1000 });
    expect(await h.lastText('sari')).toContain('Files are taken as evidence while you write the feedback. Choose one of the buttons above first');
    await h.press('sari', 'Suggestion for improvement');
    expect(await h.lastText('sari')).toContain("Link it to one of Budi Staff's indicators or to a BerAKHLAK value? (optional)");
    await h.press('sari', 'Response speed');
    await h.sendFile('sari', { kind: 'file', fileId: 'rekap-1', name: 'rekap.xlsx', size: 2000 });
    expect(await h.lastText('sari')).toContain('Evidence saved (1). Send more, or write the feedback.');
    await h.send('sari', 'Answer parents within one working day, as in the attached recap.');
    const [toBudi] = await h.lastMessages('budi');
    expect(toBudi!.text).toContain('Indicator: Response speed');
    expect(toBudi!.text).toContain('Evidence:\n- file rekap.xlsx');
    await h.query(`update employee set locale = 'id' where id = ?`, [h.ids.sari]);
  });

  it('with more than 8 people the supervisor types a name; several matches become buttons', async () => {
    for (let i = 0; i < 7; i++) {
      await h.query(
        `insert into employee (nip, name, position, position_kind, unit_id, supervisor_id, roles, locale, timezone, active)
         select ?, ?, 'Analis', 'pelaksana', unit_id, ?, '{pegawai}', 'id', 'Asia/Jakarta', true from employee where id = ?`,
        [`19950101202001100${i}`, `Staf Tambahan ${i}`, h.ids.sari, h.ids.sari],
      );
    }
    await h.send('sari', '/umpanbalik');
    expect(await h.lastText('sari')).toContain('Anda membawahi 10 orang. Ketik nama');
    expect(await labels('sari')).toEqual([]);
    await h.send('sari', 'Pegawai');
    expect(await labels('sari')).toEqual(['Ani Pegawai', 'Citra Pegawai']);
    await h.press('sari', 'Citra');
    expect(await h.lastText('sari')).toContain('Umpan balik untuk Citra Pegawai: apa jenisnya?');
    await h.send('sari', '/batal');
    await h.query(`update employee set active = false where name like 'Staf Tambahan%'`);
  });
});
