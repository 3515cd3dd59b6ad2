/**
 * Reminders: planning from the domain plan, the sweep into the outbox, escalation digests, cancel and
 * recompute. Time is a ManualClock; nothing sleeps.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ManualClock } from '../../src/clock.js';
import { cancelReminders, recomputeReminders, scheduleFeedbackNudges, scheduleReviewReminders, scheduleSelfAssessmentReminders } from '../../src/db/reminders.js';
import { txOf } from '../../src/db/sql.js';
import { CONTINUE_ASSESSMENT_TOKEN, sweepDueReminders } from '../../src/jobs/reminder-sweep.js';
import { addActing, addAssessment, addCycle, addPerson, addUnit, answer, sql } from '../support/seed.js';
import { testConfig } from './helpers.js';

const config = testConfig();
const OPENED = new Date('2025-03-01T00:00:00Z');

interface ReminderRow {
  id: string;
  recipient_id: number;
  audience: string;
  kind: string;
  due_at: Date;
  status: string;
}
interface OutboxRow {
  id: string;
  chat_id: string;
  recipient_id: number;
  payload: { text: string; buttons?: { token: string }[][] };
  dedupe_key: string;
}

describe('reminders', () => {
  let db: TestDatabase;
  let em: EntityManager;

  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    em = db.orm.em.fork() as EntityManager;
    await sql(em, 'truncate reminder, outbox_message, feedback, answer, assessment, indicator, cycle, chat_identity, employee, unit restart identity cascade');
  });

  const reminders = async (where = 'true', params: unknown[] = []) =>
    (await sql<ReminderRow>(em, `select * from reminder where ${where} order by id`, params)).map((r) => ({ ...r, due_at: new Date(r.due_at) }));
  const outbox = () => sql<OutboxRow>(em, 'select * from outbox_message order by id');
  const sweep = (at: string, batchSize?: number) => sweepDueReminders(em, { clock: new ManualClock(new Date(at)), config, batchSize });

  async function team(opts: { zones?: string[] } = {}) {
    const parent = await addUnit(em, 'BKD');
    const unit = await addUnit(em, 'DISDIK', { parentId: parent });
    const hr = await addPerson(em, { name: 'Hana HR', unitId: parent, roles: ['pegawai', 'admin'] });
    const boss = await addPerson(em, { name: 'Budi Atasan', unitId: unit });
    const cycle = await addCycle(em, { selfDeadline: '2025-03-14', reviewDeadline: '2025-03-28' });
    const staff: { id: number; assessment: number; zone: string }[] = [];
    for (const [i, zone] of (opts.zones ?? ['Asia/Jakarta']).entries()) {
      const id = await addPerson(em, { name: `Pegawai ${i} ${zone}`, unitId: unit, supervisorId: boss, timezone: zone });
      staff.push({ id, assessment: await addAssessment(em, cycle, id), zone });
    }
    return { parent, unit, hr, boss, cycle, staff };
  }

  it('plans every reminder at 09:00 local time on a working day, in WIB, WITA and WIT', async () => {
    const t = await team({ zones: ['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura'] });
    const created = await scheduleSelfAssessmentReminders(txOf(em), t.cycle, { clock: new ManualClock(OPENED), config });
    expect(created).toBe(3 * 7);
    for (const s of t.staff) {
      const rows = await reminders('recipient_id = ?', [s.id]);
      expect(rows.map((r) => r.kind).sort()).toEqual(
        ['self:due_today', 'self:escalate_hr', 'self:escalate_supervisor', 'self:h_minus_1', 'self:h_minus_3', 'self:h_minus_7', 'self:overdue'].sort(),
      );
      for (const r of rows) {
        const local = DateTime.fromJSDate(r.due_at, { zone: s.zone });
        expect(local.toFormat('HH:mm')).toBe('09:00');
        expect(local.weekday).toBeLessThanOrEqual(5);
      }
      const due = rows.find((r) => r.kind === 'self:due_today')!;
      expect(DateTime.fromJSDate(due.due_at, { zone: s.zone }).toISODate()).toBe('2025-03-14');
    }
    // Same local hour, different instants: WIT is two hours ahead of WIB.
    const dueOf = async (id: number) => (await reminders(`recipient_id = ? and kind = 'self:h_minus_7'`, [id]))[0].due_at.getTime();
    expect((await dueOf(t.staff[0].id)) - (await dueOf(t.staff[2].id))).toBe(2 * 3600_000);
    // Opening again plans nothing twice.
    expect(await scheduleSelfAssessmentReminders(txOf(em), t.cycle, { clock: new ManualClock(OPENED), config })).toBe(0);
  });

  it('sweeps a due reminder into one message with the local deadline, progress and a continue button, never twice', async () => {
    const t = await team({ zones: ['Asia/Jakarta', 'Asia/Makassar'] });
    await answer(em, t.staff[0].assessment, 3);
    await scheduleSelfAssessmentReminders(txOf(em), t.cycle, { clock: new ManualClock(OPENED), config });
    // 2025-03-05 is 7 working days before Friday 14 March; 09:00 WIB = 02:00Z.
    const first = await sweep('2025-03-05T02:00:00Z');
    expect(first.outboxIds).toHaveLength(2);
    const [wib, wita] = await outbox();
    expect(wib.chat_id).toBe(`chat-Pegawai 0 Asia/Jakarta`);
    expect(wib.payload.text).toContain('7 hari kerja');
    expect(wib.payload.text).toContain('Jumat, 14 Maret 2025 pukul 23.59 WIB');
    expect(wib.payload.text).toContain('3 dari 5 indikator');
    expect(wita.payload.text).toContain('23.59 WITA');
    expect(wita.payload.text).toContain('0 dari 5 indikator');
    expect(wib.payload.buttons?.[0][0].token).toBe(CONTINUE_ASSESSMENT_TOKEN);
    const again = await sweep('2025-03-05T02:30:00Z');
    expect(again.outboxIds).toHaveLength(0);
    expect(await outbox()).toHaveLength(2);
  });

  it('two sweepers at once never send a reminder twice', async () => {
    const unit = await addUnit(em, 'U');
    const cycle = await addCycle(em, { selfDeadline: '2025-03-14', reviewDeadline: '2025-03-28' });
    for (let i = 0; i < 120; i++) await addAssessment(em, cycle, await addPerson(em, { name: `P${i}`, unitId: unit }));
    await scheduleSelfAssessmentReminders(txOf(em), cycle, { clock: new ManualClock(OPENED), config });
    const clock = new ManualClock(new Date('2025-03-05T02:00:00Z'));
    const [a, b] = await Promise.all([
      sweepDueReminders(db.orm.em.fork() as EntityManager, { clock, config, batchSize: 7 }),
      sweepDueReminders(db.orm.em.fork() as EntityManager, { clock, config, batchSize: 7 }),
    ]);
    expect(a.outboxIds.length + b.outboxIds.length).toBe(120);
    expect(new Set((await outbox()).map((o) => o.recipient_id)).size).toBe(120);
    expect(await reminders(`status = 'sent'`)).toHaveLength(120);
  });

  it('one sweeper with several batches in flight (lanes) sends each reminder once, and stops after maxBatches', async () => {
    const unit = await addUnit(em, 'U');
    const cycle = await addCycle(em, { selfDeadline: '2025-03-14', reviewDeadline: '2025-03-28' });
    for (let i = 0; i < 60; i++) await addAssessment(em, cycle, await addPerson(em, { name: `L${i}`, unitId: unit }));
    await scheduleSelfAssessmentReminders(txOf(em), cycle, { clock: new ManualClock(OPENED), config });
    const clock = new ManualClock(new Date('2025-03-05T02:00:00Z'));
    const handedOver: number[] = [];
    const first = await sweepDueReminders(db.orm.em.fork() as EntityManager, { clock, config, batchSize: 7, lanes: 3, maxBatches: 2, onBatch: async (ids) => void handedOver.push(...ids) });
    // Two batches of 7, however many lanes could have started one.
    expect(first.processed).toBe(14);
    const rest = await sweepDueReminders(db.orm.em.fork() as EntityManager, { clock, config, batchSize: 7, lanes: 3, onBatch: async (ids) => void handedOver.push(...ids) });
    expect(first.outboxIds.length + rest.outboxIds.length).toBe(60);
    expect(new Set(handedOver).size).toBe(60);
    expect(handedOver).toHaveLength(60);
    expect(new Set((await outbox()).map((o) => o.recipient_id)).size).toBe(60);
    expect(await reminders(`status = 'sent'`)).toHaveLength(60);
  });

  it('a reminder that fell due at night waits for the next working morning', async () => {
    const t = await team();
    await scheduleSelfAssessmentReminders(txOf(em), t.cycle, { clock: new ManualClock(OPENED), config });
    // 21:00 WIB on Wednesday 5 March: the 09:00 reminder was missed (workers down); it must not go out now.
    const r = await sweep('2025-03-05T14:00:00Z');
    expect(r.outboxIds).toHaveLength(0);
    expect(r.postponed).toBe(1);
    const [row] = await reminders(`kind = 'self:h_minus_7'`);
    expect(DateTime.fromJSDate(row.due_at, { zone: 'Asia/Jakarta' }).toISO()).toBe('2025-03-06T08:00:00.000+07:00');
    expect((await sweep('2025-03-06T01:00:00Z')).outboxIds).toHaveLength(1);
  });

  it('sends at most one reminder a person a day, merging both deadlines into it', async () => {
    const t = await team();
    const s = t.staff[0];
    const due = new Date('2025-03-10T02:00:00Z');
    // The rater also has a review waiting: their own self reminder and a review reminder fall on one day.
    const other = await addPerson(em, { name: 'Sub', unitId: t.unit, supervisorId: s.id });
    const subA = await addAssessment(em, t.cycle, other, { status: 'submitted' });
    await sql(em, `insert into reminder (assessment_id, recipient_id, audience, kind, due_at, local_date, status) values (?, ?, 'employee', 'self:h_minus_3', ?, '2025-03-10', 'pending'), (?, ?, 'employee', 'review:h_minus_7', ?, '2025-03-10', 'pending')`, [s.assessment, s.id, due, subA, s.id, due]);
    const r = await sweep('2025-03-10T03:00:00Z');
    expect(r.outboxIds).toHaveLength(1);
    const [msg] = await outbox();
    expect(msg.payload.text).toContain('penilaian diri periode');
    expect(msg.payload.text).toContain('1 penilaian diri menunggu penilaian Anda');
    // A reminder due later the same day is skipped, not sent as a second message.
    await sql(em, `insert into reminder (assessment_id, recipient_id, audience, kind, due_at, local_date, status) values (?, ?, 'employee', 'self:h_minus_1', ?, '2025-03-10', 'pending')`, [s.assessment, s.id, new Date('2025-03-10T06:00:00Z')]);
    const later = await sweep('2025-03-10T06:00:00Z');
    expect(later.outboxIds).toHaveLength(0);
    expect(later.skipped).toBe(1);
    expect(await outbox()).toHaveLength(1);
  });

  it('escalates overdue people to their supervisor as one digest, and to HR as one message covering every unit', async () => {
    const t = await team({ zones: ['Asia/Jakarta', 'Asia/Jakarta', 'Asia/Jakarta'] });
    const unit2 = await addUnit(em, 'DINKES', { parentId: t.parent });
    const boss2 = await addPerson(em, { name: 'Citra Atasan', unitId: unit2 });
    const late2 = await addPerson(em, { name: 'Dewi', unitId: unit2, supervisorId: boss2 });
    await addAssessment(em, t.cycle, late2);
    await scheduleSelfAssessmentReminders(txOf(em), t.cycle, { clock: new ManualClock(OPENED), config });
    await sql(em, `update reminder set status = 'sent' where kind not in ('self:escalate_supervisor', 'self:escalate_hr')`);
    // Tuesday 18 March, 2 working days after the deadline: supervisors are told; batch of 2 splits the three.
    await sweep('2025-03-18T02:00:00Z', 2);
    const digests = await outbox();
    expect(digests.map((d) => d.recipient_id).sort()).toEqual([t.boss, boss2].sort());
    const budi = digests.find((d) => d.recipient_id === t.boss)!;
    for (const s of t.staff) expect(budi.payload.text).toContain(`Pegawai ${t.staff.indexOf(s)} Asia/Jakarta`);
    expect(budi.payload.text.split('\n')).toHaveLength(4);
    // Friday 21 March, 5 working days after: HR of the parent unit gets ONE message, a section per unit.
    await sweep('2025-03-21T02:00:00Z');
    const hr = (await outbox()).filter((o) => o.recipient_id === t.hr);
    expect(hr).toHaveLength(1);
    expect(hr[0].dedupe_key).toBe(`reminder:${t.hr}:2025-03-21`);
    const headings = hr[0].payload.text.split('\n').filter((l) => l.startsWith('Unit '));
    expect(headings.sort()).toEqual([expect.stringContaining('Unit DINKES'), expect.stringContaining('Unit DISDIK')]);
  });

  it('one message a person a day: a supervisor\'s own reminder and the digest of their late people, merged', async () => {
    const t = await team({ zones: ['Asia/Jakarta', 'Asia/Jakarta'] });
    // The supervisor has their own self-assessment too, overdue the same day their people are escalated.
    const own = await addAssessment(em, t.cycle, t.boss);
    await scheduleSelfAssessmentReminders(txOf(em), t.cycle, { clock: new ManualClock(OPENED), config });
    await sql(em, `update reminder set status = 'sent' where kind not in ('self:escalate_supervisor')`);
    await sql(em, `insert into reminder (assessment_id, recipient_id, audience, kind, due_at, local_date, status) values (?, ?, 'employee', 'self:overdue', ?, '2025-03-18', 'pending')`, [own, t.boss, new Date('2025-03-18T02:00:00Z')]);
    const r = await sweep('2025-03-18T02:00:00Z');
    const toBoss = (await outbox()).filter((o) => o.recipient_id === t.boss);
    expect(r.outboxIds).toHaveLength(1);
    expect(toBoss).toHaveLength(1);
    expect(toBoss[0].payload.text).toContain('sudah lewat batas');
    expect(toBoss[0].payload.text).toContain('Pegawai 0 Asia/Jakarta');
    expect(toBoss[0].payload.text).toContain('Pegawai 1 Asia/Jakarta');
    expect(toBoss[0].payload.buttons?.[0][0].token).toBe(CONTINUE_ASSESSMENT_TOKEN);
    expect(await reminders(`status = 'pending'`)).toEqual([]);
  });

  it('what comes due after today\'s message waits for the next working day (a digest), a deadline reminder is skipped', async () => {
    const t = await team();
    const s = t.staff[0];
    // 09:00: the supervisor's own reminder goes out.
    const own = await addAssessment(em, t.cycle, t.boss);
    await sql(em, `insert into reminder (assessment_id, recipient_id, audience, kind, due_at, local_date, status) values (?, ?, 'employee', 'self:h_minus_1', ?, '2025-03-18', 'pending')`, [own, t.boss, new Date('2025-03-18T02:00:00Z')]);
    await sweep('2025-03-18T02:00:00Z');
    // 11:00: an escalation about their late employee comes due (a worker was behind): not a second message today.
    await sql(em, `insert into reminder (assessment_id, recipient_id, audience, kind, due_at, local_date, status) values (?, ?, 'supervisor', 'self:escalate_supervisor', ?, '2025-03-18', 'pending'), (?, ?, 'employee', 'self:due_today', ?, '2025-03-18', 'pending')`, [s.assessment, s.id, new Date('2025-03-18T04:00:00Z'), own, t.boss, new Date('2025-03-18T04:00:00Z')]);
    const later = await sweep('2025-03-18T04:00:00Z');
    expect(later.outboxIds).toHaveLength(0);
    expect(later.postponed).toBe(1);
    expect(later.skipped).toBe(1);
    const [moved] = await reminders(`kind = 'self:escalate_supervisor'`);
    expect(moved.status).toBe('pending');
    expect(DateTime.fromJSDate(moved.due_at, { zone: 'Asia/Jakarta' }).toISO()).toBe('2025-03-19T08:00:00.000+07:00');
    // The next morning the digest goes, alone.
    const next = await sweep('2025-03-19T01:00:00Z');
    expect(next.outboxIds).toHaveLength(1);
    const msgs = (await outbox()).filter((o) => o.recipient_id === t.boss);
    expect(msgs.map((m) => m.dedupe_key)).toEqual([`reminder:${t.boss}:2025-03-18`, `reminder:${t.boss}:2025-03-19`]);
    expect(msgs[1].payload.text).toContain('Pegawai 0 Asia/Jakarta');
  });

  it('submitting cancels the employee reminders and plans the rater reminders', async () => {
    const t = await team();
    const s = t.staff[0];
    await scheduleSelfAssessmentReminders(txOf(em), t.cycle, { clock: new ManualClock(OPENED), config });
    await sql(em, `update assessment set status = 'submitted', submitted_at = ? where id = ?`, [new Date('2025-03-07T03:00:00Z'), s.assessment]);
    const created = await scheduleReviewReminders(txOf(em), s.assessment, { clock: new ManualClock(new Date('2025-03-07T03:00:00Z')), config });
    expect(created).toBeGreaterThan(0);
    expect((await reminders(`kind like 'self:%' and status = 'pending'`)).length).toBe(0);
    const review = await reminders(`kind like 'review:%'`);
    expect(review.every((r) => r.recipient_id === t.boss)).toBe(true);
    expect(review.map((r) => r.kind)).toContain('review:due_today');
    // Nothing about the employee goes out any more; the rater is reminded on the review track.
    const r = await sweep('2025-03-21T02:00:00Z');
    const texts = (await outbox()).map((o) => o.payload.text);
    expect(r.outboxIds.length).toBe(1);
    expect(texts[0]).toContain('menunggu penilaian Anda');
    expect(await cancelReminders(txOf(em), s.assessment, 'review')).toBeGreaterThan(0);
  });

  it('review reminders go to the acting PLT/PLH active when the assessment is submitted, in their time zone', async () => {
    const t = await team();
    const a = t.staff[0];
    const bId = await addPerson(em, { name: 'Pegawai Dua', unitId: t.unit, supervisorId: t.boss });
    const b = { id: bId, assessment: await addAssessment(em, t.cycle, bId) };
    const plt = await addPerson(em, { name: 'Putri PLT', unitId: t.unit, timezone: 'Asia/Makassar' });
    // Acting for Budi Atasan from 10 to 31 March 2025 (dates read in WIB, as the engine does).
    await addActing(em, { kind: 'plt', actingId: plt, forId: t.boss, startsOn: '2025-03-10', endsOn: '2025-03-31' });

    // Submitted before the assignment starts (Sunday 9 March, 23:00 WIB): the supervisor of record.
    await sql(em, `update assessment set status = 'submitted' where id in (?, ?)`, [a.assessment, b.assessment]);
    expect(await scheduleReviewReminders(txOf(em), a.assessment, { clock: new ManualClock(new Date('2025-03-09T16:00:00Z')), config })).toBeGreaterThan(0);
    // Submitted one hour later, Monday 10 March 00:00 WIB: the PLT is acting, so the PLT is reminded.
    expect(await scheduleReviewReminders(txOf(em), b.assessment, { clock: new ManualClock(new Date('2025-03-09T17:00:00Z')), config })).toBeGreaterThan(0);
    const byAssessment = async (id: number) => reminders(`assessment_id = ? and kind like 'review:%'`, [id]);
    expect(new Set((await byAssessment(a.assessment)).map((r) => r.recipient_id))).toEqual(new Set([t.boss]));
    const toPlt = await byAssessment(b.assessment);
    expect(new Set(toPlt.map((r) => r.recipient_id))).toEqual(new Set([plt]));
    // Planned in the PLT's own time zone (WITA), like any rater's reminders.
    for (const r of toPlt) expect(DateTime.fromJSDate(r.due_at, { zone: 'Asia/Makassar' }).toFormat('HH:mm')).toBe('09:00');

    // The PLT gets the reminder message on the review track, with the open-reviews button.
    await sweep('2025-03-28T01:30:00Z');
    const msgs = (await outbox()).filter((o) => o.recipient_id === plt);
    expect(msgs).toHaveLength(1);
    expect(msgs[0].chat_id).toBe('chat-Putri PLT');
    expect(msgs[0].payload.text).toContain('Hari ini batas penilaian periode Triwulan I 2025');
    expect(msgs[0].payload.text).toContain('penilaian diri menunggu penilaian Anda');
  });

  it('an acting assignment that has ended, or whose official left, does not take the reminders', async () => {
    const t = await team();
    const s = t.staff[0];
    const plh = await addPerson(em, { name: 'Putra PLH', unitId: t.unit });
    const gone = await addPerson(em, { name: 'Pensiun PLT', unitId: t.unit });
    await sql(em, `update employee set active = false where id = ?`, [gone]);
    await addActing(em, { kind: 'plh', actingId: plh, forId: t.boss, startsOn: '2025-03-03', endsOn: '2025-03-05' });
    await addActing(em, { kind: 'plt', actingId: gone, forId: t.boss, startsOn: '2025-03-01', endsOn: '2025-03-31' });
    await sql(em, `update assessment set status = 'submitted' where id = ?`, [s.assessment]);
    await scheduleReviewReminders(txOf(em), s.assessment, { clock: new ManualClock(new Date('2025-03-07T03:00:00Z')), config });
    const rows = await reminders(`kind like 'review:%'`);
    expect(rows.length).toBeGreaterThan(0);
    expect(new Set(rows.map((r) => r.recipient_id))).toEqual(new Set([t.boss]));
  });

  it('recomputes the plan when the deadline changes', async () => {
    const t = await team();
    await scheduleSelfAssessmentReminders(txOf(em), t.cycle, { clock: new ManualClock(OPENED), config });
    await sql(em, `update cycle set self_deadline = '2025-03-21' where id = ?`, [t.cycle]);
    const r = await recomputeReminders(txOf(em), t.cycle, { clock: new ManualClock(new Date('2025-03-03T00:00:00Z')), config });
    expect(r.cancelled).toBe(7);
    expect(r.created).toBe(7);
    const due = (await reminders(`status = 'pending' and kind = 'self:due_today'`))[0];
    expect(DateTime.fromJSDate(due.due_at, { zone: 'Asia/Jakarta' }).toISODate()).toBe('2025-03-21');
  });

  describe('feedback nudges (FEEDBACK_NUDGE_DAYS, issue 12)', () => {
    const feedback = (giver: number, to: number, at: string) =>
      sql(em, `insert into feedback (giver_id, employee_id, kind, text, thread_key, platform, created_at) values (?, ?, 'apresiasi', 'Kerja bagus minggu ini, terima kasih.', ?, 'telegram', ?)`, [giver, to, `fb-${to}-${at}`, new Date(at)]);

    it('one nudge listing the people without feedback, never in the quiet days before a deadline, merged with a digest, then N days later', async () => {
      const unit = await addUnit(em, 'DISDIK');
      const boss = await addPerson(em, { name: 'Budi Atasan', unitId: unit });
      const staff = [await addPerson(em, { name: 'Pegawai Nol', unitId: unit, supervisorId: boss }), await addPerson(em, { name: 'Pegawai Satu', unitId: unit, supervisorId: boss })];
      // Self-assessments due Friday 1 August 2025: 29 July - 1 August are the quiet days before it.
      const cycle = await addCycle(em, { periodStart: '2025-07-01', periodEnd: '2025-09-30', selfDeadline: '2025-08-01', reviewDeadline: '2025-08-15' });
      const a0 = await addAssessment(em, cycle, staff[0]);
      expect(await scheduleFeedbackNudges(txOf(em), cycle, { clock: new ManualClock(new Date('2025-07-01T00:00:00Z')), config })).toBe(1);
      // Planning again adds nothing.
      expect(await scheduleFeedbackNudges(txOf(em), cycle, { clock: new ManualClock(new Date('2025-07-01T00:00:00Z')), config })).toBe(0);
      const [first] = await reminders(`kind = 'fbnudge'`);
      expect(first.recipient_id).toBe(boss);
      expect(DateTime.fromJSDate(first.due_at, { zone: 'Asia/Jakarta' }).toISO()).toBe('2025-07-31T09:00:00.000+07:00');
      await feedback(boss, staff[1], '2025-07-20T03:00:00Z');

      // Thursday 31 July, 30 days into the period, is a quiet day: the nudge waits for Monday 4 August.
      const quiet = await sweep('2025-07-31T02:00:00Z');
      expect(quiet.outboxIds).toHaveLength(0);
      const [moved] = await reminders(`kind = 'fbnudge'`);
      expect(DateTime.fromJSDate(moved.due_at, { zone: 'Asia/Jakarta' }).toISO()).toBe('2025-08-04T09:00:00.000+07:00');

      // Monday 4 August: the same day an escalation about Pegawai Nol is due: one message with both.
      await sql(em, `insert into reminder (assessment_id, recipient_id, audience, kind, due_at, local_date, status) values (?, ?, 'supervisor', 'self:escalate_supervisor', ?, '2025-08-04', 'pending')`, [a0, staff[0], new Date('2025-08-04T02:00:00Z')]);
      const sent = await sweep('2025-08-04T02:00:00Z');
      expect(sent.outboxIds).toHaveLength(1);
      const [msg] = await outbox();
      expect(msg.recipient_id).toBe(boss);
      expect(msg.dedupe_key).toBe(`reminder:${boss}:2025-08-04`);
      const nudge = msg.payload.text.slice(msg.payload.text.indexOf('Anda belum memberi umpan balik'));
      expect(nudge).toContain('Anda belum memberi umpan balik selama 30 hari kepada:\n- Pegawai Nol');
      expect(nudge).not.toContain('Pegawai Satu');
      expect(nudge).toContain('{{cmd:umpanbalik}}');
      expect(msg.payload.text).toContain('Pegawai Anda yang belum menyelesaikan penilaian diri');

      // The next check is 30 days on (one nudge per 30 days at most), and then names whoever is quiet by then.
      const pending = await reminders(`kind = 'fbnudge' and status = 'pending'`);
      expect(pending.map((r) => DateTime.fromJSDate(r.due_at, { zone: 'Asia/Jakarta' }).toISODate())).toEqual(['2025-09-03']);
      await feedback(boss, staff[0], '2025-08-20T03:00:00Z');
      await sweep('2025-09-03T02:00:00Z');
      const second = (await outbox())[1]!;
      expect(second.payload.text).toContain('- Pegawai Satu');
      expect(second.payload.text).not.toContain('Pegawai Nol');

      // The period closes: the next check says nothing.
      await sql(em, `update cycle set status = 'closed' where id = ?`, [cycle]);
      const closed = await sweep('2025-10-03T02:00:00Z');
      expect(closed.outboxIds).toHaveLength(0);
      expect(await reminders(`kind = 'fbnudge' and status = 'pending'`)).toEqual([]);
    });

    it('an acting PLT is nudged about the people they rate, too; someone who rates nobody gets no check', async () => {
      const unit = await addUnit(em, 'DISHUB');
      const boss = await addPerson(em, { name: 'Atasan Cuti', unitId: unit });
      const plt = await addPerson(em, { name: 'Putri PLT', unitId: unit });
      const staff = await addPerson(em, { name: 'Staf Dishub', unitId: unit, supervisorId: boss });
      await addActing(em, { kind: 'plt', actingId: plt, forId: boss, startsOn: '2025-07-01', endsOn: '2025-09-30' });
      const cycle = await addCycle(em, { periodStart: '2025-07-01', periodEnd: '2025-09-30', selfDeadline: '2025-09-12', reviewDeadline: '2025-09-26' });
      expect(await scheduleFeedbackNudges(txOf(em), cycle, { clock: new ManualClock(new Date('2025-07-01T00:00:00Z')), config })).toBe(2);
      expect((await reminders(`kind = 'fbnudge'`)).map((r) => r.recipient_id).sort()).toEqual([boss, plt].sort());
      expect((await reminders(`kind = 'fbnudge' and recipient_id = ?`, [staff]))).toEqual([]);
      await sweep('2025-07-31T02:00:00Z');
      const toPlt = (await outbox()).find((o) => o.recipient_id === plt)!;
      expect(toPlt.payload.text).toContain('- Staf Dishub');
    });

    it('a check that finds everyone recently given feedback sends nothing and looks again when the first falls quiet; in English', async () => {
      const unit = await addUnit(em, 'DINKES');
      const boss = await addPerson(em, { name: 'Boss', unitId: unit, locale: 'en' });
      const one = await addPerson(em, { name: 'Staff One', unitId: unit, supervisorId: boss });
      const cycle = await addCycle(em, { periodStart: '2025-07-01', periodEnd: '2025-09-30', selfDeadline: '2025-09-12', reviewDeadline: '2025-09-26' });
      await scheduleFeedbackNudges(txOf(em), cycle, { clock: new ManualClock(new Date('2025-07-01T00:00:00Z')), config });
      await feedback(boss, one, '2025-07-28T03:00:00Z');
      const r = await sweep('2025-07-31T02:00:00Z');
      expect(r.outboxIds).toHaveLength(0);
      const pending = await reminders(`kind = 'fbnudge' and status = 'pending'`);
      expect(pending.map((x) => DateTime.fromJSDate(x.due_at, { zone: 'Asia/Jakarta' }).toISODate())).toEqual(['2025-08-27']);
      await sweep('2025-08-27T02:00:00Z');
      const [msg] = await outbox();
      expect(msg.payload.text).toContain('You have given no feedback for 30 days to:\n- Staff One');
    });
  });
});
