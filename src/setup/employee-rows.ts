/**
 * The rules an employee file must pass before anything is written, as a pure function over the file and a
 * snapshot of what the database already holds. Every row is checked and every fault reported, so HR fixes
 * the whole file in one round instead of one error per attempt.
 */
import { validateNip } from '../domain/nip.js';
import { resolveTimezone } from '../domain/timezones.js';
import { LOCALES, POSITION_KINDS, ROLES, type Locale, type PositionKind, type Role } from '../db/entities/organisation.js';
import { emailProblem } from '../domain/email.js';
import { checkPlainText, checkValueCount, mapColumns, type ColumnSpec } from './columns.js';
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

/** Texts HR later sees in spreadsheets (the link-code letters, reports): refused when they look like formulas. */
const PLAIN_TEXT: readonly { key: EmployeeColumn; name: string; max: number }[] = [
  { key: 'name', name: 'nama', max: 255 },
  { key: 'position', name: 'jabatan', max: 255 },
  { key: 'unitCode', name: 'unit_kode', max: 64 },
  { key: 'unitName', name: 'unit_nama', max: 255 },
];

/** The allowed value `value` names (case-insensitively), as the one shared string of `allowed`. */
function oneOf<T extends string>(allowed: readonly T[], value: string): T | null {
  const v = value.trim().toLowerCase();
  return allowed.find((a) => a === v) ?? null;
}

/**
 * Checks every row of an employee file as it is read. Returns the records to write, or the complete list of
 * problems (header problems at the header line, row problems at their own line). A bad header stops before
 * the rows are read.
 */
export async function validateEmployeeFile(
  table: Table,
  snapshot: OrganisationSnapshot,
  options: EmployeeRuleOptions = {},
): Promise<{ ok: true; file: ValidatedEmployeeFile } | { ok: false; problems: ProblemList }> {
  const problems = new ProblemList();
  problems.items.push(...table.problems.items);
  if (table.headers.length === 0) {
    problems.add(1, 'empty_file', 'the file is empty; the first line must be the header row (nip, nama, ...)');
    return { ok: false, problems };
  }
  const cols = mapColumns<EmployeeColumn>(table, EMPLOYEE_COLUMNS, problems);
  if (!problems.empty) return { ok: false, problems };
  const width = table.headers.length;
  let rowCount = 0;

  const defaultZone = options.defaultTimezone ?? 'WIB';
  // A 200,000-row file repeats a handful of zones and role lists: resolve each once and share the result,
  // so the records kept until the write hold no per-row copies of them.
  const zones = new Map<string, ReturnType<typeof resolveTimezone>>();
  const roleLists = new Map<string, readonly Role[]>();
  // Supervisors head many rows each: check each one's NIP once.
  const supervisorNips = new Map<string, ReturnType<typeof validateNip>>();
  const records: EmployeeRecord[] = [];
  const lineOfNip = new Map<string, number>();
  const units = new Map<string, UnitRecord & { line: number }>();

  const readingProblems = table.problems.items.length;
  for await (const batch of table.rowBatches) for (const row of batch) {
    rowCount += 1;
    const line = row.line;
    const get = (k: EmployeeColumn) => cols.get(row, k);
    let ok = true;
    const fail = (code: ImportProblemCode, message: string) => {
      problems.add(line, code, message);
      ok = false;
    };
    checkValueCount(row, width, problems);
    if (!checkPlainText(row, cols, PLAIN_TEXT, problems)) ok = false;
    // The columns' sizes in the database: refused here with the line, not by PostgreSQL mid-write.
    for (const { key, name, max } of PLAIN_TEXT) if (get(key).length > max) fail('bad_value', `${name} is longer than ${max} characters`);

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
    const badEmail = email === '' ? null : emailProblem(email);
    if (badEmail !== null) fail('invalid_email', `email ${JSON.stringify(email.length > 60 ? email.slice(0, 60) + '...' : email)} ${badEmail}; fix it or leave it empty`);

    const positionKind = oneOf(POSITION_KINDS, get('positionKind'));
    if (get('positionKind') === '') fail('missing_field', `jenis_jabatan is empty; use one of ${POSITION_KINDS.join(', ')}`);
    else if (!positionKind) fail('bad_value', `jenis_jabatan "${get('positionKind')}" is not one of ${POSITION_KINDS.join(', ')}`);

    let unitCode = get('unitCode');
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
        if ((seen.name === '' && unitName !== '') || (seen.parentCode === null && parentCode !== '')) {
          units.set(unitCode, { ...seen, name: seen.name || unitName, parentCode: seen.parentCode ?? (parentCode || null) });
        }
        unitCode = seen.code;
      }
    }

    const rawSupervisor = get('supervisorNip');
    let supervisorNip: string | null = null;
    if (rawSupervisor !== '') {
      let v = supervisorNips.get(rawSupervisor);
      if (!v) supervisorNips.set(rawSupervisor, (v = validateNip(rawSupervisor)));
      if (!v.ok) fail('invalid_nip', `invalid atasan_nip "${rawSupervisor}": ${v.message}`);
      else supervisorNip = v.nip;
    }

    let roles: readonly Role[] = [];
    const roleList: Role[] = [];
    const rawRoles = get('roles');
    for (const part of (rawRoles === '' ? 'pegawai' : rawRoles).split(/[,;/\s]+/).filter(Boolean)) {
      const role = oneOf(ROLES, part);
      if (!role) fail('bad_value', `peran "${part}" is not one of ${ROLES.join(', ')} (separate several with commas)`);
      else if (!roleList.includes(role)) roleList.push(role);
    }
    const rolesKey = roleList.join(',');
    roles = roleLists.get(rolesKey) ?? roleList;
    if (!roleLists.has(rolesKey)) roleLists.set(rolesKey, roleList);

    const zoneName = get('timezone') || defaultZone;
    let zone = zones.get(zoneName);
    if (!zone) zones.set(zoneName, (zone = resolveTimezone(zoneName)));
    if (!zone.ok) fail('unknown_timezone', `zona_waktu: ${zone.message}`);

    const rawLocale = get('locale');
    const locale = rawLocale === '' ? 'id' : oneOf(LOCALES, rawLocale);
    if (!locale) fail('bad_value', `bahasa "${rawLocale}" is not one of ${LOCALES.join(', ')}`);

    if (ok && positionKind && zone.ok && locale) {
      records.push({ line, nip, name, email: email || null, position: get('position'), positionKind, unitCode, supervisorNip, roles, timezone: zone.timezone, locale });
    }
  }

  // Problems found while reading (digits Excel lost) arrive with the rows.
  problems.items.push(...table.problems.items.slice(readingProblems));
  if (rowCount === 0) problems.add(table.headerLine, 'empty_file', 'the file has a header but no employees');

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
  // Records are in line order, so a NIP's record is found from its line by binary search: no second
  // 200,000-entry map next to lineOfNip.
  const indexOf = (nip: string): number => {
    const line = lineOfNip.get(nip);
    if (line === undefined) return -1;
    let lo = 0;
    let hi = records.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = records[mid]!.line;
      if (at === line) return mid;
      if (at < line) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  };
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
    const i = indexOf(nip);
    if (i >= 0) return records[i]!.supervisorNip;
    if (lineOfNip.has(nip)) return null; // a row that failed its own checks: reported already
    return snapshot.employees.get(nip)?.supervisorNip ?? null;
  };
  // Walk state per person: a byte per record in the file, a map entry only for people the database adds.
  const WALKING = 1;
  const DONE = 2;
  const fileState = new Uint8Array(records.length);
  const otherState = new Map<string, number>();
  const stateOf = (nip: string): number => {
    const i = indexOf(nip);
    return i >= 0 ? fileState[i]! : (otherState.get(nip) ?? 0);
  };
  const setState = (nip: string, value: number): void => {
    const i = indexOf(nip);
    if (i >= 0) fileState[i] = value;
    else otherState.set(nip, value);
  };
  const inLoop = new Map<string, string[]>();
  for (const { nip: start } of records) {
    const path: string[] = [];
    let current: string | null = start;
    while (current !== null && stateOf(current) === 0) {
      setState(current, WALKING);
      path.push(current);
      current = supervisorOf(current);
    }
    if (current !== null && stateOf(current) === WALKING) {
      const loop = path.slice(path.indexOf(current));
      for (const nip of loop) inLoop.set(nip, loop);
    }
    for (const nip of path) setState(nip, DONE);
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
