/**
 * A request for feedback left unanswered (issue 12 item 2): FEEDBACK_REQUEST_DAYS (5) working days after
 * `/mintaumpanbalik`, the rater gets ONE reminder, inside working hours, in their one message of the day; the
 * rater answers after it (the request is answered, nothing more is sent); a request answered in time is never
 * reminded. Through the engine and the reminder sweep on real PostgreSQL, in both languages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { ManualClock } from '../../src/clock.js';
import { sweepDueReminders } from '../../src/jobs/reminder-sweep.js';
import { testConfig } from '../jobs/helpers.js';
import { createEngineHarness, PEOPLE, type EngineHarness } from '../support/engine.js';

let h: EngineHarness;
const config = testConfig();
beforeAll(async () => {
  h = await createEngineHarness();
});
afterAll(async () => {
  await h?.close();
});

const sweep = (at: string) => sweepDueReminders(h.db.orm.em.fork() as EntityManager, { clock: new ManualClock(new Date(at)), config });
const latest = async (who: string) => (await h.allMessages(who)).at(-1);
const requestReminders = () => h.query<{ recipient_id: number; status: string; due_at: Date }>(`select recipient_id, status, due_at from reminder where kind = 'fbreq' order by id`);

describe('an unanswered request for feedback', () => {
  it('is reminded once, 5 working days later at 09:00, and answered after its reminder', async () => {
    // Tuesday 1 December 2026, 10:00 WIB.
    await h.send('ani', '/mintaumpanbalik laporan PPDB bulan ini');
    const [planned] = await requestReminders();
    expect(planned).toMatchObject({ recipient_id: h.ids.sari, status: 'pending' });
    // Five working days on: Tuesday 8 December, 09:00 WIB.
    expect(new Date(planned!.due_at).toISOString()).toBe('2026-12-08T02:00:00.000Z');

    expect((await sweep('2026-12-07T08:00:00Z')).outboxIds).toHaveLength(0);
    const r = await sweep('2026-12-08T02:00:00Z');
    expect(r.outboxIds).toHaveLength(1);
    const reminder = await latest('sari');
    expect(reminder!.text).toContain('Pengingat: Ani Pegawai meminta umpan balik dari Anda pada 1 Desember 2026 tentang "laporan PPDB bulan ini" dan belum mendapat jawaban.');
    expect(reminder!.text).toContain(`/umpanbalik ${PEOPLE.ani.nip}`);

    // The supervisor answers after the reminder, with the command it names.
    h.clock.set(new Date('2026-12-08T03:00:00Z'));
    await h.send('sari', `/umpanbalik ${PEOPLE.ani.nip}`);
    expect(await h.lastText('sari')).toContain('Umpan balik untuk Ani Pegawai: apa jenisnya?');
    await h.press('sari', 'Saran perbaikan');
    await h.press('sari', 'Tanpa kaitan');
    await h.send('sari', 'Lampirkan rekap per sekolah di laporan PPDB berikutnya.');
    expect(await h.lastText('ani')).toContain('Saran perbaikan dari atasan Anda, Sari Atasan:');
    const [req] = await h.query<{ answered: boolean }>(`select answered_at is not null as answered from feedback_request where employee_id = ?`, [h.ids.ani]);
    expect(req!.answered).toBe(true);

    // One reminder only: nothing more about it, ever.
    const before = (await h.allMessages('sari')).length;
    await sweep('2026-12-15T02:00:00Z');
    expect((await h.allMessages('sari')).length).toBe(before);
    expect((await requestReminders()).map((x) => x.status)).toEqual(['sent']);
  });

  it('answered in time, it is never reminded; in English for an English-speaking rater', async () => {
    h.clock.set(new Date('2026-12-09T03:00:00Z'));
    await h.query(`update employee set locale = 'en' where id = ?`, [h.ids.sari]);
    await h.send('budi', '/requestfeedback');
    await h.send('citra', '/mintaumpanbalik');
    // Sari answers Citra the next day; Budi waits.
    h.clock.set(new Date('2026-12-10T03:00:00Z'));
    await h.send('sari', '/feedback Citra');
    await h.press('sari', 'Appreciation');
    await h.press('sari', 'No link');
    await h.send('sari', 'Thank you for the clear weekly health report.');
    expect((await requestReminders()).map((x) => x.status)).toEqual(['sent', 'pending', 'cancelled']);

    // Wednesday 16 December, 09:00 WIB: Budi's request is 5 working days old.
    await sweep('2026-12-16T02:00:00Z');
    const reminder = await latest('sari');
    expect(reminder!.text).toContain('Reminder: Budi Staff asked you for feedback on 9 December 2026 and has had no answer yet.');
    expect(reminder!.text).toContain(`/umpanbalik ${PEOPLE.budi.nip}`);
    expect(reminder!.text).not.toContain('Citra');
    await h.query(`update employee set locale = 'id' where id = ?`, [h.ids.sari]);
  });
});
