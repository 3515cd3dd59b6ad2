/**
 * One whole cycle on real PostgreSQL and Redis, through the engine and the jobs, delivered by the workers to
 * a fake platform: import -> open -> self-assessments -> reviews (Sangat Baik, Butuh Perbaikan with a plan)
 * -> close -> a curve violation -> the rater revises in chat -> announce. What people receive is asserted on
 * the platform side: one provisional result at review, one final result at announce, one award post in the
 * unit's channel, coaching reminders on the plan's dates; /status shows the result after announce; the audit
 * chain verifies.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { HttpTestSender, startFakePlatform, type FakePlatform } from '../support/fake-platform.js';
import { createQueues, startWorkers, type Queues, type RunningWorkers } from '../../src/jobs/worker-role.js';
import { CurveViolationError, announceCycle, closeDueCycles } from '../../src/jobs/cycle-close.js';
import { sweepDueReminders } from '../../src/jobs/reminder-sweep.js';
import { ManualClock, systemClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { capabilitiesOf } from '../../src/engine/capabilities.js';
import { PLATFORM_MODULES } from '../../src/platforms.js';
import type { IncomingEvent, OutgoingMessage } from '../../src/contract/index.js';
import { importEmployees } from '../../src/setup/employees.js';
import { readTable } from '../../src/setup/table-file.js';
import { createCycle, openCycle } from '../../src/setup/cycles.js';
import { verifyAuditChain } from '../../src/db/audit.js';
import { txOf } from '../../src/db/sql.js';
import { linkChat, sql } from '../support/seed.js';
import { eventually, testConfig, uniquePrefix } from './helpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const CHANNEL = '-100555';

const CSV = `nip,nama,jabatan,jenis_jabatan,unit_kode,unit_nama,atasan_nip,peran,bahasa
197001011990031001,Kepala Dinas,Kepala Dinas,jpt,DISDIK,Dinas Pendidikan,,pegawai,id
198001012005012002,Sari Atasan,Kepala Seksi Layanan,administrator,DISDIK,Dinas Pendidikan,197001011990031001,pegawai,id
199001012015032003,Ani Pegawai,Analis Layanan,pelaksana,DISDIK,Dinas Pendidikan,198001012005012002,pegawai,id
199102022016031004,Budi Staff,Pengelola Data,pelaksana,DISDIK,Dinas Pendidikan,198001012005012002,pegawai,en
199203032017032005,Citra Pegawai,Analis Data,pelaksana,DISDIK,Dinas Pendidikan,198001012005012002,pegawai,id
199304042018031006,Dedi Pegawai,Pranata Komputer,pelaksana,DISDIK,Dinas Pendidikan,198001012005012002,pegawai,id
198803032012032007,Hana HR,Analis Kepegawaian,pelaksana,DISDIK,Dinas Pendidikan,197001011990031001,pegawai;admin,id
`;

const NIP = {
  kepala: '197001011990031001',
  sari: '198001012005012002',
  ani: '199001012015032003',
  budi: '199102022016031004',
  citra: '199203032017032005',
  dedi: '199304042018031006',
  hana: '198803032012032007',
} as const;
type Who = keyof typeof NIP;
/** Telegram user (and private chat) of each person. */
const chat = (who: Who) => `tg-${who}`;

describe('a whole cycle through the engine and the jobs', () => {
  let db: TestDatabase;
  let em: EntityManager;
  let platform: FakePlatform;
  let queues: Queues;
  let running: RunningWorkers;
  let engine: Engine;
  let cycleId: number;
  const clock = new ManualClock(new Date('2026-12-01T03:00:00Z')); // Tuesday 1 December 2026, 10:00 WIB
  const config = testConfig({ REDIS_URL });
  const prefix = uniquePrefix('cycle');
  let seq = 0;

  beforeAll(async () => {
    db = await createTestDatabase();
    em = db.orm.em.fork() as EntityManager;
    platform = await startFakePlatform();
    const cfg = testConfig({ REDIS_URL, DATABASE_URL: db.url });
    queues = createQueues({ orm: db.orm, config: cfg, databaseUrl: db.url, prefix, backoffMs: 20 });
    running = await startWorkers({
      orm: db.orm,
      config: cfg,
      senders: new Map([['telegram', new HttpTestSender('telegram', platform.url)]]),
      // The workers' own timing (retries, chat order) runs on real time; the cycle's dates on the manual clock.
      clock: systemClock,
      logger: createLogger('silent'),
      queues,
      schedulers: false,
      // One at a time: a chat's rows then arrive in order without bouncing off the chat-order check.
      deliveryConcurrency: 1,
      // The script answers at machine speed, so chats build backlogs no person would; not paced at 1 a second.
      chatIntervalMs: 0,
    });
    engine = createEngine({
      orm: db.orm,
      config: { REALISASI_MAX_MULTIPLE: 5, EVIDENCE_MAX_MB: 20, DRAFT_IDLE_MINUTES: 600 },
      clock,
      logger: createLogger('silent'),
      capabilities: capabilitiesOf(PLATFORM_MODULES),
      onCommitted: async (ids) => void (await queues.enqueueOutbox(ids)),
    });
  });
  afterAll(async () => {
    await running?.stop();
    for (const q of queues?.all() ?? []) await q.obliterate({ force: true });
    await queues?.close();
    await platform?.close();
    await db?.close();
  });

  const jobs = () => ({ clock, config, enqueue: (ids: readonly number[]) => queues.enqueueOutbox([...ids]), actor: 'hana.hr' });

  function event(who: Who, kind: IncomingEvent['kind'], payload: string, args?: string[]): IncomingEvent {
    seq++;
    return { platform: 'telegram', platformUserId: chat(who), chatId: chat(who), eventId: `fc-${seq}-${randomBytes(3).toString('hex')}`, kind, payload, ...(args ? { args } : {}) };
  }
  const send = (who: Who, text: string) => {
    const m = /^\/(\w+)(?:\s+(.*))?$/s.exec(text);
    return engine.handle(m ? event(who, 'command', m[1], m[2] ? m[2].split(/\s+/) : []) : event(who, 'text', text));
  };
  /** Every message written to `who`'s chat (outbox rows, as the engine wrote them), oldest first. */
  const outboxTo = async (who: Who | string) =>
    (await sql<{ id: string; payload: OutgoingMessage }>(em, `select id, payload from outbox_message where chat_id = ? order by id`, [who in NIP ? chat(who as Who) : who])).map((r) => r.payload);
  /** Presses the button whose label contains `label` on the latest message with buttons to `who`. */
  async function press(who: Who, label: string | number): Promise<void> {
    const withButtons = (await outboxTo(who)).filter((m) => m.buttons?.length && m.replaceOutboxId === undefined).at(-1);
    const flat = withButtons?.buttons?.flat() ?? [];
    const b = typeof label === 'number' ? flat[label] : flat.find((x) => x.label.includes(label));
    if (!b) throw new Error(`no button "${label}" for ${who}: ${flat.map((x) => x.label).join(' | ')}`);
    await engine.handle(event(who, 'action', b.token));
  }
  const lastText = async (who: Who) => (await outboxTo(who)).filter((m) => m.replaceOutboxId === undefined).at(-1)?.text ?? '';
  /** What the platform delivered to a chat, in order. */
  const delivered = (chatId: string) => platform.received.filter((r) => r.chatId === chatId).map((r) => r.text);
  /** Waits until every outbox row written so far is delivered by the workers. */
  const drained = () =>
    eventually(
      async () => {
        const n = Number((await sql<{ n: string }>(em, `select count(*) as n from outbox_message where status = 'pending'`))[0].n);
        return n === 0;
      },
      60_000,
      'outbox delivered',
    );

  async function selfAssess(who: Who, values: [number, number, number]): Promise<void> {
    await send(who, '/penilaian');
    for (const v of values) {
      await send(who, String(v));
      await send(who, 'Uraian pekerjaan yang cukup panjang untuk indikator ini.');
      await send(who, 'https://drive.example.go.id/bukti');
    }
    // The summary (the reflection is optional, typed there): its last button submits.
    const summary = (await outboxTo(who)).filter((m) => m.buttons?.length).at(-1)!;
    const flat = summary.buttons!.flat();
    await engine.handle(event(who, 'action', flat[flat.length - 1].token));
  }

  /** Sari opens the latest review prompt and rates every item and Hasil Kerja `item`, Perilaku `perilaku`. */
  async function review(item: string, perilaku: string, feedback: string): Promise<void> {
    await press('sari', 0); // the prompt's "open review"
    for (let i = 0; i < 3; i++) await press('sari', item);
    await press('sari', item); // Hasil Kerja
    await press('sari', perilaku);
    await press('sari', 'Lewati'); // behaviour note
    await send('sari', feedback);
    await press('sari', 'Simpan penilaian');
  }

  it('runs import -> open -> self-assessments -> reviews -> close -> calibration -> announce -> check-in reminders -> an objection -> its decision', async () => {
    // Import and open; the unit's organisational rating and channel are set directly for now (HR's CLI for them comes separately).
    const imported = await importEmployees(em, await readTable('pegawai.csv', Buffer.from(CSV)), { actor: 'hana.hr', clock });
    expect(imported.created).toBe(7);
    await sql(em, `update unit set org_rating = 'istimewa', announce_channels = ? where code = 'DISDIK'`, [JSON.stringify({ telegram: CHANNEL })]);
    const cycle = await createCycle(
      em,
      { name: 'Triwulan IV 2026', kind: 'triwulan', periodStart: '2026-10-01', periodEnd: '2026-12-31', selfDeadline: '2026-12-04', reviewDeadline: '2026-12-11', template: 'default' },
      { actor: 'hana.hr', clock },
    );
    cycleId = cycle.id;
    await openCycle(em, cycleId, { clock, actor: 'hana.hr' });
    const ids = Object.fromEntries(
      (await sql<{ id: number; nip: string }>(em, `select id, nip from employee`)).map((r) => [Object.entries(NIP).find(([, n]) => n === r.nip)?.[0] ?? r.nip, r.id]),
    ) as Record<Who, number>;
    for (const who of Object.keys(NIP) as Who[]) await linkChat(em, ids[who], { platform: 'telegram', userId: chat(who) });

    // Dedi does not want public announcements.
    await send('dedi', '/pengumuman');
    await press('dedi', 'Jangan umumkan');

    // Self-assessments, each reviewed as it comes in.
    await selfAssess('ani', [95, 90, 2]);
    await review('Di atas', 'Di atas', 'Terus pertahankan kualitas layanan yang sangat baik.');
    await selfAssess('budi', [40, 30, 0]);
    await review('Di bawah', 'Sesuai', 'Kecepatan respons perlu ditingkatkan secara nyata.');
    // Coaching plan now: what to improve, then the check-in dates the supervisor chooses.
    expect(await lastText('sari')).toContain('Tulis rencana pembinaan');
    await send('sari', 'Pendampingan mingguan untuk mempercepat respons pengaduan.');
    await send('sari', '21-12-2026, 11-01-2027');
    expect(await lastText('sari')).toContain('21 Desember 2026, 11 Januari 2027');
    await selfAssess('citra', [95, 90, 2]);
    await review('Di atas', 'Di atas', 'Analisis data yang sangat membantu unit.');
    await selfAssess('dedi', [95, 90, 2]);
    await review('Di atas', 'Di atas', 'Sistem antrean baru berjalan baik sekali.');
    const predicates = await sql<{ nip: string; predicate: string; status: string }>(em, `select e.nip, a.predicate, a.status from assessment a join employee e on e.id = a.employee_id where a.predicate is not null order by e.nip`);
    expect(predicates.map((p) => [p.nip, p.predicate, p.status])).toEqual([
      [NIP.ani, 'sangat_baik', 'reviewed'],
      [NIP.budi, 'butuh_perbaikan', 'reviewed'],
      [NIP.citra, 'sangat_baik', 'reviewed'],
      [NIP.dedi, 'sangat_baik', 'reviewed'],
    ]);
    await drained();
    // Review time: each employee privately got the provisional result; nothing public yet.
    expect(delivered(chat('ani')).filter((t) => t.includes('menunggu penetapan'))).toHaveLength(1);
    expect(delivered(chat('budi')).filter((t) => t.includes('provisional, awaiting confirmation'))).toHaveLength(1);
    expect(delivered(CHANNEL)).toEqual([]);

    // Close (review deadline 11 December + grace): 3 of 4 Sangat Baik breaks Istimewa's 70%.
    clock.set(new Date('2026-12-14T02:00:00Z')); // Monday 14 December, 09:00 WIB
    expect((await closeDueCycles(em, jobs())).closed).toEqual([cycleId]);
    await drained();
    const toSari = delivered(chat('sari')).at(-1)!;
    expect(toSari).toContain('tidak sesuai kurva distribusi');
    expect(toSari).toContain('Sangat Baik: 3 orang (75%), paling banyak 2 orang');
    // HR gets the curve message, then the audit checkpoint signed with the close.
    expect(delivered(chat('hana')).at(-2)).toContain('--override-curve');
    expect(delivered(chat('hana')).at(-1)).toMatch(/^Titik periksa log audit \(periode ditutup\)/);

    // Announcing is refused while the curve is broken: nothing changes, nobody is told.
    const before = platform.received.length;
    await expect(announceCycle(em, cycleId, jobs())).rejects.toBeInstanceOf(CurveViolationError);
    expect((await sql<{ status: string }>(em, `select status from cycle where id = ?`, [cycleId]))[0].status).toBe('closed');

    // Sari revises Citra from the violation message's button, with a reason; Citra is told (still provisional).
    await press('sari', 'Buka kalibrasi');
    expect(await lastText('sari')).toContain('Sangat Baik: 3 orang (75%)');
    await press('sari', 'Ubah: Citra Pegawai');
    await press('sari', 'Sesuai');
    await press('sari', 'Di atas');
    await send('sari', '  ');
    expect((await outboxTo('sari')).at(-2)?.text).toContain('terlalu pendek');
    await send('sari', 'Dibandingkan rekan satu unit, hasil kerja sesuai ekspektasi.');
    expect(await lastText('sari')).toContain('Predikat: Sangat Baik -> Baik');
    await press('sari', 'Simpan perubahan');
    expect(await lastText('sari')).toContain('Penilaian Citra Pegawai diubah: predikat Baik');
    await send('sari', '/kalibrasi');
    expect(await lastText('sari')).toContain('sesuai kurva (4 orang dinilai)');
    await drained();
    expect(delivered(chat('citra')).at(-1)).toContain('Alasan: Dibandingkan rekan satu unit');
    expect(platform.received.slice(before).filter((r) => /\(final\)|set \(final\)/.test(r.text))).toEqual([]);

    // Announce (Monday 14 December): final results once each, one award post, check-ins on the plan's dates.
    clock.set(new Date('2026-12-14T07:00:00Z'));
    const announced = await announceCycle(em, cycleId, jobs());
    expect(announced).toMatchObject({ results: 4, awardsPublic: 1, coaching: 1, checkIns: 2, overridden: [] });
    await drained();
    for (const who of ['ani', 'citra', 'dedi'] as const) expect(delivered(chat(who)).filter((t) => t.includes('telah ditetapkan (final)'))).toHaveLength(1);
    expect(delivered(chat('budi')).filter((t) => t.includes('is set (final)'))).toHaveLength(1);
    const budiFinal = delivered(chat('budi')).find((t) => t.includes('is set (final)'))!;
    expect(budiFinal).toContain('Coaching plan from your supervisor: Pendampingan mingguan');
    expect(budiFinal).toContain('Follow-up meetings: 21 December 2026, 11 January 2027.');
    expect(delivered(chat('citra')).find((t) => t.includes('(final)'))).toContain('Predikat: Baik');
    expect(delivered(CHANNEL)).toEqual(['Selamat kepada Ani Pegawai (Analis Layanan) atas predikat kinerja Sangat Baik pada periode Triwulan IV 2026!']);
    const reminders = await sql<{ recipient_id: number; d: string }>(em, `select recipient_id, to_char(local_date, 'YYYY-MM-DD') as d from reminder where kind like 'checkin:%' order by local_date, recipient_id`);
    expect(reminders.map((r) => [r.d, r.recipient_id])).toEqual(
      [['2026-12-21', ids.sari], ['2026-12-21', ids.budi], ['2027-01-11', ids.sari], ['2027-01-11', ids.budi]].sort((a, b) => String(a[0]).localeCompare(String(b[0])) || Number(a[1]) - Number(b[1])),
    );
    // Announcing again changes nothing.
    await expect(announceCycle(em, cycleId, jobs())).rejects.toThrow(/cannot be announced/);

    // After announce: revising is over, and /status shows the final result with feedback and coaching.
    await send('sari', '/kalibrasi');
    expect(await lastText('sari')).toContain('sudah ditetapkan');
    await send('budi', '/status');
    const status = await lastText('budi');
    expect(status).toContain('Final result Triwulan IV 2026: Needs Improvement (Butuh Perbaikan)');
    expect(status).toContain('Kecepatan respons perlu ditingkatkan');
    expect(status).toContain('Coaching plan: Pendampingan mingguan');
    expect(status).toContain('Follow-up meetings: 21 December 2026, 11 January 2027.');

    // On the plan's first date both are reminded, delivered by the workers.
    clock.set(new Date('2026-12-21T02:30:00Z'));
    await sweepDueReminders(em, { clock, config, onBatch: async (ids2) => void (await queues.enqueueOutbox(ids2)) });
    await drained();
    expect(delivered(chat('budi')).at(-1)).toContain('Sari Atasan');
    expect(delivered(chat('sari')).at(-1)).toContain('Budi Staff');

    // Budi objects (in English) within the window; Sari's superior, the Kepala Dinas, decides.
    await send('budi', '/keberatan');
    await send('budi', 'The response-time target ignored the two weeks the complaint system was down.');
    await press('budi', 'Skip');
    await press('budi', 'File objection');
    expect(await lastText('budi')).toContain('sent to Kepala Dinas');
    expect(await lastText('sari')).toContain('Budi Staff mengajukan keberatan');
    expect(await lastText('kepala')).toContain('Alasan keberatan: The response-time target ignored');
    // A second objection to the same result is refused, nothing changes.
    await send('budi', '/keberatan');
    expect(await lastText('budi')).toMatch(/only once|once per/i);
    await press('kepala', 'Ubah penilaian');
    await press('kepala', 'Sesuai ekspektasi');
    await press('kepala', 'Sesuai ekspektasi');
    await send('kepala', 'Gangguan sistem dua minggu tidak diperhitungkan dalam target; hasil kerja sesuai.');
    await press('kepala', 'Simpan keputusan');
    await drained();
    expect(delivered(chat('budi')).at(-1)).toContain('the ratings are changed');
    expect(delivered(chat('sari')).at(-1)).toContain('diputuskan oleh Kepala Dinas: penilaian diubah');
    // Baik now: the coaching that is left (the 11 January check-in) and its reminders are gone.
    const left = await sql<{ d: string; status: string }>(em, `select to_char(local_date, 'YYYY-MM-DD') as d, status from reminder where kind like 'checkin:%' and local_date > '2026-12-21' order by id`);
    expect(left.map((r) => r.status)).toEqual(['cancelled', 'cancelled']);
    expect(await sql(em, `select c.id from check_in c join follow_up f on f.id = c.follow_up_id join assessment a on a.id = f.assessment_id join employee e on e.id = a.employee_id where e.nip = ? and c.done_at is null`, [NIP.budi])).toEqual([]);
    // Still exactly one final result each, one award post, and /status shows the decision.
    expect(delivered(chat('budi')).filter((t) => t.includes('is set (final)'))).toHaveLength(1);
    expect(delivered(CHANNEL)).toHaveLength(1);
    await send('budi', '/status');
    expect(await lastText('budi')).toMatch(/objection.*changed/i);

    const actions = (await sql<{ action: string }>(em, `select action from audit_event order by id`)).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['employees.imported', 'cycle.opened', 'assessment.reviewed', 'coaching.planned', 'cycle.closed', 'assessment.revised', 'cycle.announced', 'objection.filed', 'objection.decided']));
    expect(await verifyAuditChain(txOf(em))).toBeNull();
  });
});
