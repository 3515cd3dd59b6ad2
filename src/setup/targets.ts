/**
 * Targets import: each employee's planned work results (RHK utama/tambahan) with their indicator (IKI),
 * target and unit of measure, for one cycle. Same contract as the employee import: the whole file is
 * checked first and written in one transaction, or nothing is written.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { systemClock, type Clock } from '../clock.js';
import { validateNip } from '../domain/nip.js';
import { RHK_KINDS, type CYCLE_STATUSES } from '../db/entities/cycle.js';
import { appendAudit } from '../db/audit.js';
import { parseDecimal } from './cell-values.js';
import { checkValueCount, mapColumns, type ColumnSpec } from './columns.js';
import { CycleSetupError } from './cycles.js';
import { ImportRejectedError, ProblemList, type ImportProblemCode } from './problems.js';
import { asJson, chunks, txOf } from '../db/sql.js';
import { readTableFile, type ReadTableOptions, type Table } from './table-file.js';

/** The targets file's columns: Indonesian names first, English aliases after. */
export const TARGET_COLUMNS = [
  { key: 'nip', names: ['nip'], required: true },
  { key: 'code', names: ['kode', 'code'], required: true },
  { key: 'rhkKind', names: ['jenis_rhk', 'rhk_kind'], required: true },
  { key: 'rhk', names: ['rhk'], required: true },
  { key: 'iki', names: ['iki'], required: true },
  { key: 'target', names: ['target'], required: true },
  { key: 'unitOfMeasure', names: ['satuan', 'unit_of_measure'], required: true },
] as const satisfies readonly ColumnSpec<string>[];
type TargetColumn = (typeof TARGET_COLUMNS)[number]['key'];

/** What a targets import wrote. */
export interface TargetImportResult {
  readonly file: string;
  readonly rows: number;
  readonly created: number;
  readonly updated: number;
  readonly employees: number;
}

/** Statuses in which targets may still change: once supervisors review, the plan is fixed. */
const EDITABLE: readonly (typeof CYCLE_STATUSES)[number][] = ['draft', 'open'];

/** Reads `path` (CSV or XLSX) and imports it into cycle `cycleId`. */
export async function importTargetsFile(
  em: EntityManager,
  path: string,
  cycleId: number,
  opts: { actor: string; clock?: Clock; read?: ReadTableOptions },
): Promise<TargetImportResult> {
  return importTargets(em, await readTableFile(path, opts.read), cycleId, opts);
}

/**
 * Validates every row (NIP valid and known, code unique per employee, kind utama|tambahan, target a positive
 * number, every text present), then upserts by (employee, cycle, code).
 * @throws ImportRejectedError listing every bad line; CycleSetupError when the cycle is missing or closed
 */
export async function importTargets(em: EntityManager, table: Table, cycleId: number, opts: { actor: string; clock?: Clock }): Promise<TargetImportResult> {
  return em.transactional(async (tx) => {
    const [cycle] = await txOf(tx).query<{ status: (typeof CYCLE_STATUSES)[number] }>('select status from cycle where id = $1 for update', [cycleId]);
    if (!cycle) throw new CycleSetupError(`there is no cycle ${cycleId}; see kinerja cycle list`);
    if (!EDITABLE.includes(cycle.status)) {
      throw new CycleSetupError(`cycle ${cycleId} is ${cycle.status}; targets can only be loaded while a cycle is draft or open`);
    }
    const people = await txOf(tx).query<{ id: number; nip: string }>('select id, nip from employee');
    const idOf = new Map(people.map((p) => [p.nip, p.id]));
    const existing = await txOf(tx).query<{ employee_id: number; code: string }>('select employee_id, code from employee_target where cycle_id = $1', [cycleId]);
    const existingKeys = new Set(existing.map((e) => `${e.employee_id}|${e.code}`));

    const problems = new ProblemList();
    problems.items.push(...table.problems.items);
    if (table.headers.length === 0) problems.add(1, 'empty_file', 'the file is empty; the first line must be the header row (nip, kode, jenis_rhk, rhk, iki, target, satuan)');
    const cols = mapColumns<TargetColumn>(table, TARGET_COLUMNS, problems);
    if (!problems.empty) throw new ImportRejectedError(table.file, problems.items);
    const readingProblems = table.problems.items.length;
    let rowCount = 0;

    const rows: { employee_id: number; code: string; rhk_kind: string; rhk: string; iki: string; target: number; unit_of_measure: string; position: number }[] = [];
    const lineOfKey = new Map<string, number>();
    const positionOf = new Map<number, number>();
    for await (const batch of table.rowBatches) for (const row of batch) {
      rowCount += 1;
      checkValueCount(row, table.headers.length, problems);
      const get = (k: TargetColumn) => cols.get(row, k);
      let ok = true;
      const fail = (code: ImportProblemCode, message: string) => {
        problems.add(row.line, code, message);
        ok = false;
      };
      for (const spec of TARGET_COLUMNS) if (get(spec.key) === '') fail('missing_field', `${spec.names[0]} is empty`);
      let employeeId: number | undefined;
      if (get('nip') !== '') {
        const v = validateNip(get('nip'));
        if (!v.ok) fail('invalid_nip', `invalid NIP "${get('nip')}": ${v.message}`);
        else {
          employeeId = idOf.get(v.nip);
          if (employeeId === undefined) fail('unknown_employee', `no employee with NIP ${v.nip}; import employees first or fix the NIP`);
        }
      }
      const code = get('code');
      if (code.length > 64) fail('bad_value', `kode "${code.slice(0, 20)}..." is longer than 64 characters`);
      const kind = get('rhkKind').toLowerCase();
      if (kind !== '' && !(RHK_KINDS as readonly string[]).includes(kind)) fail('bad_value', `jenis_rhk "${get('rhkKind')}" is not one of ${RHK_KINDS.join(', ')}`);
      const target = parseDecimal(get('target'));
      if (get('target') !== '' && (target === null || target <= 0)) fail('invalid_number', `target "${get('target')}" must be a number above 0, e.g. 12 or 12,5`);
      if (get('unitOfMeasure').length > 64) fail('bad_value', 'satuan is longer than 64 characters');
      if (employeeId !== undefined && code !== '') {
        const key = `${employeeId}|${code}`;
        const first = lineOfKey.get(key);
        if (first !== undefined) fail('duplicate_row', `NIP ${get('nip')} already has kode ${code} on line ${first}; each RHK code appears once per employee`);
        else lineOfKey.set(key, row.line);
      }
      if (ok && employeeId !== undefined && target !== null) {
        const position = positionOf.get(employeeId) ?? 0;
        positionOf.set(employeeId, position + 1);
        rows.push({ employee_id: employeeId, code, rhk_kind: kind, rhk: get('rhk'), iki: get('iki'), target, unit_of_measure: get('unitOfMeasure'), position });
      }
    }
    problems.items.push(...table.problems.items.slice(readingProblems));
    if (rowCount === 0 && table.headers.length > 0) problems.add(table.headerLine, 'empty_file', 'the file has a header but no targets');
    if (!problems.empty) throw new ImportRejectedError(table.file, problems.items);

    for (const batch of chunks(rows, 1000)) {
      await txOf(tx).query(
        `insert into employee_target (employee_id, cycle_id, code, rhk_kind, rhk, iki, target, unit_of_measure, position)
         select x.employee_id, $1, x.code, x.rhk_kind, x.rhk, x.iki, x.target, x.unit_of_measure, x.position
           from jsonb_to_recordset($2::jsonb) as x(employee_id int, code text, rhk_kind text, rhk text, iki text, target numeric, unit_of_measure text, position int)
         on conflict (employee_id, cycle_id, code) do update set
           rhk_kind = excluded.rhk_kind, rhk = excluded.rhk, iki = excluded.iki, target = excluded.target,
           unit_of_measure = excluded.unit_of_measure, position = excluded.position`,
        [cycleId, asJson(batch)],
      );
    }
    const created = rows.filter((r) => !existingKeys.has(`${r.employee_id}|${r.code}`)).length;
    const result = { file: table.file, rows: rows.length, created, updated: rows.length - created, employees: positionOf.size };
    await appendAudit(txOf(tx), { actor: opts.actor, action: 'targets.imported', subject: `cycle:${cycleId}`, data: { ...result } }, (opts.clock ?? systemClock).now());
    return result;
  });
}
