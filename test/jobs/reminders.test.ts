/**
 * Reminders: planning from the domain plan, the sweep into the outbox, escalation digests, cancel and
 * recompute. Time is a ManualClock; nothing sleeps.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DateTime } from 'luxon';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ManualClock } from '../../src/clock.js';
import { cancelReminders, recomputeReminders, scheduleReviewReminders, scheduleSelfAssessmentReminders } from '../../src/db/reminders.js';
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
    await sql(em, 'truncate reminder, outbox_message, answer, assessment, indicator, cycle, chat_identity, employee, unit restart identity cascade');
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

  it('escalates overdue people to their supervisor as one digest, and to HR as one digest per unit', async () => {
    const t = await team({ zones: ['Asia/Jakarta', 'Asia/Jakarta', 'Asia/Jakarta'] });
    const unit2 = await addUnit(em, 'DINKES', { parentId: t.parent });
    const boss2 = await addPerson(em, { name: 'Citra Atasan', unitId: unit2 });
    const late2 = await addPerson(em, { name: 'Dewi', unitId: unit2, supervisorId: boss2 });
    await addAssessment(em, t.cycle, late2);
    await scheduleSelfAssessmentReminders(txOf(em), t.cycle, { clock: new ManualClock(OPENED), config });
    await sql(em, `update reminder set status = 'sent' where kind not in ('self:escalate_supervisor', 'self:escalate_hr')`);
    // Tuesday 18 March, 2 working days after the deadline: supervisors are told; batch of 2 splits the three.
    await sweep('2025-03-18T02:00:00Z', 2);
    const digests = (await outbox()).filter((o) => o.dedupe_key.startsWith('digest:supervisor'));
    expect(digests.map((d) => d.recipient_id).sort()).toEqual([t.boss, boss2].sort());
    const budi = digests.find((d) => d.recipient_id === t.boss)!;
    for (const s of t.staff) expect(budi.payload.text).toContain(`Pegawai ${t.staff.indexOf(s)} Asia/Jakarta`);
    expect(budi.payload.text.split('\n')).toHaveLength(4);
    // Friday 21 March, 5 working days after: HR of the parent unit gets one digest per unit.
    await sweep('2025-03-21T02:00:00Z');
    const hr = (await outbox()).filter((o) => o.dedupe_key.startsWith('digest:hr'));
    expect(hr).toHaveLength(2);
    expect(hr.every((d) => d.recipient_id === t.hr)).toBe(true);
    expect(hr.map((d) => d.payload.text.split('\n')[0]).sort()).toEqual([expect.stringContaining('Unit DINKES'), expect.stringContaining('Unit DISDIK')]);
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
});
