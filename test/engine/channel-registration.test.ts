/**
 * `/daftarkan_kanal UNIT` (Slack: `/kinerja daftarkan-kanal UNIT`): an HR admin makes a group or channel the
 * unit's announcement channel from inside it. Through the engine (both languages, every refusal), then end to
 * end through the fake Telegram Bot API (a group message) and the fake Slack Web API (a slash command in a
 * channel).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineHarness, type EngineHarness } from '../support/engine.js';
import { ANI, createTelegramHarness, SARI, type TelegramHarness } from '../telegram/harness.js';
import { FakeSlack, messageEvent, postSigned, slashCommand } from '../support/fake-slack.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { addSlackTeam } from '../support/seed.js';
import { loadConfig } from '../../src/config.js';
import { createEngine } from '../../src/engine/engine.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { createSlackAdapter, type SlackAdapter } from '../../src/adapters/slack/adapter.js';
import { ingressLookups } from '../../src/db/lookups.js';
import { createInboxConsumer, type InboxConsumer } from '../../src/engine/inbox-consumer.js';
import { deliverOutboxRow } from '../../src/jobs/deliver-row.js';
import { capabilitiesOf } from '../../src/engine/capabilities.js';
import { PLATFORM_MODULES } from '../../src/platforms.js';
import { createLogger } from '../../src/logger.js';
import { ManualClock } from '../../src/clock.js';
import { verifyAuditChain } from '../../src/db/audit.js';
import { txOf } from '../../src/db/sql.js';
import { spellCommands, type PlatformSender } from '../../src/contract/index.js';

const GROUP = '-100555';

describe('registering a unit channel through the engine', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
  });
  afterAll(async () => {
    await h?.close();
  });
  const inGroup = async (who: string, text: string) => {
    const r = await h.send(who, text, { groupChatId: GROUP });
    const rows = await h.query<{ payload: { text: string } }>(`select payload from outbox_message where chat_id = ? and id = any(string_to_array(?, ',')::bigint[]) order by id`, [GROUP, r.outboxIds.join(',')]);
    // As delivered to the Telegram group: commands spelled with its prefix.
    return rows.map((x) => spellCommands(x.payload.text, '/')).join('\n');
  };
  const channels = async () => (await h.query<{ announce_channels: Record<string, string> }>(`select announce_channels from unit where code = 'DISDIK'`))[0]!.announce_channels;

  it('refuses someone who is not an HR admin, in their language, in the group; nothing changes', async () => {
    expect(await inGroup('ani', '/daftarkan_kanal DISDIK')).toBe('Hanya admin kepegawaian yang dapat mendaftarkan kanal unit. Minta bagian kepegawaian mengirim /daftarkan_kanal KODE_UNIT di sini.');
    expect(await inGroup('budi', '/daftarkan_kanal DISDIK')).toBe("Only an HR admin (admin kepegawaian) can register a unit's channel. Ask your HR office to send /daftarkan_kanal UNIT_CODE here.");
    // Someone whose chat is not linked yet is told how to link first (in the language their client reports).
    expect(await inGroup('9999', '/daftarkan_kanal DISDIK')).toBe(
      'Akun obrolan ini belum tertaut ke data pegawai. Buka obrolan pribadi dengan bot, kirim /start KODE (kode tautan dari bagian kepegawaian), lalu kirim /daftarkan_kanal KODE_UNIT di sini lagi.',
    );
    const english = await h.handle(h.event('9998', 'command', 'daftarkan_kanal', { args: ['DISDIK'], groupChatId: GROUP, hints: { locale: 'en' } }));
    const [en] = await h.query<{ payload: { text: string } }>(`select payload from outbox_message where id = ?`, [english.outboxIds[0]]);
    expect(spellCommands(en!.payload.text, '/')).toBe('This chat account is not linked to an employee yet. Open a private chat with the bot, send /start CODE (the link code from HR), then send /daftarkan_kanal UNIT_CODE here again.');
    expect(await channels()).toEqual({ telegram: '-100777' });
  });

  it('an HR admin without a code, or with an unknown one, is told how (Indonesian and English)', async () => {
    expect(await inGroup('hr', '/daftarkan_kanal')).toBe('Tulis kode unit setelah perintah, misalnya: /daftarkan_kanal DISDIK'.replace('DISDIK', 'DISHUB'));
    expect(await inGroup('hr', '/daftarkan_kanal disdik')).toBe('Tidak ada unit dengan kode disdik. Periksa kodenya (seperti pada impor pegawai, huruf besar dan kecil dibedakan) lalu kirim /daftarkan_kanal lagi.');
    await h.query(`update employee set locale = 'en' where nip = '198803032012032007'`);
    expect(await inGroup('hr', '/register_channel NOPE')).toBe('There is no unit with code NOPE. Check the code (as in the employee import, upper and lower case matter) and send /daftarkan_kanal again.');
    expect(await inGroup('hr', '/register_channel')).toBe('Write the unit code after the command, for example: /daftarkan_kanal DISHUB');
    await h.query(`update employee set locale = 'id' where nip = '198803032012032007'`);
    expect(await channels()).toEqual({ telegram: '-100777' });
  });

  it('in the private chat the command explains where to send it', async () => {
    await h.send('hr', '/daftarkan_kanal DISDIK');
    expect(await h.lastText('hr')).toContain('Kirim /daftarkan_kanal KODE_UNIT di grup Telegram atau kanal Slack');
    expect(await channels()).toEqual({ telegram: '-100777' });
  });

  it('an HR admin registers the group: confirmed in the group, the unit\'s channel replaced, audited with the chat id', async () => {
    expect(await inGroup('hr', '/daftarkan_kanal DISDIK')).toBe(
      'Obrolan ini sekarang menjadi kanal pengumuman Dinas Pendidikan (DISDIK). Pengumuman penghargaan (Sangat Baik, kecuali pegawai memilih tidak diumumkan) akan dikirim ke sini. Penilaian dan hasil tetap pribadi.',
    );
    expect(await channels()).toEqual({ telegram: GROUP });
    const [audit] = await h.query<{ actor: string; subject: string; data: Record<string, unknown> }>(`select actor, subject, data from audit_event where action = 'unit.channel_registered'`);
    expect(audit).toEqual({ actor: '198803032012032007', subject: 'unit:DISDIK', data: { unit: 'DISDIK', platform: 'telegram', chatId: GROUP, previous: '-100777', via: 'chat' } });
    await h.query(`update employee set locale = 'en' where nip = '198803032012032007'`);
    expect(await inGroup('hr', '/daftarkan_kanal DISDIK')).toContain('This chat is now the announcement channel of Dinas Pendidikan (DISDIK).');
    await h.query(`update employee set locale = 'id' where nip = '198803032012032007'`);
    expect(await verifyAuditChain(txOf(h.db.orm.em.fork()))).toBeNull();
  });

  it('other commands typed in a group are answered privately; plain group text is not the bot\'s business', async () => {
    const status = await h.send('ani', '/status', { groupChatId: GROUP });
    const rows = await h.query<{ chat_id: string }>(`select chat_id from outbox_message where id = any(string_to_array(?, ',')::bigint[])`, [status.outboxIds.join(',')]);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => r.chat_id !== GROUP)).toBe(true);
    const chatter = await h.send('ani', 'selamat pagi semua', { groupChatId: GROUP });
    expect(chatter.outboxIds).toEqual([]);
  });
});

describe('registering a unit channel in a Telegram group (fake Bot API)', () => {
  let h: TelegramHarness;
  beforeAll(async () => {
    // Webhook mode: each POST returns once the update was handled or ignored (group chatter is ignored).
    h = await createTelegramHarness('webhook');
    await h.query(`update employee set roles = '{pegawai,admin}' where id = ?`, [h.employeeIds.sari]);
    await h.act(() => h.fake.sendCommand(ANI, 'start', h.codes.ani));
    await h.act(() => h.fake.sendCommand(SARI, 'start', h.codes.sari));
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a non-admin is refused in the group; the HR admin\'s /daftarkan_kanal@bot registers it and the bot confirms there', async () => {
    const group = -1001234;
    await h.act(() => h.fake.sendInGroup(ANI, group, '/daftarkan_kanal DISDIK'));
    expect(h.fake.botMessages(group).map((m) => m.text)).toEqual([expect.stringContaining('Hanya admin kepegawaian')]);
    await h.act(() => h.fake.sendInGroup(SARI, group, `/daftarkan_kanal@${h.fake.bot.username} DISDIK`));
    expect(h.fake.botMessages(group).at(-1)!.text).toContain('Obrolan ini sekarang menjadi kanal pengumuman Dinas Pendidikan (DISDIK)');
    const [u] = await h.query<{ announce_channels: Record<string, string> }>(`select announce_channels from unit where code = 'DISDIK'`);
    expect(u!.announce_channels).toEqual({ telegram: String(group) });
    // Chatter in the group and commands for other bots get nothing.
    const before = h.fake.botMessages(group).length;
    await h.act(() => h.fake.sendInGroup(SARI, group, 'terima kasih'));
    await h.act(() => h.fake.sendInGroup(SARI, group, '/daftarkan_kanal@other_bot DISDIK'));
    expect(h.fake.botMessages(group).length).toBe(before);
  });
});

describe('registering a unit channel with /kinerja daftarkan-kanal in a Slack channel (fake Web API)', () => {
  const SECRET = 'channel-signing-secret-0123456789';
  const BUDI = { user: 'UBUDI', dm: 'DBUDI' };
  const SITI = { user: 'USITI', dm: 'DSITI' };
  const CHANNEL = 'C0KANAL01';
  let db: TestDatabase;
  let slack: FakeSlack;
  let http: HttpServer;
  let adapter: SlackAdapter;
  let inbox: InboxConsumer;
  let url = '';
  const clock = new ManualClock(new Date('2027-01-05T03:00:00Z'));
  const senders = new Map<string, PlatformSender>();

  beforeAll(async () => {
    db = await createTestDatabase();
    slack = await new FakeSlack().start();
    slack.users.set(SITI.user, { email: 'siti.rahma@jakarta.go.id', name: 'Siti', dm: SITI.dm });
    slack.users.set(BUDI.user, { email: 'budi.santoso@jakarta.go.id', name: 'Budi', dm: BUDI.dm });
    await addSlackTeam(db.orm.em);
    await db.orm.em.getConnection().execute(`update employee set roles = '{pegawai,admin}', locale = 'en' where nip = '197801012005011001'`);
    const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-channel-token', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl });
    const engine = createEngine({
      capabilities: capabilitiesOf(PLATFORM_MODULES),
      orm: db.orm,
      config,
      clock,
      logger: createLogger('silent'),
      onCommitted: async (ids) => {
        for (const id of ids) await deliverOutboxRow(db.orm.em.fork(), senders, id);
      },
    });
    http = createHttpServer({ port: 0, host: '127.0.0.1' });
    inbox = createInboxConsumer({ orm: db.orm, engine, logger: createLogger('silent') });
    await inbox.start();
    adapter = createSlackAdapter({ config, inbox, http, lookups: ingressLookups(db.orm), logger: createLogger('silent'), clock });
    senders.set('slack', adapter.sender);
    await adapter.start();
    url = `http://127.0.0.1:${await http.start()}/slack/events`;
  });
  afterAll(async () => {
    await adapter?.stop();
    await inbox?.stop();
    await http?.stop();
    await slack?.stop();
    await db?.close();
  });
  async function dm(who: { user: string; dm: string }, text: string): Promise<void> {
    const res = await postSigned(url, SECRET, { json: messageEvent({ user: who.user, channel: who.dm, text }) }, { nowMs: clock.now().getTime() });
    expect(res.status).toBe(200);
    await adapter.idle();
  }
  async function slash(who: { user: string }, text: string): Promise<void> {
    const res = await postSigned(url, SECRET, slashCommand({ user: who.user, channel: CHANNEL, text }), { nowMs: clock.now().getTime() });
    expect(res.status).toBe(200);
    await adapter.idle();
  }
  const texts = (channel: string) => slack.postedTo(channel).map((m) => String(m.text));

  it('Siti (not an admin) is refused in the channel; Budi (HR admin, English) registers it and the bot confirms there', async () => {
    // Both have written to the bot before (linked by their Slack e-mail).
    await dm(SITI, 'halo');
    await dm(BUDI, 'hello');
    await slash(SITI, 'daftarkan-kanal DISDIK');
    expect(texts(CHANNEL)).toEqual([expect.stringContaining('Hanya admin kepegawaian yang dapat mendaftarkan kanal unit. Minta bagian kepegawaian mengirim /kinerja daftarkan_kanal')]);
    await slash(BUDI, 'daftarkan-kanal DISDIK');
    expect(texts(CHANNEL).at(-1)).toContain('This chat is now the announcement channel of Dinas Pendidikan (DISDIK).');
    const [u] = await db.orm.em.getConnection().execute<{ announce_channels: Record<string, string> }[]>(`select announce_channels from unit where code = 'DISDIK'`);
    expect(u!.announce_channels).toEqual({ slack: CHANNEL });
    // Nothing about it went to their DMs.
    expect(texts(BUDI.dm).join('\n')).not.toContain('announcement channel');
  });
});
