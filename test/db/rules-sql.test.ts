/**
 * The SQL twins of domain rules, created by migration Migration20261202050725_rules, give the domain's
 * answers on the same cases (src/domain/fixtures/rule-cases.ts), on the PostgreSQL server and on PGlite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actingRaterFor } from '../../src/domain/index.js';
import { ACTING_CASES, ACTING_PEOPLE, LATE_CASES } from '../../src/domain/fixtures/rule-cases.js';
import { createPgliteDatabase, createTestDatabase, type TestDatabase } from '../support/db.js';

describe.each([
  ['PostgreSQL server', () => createTestDatabase()],
  ['PGlite (embedded)', () => createPgliteDatabase()],
])('rule twins on %s', (_label, create) => {
  let db: TestDatabase;
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => db.orm.em.getConnection().execute<T[]>(sql, params);

  beforeAll(async () => {
    db = await create();
    await q(`insert into unit (id, code, name) values (1, 'U', 'Unit')`);
    for (const [name, id] of Object.entries(ACTING_PEOPLE)) {
      await q(`insert into employee (id, nip, name, position_kind, unit_id) values (?, ?, ?, 'pelaksana', 1)`, [id, `19900101201503000${id}`, name]);
    }
  }, 120_000); // PGlite starts slowly on a busy machine
  afterAll(async () => {
    await db?.close();
  });

  it.each(LATE_CASES)('is_late: %s', async (_what, at, deadline, zone, late) => {
    const [r] = await q<{ late: boolean }>(`select is_late(?::timestamptz, ?::date, ?) as late`, [at, deadline, zone]);
    expect(r.late).toBe(late);
  });

  it.each(ACTING_CASES.map((c) => [c.what, c] as const))('rater_of and actingRaterFor agree: %s', async (_what, c) => {
    const { E, S } = ACTING_PEOPLE;
    await q(`delete from acting_assignment`);
    const inactive = [...c.inactive, ...(c.supervisorActive ? [] : [S])].join(',');
    await q(`update employee set active = not (id = any(string_to_array(?, ',')::int[])), timezone = ?`, [inactive, c.timezone]);
    await q(`update employee set supervisor_id = ? where id = ?`, [c.hasSupervisor ? S : null, E]);
    for (const a of c.assignments) {
      await q(`insert into acting_assignment (id, kind, acting_employee_id, for_employee_id, starts_on, ends_on) values (?, ?, ?, ?, ?, ?)`, [
        a.id, a.kind, a.actingEmployeeId, a.forEmployeeId, a.startsOn, a.endsOn,
      ]);
    }
    const rows = await q<{ rater_id: number; acting_kind: string | null }>(`select rater_id, acting_kind from rater_of(?, ?::timestamptz)`, [E, c.at]);
    const sql = rows[0] ? { raterId: rows[0].rater_id, actingKind: rows[0].acting_kind } : null;
    expect(rows.length).toBeLessThanOrEqual(1);
    expect(sql).toEqual(c.expected);
    const twin = actingRaterFor(
      { id: E, supervisorId: c.hasSupervisor ? S : null, supervisorActive: c.supervisorActive, timezone: c.timezone },
      c.assignments.map((a) => ({ ...a, actingEmployeeActive: !c.inactive.includes(a.actingEmployeeId) })),
      new Date(c.at),
    );
    expect(twin).toEqual(sql);
  });

  it('both functions are inlined into the calling query (no per-row function call)', async () => {
    const plan = await q<Record<string, string>>(
      `explain select r.id from employee e cross join lateral rater_of(e.id, now()) ro join employee r on r.id = ro.rater_id
        where is_late(e.created_at, current_date, e.timezone)`,
    );
    const text = plan.map((p) => Object.values(p)[0]).join('\n');
    expect(text).not.toMatch(/Function Scan/);
    expect(text).not.toMatch(/is_late/);
  });
});
