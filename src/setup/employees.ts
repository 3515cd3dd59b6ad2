/**
 * Employee import: loads an HR file into units and employees in one transaction, upserting by NIP. The
 * whole file is validated first (src/setup/employee-rows.ts); rows are then written in batched multi-row
 * INSERT ... ON CONFLICT statements, because one ORM entity per row is far too slow for a 10,000-person OPD.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { systemClock, type Clock } from '../clock.js';
import { appendAudit } from '../db/audit.js';
import { validateEmployeeFile, type EmployeeRecord, type OrganisationSnapshot } from './employee-rows.js';
import { ImportRejectedError } from './problems.js';
import { asJson, chunks, txOf } from '../db/sql.js';
import { readTableFile, type ReadTableOptions, type Table } from './table-file.js';

/** How an import runs. */
export interface ImportEmployeesOptions {
  /** Who is importing, for the audit log (CLI: --actor, default the OS user). */
  readonly actor: string;
  /** Mark active employees who are not in the file inactive (a full re-import). */
  readonly deactivateMissing?: boolean;
  /** Validate and count, write nothing. */
  readonly dryRun?: boolean;
  /** Zone for rows without one (config DEFAULT_TIMEZONE). */
  readonly defaultTimezone?: string;
  /** Called after each written batch; the CLI draws a progress bar with it. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Rows per INSERT statement. */
  readonly batchSize?: number;
  /** Encoding and size limits for reading the file (importEmployeesFile only). */
  readonly read?: ReadTableOptions;
  readonly clock?: Clock;
}

/** What an import did (or, in a dry run, would do). */
export interface EmployeeImportResult {
  readonly file: string;
  readonly rows: number;
  readonly created: number;
  readonly updated: number;
  readonly deactivated: number;
  readonly unitsCreated: number;
  readonly unitsUpdated: number;
  readonly dryRun: boolean;
}

const LOCK_KEY = 748_211_002;

/** Reads `path` (CSV or XLSX) and imports it; see {@link importEmployees}. */
export async function importEmployeesFile(em: EntityManager, path: string, opts: ImportEmployeesOptions): Promise<EmployeeImportResult> {
  return importEmployees(em, await readTableFile(path, opts.read), opts);
}

/**
 * Validates the whole table, then writes it in one transaction: all rows or none.
 * @throws ImportRejectedError listing every bad line; nothing is written
 */
export async function importEmployees(em: EntityManager, table: Table, opts: ImportEmployeesOptions): Promise<EmployeeImportResult> {
  return em.transactional(async (tx) => {
    // One import at a time: two concurrent files would each validate against a snapshot the other changes.
    await txOf(tx).query('select pg_advisory_xact_lock($1)', [LOCK_KEY]);
    const snapshot = await loadSnapshot(tx);
    const checked = await validateEmployeeFile(table, snapshot, { deactivateMissing: opts.deactivateMissing, defaultTimezone: opts.defaultTimezone });
    if (!checked.ok) throw new ImportRejectedError(table.file, checked.problems.items);
    const { employees, units } = checked.file;

    // Only a full re-import needs the set of everyone in the file.
    const inFile = opts.deactivateMissing ? new Set(employees.map((e) => e.nip)) : new Set<string>();
    const created = employees.filter((e) => !snapshot.employees.has(e.nip)).length;
    let toDeactivate = 0;
    if (opts.deactivateMissing) for (const [nip, e] of snapshot.employees) if (e.active && !inFile.has(nip)) toDeactivate += 1;
    const unitsCreated = units.filter((u) => !snapshot.units.has(u.code)).length;
    const unitsUpdated = units.filter((u) => {
      const old = snapshot.units.get(u.code);
      return old !== undefined && ((u.name !== '' && u.name !== old.name) || (u.parentCode !== null && u.parentCode !== old.parentCode));
    }).length;
    const result: EmployeeImportResult = {
      file: table.file,
      rows: employees.length,
      created,
      updated: employees.length - created,
      deactivated: toDeactivate,
      unitsCreated,
      unitsUpdated,
      dryRun: opts.dryRun ?? false,
    };
    if (opts.dryRun) return result;

    await writeUnits(tx, units);
    const batchSize = opts.batchSize ?? 1000;
    const total = employees.length;
    let done = 0;
    opts.onProgress?.(0, total);
    // Two passes: supervisors may appear later in the file than the people who report to them.
    for (const batch of chunks(employees, batchSize)) {
      await upsertEmployees(tx, batch);
      done += batch.length;
      opts.onProgress?.(Math.round(done / 2), total);
    }
    for (const batch of chunks(employees, batchSize)) {
      await linkSupervisors(tx, batch);
      done += batch.length;
      opts.onProgress?.(Math.round(done / 2), total);
    }
    if (opts.deactivateMissing) {
      await txOf(tx).query(
        `update employee set active = false, updated_at = now()
          where active and nip not in (select jsonb_array_elements_text($1::jsonb))`,
        [JSON.stringify([...inFile])],
      );
    }
    await appendAudit(
      txOf(tx),
      {
        actor: opts.actor,
        action: 'employees.imported',
        subject: table.file,
        data: { ...result, dryRun: undefined, sha256: table.digest() },
      },
      (opts.clock ?? systemClock).now(),
    );
    return result;
  });
}

async function loadSnapshot(em: EntityManager): Promise<OrganisationSnapshot> {
  const people = await txOf(em).query<{ nip: string; supervisor_nip: string | null; active: boolean }>(
    'select e.nip, s.nip as supervisor_nip, e.active from employee e left join employee s on s.id = e.supervisor_id',
  );
  const units = await txOf(em).query<{ code: string; name: string; parent_code: string | null }>(
    'select u.code, u.name, p.code as parent_code from unit u left join unit p on p.id = u.parent_id',
  );
  return {
    employees: new Map(people.map((p) => [p.nip, { supervisorNip: p.supervisor_nip, active: p.active }])),
    units: new Map(units.map((u) => [u.code, { name: u.name, parentCode: u.parent_code }])),
  };
}

async function writeUnits(em: EntityManager, units: readonly { code: string; name: string; parentCode: string | null }[]): Promise<void> {
  if (units.length === 0) return;
  // An empty name means the file only referred to an existing unit: keep its name.
  await txOf(em).query(
    `insert into unit (code, name)
     select x.code, x.name from jsonb_to_recordset($1::jsonb) as x(code text, name text)
     on conflict (code) do update set name = excluded.name, updated_at = now()
       where excluded.name <> '' and unit.name is distinct from excluded.name`,
    [asJson(units.map((u) => ({ code: u.code, name: u.name })))],
  );
  const withParent = units.filter((u) => u.parentCode !== null);
  if (withParent.length === 0) return;
  await txOf(em).query(
    `update unit u set parent_id = p.id, updated_at = now()
       from jsonb_to_recordset($1::jsonb) as x(code text, parent_code text)
       join unit p on p.code = x.parent_code
      where u.code = x.code and u.parent_id is distinct from p.id`,
    [asJson(withParent.map((u) => ({ code: u.code, parent_code: u.parentCode })))],
  );
}

async function upsertEmployees(em: EntityManager, batch: readonly EmployeeRecord[]): Promise<void> {
  const rows = batch.map((e) => ({
    nip: e.nip,
    name: e.name,
    email: e.email,
    position: e.position,
    position_kind: e.positionKind,
    unit_code: e.unitCode,
    roles: e.roles,
    timezone: e.timezone,
    locale: e.locale,
  }));
  await txOf(em).query(
    `insert into employee (nip, name, email, position, position_kind, unit_id, roles, timezone, locale, active)
     select x.nip, x.name, x.email, x.position, x.position_kind, u.id,
            array(select jsonb_array_elements_text(x.roles)), x.timezone, x.locale, true
       from jsonb_to_recordset($1::jsonb) as x(nip text, name text, email text, position text, position_kind text,
                                              unit_code text, roles jsonb, timezone text, locale text)
       join unit u on u.code = x.unit_code
     on conflict (nip) do update set
       name = excluded.name, email = excluded.email, position = excluded.position,
       position_kind = excluded.position_kind, unit_id = excluded.unit_id, roles = excluded.roles,
       timezone = excluded.timezone, locale = excluded.locale, active = true, updated_at = now()`,
    [asJson(rows)],
  );
}

async function linkSupervisors(em: EntityManager, batch: readonly EmployeeRecord[]): Promise<void> {
  await txOf(em).query(
    `update employee e set supervisor_id = s.id, updated_at = now()
       from jsonb_to_recordset($1::jsonb) as x(nip text, supervisor_nip text)
       left join employee s on s.nip = x.supervisor_nip
      where e.nip = x.nip and e.supervisor_id is distinct from s.id`,
    [asJson(batch.map((e) => ({ nip: e.nip, supervisor_nip: e.supervisorNip })))],
  );
}
