/**
 * The pictures and the HR page count with one grouped query (unit-counts.ts); the monitoring export counts
 * row by row. Both apply the same rules, so their per-unit numbers must be equal, before and after the
 * deadline and with an objection decision that changes a predikat.
 */
import { PassThrough } from 'node:stream';
import type { EntityManager } from '@mikro-orm/postgresql';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPLETION_STATES } from '../../src/domain/completion.js';
import { translator } from '../../src/i18n/index.js';
import { CsvReportWriter, exportMonitoring, resolveScope } from '../../src/reports/index.js';
import { unitCounts } from '../../src/reports/unit-counts.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { seedExportCycle, type ExportSeed } from '../reports/seed.js';

let db: TestDatabase;
let seed: ExportSeed;
const em = () => db.orm.em.fork() as EntityManager;
const t = translator('en');

beforeAll(async () => {
  db = await createTestDatabase();
  seed = await seedExportCycle(em());
}, 60_000);
afterAll(async () => {
  await db?.close();
});

async function exportedUnits(now: Date): Promise<Record<string, string>[]> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await exportMonitoring(em(), { cycleId: seed.cycleId, t, lang: 'en', now, by: 'unit' }, new CsvReportWriter(out));
  return parse(Buffer.concat(chunks).toString('utf8'), { bom: true, columns: true }) as Record<string, string>[];
}

describe('per-unit counts', () => {
  it.each([
    ['before the deadline', new Date('2026-12-01T03:00:00Z')],
    ['after the deadline (late)', new Date('2027-01-09T03:00:00Z')],
  ])('equal the monitoring export %s', async (_label, now) => {
    const scope = await resolveScope(em(), seed.cycleId);
    const counted = await unitCounts(em(), scope, now);
    const exported = await exportedUnits(now);
    expect(counted.map((u) => u.code)).toEqual(exported.map((r) => r[t('export.col.unit_code')]));
    for (const [i, u] of counted.entries()) {
      const row = exported[i]!;
      expect(String(u.total)).toBe(row[t('export.col.total')]);
      for (const s of COMPLETION_STATES) expect(`${u.code} ${s} ${u.states[s]}`).toBe(`${u.code} ${s} ${row[t(`export.state.${s}`)]}`);
    }
    if (now.getUTCFullYear() === 2027) expect(counted.find((u) => u.code === 'BKD-UMP')!.states.late).toBe(2);
  });

  it('count the predikat that stands: an objection decision replaces the reviewed one', async () => {
    const conn = em().getConnection();
    await conn.execute(`update objection set decided_at = now(), status = 'decided', decision = 'changed', new_predicate = 'sangat_baik'`);
    const counted = await unitCounts(em(), await resolveScope(em(), seed.cycleId), new Date('2026-12-01T03:00:00Z'));
    const ump = counted.find((u) => u.code === 'BKD-UMP')!;
    expect(ump.predicates).toMatchObject({ sangat_baik: 1, baik: 0, butuh_perbaikan: 1 });
  });

  // "Anything answered" is a column kept by a trigger on `answer` (migration assessment_answered): the first
  // answer, written the way the engine's hot path writes it (an upsert in a data-modifying WITH), turns
  // "not started" into "draft"; a second upsert of the same item changes nothing.
  it('count someone as draft from their first answer on, as the export does', async () => {
    const now = new Date('2026-12-01T03:00:00Z');
    const conn = em().getConnection();
    const [budi] = await conn.execute<{ id: number; indicator: number }[]>(
      `select a.id, (select i.id from indicator i where i.cycle_id = a.cycle_id and i.kind = 'hasil_kerja' order by i.position, i.id limit 1) as indicator
         from assessment a join employee e on e.id = a.employee_id where e.nip = ? and a.cycle_id = ?`,
      [seed.nip.budi, seed.cycleId],
    );
    const before = (await unitCounts(em(), await resolveScope(em(), seed.cycleId), now)).find((u) => u.code === 'BKD-UMP')!;
    const upsert = (realisasi: number) =>
      conn.execute(
        `with c as (select 1), w as (insert into answer (assessment_id, item_key, indicator_id, realisasi, updated_at) select ?, ?, ?, ?, now() where exists (select 1 from c)
                    on conflict (assessment_id, item_key) do update set realisasi = excluded.realisasi, updated_at = excluded.updated_at)
         select 1`,
        [budi!.id, `ind:${budi!.indicator}`, budi!.indicator, realisasi],
      );
    await upsert(10);
    await upsert(20);
    const after = (await unitCounts(em(), await resolveScope(em(), seed.cycleId), now)).find((u) => u.code === 'BKD-UMP')!;
    expect(after.states.not_started).toBe(before.states.not_started - 1);
    expect(after.states.draft).toBe(before.states.draft + 1);
    const exported = (await exportedUnits(now)).find((r) => r[t('export.col.unit_code')] === 'BKD-UMP')!;
    for (const s of COMPLETION_STATES) expect(`${s} ${after.states[s]}`).toBe(`${s} ${exported[t(`export.state.${s}`)]}`);
  });
});
