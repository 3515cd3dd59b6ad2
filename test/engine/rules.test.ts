/**
 * Defects fixed by stating each rule once (issue 9): the late flag is decided on the employee's own date,
 * overlapping PLT/PLH assignments send the review prompt and the review reminders to the same person, and
 * a coaching plan that is too long is called too long.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeCycle } from '../../src/jobs/cycle-close.js';
import { testConfig } from '../jobs/helpers.js';
import { createEngineHarness, type EngineHarness, type Person } from '../support/engine.js';
import { completeSelfAssessment } from '../support/engine-flows.js';

describe('the late flag: the self deadline (5 January 2027) is a date in the employee\'s own zone', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
    await h.query(`update employee set timezone = 'Asia/Jayapura' where id in (?, ?)`, [h.ids.budi, h.ids.hr]);
  });
  afterAll(async () => {
    await h?.close();
  });

  async function submittedLate(who: Person): Promise<{ late: boolean; auditLate: unknown }> {
    const [a] = await h.query<{ late: boolean }>(`select late from assessment where id = ?`, [h.assessmentOf[who]]);
    const [audit] = await h.query<{ data: { late?: unknown } }>(`select data from audit_event where action = 'assessment.submitted' and subject = ?`, [`assessment:${h.assessmentOf[who]}`]);
    return { late: a.late, auditLate: audit?.data.late };
  }

  it('a submission at 00:30 WIB the day after the deadline is late, in the assessment and in the audit entry', async () => {
    h.clock.set(new Date('2027-01-05T17:30:00Z')); // 6 January 00:30 WIB; in UTC still 5 January
    await completeSelfAssessment(h, 'ani');
    expect(await submittedLate('ani')).toEqual({ late: true, auditLate: true });
  });

  it('a WIT employee submitting at 23:30 WIT on the deadline day is on time', async () => {
    h.clock.set(new Date('2027-01-05T14:30:00Z')); // 5 January 23:30 WIT
    await completeSelfAssessment(h, 'budi');
    expect(await submittedLate('budi')).toEqual({ late: false, auditLate: false });
  });

  it('a WIT employee submitting at 08:30 WIT the day after is late (UTC still shows the deadline day)', async () => {
    h.clock.set(new Date('2027-01-05T23:30:00Z')); // 6 January 08:30 WIT
    await completeSelfAssessment(h, 'hr');
    expect(await submittedLate('hr')).toEqual({ late: true, auditLate: true });
  });

  it('closing the cycle (the set-based SQL) flags exactly the same submissions', async () => {
    h.clock.set(new Date('2027-01-25T03:00:00Z'));
    const em = h.db.orm.em.fork() as EntityManager;
    const result = await closeCycle(em, h.cycleId, { clock: h.clock, config: testConfig() });
    expect(result.lateFlagged).toBe(0); // nothing the engine left on time is late by the SQL rule
    const rows = await h.query<{ id: number; late: boolean }>(`select id, late from assessment where submitted_at is not null order by id`);
    expect(Object.fromEntries(rows.map((r) => [r.id, r.late]))).toEqual({ [h.assessmentOf.ani]: true, [h.assessmentOf.budi]: false, [h.assessmentOf.hr]: true });
  });
});

describe('acting officials and text bounds', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('a coaching plan of 2,001 characters is refused as too long; the plan step is kept and a right-sized plan goes on', async () => {
    await completeSelfAssessment(h, 'budi', [40, 48]);
    await h.press('sari', 0);
    await h.press('sari', 'Di bawah');
    await h.press('sari', 'Di bawah');
    await h.press('sari', '(saran)');
    await h.press('sari', 'Sesuai');
    await h.press('sari', 'Lewati');
    await h.send('sari', 'Kecepatan respons perlu ditingkatkan secara nyata.');
    await h.press('sari', 'Simpan penilaian');
    expect(await h.lastText('sari')).toContain('Tulis rencana pembinaan');

    await h.send('sari', 'x'.repeat(2001));
    const refused = await h.lastText('sari');
    expect(refused).toContain('Teks terlalu panjang (2001 karakter). Persingkat menjadi paling banyak 2000 karakter.');
    expect(refused).not.toContain('terlalu pendek');
    expect(refused).toContain('Tulis rencana pembinaan'); // asked again
    const [fu] = await h.query<{ plan: string | null }>(`select plan from follow_up where assessment_id = ?`, [h.assessmentOf.budi]);
    expect(fu.plan).toBeNull();

    await h.send('sari', 'x'.repeat(2000));
    expect(await h.lastText('sari')).toContain('15 Desember 2026'); // on to the first check-in date
    await h.press('sari', 0);
    const [saved] = await h.query<{ plan: string }>(`select plan from follow_up where assessment_id = ?`, [h.assessmentOf.budi]);
    expect([...saved.plan]).toHaveLength(2000);
  });

  it('with overlapping PLT and PLH for the supervisor, the review prompt, the pending list and the reminders reach the same person', async () => {
    // Entered first: Kepala as PLT for November and December; then Putra as PLH for 30 November-2 December.
    // The later-starting assignment wins on 1 December, whichever was entered first.
    await h.query(`insert into acting_assignment (kind, acting_employee_id, for_employee_id, starts_on, ends_on) values ('plt', ?, ?, '2026-11-01', '2026-12-31')`, [h.ids.kepala, h.ids.sari]);
    await h.query(`insert into acting_assignment (kind, acting_employee_id, for_employee_id, starts_on, ends_on) values ('plh', ?, ?, '2026-11-30', '2026-12-02')`, [h.ids.plh, h.ids.sari]);
    h.clock.set(new Date('2026-12-01T03:00:00Z'));
    await completeSelfAssessment(h, 'citra');
    expect(await h.lastMessages('kepala')).toEqual([]);
    expect(await h.lastMessages('sari')).toEqual([]);
    expect(await h.lastText('plh')).toContain('Citra Pegawai');

    const reminders = await h.query<{ recipient_id: number }>(`select recipient_id from reminder where assessment_id = ? and kind like 'review:%' and status = 'pending'`, [h.assessmentOf.citra]);
    expect(reminders.length).toBeGreaterThan(0);
    expect(new Set(reminders.map((r) => r.recipient_id))).toEqual(new Set([h.ids.plh]));

    await h.send('plh', '/tinjau');
    expect(await h.lastText('plh')).toContain('Citra Pegawai');
    await h.send('kepala', '/tinjau');
    expect(await h.lastText('kepala')).not.toContain('Citra Pegawai');
  });
});
