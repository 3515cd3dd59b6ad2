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
});
