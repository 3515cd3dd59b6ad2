/**
 * The rules an employee file must pass before anything is written, as a pure function over the file and a
 * snapshot of what the database already holds. Every row is checked and every fault reported, so HR fixes
 * the whole file in one round instead of one error per attempt.
 */
import { validateNip } from '../domain/nip.js';
import { resolveTimezone } from '../domain/timezones.js';
import { LOCALES, POSITION_KINDS, ROLES, type Locale, type PositionKind, type Role } from '../db/entities/organisation.js';
import { checkValueCounts, mapColumns, type ColumnSpec } from './columns.js';
import { ProblemList, type ImportProblemCode } from './problems.js';
import type { Table } from './table-file.js';

/** The employee file's columns (issue 2): Indonesian names first, English aliases after. */
export const EMPLOYEE_COLUMNS = [
  { key: 'nip', names: ['nip'], required: true },
  { key: 'name', names: ['nama', 'name'], required: true },
  { key: 'email', names: ['email', 'surel'] },
  { key: 'position', names: ['jabatan', 'position'] },
  { key: 'positionKind', names: ['jenis_jabatan', 'position_kind'], required: true },
  { key: 'unitCode', names: ['unit_kode', 'unit_code'], required: true },
  { key: 'unitName', names: ['unit_nama', 'unit_name'], required: true },
  { key: 'parentUnitCode', names: ['unit_induk', 'parent_unit_code'] },
  { key: 'supervisorNip', names: ['atasan_nip', 'supervisor_nip'] },
  { key: 'roles', names: ['peran', 'roles'] },
  { key: 'timezone', names: ['zona_waktu', 'timezone'] },
  { key: 'locale', names: ['bahasa', 'locale'] },
] as const satisfies readonly ColumnSpec<string>[];

type EmployeeColumn = (typeof EMPLOYEE_COLUMNS)[number]['key'];

/** One valid row, ready to write. */
export interface EmployeeRecord {
  readonly line: number;
  readonly nip: string;
  readonly name: string;
  readonly email: string | null;
  readonly position: string;
  readonly positionKind: PositionKind;
  readonly unitCode: string;
  readonly supervisorNip: string | null;
  readonly roles: readonly Role[];
  /** IANA name. */
  readonly timezone: string;
  readonly locale: Locale;
}

/** A unit as the file describes it. `parentCode` null means "not given": an existing parent is kept. */
export interface UnitRecord {
  readonly code: string;
  /** Empty when only existing units' codes were used without a name. */
  readonly name: string;
  readonly parentCode: string | null;
}

/** What the database holds before the import, as far as the rules need it. */
export interface OrganisationSnapshot {
  /** Every employee by NIP, with their supervisor's NIP. */
  readonly employees: ReadonlyMap<string, { readonly supervisorNip: string | null; readonly active: boolean }>;
  /** Every unit by code, with its parent's code. */
  readonly units: ReadonlyMap<string, { readonly name: string; readonly parentCode: string | null }>;
}

/** The validated file. */
export interface ValidatedEmployeeFile {
  readonly employees: readonly EmployeeRecord[];
  readonly units: readonly UnitRecord[];
}

/** Options that change what counts as valid. */
export interface EmployeeRuleOptions {
  /** People missing from the file will be deactivated, so nobody in the file may report to them. */
  readonly deactivateMissing?: boolean;
  /** Zone for rows without one; WIB unless configured. */
  readonly defaultTimezone?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

function oneOf<T extends string>(allowed: readonly T[], value: string): T | null {
  const v = value.trim().toLowerCase();
  return (allowed as readonly string[]).includes(v) ? (v as T) : null;
}

/**
 * Checks every row of an employee file. Returns the records to write, or the complete list of problems
 * (header problems at the header line, row problems at their own line).
 */
export function validateEmployeeFile(
  table: Table,
  snapshot: OrganisationSnapshot,
  options: EmployeeRuleOptions = {},
): { ok: true; file: ValidatedEmployeeFile } | { ok: false; problems: ProblemList } {
  const problems = new ProblemList();
  problems.items.push(...table.problems.items);
  if (table.headers.length === 0) {
    problems.add(1, 'empty_file', 'the file is empty; the first line must be the header row (nip, nama, ...)');
    return { ok: false, problems };
  }
  const cols = mapColumns<EmployeeColumn>(table, EMPLOYEE_COLUMNS, problems);
  if (!problems.empty) return { ok: false, problems };
  checkValueCounts(table, problems);
  if (table.rows.length === 0) problems.add(table.headerLine, 'empty_file', 'the file has a header but no employees');

  const defaultZone = options.defaultTimezone ?? 'WIB';
  const records: EmployeeRecord[] = [];
  const lineOfNip = new Map<string, number>();
  const units = new Map<string, UnitRecord & { line: number }>();

  for (const row of table.rows) {
    const line = row.line;
    const get = (k: EmployeeColumn) => cols.get(row, k);
    let ok = true;
    const fail = (code: ImportProblemCode, message: string) => {
      problems.add(line, code, message);
      ok = false;
    };

    const rawNip = get('nip');
    let nip = '';
    if (rawNip === '') fail('missing_field', 'nip is empty; every row needs the employee\'s 18-digit NIP');
    else {
      const v = validateNip(rawNip);
      if (!v.ok) fail('invalid_nip', `invalid NIP "${rawNip}": ${v.message}`);
      else {
        nip = v.nip;
        const first = lineOfNip.get(nip);
        if (first !== undefined) fail('duplicate_nip', `NIP ${nip} is already on line ${first}; each person appears once`);
        else lineOfNip.set(nip, line);
      }
    }

    const name = get('name');
    if (name === '') fail('missing_field', 'nama (name) is empty');

    const email = get('email');
    if (email !== '' && !EMAIL.test(email)) fail('invalid_email', `"${email}" is not an e-mail address; fix it or leave it empty`);

    const positionKind = oneOf(POSITION_KINDS, get('positionKind'));
    if (get('positionKind') === '') fail('missing_field', `jenis_jabatan is empty; use one of ${POSITION_KINDS.join(', ')}`);
    else if (!positionKind) fail('bad_value', `jenis_jabatan "${get('positionKind')}" is not one of ${POSITION_KINDS.join(', ')}`);

    const unitCode = get('unitCode');
    const unitName = get('unitName');
    const parentCode = get('parentUnitCode');
    if (unitCode === '') fail('missing_field', 'unit_kode is empty; every employee belongs to a unit');
    else {
      if (unitName === '' && !snapshot.units.has(unitCode) && !units.get(unitCode)?.name) {
        fail('missing_field', `unit_nama is empty and unit ${unitCode} is new; give the unit's name`);
      }
      if (parentCode === unitCode) fail('unit_loop', `unit ${unitCode} cannot be its own unit_induk`);
      const seen = units.get(unitCode);
      if (!seen) units.set(unitCode, { code: unitCode, name: unitName, parentCode: parentCode || null, line });
      else {
        if (unitName !== '' && seen.name !== '' && seen.name !== unitName) {
          fail('unit_conflict', `unit ${unitCode} is named "${seen.name}" on line ${seen.line} but "${unitName}" here; use one name`);
        }
        if (parentCode !== '' && seen.parentCode !== null && seen.parentCode !== parentCode) {
          fail('unit_conflict', `unit ${unitCode} has unit_induk ${seen.parentCode} on line ${seen.line} but ${parentCode} here; use one parent`);
        }
        units.set(unitCode, { ...seen, name: seen.name || unitName, parentCode: seen.parentCode ?? (parentCode || null) });
      }
    }

    const rawSupervisor = get('supervisorNip');
    let supervisorNip: string | null = null;
    if (rawSupervisor !== '') {
      const v = validateNip(rawSupervisor);
      if (!v.ok) fail('invalid_nip', `invalid atasan_nip "${rawSupervisor}": ${v.message}`);
      else supervisorNip = v.nip;
    }

    const roles: Role[] = [];
    const rawRoles = get('roles');
    for (const part of (rawRoles === '' ? 'pegawai' : rawRoles).split(/[,;/\s]+/).filter(Boolean)) {
      const role = oneOf(ROLES, part);
      if (!role) fail('bad_value', `peran "${part}" is not one of ${ROLES.join(', ')} (separate several with commas)`);
      else if (!roles.includes(role)) roles.push(role);
    }

    const zone = resolveTimezone(get('timezone') || defaultZone);
    if (!zone.ok) fail('unknown_timezone', `zona_waktu: ${zone.message}`);

    const rawLocale = get('locale');
    const locale = rawLocale === '' ? 'id' : oneOf(LOCALES, rawLocale);
    if (!locale) fail('bad_value', `bahasa "${rawLocale}" is not one of ${LOCALES.join(', ')}`);

    if (ok && positionKind && zone.ok && locale) {
      records.push({ line, nip, name, email: email || null, position: get('position'), positionKind, unitCode, supervisorNip, roles, timezone: zone.timezone, locale });
    }
  }

  checkSupervisors(records, lineOfNip, snapshot, options, problems);
  checkUnits(units, snapshot, problems);
  if (!problems.empty) return { ok: false, problems };
  return { ok: true, file: { employees: records, units: [...units.values()].map(({ code, name, parentCode }) => ({ code, name, parentCode })) } };
}

/** Unknown supervisors, supervisors about to be deactivated, and loops (A -> B -> A, any length). */
function checkSupervisors(
  records: readonly EmployeeRecord[],
  lineOfNip: ReadonlyMap<string, number>,
  snapshot: OrganisationSnapshot,
  options: EmployeeRuleOptions,
  problems: ProblemList,
): void {
  const inFile = new Map(records.map((r) => [r.nip, r]));
  for (const r of records) {
    if (r.supervisorNip === null || lineOfNip.has(r.supervisorNip)) continue;
    const known = snapshot.employees.get(r.supervisorNip);
    if (!known) {
      problems.add(r.line, 'unknown_supervisor', `atasan_nip ${r.supervisorNip} is neither in this file nor in the database; add that person or fix the NIP`);
    } else if (options.deactivateMissing) {
      problems.add(r.line, 'supervisor_deactivated', `atasan_nip ${r.supervisorNip} is not in this file, so --deactivate-missing would deactivate them; add them to the file`);
    }
  }

  // The supervisor graph after the import: the file's rows win over what the database holds.
  const supervisorOf = (nip: string): string | null => {
    const r = inFile.get(nip);
    if (r) return r.supervisorNip;
    if (lineOfNip.has(nip)) return null; // a row that failed its own checks: reported already
    return snapshot.employees.get(nip)?.supervisorNip ?? null;
  };
  const state = new Map<string, 'walking' | 'done'>();
  const inLoop = new Map<string, string[]>();
  for (const start of inFile.keys()) {
    const path: string[] = [];
    let current: string | null = start;
    while (current !== null && !state.has(current)) {
      state.set(current, 'walking');
      path.push(current);
      current = supervisorOf(current);
    }
    if (current !== null && state.get(current) === 'walking') {
      const loop = path.slice(path.indexOf(current));
      for (const nip of loop) inLoop.set(nip, loop);
    }
    for (const nip of path) state.set(nip, 'done');
  }
  for (const r of records) {
    const loop = inLoop.get(r.nip);
    if (!loop) continue;
    const i = loop.indexOf(r.nip);
    const chain = [...loop.slice(i), ...loop.slice(0, i), r.nip].join(' -> ');
    const message = loop.length === 1 ? `${r.nip} is their own atasan_nip` : `supervisor loop ${chain}; someone in this chain must report outside it (or have no atasan_nip)`;
    problems.add(r.line, 'supervisor_loop', message);
  }
}

/** Unknown parent units and unit loops, judged on the units after the import. */
function checkUnits(units: ReadonlyMap<string, UnitRecord & { line: number }>, snapshot: OrganisationSnapshot, problems: ProblemList): void {
  const parentOf = (code: string): string | null => units.get(code)?.parentCode ?? snapshot.units.get(code)?.parentCode ?? null;
  for (const u of units.values()) {
    if (u.parentCode === null || u.parentCode === u.code) continue;
    if (!units.has(u.parentCode) && !snapshot.units.has(u.parentCode)) {
      problems.add(u.line, 'unknown_unit', `unit_induk ${u.parentCode} is neither in this file nor in the database; add the parent unit or fix the code`);
      continue;
    }
    const seen = new Set<string>([u.code]);
    let current = parentOf(u.code);
    while (current !== null) {
      if (current === u.code) {
        problems.add(u.line, 'unit_loop', `units loop through unit_induk: ${[...seen, u.code].join(' -> ')}; one unit must sit outside the loop`);
        break;
      }
      if (seen.has(current)) break; // a loop not through u: reported on its own members
      seen.add(current);
      current = parentOf(current);
    }
  }
}
