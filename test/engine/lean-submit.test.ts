/**
 * The confirm-submit turn ("Kirim" on the self-assessment summary) is lean: one read, and one write
 * statement inside the event's transaction (issue 16 item 3): at most 5 database round trips in all, counted
 * on the pool's real connections to PostgreSQL. It still does everything it did: the assessment submitted,
 * the employee's reminders cancelled, the rater's planned (the same rows `scheduleReviewReminders` plans, HR's
 * holidays and an acting PLH included), the rater told with a button that works, the summary's buttons taken
 * off (through the prompt key kept in the state across a restart), the audit entry chained; a replay writes
 * nothing.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_LOCK_KEY } from '../../src/db/audit.js';
import { verifyAuditChain, walkAuditChain } from '../../src/db/audit.js';
import { scheduleReviewReminders, scheduleSelfAssessmentReminders, type ReminderContext } from '../../src/db/reminders.js';
import { txOf } from '../../src/db/sql.js';
import { flows } from '../../src/engine/flows/index.js';
import { createEngineHarness, PEOPLE, type EngineHarness, type Person } from '../support/engine.js';
import { observeRoundTrips, type RoundTrips } from '../support/round-trips.js';
import { addActing } from '../support/seed.js';

/** The engine's reminder settings when none are configured (engine.ts REMINDER_DEFAULTS). */
const REMINDER_CONFIG = { WORKING_HOURS: '08:00-16:00', REMINDER_SEND_AT: '09:00', HOLIDAY_COUNTRY: 'ID' };

/**
 * The bound for the whole turn. It takes 4: read, BEGIN, the write (the event id in its first part),
 * COMMIT (with the sealed audit entry).
 */
const MAX_ROUND_TRIPS = 5;

type ReminderRow = { recipient_id: number; audience: string; kind: string; due_at: string; local_date: string; status: string };

describe('a lean submit', () => {
  let h: EngineHarness;
  let trips: RoundTrips;
  let ctx: ReminderContext;
  beforeAll(async () => {
    h = await createEngineHarness();
    trips = observeRoundTrips(h.db.orm);
    ctx = { clock: h.clock, config: REMINDER_CONFIG };
    // The employees' own deadline reminders, as opening the cycle plans them.
    await scheduleSelfAssessmentReminders(txOf(h.db.orm.em), h.cycleId, ctx);
    // HR's list says the day before the review deadline is off: the plan must come from HR's calendar.
    await h.query(`insert into holiday (date, name, kind, working_day) values ('2027-01-19', 'Cuti bersama', 'cuti_bersama', false)`);
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Answers every standard indicator (two) of `who`; the summary with its "Kirim" is the latest prompt. */
  async function toSummary(who: Person): Promise<number> {
    await h.send(who, '/penilaian');
    for (let i = 0; i < 2; i++) {
      await h.send(who, String(90 - i * 66));
      await h.send(who, 'Uraian pekerjaan yang cukup panjang untuk indikator ini.');
      await h.send(who, 'https://drive.example.go.id/bukti');
    }
    const summary = (await h.lastMessages(who)).find((m) => m.buttons?.length);
    expect(summary?.buttons?.flat().map((b) => b.label).join('|')).toMatch(/Kirim|Send/);
    return summary!.outboxId;
  }

  const reviewRows = (assessmentId: number) =>
    h.query<ReminderRow>(
      `select recipient_id, audience, kind, to_char(due_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI') as due_at, to_char(local_date, 'YYYY-MM-DD') as local_date, status
         from reminder where assessment_id = ? and kind like 'review:%' order by kind, due_at`,
      [assessmentId],
    );

  /** The review reminders the submit planned are exactly those `scheduleReviewReminders` plans at the same instant. */
  async function expectSamePlanAsScheduler(assessmentId: number): Promise<ReminderRow[]> {
    const planned = await reviewRows(assessmentId);
    await h.query(`delete from reminder where assessment_id = ? and kind like 'review:%'`, [assessmentId]);
    await scheduleReviewReminders(txOf(h.db.orm.em), assessmentId, ctx);
    expect(planned).toEqual(await reviewRows(assessmentId));
    return planned;
  }

  it('takes at most 5 round trips after a restart (the prompt key survives the reload) and does everything it did', async () => {
    const id = h.assessmentOf.citra;
    const summaryId = await toSummary('citra');
    const selfPending = `select count(*)::int as n from reminder where assessment_id = ? and kind like 'self:%' and status = 'pending'`;
    expect((await h.query<{ n: number }>(selfPending, [id]))[0].n).toBeGreaterThan(0);
    const [before] = await h.query<{ version: number; prompt: string | null }>(
      `select a.version, (select state->>'prompt' from conversation where platform = 'telegram' and platform_user_id = ?) as prompt from assessment a where a.id = ?`,
      [PEOPLE.citra.tg, id],
    );
    const [summaryKey] = await h.query<{ key: string }>(`select dedupe_key as key from outbox_message where id = ?`, [summaryId]);
    expect(before.prompt).toBe(summaryKey.key);

    // A new engine on the same database, as after a process restart: the state is read back with its prompt.
    h.restart();
    const { result, statements } = await trips.during(() => h.press('citra', 'Kirim'));
    // The harness reads the outbox twice (to find the button, and its mark); the rest is the engine's turn.
    const engineTrips = statements.filter((s) => !/^select (id, payload|max\(id\))/.test(s));
    expect(engineTrips.length, engineTrips.map((s) => s.replace(/\s+/g, ' ').slice(0, 100)).join('\n')).toBeLessThanOrEqual(MAX_ROUND_TRIPS);
    // The fast path: the pressed prompt is found by its recorded key, not searched in the chat.
    expect(engineTrips.some((s) => s.includes('payload @>'))).toBe(false);
    expect(result.duplicate).toBe(false);

    // The summary loses its buttons and shows the choice; the employee is told who rates.
    const [edit] = await h.lastEdits('citra');
    expect(edit.replaceOutboxId).toBe(summaryId);
    expect(edit.buttons).toBeUndefined();
    expect(await h.lastText('citra')).toContain('Sari Atasan');
    // The edit is written before the reply (the order delivery keeps in a chat).
    expect(result.outboxIds[0]).toBe(edit.outboxId);

    const [after] = await h.query<{ status: string; version: number; submitted_at: Date | null; late: boolean }>(`select status, version, submitted_at, late from assessment where id = ?`, [id]);
    expect(after).toMatchObject({ status: 'submitted', version: before.version + 1, late: false });
    expect(after.submitted_at).not.toBeNull();
    // The employee's reminders end; the rater's begin, as the scheduler plans them (HR's holiday skipped).
    expect((await h.query<{ n: number }>(selfPending, [id]))[0].n).toBe(0);
    const planned = await expectSamePlanAsScheduler(id);
    expect(planned.length).toBeGreaterThan(0);
    expect(planned.every((r) => r.recipient_id === h.ids.sari && r.status === 'pending')).toBe(true);
    expect(planned.some((r) => r.local_date === '2027-01-19')).toBe(false);

    // The rater's prompt, with a button granted into their conversation that opens the review.
    const toSari = await h.lastMessages('sari');
    expect(toSari.map((m) => m.text).join('\n')).toContain('Citra Pegawai');
    const [sariState] = await h.query<{ inbox: Record<string, unknown> }>(`select state->'inbox' as inbox from conversation where platform = 'telegram' and platform_user_id = ?`, [PEOPLE.sari.tg]);
    expect(Object.keys(sariState.inbox)).toContain(toSari[0].buttons!.flat()[0].token);
    await h.press('sari', 'Tinjau');
    expect(await h.lastText('sari')).toContain('Citra Pegawai');

    // The audit entry is chained, and the chain holds.
    const audit = await h.query<{ action: string }>(`select action from audit_event where subject = ? order by id`, [`assessment:${id}`]);
    expect(audit.map((a) => a.action)).toContain('assessment.submitted');
    expect(await verifyAuditChain(txOf(h.db.orm.em))).toBeNull();

    // The conversation went idle and dropped the draft's slice.
    const [conv] = await h.query<{ flow: string; state: Record<string, unknown> }>(`select flow, state from conversation where platform = 'telegram' and platform_user_id = ?`, [PEOPLE.citra.tg]);
    expect(conv.flow).toBe('idle');
    expect(flows.parseState({ flow: conv.flow, step: 'idle', state: conv.state }).assess).toBeUndefined();
  });

  it('with an acting PLH the prompt and the review reminders go to the PLH, in their time zone, in the same round trips', async () => {
    await h.query(`update employee set timezone = 'Asia/Makassar' where id = ?`, [h.ids.plh]);
    await addActing(h.db.orm.em, { kind: 'plh', actingId: h.ids.plh, forId: h.ids.sari, startsOn: '2026-11-30', endsOn: '2026-12-31' });
    const id = h.assessmentOf.budi;
    await toSummary('budi');
    const { statements } = await trips.during(() => h.press('budi', 'Send'));
    const engineTrips = statements.filter((s) => !/^select (id, payload|max\(id\))/.test(s));
    expect(engineTrips.length, engineTrips.map((s) => s.replace(/\s+/g, ' ').slice(0, 100)).join('\n')).toBeLessThanOrEqual(MAX_ROUND_TRIPS);
    expect(await h.lastText('plh')).toContain('Budi Staff');
    const planned = await expectSamePlanAsScheduler(id);
    expect(planned.length).toBeGreaterThan(0);
    expect(new Set(planned.map((r) => r.recipient_id))).toEqual(new Set([h.ids.plh]));
    // 09:00 WITA is 01:00 UTC.
    expect(planned.every((r) => r.due_at.endsWith('T01:00'))).toBe(true);
  });

  it('a replayed event writes no second outbox row, reminder or audit entry (an answer, and the submit)', async () => {
    const counts = async () =>
      (await h.query<{ o: number; r: number; a: number }>(`select (select count(*)::int from outbox_message) as o, (select count(*)::int from reminder) as r, (select count(*)::int from audit_event) as a`))[0];
    await h.send('ani', '/penilaian');
    const answer = h.event('ani', 'text', '12,5');
    expect((await h.handle(answer)).duplicate).toBe(false);
    let was = await counts();
    expect(await h.handle(answer)).toEqual({ duplicate: true, outboxIds: [] });
    expect(await counts()).toEqual(was);

    await h.send('ani', 'Menyusun laporan layanan setiap bulan tepat waktu.');
    await h.send('ani', 'https://drive.example.go.id/laporan');
    for (let i = 0; i < 2; i++) {
      await h.send('ani', '95');
      await h.send('ani', 'Uraian pekerjaan yang cukup panjang untuk indikator ini.');
      await h.send('ani', 'https://drive.example.go.id/bukti');
    }
    const summary = (await h.lastMessages('ani')).find((m) => m.buttons?.length)!;
    const kirim = h.event('ani', 'action', summary.buttons!.flat().find((b) => b.label === 'Kirim')!.token);
    expect((await h.handle(kirim)).duplicate).toBe(false);
    was = await counts();
    expect(await h.handle(kirim)).toEqual({ duplicate: true, outboxIds: [] });
    expect(await counts()).toEqual(was);
  });

  it('two presses of "Kirim" at once submit once: one prompt to the rater, one plan of reminders', async () => {
    await toSummary('hr');
    const summary = (await h.lastMessages('hr')).find((m) => m.buttons?.length)!;
    const token = summary.buttons!.flat().find((b) => b.label === 'Kirim')!.token;
    const [a, b] = await Promise.all([h.engine.handle(h.event('hr', 'action', token)), h.engine.handle(h.event('hr', 'action', token))]);
    expect(a.duplicate || b.duplicate).toBe(false);
    const [row] = await h.query<{ status: string }>(`select status from assessment where id = ?`, [h.assessmentOf.hr]);
    expect(row.status).toBe('submitted');
    const prompts = await h.query<{ n: number }>(`select count(*)::int as n from outbox_message where chat_id = ? and payload->>'text' like '%Hana HR%'`, [PEOPLE.kepala.tg]);
    expect(prompts[0].n).toBe(1);
    const planned = await reviewRows(h.assessmentOf.hr);
    expect(new Set(planned.map((r) => r.kind)).size).toBe(planned.length);
    expect(await verifyAuditChain(txOf(h.db.orm.em))).toBeNull();
  });
  it("never waits for the audit chain: while another writer holds the chain's lock, a submit commits; its entry is sealed and chained after", async () => {
    await toSummary('plh');
    // A set-up command or a job appending chained entries holds the chain's lock.
    const holder = new pg.Client({ connectionString: h.db.url });
    await holder.connect();
    let released = false;
    try {
      await holder.query('begin');
      await holder.query('select pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
      const result = await h.press('plh', 'Kirim');
      expect(result.duplicate).toBe(false);
      expect(await h.lastText('kepala')).toContain('Putra PLH');
      // Committed with its entry sealed, waiting for its place; the walk checks its seal meanwhile.
      const [entry] = await h.query<{ pos: string | null; hash: string | null; seal: string | null }>(
        `select pos, hash, seal from audit_event where action = 'assessment.submitted' and subject = ? order by id desc limit 1`,
        [`assessment:${h.assessmentOf.plh}`],
      );
      expect(entry).toMatchObject({ pos: null, hash: null, seal: expect.stringMatching(/^[0-9a-f]{64}$/) });
      const waiting = await walkAuditChain(txOf(h.db.orm.em));
      expect(waiting.broken).toBeNull();
      expect(waiting.waiting).toBeGreaterThan(0);
      await holder.query('commit');
      released = true;
      await h.engine.auditChainer.drain();
      const [chained] = await h.query<{ pos: string | null; hash: string | null }>(`select pos, hash from audit_event where action = 'assessment.submitted' and subject = ? order by id desc limit 1`, [
        `assessment:${h.assessmentOf.plh}`,
      ]);
      expect(chained.pos).not.toBeNull();
      expect(chained.hash).toMatch(/^[0-9a-f]{64}$/);
      const walk = await walkAuditChain(txOf(h.db.orm.em));
      expect(walk).toMatchObject({ broken: null, waiting: 0 });
      expect(walk.verified).toBe((await h.query<{ n: number }>('select count(*)::int as n from audit_event'))[0].n);
    } finally {
      if (!released) await holder.query('rollback').catch(() => undefined);
      await holder.end();
    }
  });
});
