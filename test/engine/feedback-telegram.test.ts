/**
 * Continuous feedback on Telegram end to end (fake Bot API, issue 12): Sari gives Ani feedback with the
 * inline buttons, Ani answers by replying to it, Sari gets the answer as a reply to her own copy.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANI, createTelegramHarness, SARI, type TelegramHarness } from '../telegram/harness.js';

let h: TelegramHarness;
beforeAll(async () => {
  h = await createTelegramHarness('webhook');
  await h.act(() => h.fake.sendCommand(ANI, 'start', h.codes.ani));
  await h.act(() => h.fake.sendCommand(SARI, 'start', h.codes.sari));
});
afterAll(async () => {
  await h?.close();
});

const last = (user: { id: number }) => h.fake.botMessages(user.id).at(-1)!;
async function press(user: typeof ANI, label: string): Promise<void> {
  const msg = [...h.fake.botMessages(user.id)].reverse().find((m) => m.reply_markup?.inline_keyboard.flat().some((b) => b.text === label));
  if (!msg) throw new Error(`no button ${label}`);
  await h.act(() => h.fake.pressButton(user, msg.message_id, label));
}

describe('feedback on Telegram', () => {
  it('/umpanbalik with buttons; the employee replies to it; the reply reaches the supervisor', async () => {
    await h.act(() => h.fake.sendCommand(SARI, 'umpanbalik', 'Ani'));
    expect(last(SARI).text).toContain('Umpan balik untuk Ani Pegawai: apa jenisnya?');
    await press(SARI, 'Apresiasi');
    await press(SARI, 'Akuntabel');
    await h.act(() => h.fake.sendText(SARI, 'Laporan bulanan Ani lengkap dengan bukti dukung, terima kasih.'));
    const toAni = last(ANI);
    expect(toAni.text).toContain('Apresiasi dari atasan Anda, Sari Atasan:');
    expect(toAni.text).toContain('Balas pesan ini untuk menanggapi.');
    const sariCopy = last(SARI);
    expect(sariCopy.text).toContain('Umpan balik terkirim kepada Ani Pegawai');

    await h.act(() => h.fake.reply(ANI, toAni.message_id, 'Terima kasih Bu, saya pertahankan.'));
    expect(last(SARI).text).toBe('Ani Pegawai: Terima kasih Bu, saya pertahankan.');
    expect(last(ANI).text).toBe('Pesan diteruskan.');
  });

  it('an indicator named and a photo sent as evidence before the text; the link inside the text stays text', async () => {
    await h.act(() => h.fake.sendCommand(SARI, 'umpanbalik', 'Ani'));
    await press(SARI, 'Saran perbaikan');
    await press(SARI, 'Kualitas pelayanan');
    await h.act(() => h.fake.sendPhoto(SARI, { size: 90_000 }));
    expect(last(SARI).text).toContain('Bukti dukung tersimpan (1)');
    await h.act(() => h.fake.sendText(SARI, 'Antrean loket masih panjang pada jam 10, lihat foto dan https://contoh.go.id/antrean.'));
    const toAni = last(ANI);
    expect(toAni.text).toContain('Saran perbaikan dari atasan Anda, Sari Atasan:');
    expect(toAni.text).toContain('Indikator: Kualitas pelayanan');
    expect(toAni.text).toContain('Bukti dukung:\n- foto\n');
    expect(toAni.text).toContain('lihat foto dan https://contoh.go.id/antrean.');
  });
});
