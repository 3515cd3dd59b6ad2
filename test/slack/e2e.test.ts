/**
 * The whole Slack journey, end to end: signed events and interactions POSTed to /slack/events, the real
 * engine on a real PostgreSQL database, every outbox row delivered by the Slack sender (from the engine's
 * onCommitted hook) to a fake Slack Web API that records what people would see.
 *
 * Auto-link by email -> self-assessment (the indicator form as a modal: one invalid value shown inline,
 * corrected, saved) -> evidence file -> submit -> review prompt in the supervisor's DM -> ratings in the
 * prompt's thread, feedback -> result -> the employee's reply in the thread, stored on the assessment and
 * relayed into the supervisor's thread.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { deliverOutboxRow } from '../../src/jobs/deliver-row.js';
import type { PlatformSender } from '../../src/contract/index.js';
import { createEngine } from '../../src/engine/engine.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createInboxConsumer, type InboxConsumer } from '../../src/engine/inbox-consumer.js';
import { createSlackAdapter, type SlackAdapter } from '../../src/adapters/slack/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { addSlackTeam } from '../support/seed.js';
import { blockAction, FakeSlack, interactionForm, messageEvent, postSigned, slashCommand, viewSubmission, type FakeSlackCall } from '../support/fake-slack.js';
import { ingressLookups } from '../../src/db/lookups.js';
import { capabilitiesOf } from '../../src/engine/capabilities.js';
import { PLATFORM_MODULES } from '../../src/platforms.js';

const SECRET = 'e2e-signing-secret-0123456789';
const SITI = { user: 'USITI', dm: 'DSITI' };
const BUDI = { user: 'UBUDI', dm: 'DBUDI' };

let db: TestDatabase;
let slack: FakeSlack;
let http: HttpServer;
let adapter: SlackAdapter;
let inbox: InboxConsumer;
let url = '';
const clock = new ManualClock(new Date('2027-01-05T03:00:00Z'));
const senders = new Map<string, PlatformSender>();
const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

interface Shown {
  channel: string;
  text: string;
  ts: string;
  threadTs?: string;
  buttons: { label: string; value: string }[];
}

/** Everything the fake Slack showed in `channel`, in order (posts; updates replace their message). */
function shown(channel: string): Shown[] {
  const out: Shown[] = [];
  for (const c of slack.calls as FakeSlackCall[]) {
    if (c.args.channel !== channel || !c.result?.ok) continue;
    const blocks = (c.args.blocks ?? []) as { type: string; elements?: { text?: { text: string }; value?: string }[] }[];
    const buttons = blocks.filter((b) => b.type === 'actions').flatMap((b) => b.elements ?? []).map((e) => ({ label: e.text?.text ?? '', value: e.value ?? '' }));
    const msg: Shown = { channel, text: String(c.args.text), ts: String(c.result.ts), buttons };
    if (c.args.thread_ts) msg.threadTs = String(c.args.thread_ts);
    if (c.method === 'chat.postMessage') out.push(msg);
    if (c.method === 'chat.update') {
      const i = out.findIndex((m) => m.ts === c.args.ts);
      if (i >= 0) out[i] = { ...msg, threadTs: out[i].threadTs };
    }
  }
  return out;
}

const last = (channel: string) => shown(channel).at(-1)!;
/** Messages shown in `channel` after the one with `ts`. */
const after = (channel: string, ts: string) => shown(channel).slice(shown(channel).findIndex((m) => m.ts === ts) + 1);

async function send(body: Parameters<typeof postSigned>[2]): Promise<void> {
  const res = await postSigned(url, SECRET, body, { nowMs: clock.now().getTime() });
  expect(res.status).toBe(200);
  await adapter.idle();
}

/** `who` types `text` in their DM (or in the thread rooted at `threadTs`). */
async function type(who: typeof SITI, text: string, threadTs?: string): Promise<void> {
  await send({ json: messageEvent({ user: who.user, channel: who.dm, text, ...(threadTs ? { threadTs } : {}) }) });
}

/** `who` presses the newest button in their DM whose label matches. */
async function press(who: typeof SITI, label: RegExp): Promise<void> {
  const msg = [...shown(who.dm)].reverse().find((m) => m.buttons.some((b) => label.test(b.label)));
  if (!msg) throw new Error(`no button ${label} in ${who.dm}; last message: ${last(who.dm)?.text}`);
  const button = msg.buttons.find((b) => label.test(b.label))!;
  await send(interactionForm(blockAction({ user: who.user, channel: who.dm, value: button.value, messageTs: msg.ts })));
}

beforeAll(async () => {
  db = await createTestDatabase();
  slack = await new FakeSlack().start();
  slack.users.set(SITI.user, { email: 'siti.rahma@jakarta.go.id', name: 'Siti', dm: SITI.dm });
  slack.users.set(BUDI.user, { email: 'budi.santoso@jakarta.go.id', name: 'Budi', dm: BUDI.dm });
  // HR typed Siti's address with capitals; Slack's profile has it in lower case: the link still matches.
  await addSlackTeam(db.orm.em, { sitiEmail: 'Siti.Rahma@jakarta.go.id' });

  const config = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-e2e-token', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: slack.apiUrl });
  const engine = createEngine({
    capabilities: capabilitiesOf(PLATFORM_MODULES),
    orm: db.orm,
    config,
    clock,
    logger,
    // The delivery worker's job, inline: every committed outbox row goes out through the Slack sender.
    onCommitted: async (ids) => {
      for (const id of ids) await deliverOutboxRow(db.orm.em.fork(), senders, id);
    },
  });
  http = createHttpServer({ port: 0, host: '127.0.0.1' });
  inbox = createInboxConsumer({ orm: db.orm, engine, logger: logger });
  await inbox.start();
  adapter = createSlackAdapter({ config, inbox, http, lookups: ingressLookups(db.orm), logger, clock });
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

describe('Slack end to end', () => {
  let promptTs = '';

  it('links both people by their Slack email on their first DM', async () => {
    await type(BUDI, 'halo');
    await type(SITI, 'halo');
    const rows = await db.orm.em.getConnection().execute<{ platform_user_id: string; chat_id: string; nip: string }[]>(
      `select ci.platform_user_id, ci.chat_id, e.nip from chat_identity ci join employee e on e.id = ci.employee_id where ci.platform = 'slack' order by e.nip`,
    );
    expect(rows).toEqual([
      { platform_user_id: BUDI.user, chat_id: BUDI.dm, nip: '197801012005011001' },
      { platform_user_id: SITI.user, chat_id: SITI.dm, nip: '198503122010012002' },
    ]);
    expect(shown(SITI.dm).map((m) => m.text).join('\n')).toMatch(/tertaut/i);
  });

  it('self-assessment in the DM: the indicator form opens as a modal; an invalid value is shown inline, corrected, saved', async () => {
    await send(slashCommand({ user: SITI.user, channel: SITI.dm, text: 'penilaian' }));
    // The question stays in the chat (typing still works); the form opened at once from the command's trigger.
    expect(last(SITI.dm).text).toMatch(/Kualitas pelayanan/);
    const opened = slack.callsOf('views.open').at(-1)!;
    const view = opened.args.view as { callback_id: string; private_metadata: string; blocks: { block_id: string }[] };
    expect(view.blocks.map((b) => b.block_id)).toEqual(['realisasi', 'narasi']);
    const submit = async (values: Record<string, string>) => {
      const res = await postSigned(url, SECRET, interactionForm(viewSubmission({ user: SITI.user, view, values })), { nowMs: clock.now().getTime() });
      await adapter.idle();
      return res;
    };
    const narrative = 'Melayani 120 pemohon izin sekolah, semua selesai tepat waktu.';
    let res = await submit({ realisasi: 'sembilan puluh', narasi: narrative });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ response_action: 'errors', errors: { realisasi: expect.stringMatching(/"sembilan puluh" bukan angka/) } });
    // The valid field is already saved; nothing typed is lost.
    let rows = await db.orm.em.getConnection().execute<{ realisasi: string | null; narrative: string }[]>(`select realisasi, narrative from answer`);
    expect(rows).toEqual([{ realisasi: null, narrative }]);
    res = await submit({ realisasi: '95,5', narasi: narrative });
    expect(res.status).toBe(200);
    expect((res.json as { response_action?: string } | null)?.response_action).toBeUndefined();
    rows = await db.orm.em.getConnection().execute(`select realisasi, narrative from answer`);
    expect(Number(rows[0].realisasi)).toBe(95.5);
    expect(last(SITI.dm).text).toMatch(/bukti dukung/);
    expect(last(SITI.dm).buttons.map((b) => b.label)).toContain('Lewati');
  });

  it('a file shared in the DM becomes evidence (file id, name, size; never the bytes)', async () => {
    await send({ json: messageEvent({ user: SITI.user, channel: SITI.dm, text: 'laporan layanan', files: [{ id: 'F0LAPORAN', name: 'laporan-layanan.pdf', size: 48_213, mimetype: 'application/pdf' }] }) });
    const rows = await db.orm.em.getConnection().execute<{ evidence: unknown[]; realisasi: string; narrative: string }[]>(`select evidence, realisasi, narrative from answer`);
    expect(rows).toHaveLength(1);
    expect(Number(rows[0].realisasi)).toBe(95.5);
    expect(rows[0].evidence).toEqual([expect.objectContaining({ kind: 'file', fileId: 'F0LAPORAN', name: 'laporan-layanan.pdf', size: 48_213, platform: 'slack' })]);
  });

  it('submit -> the review prompt starts a thread in the supervisor\'s DM', async () => {
    // The summary: the BerAKHLAK reflection is optional (typed there), "Kirim" submits.
    await press(SITI, /^Kirim$/);
    const status = await db.orm.em.getConnection().execute<{ status: string }[]>(`select status from assessment`);
    expect(status[0].status).toBe('submitted');
    const prompt = last(BUDI.dm);
    expect(prompt.text).toMatch(/Siti Rahma/);
    expect(prompt.threadTs).toBeUndefined();
    expect(prompt.buttons.map((b) => b.label)).toContain('Tinjau sekarang');
    promptTs = prompt.ts;
    const root = await db.orm.em.getConnection().execute<{ ref: string }[]>(
      `select platform_message_ref as ref from outbox_message where chat_id = ? and payload->>'threadRoot' = 'true'`,
      [BUDI.dm],
    );
    expect(root).toEqual([{ ref: promptTs }]);
  });

  it('the review questions and rating buttons live in the prompt\'s thread; feedback is recorded; both see the result', async () => {
    await press(BUDI, /^Tinjau sekarang$/);
    // The prompt was edited in place (chat.update): its button is gone and it says what was chosen.
    const root = shown(BUDI.dm).find((m) => m.ts === promptTs)!;
    expect(root.buttons).toEqual([]);
    expect(root.text).toMatch(/✓ Tinjau sekarang$/);
    const inThread = after(BUDI.dm, promptTs);
    expect(inThread.length).toBeGreaterThan(0);
    for (const m of inThread) expect(m.threadTs).toBe(promptTs);

    await press(BUDI, /^Di atas ekspektasi$/i); // the one indicator
    await press(BUDI, /\(saran\)$/); // take the suggested Hasil Kerja
    await press(BUDI, /^Di atas ekspektasi$/i); // Perilaku Kerja
    await press(BUDI, /^Lewati$/); // no behaviour note
    // Typed in the prompt's thread, where the feedback question is: it answers the question (not a dialog
    // message), because the review is waiting for typed feedback on this very assessment.
    await type(BUDI, 'Pelayanan cepat dan ramah, pertahankan dan bagikan caranya ke tim.', promptTs);
    expect(await db.orm.em.getConnection().execute(`select 1 from thread_message`)).toEqual([]);
    await press(BUDI, /^Simpan penilaian$/);

    const a = await db.orm.em.getConnection().execute<{ status: string; predicate: string }[]>(`select status, predicate from assessment`);
    expect(a[0]).toEqual({ status: 'reviewed', predicate: 'sangat_baik' });
    const review = await db.orm.em.getConnection().execute<{ feedback: string }[]>(`select feedback from review`);
    expect(review[0].feedback).toMatch(/Pelayanan cepat/);
    // Every message of this assessment (the engine gave it the thread key) went into the prompt's thread.
    const threaded = await db.orm.em.getConnection().execute<{ ref: string }[]>(
      `select platform_message_ref as ref from outbox_message where chat_id = ? and payload->>'threadKey' is not null and payload->>'threadRoot' is null
         and payload->>'replaceOutboxId' is null`,
      [BUDI.dm],
    );
    expect(threaded.length).toBeGreaterThanOrEqual(6);
    for (const { ref } of threaded) expect(shown(BUDI.dm).find((m) => m.ts === ref)?.threadTs).toBe(promptTs);
    expect(shown(SITI.dm).map((m) => m.text).join('\n')).toMatch(/Sangat Baik/);
  });

  it('the employee\'s reply in the result\'s thread is stored and relayed into the supervisor\'s thread', async () => {
    const result = [...shown(SITI.dm)].reverse().find((m) => /Hasil penilaian kinerja/.test(m.text))!;
    await type(SITI, 'Terima kasih, Pak Budi. Akan saya bagikan di rapat tim.', result.ts);
    const stored = await db.orm.em.getConnection().execute<{ text: string; nip: string }[]>(
      `select tm.text, e.nip from thread_message tm join employee e on e.id = tm.author_id`,
    );
    expect(stored).toContainEqual({ text: 'Terima kasih, Pak Budi. Akan saya bagikan di rapat tim.', nip: '198503122010012002' });
    const relayed = last(BUDI.dm);
    expect(relayed.text).toMatch(/Akan saya bagikan di rapat tim/);
    expect(relayed.threadTs).toBe(promptTs);
  });

  it('threads stay threads: the result roots Siti\'s dialog, "Tersimpan. Predikat" stays in the review thread, a top-level answer right after a relay is a reply', async () => {
    // The result is a top-level message in Siti's DM that says to reply to it; it roots her side of the dialog.
    const result = [...shown(SITI.dm)].reverse().find((m) => /Hasil penilaian kinerja/.test(m.text))!;
    expect(result.threadTs).toBeUndefined();
    expect(result.text).toMatch(/Balas pesan ini/);
    expect(result.text).not.toMatch(/utas/);
    // The rater's outcome line is in the review thread, not at the top of his DM.
    const saved = shown(BUDI.dm).find((m) => /Tersimpan\. Predikat/.test(m.text))!;
    expect(saved.threadTs).toBe(promptTs);

    // Budi answers in his thread: it lands in the thread under Siti's result.
    await type(BUDI, 'Sama-sama, Bu Siti. Ditunggu ceritanya.', promptTs);
    const relayed = last(SITI.dm);
    expect(relayed.text).toMatch(/Ditunggu ceritanya/);
    expect(relayed.threadTs).toBe(result.ts);
    // Siti answers at the top level of the DM right after: taken as her reply, relayed into Budi's thread, and she is told.
    await type(SITI, 'Siap, Pak. Minggu depan saya presentasikan.');
    const toBudi = last(BUDI.dm);
    expect(toBudi.text).toMatch(/Minggu depan saya presentasikan/);
    expect(toBudi.threadTs).toBe(promptTs);
    expect(last(SITI.dm).text).toMatch(/dianggap balasan atas pesan Budi/);
    const stored = await db.orm.em.getConnection().execute<{ text: string }[]>(`select text from thread_message order by id`);
    expect(stored.map((r) => r.text)).toContain('Siap, Pak. Minggu depan saya presentasikan.');
  });

  it('an over-long thread message is refused with the limit and handed back as a draft, never cut', async () => {
    const result = [...shown(SITI.dm)].reverse().find((m) => /Hasil penilaian kinerja/.test(m.text))!;
    const stored = (await db.orm.em.getConnection().execute(`select 1 from thread_message`)).length;
    const budiSeen = shown(BUDI.dm).length;
    const long = `Catatan panjang. ${'Kalimat yang diulang untuk menguji batas. '.repeat(120)}`.trim();
    expect(long.length).toBeGreaterThan(4000);
    await type(SITI, long, result.ts);
    expect((await db.orm.em.getConnection().execute(`select 1 from thread_message`)).length).toBe(stored);
    expect(shown(BUDI.dm).length).toBe(budiSeen);
    const replies = after(SITI.dm, result.ts).filter((m) => m.threadTs === result.ts);
    const refusal = replies.find((m) => /Teks terlalu panjang/.test(m.text))!;
    expect(refusal.text).toMatch(new RegExp(`\\(${long.length} karakter\\).*paling banyak 4000`));
    expect(refusal.text).toMatch(/Draf Anda ada di pesan berikut/);
    // The draft comes back whole (Slack shows it split into sections, nothing dropped).
    const draftCall = slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === SITI.dm).at(-1)!;
    const draftBlocks = (draftCall.args.blocks as { text?: { text: string } }[]).map((b) => b.text?.text ?? '').join('');
    expect(draftBlocks.replace(/\s+/g, ' ')).toContain(long.slice(-200).replace(/\s+/g, ' '));
  });

  it('after the announcement /status offers `/kinerja keberatan`, and `/kinerja keberatan <reason>` files an objection', async () => {
    const conn = db.orm.em.getConnection();
    await conn.execute(`update cycle set status = 'announced', announced_at = ?`, [clock.now()]);
    await conn.execute(`update assessment set status = 'announced'`);
    await send(slashCommand({ user: SITI.user, channel: SITI.dm, text: 'status' }));
    expect(last(SITI.dm).text).toMatch(/mengajukan keberatan dengan \/kinerja keberatan sampai 19 Januari 2027/);
    await send(slashCommand({ user: SITI.user, channel: SITI.dm, text: 'keberatan Nilai perilaku belum memperhitungkan tugas tambahan saya.' }));
    expect(last(SITI.dm).text).toMatch(/Kirim tautan bukti dukung/);
    await press(SITI, /^Lewati$/);
    expect(last(SITI.dm).text).toMatch(/Alasan: Nilai perilaku belum memperhitungkan tugas tambahan saya\./);
    await press(SITI, /^Ajukan keberatan$/);
    expect(last(SITI.dm).text).toMatch(/Keberatan Anda sudah dikirim/);
    const rows = await conn.execute<{ reason: string; status: string }[]>(`select reason, status from objection`);
    expect(rows).toEqual([{ reason: 'Nilai perilaku belum memperhitungkan tugas tambahan saya.', status: 'open' }]);
    // Budi, the rater, is told.
    expect(last(BUDI.dm).text).toMatch(/Siti Rahma mengajukan keberatan atas penilaian Anda/);
  });

  it('a retried event is handled once: nothing stored or sent twice', async () => {
    const body = messageEvent({ user: SITI.user, channel: SITI.dm, text: '/status', eventId: 'EvE2ERetry' });
    await send({ json: body });
    const posts = slack.callsOf('chat.postMessage').length;
    const res = await postSigned(url, SECRET, { json: body }, { nowMs: clock.now().getTime(), retryNum: 1 });
    await adapter.idle();
    expect(res.status).toBe(200);
    expect(slack.callsOf('chat.postMessage').length).toBe(posts);
  });
});
