/** Cycle close (late flags, distribution check to HR and raters) and announcement (awards, coaching check-ins). */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ManualClock } from '../../src/clock.js';
import { CurveViolationError, announceCycle, closeCycle, closeDueCycles } from '../../src/jobs/cycle-close.js';
import { verifyAuditChain } from '../../src/db/audit.js';
import { txOf } from '../../src/db/sql.js';
import { sweepDueReminders } from '../../src/jobs/reminder-sweep.js';
import { addAssessment, addCycle, addPerson, addUnit, sql } from '../support/seed.js';
import { testConfig } from './helpers.js';
import { pino } from 'pino';
import { anchorAuditChain } from '../../src/jobs/audit-checkpoint.js';

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
    await sql(em, 'truncate audit_event, audit_checkpoint, rating_revision, reminder, outbox_message, check_in, follow_up, review, assessment, indicator, cycle, chat_identity, employee, unit restart identity cascade');
  });

  type Row = { chat_id: string; recipient_id: number | null; payload: { text: string; buttons?: { token: string }[][] }; dedupe_key: string };
  // The audit checkpoints sent to HR at close and announce have their own test below.
  const outbox = () => sql<Row>(em, `select * from outbox_message where dedupe_key not like 'audit-%' order by id`);
  const checkpointMessages = () => sql<Row>(em, `select * from outbox_message where dedupe_key like 'audit-%' order by id`);

  async function ratedUnit(predicates: string[], opts: { orgRating?: string; optOut?: number[] } = {}) {
    const unit = await addUnit(em, 'DISHUB', { orgRating: opts.orgRating === 'none' ? undefined : (opts.orgRating ?? 'baik'), announce: { telegram: '-100777' } });
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
    // The rater gets a button into calibration; HR is told how announcing works now.
    const toBoss = msgs.find((m) => m.recipient_id === t.boss)!;
    expect(toBoss.payload.text).toContain('Anda dapat mengubah penilaian');
    expect(toBoss.payload.buttons).toEqual([[expect.objectContaining({ label: 'Buka kalibrasi', token: 'open-calibration' })]]);
    const toHr = msgs.find((m) => m.recipient_id === t.hr)!;
    expect(toHr.payload.text).toContain('--override-curve');
    expect(toHr.payload.buttons).toBeUndefined();
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
    expect(channel[0].payload.text).toBe('Selamat kepada Staf 0 (Analis) atas predikat kinerja Sangat Baik pada periode Triwulan I 2025!');
    // Each employee gets exactly one message: the final result.
    expect(msgs.filter((m) => m.recipient_id !== null).map((m) => m.recipient_id)).toEqual(t.people.map((p) => p.id));
    expect(msgs.filter((m) => m.recipient_id !== null).every((m) => m.payload.text.includes('telah ditetapkan (final)'))).toBe(true);
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
    // Two statements, two scores: the message asks the first; the second follows the first score (engine).
    expect(prompt.payload.text).toContain('Pernyataan 1 dari 2');
    expect(prompt.payload.text).not.toContain('Saya tahu langkah selanjutnya');
    expect(prompt.payload.buttons![0].map((b) => b.token)).toEqual([1, 2, 3, 4, 5].map((n) => expect.stringMatching(new RegExp(`^checkin-rating:\\d+:${n}$`))));
  });

  it('refuses to announce while a unit breaks its curve: nothing changes and nobody is told; auto-announce waits too', async () => {
    const t = await ratedUnit(['baik', 'baik', 'baik', 'baik']);
    const clock = new ManualClock(new Date('2025-03-29T17:00:00Z'));
    await closeDueCycles(em, { clock, config: testConfig({ AUTO_ANNOUNCE: 'true' }) });
    const [c] = await sql<{ status: string }>(em, 'select status from cycle where id = ?', [t.cycle]);
    expect(c.status).toBe('closed');
    await sql(em, 'truncate outbox_message');
    const err = await announceCycle(em, t.cycle, { clock, config }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CurveViolationError);
    expect((err as Error).message).toContain('Unit DISHUB: baik.baik.max, baik.butuh_perbaikan_or_kurang.min');
    expect((err as Error).message).toContain('--override-curve');
    expect(await outbox()).toEqual([]);
    expect(await sql(em, `select 1 from assessment where status = 'announced'`)).toEqual([]);
  });

  it('HR may announce over the curve only with a written reason, which is stored and audited', async () => {
    const t = await ratedUnit(['baik', 'baik', 'baik', 'baik']);
    const clock = new ManualClock(new Date('2025-04-07T03:00:00Z'));
    await closeCycle(em, t.cycle, { clock, config, actor: 'hana' });
    await expect(announceCycle(em, t.cycle, { clock, config }, { overrideCurve: '  ' })).rejects.toThrow(/written reason of at least 10 characters \(got 0\)/);
    await expect(announceCycle(em, t.cycle, { clock, config }, { overrideCurve: 'ok' })).rejects.toThrow(/at least 10/);
    const r = await announceCycle(em, t.cycle, { clock, config, actor: 'hana' }, { overrideCurve: 'Unit kecil; seluruh staf memang memenuhi target.' });
    expect(r.overridden).toEqual([t.unit]);
    const [c] = await sql<{ status: string; curve_override: string }>(em, 'select status, curve_override from cycle where id = ?', [t.cycle]);
    expect(c).toEqual({ status: 'announced', curve_override: 'Unit kecil; seluruh staf memang memenuhi target.' });
    const audits = await sql<{ action: string; actor: string; data: { overrideCurve: string | null } }>(em, 'select action, actor, data from audit_event order by id');
    expect(audits.map((a) => [a.action, a.actor])).toEqual([['cycle.closed', 'hana'], ['cycle.announced', 'hana']]);
    expect(audits[1].data.overrideCurve).toBe('Unit kecil; seluruh staf memang memenuhi target.');
    expect(await verifyAuditChain(txOf(em))).toBeNull();
  });

  it('close and announce each sign an audit checkpoint: in the result, in the log, and sent to HR in their language', async () => {
    const t = await ratedUnit(['baik', 'baik', 'butuh_perbaikan']);
    await sql(em, `update employee set locale = 'en' where id = ?`, [t.hr]);
    const clock = new ManualClock(new Date('2025-04-07T03:00:00Z'));
    const lines: { msg: string; auditCheckpoint?: { line: string; entries: number; reason: string } }[] = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l)) });
    const closed = await closeCycle(em, t.cycle, { clock, config, logger });
    expect(closed.auditCheckpoint).toMatchObject({ kind: 'signed', checkpoint: { reason: 'cycle.closed', entries: 1 } });
    const announced = await announceCycle(em, t.cycle, { clock, config, logger });
    expect(announced.auditCheckpoint).toMatchObject({ kind: 'signed', checkpoint: { reason: 'cycle.announced', entries: 2 } });
    const logged = lines.filter((l) => l.msg === 'audit checkpoint signed').map((l) => l.auditCheckpoint!);
    expect(logged.map((c) => [c.reason, c.entries])).toEqual([['cycle.closed', 1], ['cycle.announced', 2]]);
    // HR (the only admin, in English) gets each checkpoint with the line to keep; the line is the logged one.
    const sent = await checkpointMessages();
    expect(sent.map((m) => m.recipient_id)).toEqual([t.hr, t.hr]);
    expect(sent[0].payload.text).toContain('Audit log checkpoint (period closed): 1 entries');
    expect(sent[1].payload.text).toContain('Audit log checkpoint (results announced): 2 entries');
    expect(sent[1].payload.text).toContain(`kinerja audit verify --checkpoint ${logged[1].line}`);
    expect(closed.outboxIds).toEqual(expect.arrayContaining([Number((await sql<{ id: string }>(em, `select id from outbox_message where dedupe_key like 'audit-checkpoint:%' order by id limit 1`))[0].id)]));
    // The same close in Indonesian for an Indonesian-speaking officer.
    await sql(em, `update employee set locale = 'id' where id = ?`, [t.hr]);
    const again = await anchorAuditChain(txOf(em), { reason: 'cycle.closed', now: clock.now() });
    expect(again.outcome.kind).toBe('signed');
    expect((await checkpointMessages()).at(-1)!.payload.text).toContain('Titik periksa log audit (periode ditutup): 2 entri');
  });

  it('coaching check-ins come from the supervisor\'s plan dates, with reminders on those dates; a unit without rating is reported to HR', async () => {
    const t = await ratedUnit(['sangat_baik', 'baik', 'butuh_perbaikan'], { orgRating: 'none' });
    const a = t.people[2].assessment;
    const [fu] = await sql<{ id: number }>(em, `insert into follow_up (assessment_id, kind, plan, created_at) values (?, 'coaching', 'Pendampingan mingguan.', now()) returning id`, [a]);
    await sql(em, `insert into check_in (follow_up_id, due_on) values (?, '2025-04-09'), (?, '2025-04-30'), (?, '2025-04-02')`, [fu.id, fu.id, fu.id]);
    const clock = new ManualClock(new Date('2025-04-07T03:00:00Z'));
    const closed = await closeCycle(em, t.cycle, { clock, config });
    expect(closed.unrated).toEqual([t.unit]);
    expect((await outbox()).map((m) => [m.recipient_id, m.payload.text])).toEqual([[t.hr, expect.stringContaining('Capaian kinerja organisasi belum ditetapkan untuk: Unit DISHUB')]]);
    await sql(em, 'truncate outbox_message');
    const r = await announceCycle(em, t.cycle, { clock, config });
    // The session already past (2 April) keeps its date and gets no reminder.
    expect(r).toMatchObject({ coaching: 1, checkIns: 2 });
    const reminders = await sql<{ recipient_id: number; kind: string; d: string }>(em, `select recipient_id, kind, to_char(local_date, 'YYYY-MM-DD') as d from reminder where kind like 'checkin:%' order by local_date, recipient_id`);
    expect(reminders.map((x) => [x.d, x.recipient_id])).toEqual([['2025-04-09', t.boss], ['2025-04-09', t.people[2].id], ['2025-04-30', t.boss], ['2025-04-30', t.people[2].id]].sort((x, y) => String(x[0]).localeCompare(String(y[0])) || Number(x[1]) - Number(y[1])));
    const text = (await outbox()).find((m) => m.recipient_id === t.people[2].id)!.payload.text;
    expect(text).toContain('Rencana pembinaan dari atasan Anda: Pendampingan mingguan.');
    expect(text).toContain('Pertemuan tindak lanjut: 2 April 2025, 9 April 2025, 30 April 2025.');
  });
});
