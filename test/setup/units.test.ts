import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EntityManager } from '@mikro-orm/postgresql';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ManualClock } from '../../src/clock.js';
import { closeCycle } from '../../src/jobs/cycle-close.js';
import { ImportRejectedError } from '../../src/setup/problems.js';
import { readTable } from '../../src/setup/table-file.js';
import { UnitSetupError, importUnitRatings, setUnitChannelByCode, setUnitRating } from '../../src/setup/units.js';
import { addAssessment, addCycle, addPerson, addUnit, sql } from '../support/seed.js';
import { testConfig } from '../jobs/helpers.js';

let db: TestDatabase;
const em = () => db.orm.em.fork() as EntityManager;
const csv = (name: string, lines: string[]) => readTable(name, Buffer.from(lines.join('\n')));
const hr = { actor: 'ani.bkd', clock: new ManualClock(new Date('2025-03-30T03:00:00Z')) };
let cycle: number;
let announced: number;
let dishub: number;

beforeAll(async () => {
  db = await createTestDatabase();
  dishub = await addUnit(em(), 'DISHUB');
  await addUnit(em(), 'DINKES');
  await addUnit(em(), 'BKD', { orgRating: 'istimewa' });
  cycle = await addCycle(em(), { selfDeadline: '2025-03-14', reviewDeadline: '2025-03-28', status: 'reviewing' });
  announced = await addCycle(em(), { selfDeadline: '2024-12-14', reviewDeadline: '2024-12-28', status: 'announced' });
});
afterAll(async () => {
  await db?.close();
});

const ratingOf = async (unit: string, c: number) =>
  (await sql<{ r: string | null }>(em(), `select org_rating_of(u.id, ?) as r from unit u where code = ?`, [c, unit]))[0]!.r;

describe('kinerja unit rating', () => {
  it('sets a unit\'s rating for one cycle (any spelling), says what it replaced, and audits it', async () => {
    expect(await setUnitRating(em(), { cycleId: cycle, unitCode: 'DISHUB', rating: 'Butuh Perbaikan' }, hr)).toEqual({ unit: 'DISHUB', rating: 'butuh_perbaikan', previous: null });
    expect(await setUnitRating(em(), { cycleId: cycle, unitCode: 'DISHUB', rating: 'baik' }, hr)).toEqual({ unit: 'DISHUB', rating: 'baik', previous: 'butuh_perbaikan' });
    expect(await ratingOf('DISHUB', cycle)).toBe('baik');
    expect(await ratingOf('DISHUB', announced)).toBeNull();
    // A unit with a standing rating keeps it for cycles without their own.
    expect(await ratingOf('BKD', cycle)).toBe('istimewa');
    const audit = await sql<{ actor: string; data: Record<string, unknown> }>(em(), `select actor, data from audit_event where action = 'unit.rating_set' order by id`);
    expect(audit.at(-1)).toEqual({ actor: 'ani.bkd', data: { cycle, unit: 'DISHUB', rating: 'baik', previous: 'butuh_perbaikan' } });
  });

  it.each([
    ['a rating not on the list', { rating: 'bagus' }, '--rating "bagus" is not one of istimewa, baik, butuh_perbaikan, kurang, sangat_kurang'],
    ['an unknown unit', { unitCode: 'NOPE' }, 'there is no unit with code "NOPE"'],
    ['an unknown cycle', { cycleId: 999 }, 'there is no cycle 999; see kinerja cycle list'],
  ])('refuses %s', async (_what, input, message) => {
    const err = await setUnitRating(em(), { cycleId: cycle, unitCode: 'DISHUB', rating: 'baik', ...input }, hr).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnitSetupError);
    expect((err as Error).message).toContain(message);
  });

  it('refuses to change the rating of an announced cycle', async () => {
    await expect(setUnitRating(em(), { cycleId: announced, unitCode: 'DISHUB', rating: 'baik' }, hr)).rejects.toThrow(`cycle ${announced} is already announced`);
    await expect(importUnitRatings(em(), await csv('c.csv', ['unit_kode,capaian', 'DISHUB,baik']), announced, hr)).rejects.toThrow('already announced');
  });

  it('imports many units all or nothing, every bad line listed', async () => {
    const err = await importUnitRatings(em(), await csv('capaian.csv', ['unit_kode,capaian', 'DINKES,istimewa', 'NOPE,baik', 'DINKES,kurang', 'BKD,luar biasa', ',']), cycle, hr).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImportRejectedError);
    expect((err as ImportRejectedError).problems.map((p) => `${p.line}: ${p.message}`)).toEqual([
      '3: no unit with code "NOPE"; unit codes come from the employee import',
      '4: unit DINKES is already on line 2; give each unit one rating',
      '5: capaian "luar biasa" is not one of istimewa, baik, butuh_perbaikan, kurang, sangat_kurang',
    ]);
    expect(await ratingOf('DINKES', cycle)).toBeNull();
    await expect(importUnitRatings(em(), await csv('d.csv', ['unit,capaian']), cycle, hr)).rejects.toThrow('unknown column "unit"');
    const ok = await importUnitRatings(em(), await csv('capaian.csv', ['unit_code,rating', 'DINKES,istimewa', 'DISHUB,Baik']), cycle, hr);
    expect(ok).toEqual({ file: 'capaian.csv', rows: 2, changed: 1 });
    expect(await ratingOf('DINKES', cycle)).toBe('istimewa');
    const [audit] = await sql<{ data: Record<string, unknown> }>(em(), `select data from audit_event where action = 'unit.ratings_imported'`);
    expect(audit!.data).toMatchObject({ cycle, rows: 2, changed: 1 });
  });

  it('the curve check at close reads the cycle\'s rating: all Baik breaks a Baik unit\'s curve', async () => {
    const boss = await addPerson(em(), { name: 'Budi Atasan', unitId: dishub });
    for (let i = 0; i < 3; i++) {
      const id = await addPerson(em(), { name: `Staf ${i}`, unitId: dishub, supervisorId: boss });
      const a = await addAssessment(em(), cycle, id, { status: 'reviewed' });
      await sql(em(), `update assessment set predicate = 'baik' where id = ?`, [a]);
    }
    const r = await closeCycle(em(), cycle, { clock: hr.clock, config: testConfig(), actor: 'ani.bkd' });
    expect(r.violations).toEqual([{ unitId: dishub, ruleIds: expect.arrayContaining([expect.any(String)]) }]);
    const [audit] = await sql<{ actor: string; data: Record<string, unknown> }>(em(), `select actor, data from audit_event where action = 'cycle.closed'`);
    expect(audit).toMatchObject({ actor: 'ani.bkd', data: { violations: [{ unitId: dishub }] } });
  });
});

describe('kinerja unit channel', () => {
  it('registers a Telegram group and a Slack channel per platform, audited; a second one replaces the first', async () => {
    expect(await setUnitChannelByCode(em(), { unitCode: 'DISHUB', platform: 'telegram', chatId: '-100777' }, hr)).toEqual({ unit: 'DISHUB', previous: null });
    expect(await setUnitChannelByCode(em(), { unitCode: 'DISHUB', platform: 'slack', chatId: 'C0123ABCD' }, hr)).toEqual({ unit: 'DISHUB', previous: null });
    expect(await setUnitChannelByCode(em(), { unitCode: 'DISHUB', platform: 'telegram', chatId: '-100888' }, hr)).toEqual({ unit: 'DISHUB', previous: '-100777' });
    const [u] = await sql<{ announce_channels: Record<string, string> }>(em(), `select announce_channels from unit where code = 'DISHUB'`);
    expect(u!.announce_channels).toEqual({ telegram: '-100888', slack: 'C0123ABCD' });
    const audit = await sql<{ data: Record<string, unknown> }>(em(), `select data from audit_event where action = 'unit.channel_registered' order by id`);
    expect(audit.map((a) => a.data)).toEqual([
      { unit: 'DISHUB', platform: 'telegram', chatId: '-100777', previous: null, via: 'cli' },
      { unit: 'DISHUB', platform: 'slack', chatId: 'C0123ABCD', previous: null, via: 'cli' },
      { unit: 'DISHUB', platform: 'telegram', chatId: '-100888', previous: '-100777', via: 'cli' },
    ]);
  });

  it.each([
    ['a Telegram user id (not a group)', { platform: 'telegram', chatId: '12345' }, '--telegram "12345" is not a group chat id'],
    ['a Slack DM id', { platform: 'slack', chatId: 'D0123ABCD' }, '--slack "D0123ABCD" is not a channel id'],
    ['an unknown unit', { unitCode: 'NOPE' }, 'there is no unit with code "NOPE"'],
  ])('refuses %s', async (_what, input, message) => {
    const err = await setUnitChannelByCode(em(), { unitCode: 'DINKES', platform: 'telegram', chatId: '-100999', ...input }, hr).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnitSetupError);
    expect((err as Error).message).toContain(message);
    const [u] = await sql<{ announce_channels: Record<string, string> }>(em(), `select announce_channels from unit where code = 'DINKES'`);
    expect(u!.announce_channels).toEqual({});
  });
});
