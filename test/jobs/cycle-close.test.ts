/** Cycle close (late flags, distribution check to HR and raters) and announcement (awards, coaching check-ins). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ManualClock } from '../../src/clock.js';
import { announceCycle, closeDueCycles } from '../../src/jobs/cycle-close.js';
import { sweepDueReminders } from '../../src/jobs/reminder-sweep.js';
import { addAssessment, addCycle, addPerson, addUnit, sql } from '../support/seed.js';
import { testConfig } from './helpers.js';

const config = testConfig();

describe('cycle close and announcement', () => {
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
    await sql(em, 'truncate reminder, outbox_message, check_in, follow_up, review, assessment, indicator, cycle, chat_identity, employee, unit restart identity cascade');
  });

  const outbox = () => sql<{ chat_id: string; recipient_id: number | null; payload: { text: string; buttons?: { token: string }[][] }; dedupe_key: string }>(em, 'select * from outbox_message order by id');

  async function ratedUnit(predicates: string[], opts: { orgRating?: string; optOut?: number[] } = {}) {
    const unit = await addUnit(em, 'DISHUB', { orgRating: opts.orgRating ?? 'baik', announce: { telegram: '-100777' } });
    const hr = await addPerson(em, { name: 'Hana HR', unitId: unit, roles: ['pegawai', 'admin'] });
    const boss = await addPerson(em, { name: 'Budi Atasan', unitId: unit });
    const cycle = await addCycle(em, { selfDeadline: '2025-03-14', reviewDeadline: '2025-03-28', status: 'reviewing' });
    const people = [];
    for (const [i, predicate] of predicates.entries()) {
      const id = await addPerson(em, { name: `Staf ${i}`, unitId: unit, supervisorId: boss, optOut: opts.optOut?.includes(i) });
      const a = await addAssessment(em, cycle, id, { status: 'reviewed' });
      // Staf 0 submitted on the Saturday after the Friday deadline: late.
      const submitted = i === 0 ? '2025-03-15T03:00:00Z' : '2025-03-13T03:00:00Z';
      await sql(em, `update assessment set predicate = ?, submitted_at = ? where id = ?`, [predicate, new Date(submitted), a]);
      await sql(em, `insert into review (assessment_id, round, reviewer_id, outcome, indicator_ratings, predicate, created_at) values (?, 1, ?, 'rated', '{}', ?, now())`, [a, boss, predicate]);
      people.push({ id, assessment: a });
    }
    return { unit, hr, boss, cycle, people };
  }

  it('closes after the review deadline plus grace, flags late submissions and tells HR and the rater what breaks the curve', async () => {
    const t = await ratedUnit(['baik', 'baik', 'baik', 'baik']);
    // 28 March 23:59 WIB + 24 h grace = 30 March 00:00 WIB (29 March 17:00Z).
    expect((await closeDueCycles(em, { clock: new ManualClock(new Date('2025-03-29T16:59:00Z')), config })).closed).toEqual([]);
    const r = await closeDueCycles(em, { clock: new ManualClock(new Date('2025-03-29T17:00:00Z')), config });
    expect(r.closed).toEqual([t.cycle]);
    const [cycle] = await sql<{ status: string }>(em, 'select status from cycle where id = ?', [t.cycle]);
    expect(cycle.status).toBe('closed');
    const late = await sql<{ id: number }>(em, 'select id from assessment where late order by id');
    expect(late.map((l) => l.id)).toEqual([t.people[0].assessment]);
    const msgs = await outbox();
    expect(msgs.map((m) => m.recipient_id).sort()).toEqual([t.hr, t.boss].sort());
    const text = msgs[0].payload.text;
    expect(text).toContain('tidak sesuai kurva distribusi');
    expect(text).toContain('Baik: 4 orang (100%), paling banyak 2 orang');
    expect(text).toContain('Butuh Perbaikan / Kurang: 0 orang (0%), paling sedikit 1 orang');
    // Closing is done once: the cycle is no longer due.
    expect((await closeDueCycles(em, { clock: new ManualClock(new Date('2025-04-01T00:00:00Z')), config })).closed).toEqual([]);
  });

  it('announces: awards to the unit channel unless opted out, coaching gets check-ins with reminders and a rating prompt', async () => {
    const t = await ratedUnit(['sangat_baik', 'sangat_baik', 'butuh_perbaikan'], { optOut: [1] });
    await sql(em, `update cycle set status = 'closed' where id = ?`, [t.cycle]);
    // Monday 7 April 2025, 10:00 WIB.
    const clock = new ManualClock(new Date('2025-04-07T03:00:00Z'));
    const r = await announceCycle(em, t.cycle, { clock, config });
    expect(r).toMatchObject({ awardsPublic: 1, coaching: 1, checkIns: 2 });
    const msgs = await outbox();
    const channel = msgs.filter((m) => m.chat_id === '-100777');
    expect(channel).toHaveLength(1);
    expect(channel[0].payload.text).toContain('Staf 0');
    expect(msgs.filter((m) => m.recipient_id !== null)).toHaveLength(3);
    expect(msgs.find((m) => m.recipient_id === t.people[2].id)!.payload.text).toContain('Butuh Perbaikan');
    const checkIns = await sql<{ due_on: string }>(em, `select to_char(due_on, 'YYYY-MM-DD') as due_on from check_in order by due_on`);
    expect(checkIns.map((c) => c.due_on)).toEqual(['2025-04-21', '2025-05-05']);
    await expect(announceCycle(em, t.cycle, { clock, config })).rejects.toThrow(/cannot be announced/);

    // On the first check-in day both people are reminded; the next working day the employee is asked to rate.
    await sql(em, 'truncate outbox_message');
    await sweepDueReminders(em, { clock: new ManualClock(new Date('2025-04-21T02:00:00Z')), config });
    const day = await outbox();
    expect(day.map((m) => m.recipient_id).sort()).toEqual([t.boss, t.people[2].id].sort());
    expect(day.find((m) => m.recipient_id === t.people[2].id)!.payload.text).toContain('Budi Atasan');
    await sweepDueReminders(em, { clock: new ManualClock(new Date('2025-04-22T02:00:00Z')), config });
    const prompt = (await outbox()).find((m) => m.payload.text.includes('Saya merasa didengar'))!;
    expect(prompt.recipient_id).toBe(t.people[2].id);
    expect(prompt.payload.buttons![0].map((b) => b.token)).toEqual([1, 2, 3, 4, 5].map((n) => expect.stringMatching(new RegExp(`^checkin-rating:\\d+:${n}$`))));
  });
});
