/**
 * Continuous feedback on Slack end to end (fake Web API, issue 12): `/kinerja umpanbalik` with buttons, the
 * employee's answer in the feedback's thread, `/kinerja apresiasi` spelled for Slack in what the bot says,
 * and a non-supervisor refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeSlack, blockAction, interactionForm, messageEvent, postSigned, slashCommand, type FakeSlackCall } from '../support/fake-slack.js';
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
import type { PlatformSender } from '../../src/contract/index.js';
import { createLogger } from '../../src/logger.js';
import { ManualClock } from '../../src/clock.js';

const SECRET = 'feedback-signing-secret-0123456789';
const BUDI = { user: 'UBUDI', dm: 'DBUDI' };
const SITI = { user: 'USITI', dm: 'DSITI' };
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
  const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-feedback-token', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl });
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

async function post(body: Parameters<typeof postSigned>[2]): Promise<void> {
  const res = await postSigned(url, SECRET, body, { nowMs: clock.now().getTime() });
  expect(res.status).toBe(200);
  await adapter.idle();
}
const dm = (who: { user: string; dm: string }, text: string, threadTs?: string) => post({ json: messageEvent({ user: who.user, channel: who.dm, text, ...(threadTs ? { threadTs } : {}) }) });
const slash = (who: { user: string; dm: string }, text: string) => post(slashCommand({ user: who.user, channel: who.dm, text }));

/** Posts shown in `channel`, with their buttons. */
function shown(channel: string): { text: string; ts: string; threadTs?: string; buttons: { label: string; value: string }[] }[] {
  return (slack.calls as FakeSlackCall[])
    .filter((c) => c.method === 'chat.postMessage' && c.args.channel === channel && c.result?.ok)
    .map((c) => {
      const blocks = (c.args.blocks ?? []) as { type: string; elements?: { text?: { text: string }; value?: string }[] }[];
      const buttons = blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []).map((e) => ({ label: e.text?.text ?? '', value: e.value ?? '' }));
      return { text: String(c.args.text), ts: String(c.result!.ts), ...(c.args.thread_ts ? { threadTs: String(c.args.thread_ts) } : {}), buttons };
    });
}
async function press(who: { user: string; dm: string }, label: string): Promise<void> {
  const msg = shown(who.dm).reverse().find((m) => m.buttons.some((b) => b.label === label));
  if (!msg) throw new Error(`no button ${label} shown to ${who.user}`);
  await post(interactionForm(blockAction({ user: who.user, channel: who.dm, value: msg.buttons.find((b) => b.label === label)!.value, messageTs: msg.ts })));
}

describe('feedback on Slack', () => {
  it('Budi gives Siti feedback with /kinerja umpanbalik; Siti answers in its thread; Budi sees it in his thread', async () => {
    await dm(SITI, 'halo');
    await dm(BUDI, 'halo');
    await slash(BUDI, 'umpanbalik');
    // Budi supervises only Siti: straight to the kind.
    expect(shown(BUDI.dm).at(-1)!.text).toContain('Umpan balik untuk Siti Rahma: apa jenisnya?');
    await press(BUDI, 'Saran perbaikan');
    await press(BUDI, 'Kompeten');
    await dm(BUDI, 'Pelajari modul Excel lanjutan agar rekap data lebih cepat.');
    const toSiti = shown(SITI.dm).at(-1)!;
    expect(toSiti.text).toContain('Saran perbaikan dari atasan Anda, Budi Santoso:');
    expect(toSiti.text).toContain('Nilai BerAKHLAK: Kompeten');
    const budiRoot = shown(BUDI.dm).at(-1)!;
    expect(budiRoot.text).toContain('Umpan balik terkirim kepada Siti Rahma');

    await dm(SITI, 'Baik Pak, saya daftar pelatihan bulan depan.', toSiti.ts);
    const relayed = shown(BUDI.dm).at(-1)!;
    expect(relayed.text).toBe('Siti Rahma: Baik Pak, saya daftar pelatihan bulan depan.');
    expect(relayed.threadTs).toBe(budiRoot.ts);
  });

  it('what the bot tells on Slack is spelled /kinerja ...; Siti, who supervises no one, is refused', async () => {
    await slash(SITI, 'umpanbalik');
    expect(shown(SITI.dm).at(-1)!.text).toContain('Umpan balik atasan hanya dapat diberikan oleh atasan langsung');
    await slash(SITI, 'apresiasi Zaenal');
    expect(shown(SITI.dm).at(-1)!.text).toContain('atau /kinerja batal.');
    await slash(SITI, 'apresiasi Siti');
    expect(shown(SITI.dm).at(-1)!.text).toContain('Apresiasi tidak dapat diberikan kepada diri sendiri.');
  });

  it('/kinerja apresiasi @Budi: the mention names the employee linked to that Slack user; an unknown user finds no one', async () => {
    // The slash command is escaped (manifest should_escape): Slack sends the mention as <@U...|name>.
    await slash(SITI, 'apresiasi <@UBUDI|budi>');
    expect(shown(SITI.dm).at(-1)!.text).toContain('Apresiasi untuk Budi Santoso: nilai BerAKHLAK mana');
    await press(SITI, 'Harmonis');
    await dm(SITI, 'Terima kasih sudah sabar membimbing saya menyusun rekap.');
    await press(SITI, 'Tidak, pribadi saja');
    expect(shown(BUDI.dm).at(-1)!.text).toContain('Siti Rahma memberi Anda apresiasi untuk nilai BerAKHLAK Harmonis');
    const [row] = await db.orm.em.getConnection().execute<{ name: string }[]>(`select e.name from recognition r join employee e on e.id = r.recipient_id order by r.id desc limit 1`);
    expect(row!.name).toBe('Budi Santoso');

    await slash(SITI, 'apresiasi <@UNOBODY|zaenal>');
    expect(shown(SITI.dm).at(-1)!.text).toContain('Tidak ada rekan');
  });
});
