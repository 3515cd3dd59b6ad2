/**
 * Recognition between colleagues (`/apresiasi`, issue 12 item 3): the recipient gets it privately, their
 * supervisor is told, the unit channel only when the sender asked and the recipient has not opted out;
 * never to oneself; at most RECOGNITION_PER_DAY (3) a day. Both languages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { hideRecognition, RecognitionHideError } from '../../src/setup/recognition.js';
import { ANNOUNCE_CHAT, createEngineHarness, type EngineHarness } from '../support/engine.js';
import { completeSelfAssessment } from '../support/engine-flows.js';

let h: EngineHarness;
const CHANNEL = `telegram:${ANNOUNCE_CHAT}`;
beforeAll(async () => {
  h = await createEngineHarness();
});
afterAll(async () => {
  await h?.close();
});

/** One recognition from `who` through every step. */
async function recognise(who: string, query: string, value: string, text: string, publicly: string): Promise<void> {
  await h.send(who, `/apresiasi ${query}`);
  await h.press(who, value);
  await h.send(who, text);
  await h.press(who, publicly);
}

describe('/apresiasi', () => {
  it('a colleague is recognised publicly: the recipient privately (in English), the supervisor told, the unit channel posted', async () => {
    await h.send('ani', '/apresiasi budi');
    expect(await h.lastText('ani')).toContain('Apresiasi untuk Budi Staff: nilai BerAKHLAK mana');
    await h.press('ani', 'Kolaboratif');
    expect(await h.lastText('ani')).toContain('10 sampai 500 karakter');
    await h.send('ani', 'Terima kasih sudah membantu rekap data sekolah sampai malam.');
    expect(await h.lastText('ani')).toContain('Umumkan juga apresiasi untuk Budi Staff di kanal unitnya?');
    await h.press('ani', 'Ya, umumkan');

    expect(await h.lastText('budi')).toContain('Ani Pegawai recognised you for the BerAKHLAK value Collaborative:');
    expect(await h.lastText('sari')).toContain('Ani Pegawai memberi apresiasi kepada Budi Staff (bawahan Anda) untuk nilai BerAKHLAK Kolaboratif');
    expect(await h.lastText(CHANNEL)).toContain('Ani Pegawai memberi apresiasi kepada Budi Staff untuk nilai BerAKHLAK Kolaboratif: Terima kasih sudah membantu');
    expect(await h.lastText('ani')).toContain('diumumkan di kanal unitnya');
    const rows = await h.query<{ value: string; public: boolean; cycle_id: number }>(`select value, public, cycle_id from recognition where recipient_id = ?`, [h.ids.budi]);
    expect(rows).toEqual([{ value: 'kolaboratif', public: true, cycle_id: h.cycleId }]);
    expect(await h.query(`select 1 from audit_event where action = 'recognition.given'`)).toHaveLength(1);
  });

  it('an opted-out recipient is never posted publicly, even when the sender asks (English sender)', async () => {
    await h.query(`update employee set opt_out_announcements = true where id = ?`, [h.ids.citra]);
    await h.send('budi', '/recognize citra');
    expect(await h.lastText('budi')).toContain('Recognition for Citra Pegawai: which BerAKHLAK value did they show?');
    await h.press('budi', 'Service orientation');
    await h.send('budi', 'Short');
    expect(await h.lastText('budi')).toContain('The message is too short (5 characters). Write at least 10 characters.');
    await h.send('budi', 'Thank you for covering the front desk on Monday.');
    expect(await h.lastText('budi')).toContain("Also announce the recognition for Citra Pegawai in their unit's channel?");
    await h.press('budi', 'Yes, announce it');
    expect(await h.lastText('budi')).toContain('Not announced: Citra Pegawai chose not to be announced');
    expect(await h.lastMessages(CHANNEL)).toEqual([]);
    expect(await h.lastText('citra')).toContain('Budi Staff memberi Anda apresiasi untuk nilai BerAKHLAK Berorientasi Pelayanan');
    const [row] = await h.query<{ public: boolean }>(`select public from recognition where recipient_id = ?`, [h.ids.citra]);
    expect(row!.public).toBe(false);
  });

  it('a private recognition is not posted; the sender is told it went privately', async () => {
    await recognise('sari', 'ani', 'Akuntabel', 'Laporan keuangan rapi dan tepat waktu bulan ini.', 'Tidak, pribadi saja');
    expect(await h.lastText('sari')).toContain('Apresiasi terkirim kepada Ani Pegawai secara pribadi');
    expect(await h.lastMessages(CHANNEL)).toEqual([]);
    // Sari is Ani's supervisor: she is not told of her own recognition.
    expect((await h.lastMessages('sari')).length).toBe(1);
  });

  it('recognising oneself is refused, in both languages', async () => {
    await h.send('ani', '/apresiasi Ani Pegawai');
    expect(await h.lastText('ani')).toContain('Apresiasi tidak dapat diberikan kepada diri sendiri.');
    await h.send('budi', `/recognize ${'199102022016031004'}`);
    expect(await h.lastText('budi')).toContain('You cannot give recognition to yourself.');
    expect(await h.query(`select 1 from recognition where sender_id = recipient_id`)).toEqual([]);
  });

  it('no match in the agency says so; several matches become buttons', async () => {
    await h.send('ani', '/apresiasi Zaenal');
    expect(await h.lastText('ani')).toContain('Tidak ada rekan di instansi Anda yang cocok dengan "Zaenal"');
    await h.send('ani', 'Pegawai');
    const labels = (await h.lastMessages('ani')).flatMap((m) => (m.buttons ?? []).flat().map((b) => b.label));
    expect(labels).toEqual(['Ani Pegawai', 'Citra Pegawai']);
    await h.send('ani', '/batal');
    expect(await h.lastText('ani')).toContain('Apresiasi dibatalkan');
  });

  it('the daily limit: the fourth recognition of a day is refused, in both languages; the next day it works', async () => {
    // Ani sent one today; two more reach the limit of 3.
    await recognise('ani', 'citra', 'Harmonis', 'Suasana ruang kerja jadi lebih hangat berkat kamu.', 'Tidak, pribadi saja');
    await recognise('ani', 'sari', 'Loyal', 'Terima kasih selalu membela tim di rapat pimpinan.', 'Tidak, pribadi saja');
    await h.send('ani', '/apresiasi budi');
    expect(await h.lastText('ani')).toContain('Anda sudah mengirim 3 apresiasi hari ini, batas per hari.');
    await h.query(`insert into recognition (sender_id, recipient_id, value, text, platform, created_at) select ?, ?, 'loyal', 'seeded for the limit', 'telegram', now() from generate_series(1, 2)`, [h.ids.budi, h.ids.ani]);
    await h.send('budi', '/recognize sari');
    expect(await h.lastText('budi')).toContain('You have already sent 3 recognitions today, the daily limit.');
    h.clock.advance(24 * 3600_000);
    await h.send('ani', '/apresiasi budi');
    expect(await h.lastText('ani')).toContain('Apresiasi untuk Budi Staff');
    await h.send('ani', '/batal');
  });

  it('HR hides a recognition: kept but marked, audited, the sender told the reason in their language; bad input refused', async () => {
    const em = () => h.db.orm.em.fork() as EntityManager;
    const hr = { actor: 'hana.hr', clock: h.clock };
    const [ofAni] = await h.query<{ id: number }>(`select id from recognition where sender_id = ? and recipient_id = ?`, [h.ids.ani, h.ids.budi]);
    const [ofBudi] = await h.query<{ id: number }>(`select id from recognition where sender_id = ? and recipient_id = ?`, [h.ids.budi, h.ids.citra]);
    await expect(hideRecognition(em(), { id: ofAni!.id, reason: 'short' }, hr)).rejects.toThrow(RecognitionHideError);
    await expect(hideRecognition(em(), { id: 999_999, reason: 'Tidak ada rekaman seperti ini.' }, hr)).rejects.toThrow('there is no recognition 999999');

    expect(await hideRecognition(em(), { id: ofAni!.id, reason: 'Menyebut data pribadi rekan lain.' }, hr)).toEqual({ id: ofAni!.id, sender: 'Ani Pegawai', recipient: 'Budi Staff' });
    expect((await h.allMessages('ani')).at(-1)!.text).toBe('Apresiasi Anda kepada Budi Staff (2026-12-01) disembunyikan oleh admin kepegawaian. Alasan: Menyebut data pribadi rekan lain.');
    await hideRecognition(em(), { id: ofBudi!.id, reason: 'Sent to the wrong colleague by mistake.' }, hr);
    expect((await h.allMessages('budi')).at(-1)!.text).toBe('Your recognition of Citra Pegawai (2026-12-01) was hidden by HR. Reason: Sent to the wrong colleague by mistake.');

    const [row] = await h.query<{ hidden_by: string; hidden_reason: string }>(`select hidden_by, hidden_reason from recognition where id = ?`, [ofAni!.id]);
    expect(row).toEqual({ hidden_by: 'hana.hr', hidden_reason: 'Menyebut data pribadi rekan lain.' });
    const audits = await h.query<{ actor: string; subject: string }>(`select actor, subject from audit_event where action = 'recognition.hidden' order by id`);
    expect(audits).toEqual([{ actor: 'hana.hr', subject: `recognition:${ofAni!.id}` }, { actor: 'hana.hr', subject: `recognition:${ofBudi!.id}` }]);
    await expect(hideRecognition(em(), { id: ofAni!.id, reason: 'Sekali lagi untuk uji coba.' }, hr)).rejects.toThrow('already hidden');

    // A hidden recognition no longer counts in what the recipient received this period.
    await h.send('budi', '/status');
    expect(await h.lastText('budi')).toContain('This period you received 0 supervisor feedback and 0 recognitions from colleagues.');
    await h.send('citra', '/status');
    expect(await h.lastText('citra')).toContain('Periode ini Anda menerima 0 umpan balik atasan dan 1 apresiasi rekan.');
  });

  it("the supervisor's review shows the period's feedback and recognitions: the count and the latest three (hidden left out)", async () => {
    await h.send('sari', '/umpanbalik citra');
    await h.press('sari', 'Apresiasi');
    await h.press('sari', 'Tanpa kaitan');
    await h.send('sari', 'Rekap data puskesmas minggu ini rapi sekali.');
    await completeSelfAssessment(h, 'citra');
    await h.press('sari', 'Tinjau sekarang');
    const overview = (await h.lastMessages('sari'))[0]!.text;
    expect(overview).toContain('Umpan balik dan apresiasi periode ini: 2.');
    expect(overview).toContain('apresiasi dari Sari Atasan: Rekap data puskesmas minggu ini rapi sekali.');
    expect(overview).toContain('apresiasi rekan dari Ani Pegawai: Suasana ruang kerja');
    // Budi's recognition of Citra was hidden by HR.
    expect(overview).not.toContain('front desk');
    await h.query(`update employee set locale = 'en' where id = ?`, [h.ids.sari]);
    await h.send('sari', '/cancel');
    await h.send('sari', '/review');
    await h.press('sari', 'Citra Pegawai');
    const english = (await h.lastMessages('sari'))[0]!.text;
    expect(english).toContain('Feedback and recognitions this period: 2.');
    expect(english).toContain('appreciation from Sari Atasan');
    expect(english).toContain('recognition by Ani Pegawai');
  });

  it('more than three: the review\'s "show all" button lists every one of the period, in both languages; others are refused', async () => {
    for (const [i, word] of ['Satu', 'Dua', 'Tiga'].entries()) {
      await h.query(
        `insert into feedback (cycle_id, giver_id, employee_id, kind, text, thread_key, platform, created_at) values (?, ?, ?, 'saran', ?, ?, 'telegram', ?)`,
        [h.cycleId, h.ids.sari, h.ids.citra, `Catatan ${word}: perbaiki format rekap mingguan.`, `fb-all-${i}`, new Date(h.clock.now().getTime() + (i + 1) * 60_000)],
      );
    }
    await h.send('sari', '/cancel');
    await h.send('sari', '/review');
    await h.press('sari', 'Citra Pegawai');
    const [overview] = await h.lastMessages('sari');
    expect(overview!.text).toContain('Feedback and recognitions this period: 5.');
    expect(overview!.text).toContain('Catatan Tiga');
    expect(overview!.text).not.toContain('Rekap data puskesmas');
    expect(overview!.buttons?.flat().map((b) => b.label)).toEqual(['Show all (5)']);
    const token = overview!.buttons![0]![0]!.token;
    await h.pressToken('sari', token);
    const all = await h.lastText('sari');
    expect(all).toContain('All feedback and recognitions for Citra Pegawai in Triwulan IV 2026 (5):');
    for (const text of ['Catatan Satu', 'Catatan Dua', 'Catatan Tiga', 'Rekap data puskesmas', 'Suasana ruang kerja']) expect(all).toContain(text);
    expect(all).not.toContain('front desk');
    // Someone who does not rate Citra cannot read them.
    await h.pressToken('ani', token);
    expect(await h.lastText('ani')).not.toContain('Catatan');

    await h.query(`update employee set locale = 'id' where id = ?`, [h.ids.sari]);
    await h.send('sari', '/batal');
    await h.send('sari', '/tinjau');
    await h.press('sari', 'Citra Pegawai');
    const [ringkasan] = await h.lastMessages('sari');
    expect(ringkasan!.buttons?.flat().map((b) => b.label)).toEqual(['Tampilkan semua (5)']);
    await h.pressToken('sari', ringkasan!.buttons![0]![0]!.token);
    expect(await h.lastText('sari')).toContain('Semua umpan balik dan apresiasi untuk Citra Pegawai periode Triwulan IV 2026 (5):');
  });

  it('/riwayat lists given and received with dates, hidden ones left out; nothing yet is said so (both languages)', async () => {
    await h.send('ani', '/riwayat');
    const ani = await h.lastText('ani');
    expect(ani).toContain('Umpan balik dan apresiasi terbaru (diberikan dan diterima):');
    expect(ani).toContain('- 2026-12-01 Anda memberi apresiasi rekan kepada Citra Pegawai: Suasana ruang kerja');
    expect(ani).toContain('apresiasi rekan dari Sari Atasan: Laporan keuangan rapi');
    expect(ani).not.toContain('rekap data sekolah');
    await h.send('budi', '/history');
    const budi = await h.lastText('budi');
    expect(budi).toContain('Latest feedback and recognitions (given and received):');
    expect(budi).toContain('you recognised Ani Pegawai: seeded for the limit');
    expect(budi).not.toContain('front desk');
    await h.send('kepala', '/riwayat');
    expect(await h.lastText('kepala')).toContain('Belum ada umpan balik atau apresiasi yang Anda berikan atau terima.');
    await h.query(`update employee set locale = 'en' where id = ?`, [h.ids.plh]);
    await h.send('plh', '/history');
    expect(await h.lastText('plh')).toContain('No feedback or recognition given or received yet.');
  });
});
