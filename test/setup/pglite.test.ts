import { afterAll, beforeAll, expect, it } from 'vitest';
import { createPgliteDatabase, type TestDatabase } from '../support/db.js';
import { createCycle, openCycle } from '../../src/setup/cycles.js';
import { importEmployees } from '../../src/setup/employees.js';
import { ImportRejectedError } from '../../src/setup/problems.js';
import { readTable } from '../../src/setup/table-file.js';
import { verifyAuditChain } from '../../src/db/audit.js';
import { txOf } from '../../src/db/sql.js';
import { generateEmployees } from '../../scripts/gen-employees.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createPgliteDatabase();
}, 120_000);
afterAll(async () => {
  await db?.close();
});

it('on the embedded PGlite: migrate, refuse a bad file, import a small CSV, open a cycle', async () => {
  const bad = generateEmployees({ count: 60, units: 3, badRows: 2 });
  const err = await importEmployees(db.orm.em.fork(), await readTable('bad.csv', Buffer.from(bad.csv)), { actor: 'hr' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ImportRejectedError);
  expect([...new Set((err as ImportRejectedError).problems.map((p) => p.line))]).toEqual(bad.bad.map((b) => b.line));

  const good = generateEmployees({ count: 60, units: 3 });
  const result = await importEmployees(db.orm.em.fork(), await readTable('pegawai.csv', Buffer.from(good.csv)), { actor: 'hr' });
  expect(result).toMatchObject({ created: 60, unitsCreated: 3 });
  const { id } = await createCycle(db.orm.em.fork(), { name: 'Bulanan Jan 2027', kind: 'bulanan', periodStart: '2027-01-01', periodEnd: '2027-01-31', selfDeadline: '2027-02-05', reviewDeadline: '2027-02-12' });
  expect(await openCycle(db.orm.em.fork(), id)).toMatchObject({ created: 60, existing: 0 });
  expect(await verifyAuditChain(txOf(db.orm.em.fork()))).toBeNull();
});
