import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ManualClock } from '../../src/clock.js';
import { CURRENT_PREDICATE_MATRIX } from '../../src/domain/ratings.js';
import { createCycle, CycleSetupError, listCycles, openCycle, showCycle, type NewCycle } from '../../src/setup/cycles.js';
import { importEmployees } from '../../src/setup/employees.js';
import { readTable } from '../../src/setup/table-file.js';
import { TemplateError } from '../../src/setup/templates.js';
import { generateEmployees } from '../../scripts/gen-employees.js';

let db: TestDatabase;
const clock = new ManualClock(new Date('2027-01-04T02:00:00Z'));
const q1: NewCycle = {
  name: 'Triwulan I 2027',
  kind: 'triwulan',
  periodStart: '2027-01-01',
  periodEnd: '2027-03-31',
  selfDeadline: '2027-04-07',
  reviewDeadline: '2027-04-14',
};

const em = () => db.orm.em.fork();
async function importGenerated(count: number, variant = 0) {
  const gen = generateEmployees({ count, units: 4, variant });
  return importEmployees(em(), await readTable('pegawai.csv', Buffer.from(gen.csv)), { actor: 'hr' });
}

beforeAll(async () => {
  db = await createTestDatabase();
  await importGenerated(40);
});
afterAll(async () => {
  await db?.close();
});

describe('cycle create', () => {
  it('creates a draft cycle with the default template: three work indicators and the seven BerAKHLAK values', async () => {
    const { id, indicators } = await createCycle(em(), q1, { actor: 'hr', clock });
    expect(indicators).toBe(10);
    const cycle = await showCycle(em(), id);
    expect(cycle).toMatchObject({ status: 'draft', templateCode: 'default', matrixVersion: CURRENT_PREDICATE_MATRIX.version, periodStart: '2027-01-01', reviewDeadline: '2027-04-14' });
    expect(cycle.indicators.filter((i) => i.kind === 'hasil_kerja').map((i) => [i.nameId, i.nameEn])).toEqual([
      ['Kualitas pelayanan', 'Service quality'],
      ['Kecepatan respons', 'Response speed'],
      ['Inovasi', 'Innovation'],
    ]);
    expect(cycle.indicators[0]).toMatchObject({ unitOfMeasure: expect.any(String), target: 90 });
    expect(cycle.indicators.filter((i) => i.kind === 'perilaku').map((i) => i.code)).toEqual([
      'berorientasi_pelayanan', 'akuntabel', 'kompeten', 'harmonis', 'loyal', 'adaptif', 'kolaboratif',
    ]);
  });

  it('refuses bad dates and kinds with every reason, and creates nothing', async () => {
    const before = (await listCycles(em())).length;
    const err = await createCycle(em(), { ...q1, kind: 'mingguan', periodEnd: '2026-12-31', reviewDeadline: '2027-02-30' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CycleSetupError);
    expect((err as Error).message).toMatch(/--kind "mingguan" is not one of bulanan, triwulan, semester, tahunan/);
    expect((err as Error).message).toMatch(/period end 2026-12-31 is before period start 2027-01-01/);
    expect((err as Error).message).toMatch(/review deadline "2027-02-30" is not a real date/);
    expect((await listCycles(em())).length).toBe(before);
  });

  it('refuses an unknown template', async () => {
    await expect(createCycle(em(), { ...q1, template: 'nope' })).rejects.toThrow(TemplateError);
    await expect(createCycle(em(), { ...q1, template: '../package' })).rejects.toThrow(/may only hold letters/);
  });
});

describe('cycle open', () => {
  it('opens a draft cycle with one assessment per active employee; opening again creates nothing new', async () => {
    const { id } = await createCycle(em(), { ...q1, name: 'Open me' }, { clock });
    await em().getConnection().execute(`update employee set active = false where nip = (select min(nip) from employee)`);
    const first = await openCycle(em(), id, { clock });
    expect(first).toEqual({ created: 39, existing: 0, opened: true });
    const second = await openCycle(em(), id, { clock });
    expect(second).toEqual({ created: 0, existing: 39, opened: false });
    const shown = await showCycle(em(), id);
    expect(shown.status).toBe('open');
    expect(shown.openedAt?.toISOString()).toBe('2027-01-04T02:00:00.000Z');
    expect(shown.progress).toEqual({ draft: 39, submitted: 0, returned: 0, reviewed: 0, announced: 0 });
    const keys = await em().getConnection().execute<{ thread_key: string }[]>('select thread_key from assessment where cycle_id = ?', [id]);
    expect(new Set(keys.map((k) => k.thread_key)).size).toBe(39);
    expect(keys.every((k) => /^[A-Za-z0-9_-]{16}$/.test(k.thread_key))).toBe(true);

    // New hires imported after opening get their assessment when the cycle is opened again.
    await importGenerated(3, 7);
    expect(await openCycle(em(), id, { clock })).toEqual({ created: 3, existing: 39, opened: false });
  });

  it('refuses to reopen a closed cycle, with the domain reason', async () => {
    const { id } = await createCycle(em(), { ...q1, name: 'Closed' });
    await em().getConnection().execute(`update cycle set status = 'closed' where id = ?`, [id]);
    await expect(openCycle(em(), id)).rejects.toThrow(`cannot open cycle ${id}: a closed cycle cannot be reopened`);
    await expect(openCycle(em(), 999_999)).rejects.toThrow('there is no cycle 999999');
  });

  it('lists cycles with their assessment counts', async () => {
    const list = await listCycles(em());
    expect(list.find((c) => c.name === 'Open me')).toMatchObject({ status: 'open', assessments: 42 });
    expect(list.find((c) => c.name === 'Closed')).toMatchObject({ status: 'closed', assessments: 0 });
  });
});
