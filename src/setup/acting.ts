/**
 * PLT/PLH assignments by HR without SQL: add one, end one, list them, or import a file of them. Who rates
 * while an assignment runs is decided by src/domain/acting.ts (`actingRaterFor`, SQL twin `rater_of`); this
 * module checks an entry against the rules for entering one (`actingConflicts`: no overlap for the same person
 * replaced, not acting for oneself, an active acting official, dates in order) and writes it, audited.
 * A file is imported whole or not at all, every bad line listed, like the employee import.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { systemClock, type Clock } from '../clock.js';
import { actingConflicts, todayIn, unitHeads, validateNip, DEFAULT_TIMEZONE, type ActingAssignmentFact, type ActingConflict, type ActingKind } from '../domain/index.js';
import { ACTING_KINDS } from '../db/entities/organisation.js';
import { appendAudit } from '../db/audit.js';
import { txOf, type Tx } from '../db/sql.js';
import { unitByCode } from '../db/units.js';
import { parseDayDate } from './cell-values.js';
import { checkValueCount, mapColumns, type ColumnSpec } from './columns.js';
import { ImportRejectedError, ProblemList, UserFacingError, type ImportProblemCode } from './problems.js';
import { readTableFile, type ReadTableOptions, type Table } from './table-file.js';

/** An acting assignment could not be added or ended; the message says why and what to do. */
export class ActingSetupError extends UserFacingError {}

/** One assignment as HR types it: the person replaced by NIP or by unit (its head). Dates `YYYY-MM-DD` or `DD/MM/YYYY`. */
export interface ActingInput {
  readonly kind: string;
  readonly actingNip: string;
  readonly forNip?: string;
  readonly unitCode?: string;
  readonly from: string;
  readonly to: string;
}

/** An assignment as listed. */
export interface ActingRow {
  readonly id: number;
  readonly kind: ActingKind;
  readonly actingNip: string;
  readonly actingName: string;
  readonly forNip: string;
  readonly forName: string;
  readonly startsOn: string;
  readonly endsOn: string;
}

interface Person {
  id: number;
  nip: string;
  name: string;
  active: boolean;
}

/** Looks people, units and existing assignments up inside the writing transaction. */
class Lookup {
  private people = new Map<string, Person>();
  private byId = new Map<number, Person>();
  constructor(private readonly tx: Tx) {}

  async load(): Promise<void> {
    const rows = await this.tx.query<Person>('select id, nip, name, active from employee');
    for (const r of rows) {
      this.people.set(r.nip, r);
      this.byId.set(r.id, r);
    }
  }
  person(nip: string): Person | undefined {
    return this.people.get(nip);
  }
  nipOf(id: number): string {
    return this.byId.get(id)?.nip ?? String(id);
  }
  /** The head of a unit by code: a person, or a sentence saying why there is not exactly one. */
  async headOf(code: string): Promise<Person | string> {
    const unit = await unitByCode(this.tx, code);
    if (!unit) return `no unit with code "${code}"; see the unit_kode column of the employee import`;
    const members = await this.tx.query<{ id: number; unit_id: number; supervisor_id: number | null }>(
      `select id, unit_id, supervisor_id from employee
        where unit_id = $1 or id in (select supervisor_id from employee where unit_id = $1)
           or supervisor_id in (select id from employee where unit_id = $1)`,
      [unit.id],
    );
    const heads = unitHeads(unit.id, members.map((m) => ({ id: m.id, unitId: m.unit_id, supervisorId: m.supervisor_id })));
    if (heads.length === 1) return this.byId.get(heads[0]!)!;
    if (heads.length === 0) return `unit ${code} has no head (nobody in it supervises anyone and reports outside it); name the person replaced by NIP instead`;
    return `unit ${code} has ${heads.length} heads (NIP ${heads.map((h) => this.nipOf(h)).join(', ')}); name the person replaced by NIP instead`;
  }
  async assignmentsFor(forIds: readonly number[]): Promise<ActingAssignmentFact[]> {
    if (forIds.length === 0) return [];
    const rows = await this.tx.query<{ id: number; kind: ActingKind; acting_employee_id: number; for_employee_id: number; starts_on: string; ends_on: string; active: boolean }>(
      `select aa.id, aa.kind, aa.acting_employee_id, aa.for_employee_id, to_char(aa.starts_on, 'YYYY-MM-DD') as starts_on, to_char(aa.ends_on, 'YYYY-MM-DD') as ends_on, e.active
         from acting_assignment aa join employee e on e.id = aa.acting_employee_id where aa.for_employee_id = any($1::int[])`,
      [forIds],
    );
    return rows.map((r) => ({ id: r.id, kind: r.kind, actingEmployeeId: r.acting_employee_id, forEmployeeId: r.for_employee_id, startsOn: r.starts_on, endsOn: r.ends_on, actingEmployeeActive: r.active }));
  }
}

/** A checked assignment ready to insert. */
interface CheckedActing {
  kind: ActingKind;
  acting: Person;
  replaced: Person;
  startsOn: string;
  endsOn: string;
}

type Fail = (code: ImportProblemCode, message: string) => void;

/** Checks the fields of one assignment (not yet the overlaps); problems go to `fail`. */
async function checkFields(input: ActingInput, look: Lookup, fail: Fail, names: { acting: string; for: string; unit: string; from: string; to: string; kind: string }): Promise<CheckedActing | null> {
  let ok = true;
  const bad: Fail = (code, message) => {
    ok = false;
    fail(code, message);
  };
  const kind = input.kind.trim().toLowerCase();
  if (kind === '') bad('missing_field', `${names.kind} is empty; use plt or plh`);
  else if (!(ACTING_KINDS as readonly string[]).includes(kind)) bad('bad_value', `${names.kind} "${input.kind}" is not plt or plh`);
  const person = (nip: string, label: string): Person | undefined => {
    const v = validateNip(nip);
    if (!v.ok) {
      bad('invalid_nip', `${label} "${nip}" is not a valid NIP: ${v.message}`);
      return undefined;
    }
    const p = look.person(v.nip);
    if (!p) bad('unknown_employee', `${label}: no employee with NIP ${v.nip}; import employees first or fix the NIP`);
    return p;
  };
  let acting: Person | undefined;
  if (input.actingNip.trim() === '') bad('missing_field', `${names.acting} is empty; give the acting official's NIP`);
  else acting = person(input.actingNip.trim(), names.acting);
  let replaced: Person | undefined;
  const forNip = input.forNip?.trim() ?? '';
  const unitCode = input.unitCode?.trim() ?? '';
  if (forNip !== '' && unitCode !== '') bad('bad_value', `give either ${names.for} (the person replaced) or ${names.unit} (the unit whose head is replaced), not both`);
  else if (forNip !== '') replaced = person(forNip, names.for);
  else if (unitCode !== '') {
    const head = await look.headOf(unitCode);
    if (typeof head === 'string') bad('unknown_unit', head);
    else replaced = head;
  } else bad('missing_field', `${names.for} and ${names.unit} are both empty; give the person replaced (NIP) or their unit (code)`);
  const startsOn = parseDayDate(input.from);
  const endsOn = parseDayDate(input.to);
  if (input.from.trim() === '') bad('missing_field', `${names.from} is empty; give the first day, e.g. 2027-01-04`);
  else if (!startsOn) bad('invalid_date', `${names.from} "${input.from}" is not a real date; use YYYY-MM-DD, e.g. 2027-01-04`);
  if (input.to.trim() === '') bad('missing_field', `${names.to} is empty; give the last day, e.g. 2027-01-29`);
  else if (!endsOn) bad('invalid_date', `${names.to} "${input.to}" is not a real date; use YYYY-MM-DD, e.g. 2027-01-29`);
  if (!ok || !acting || !replaced || !startsOn || !endsOn) return null;
  return { kind: kind as ActingKind, acting, replaced, startsOn, endsOn };
}

/** One sentence per conflict, in HR's terms. */
function conflictMessage(c: ActingConflict, a: CheckedActing, look: Lookup, where: (id: number) => string): string {
  switch (c.code) {
    case 'ends_before_start':
      return `the last day ${a.endsOn} is before the first day ${a.startsOn}`;
    case 'acts_for_self':
      return `NIP ${a.acting.nip} cannot act for themselves`;
    case 'acting_inactive':
      return `NIP ${a.acting.nip} (${a.acting.name}) is not an active employee and cannot act`;
    case 'overlap':
      return (
        `overlaps ${where(c.with.id)}: ${c.with.kind.toUpperCase()} NIP ${look.nipOf(c.with.actingEmployeeId)} for NIP ${a.replaced.nip} from ${c.with.startsOn} to ${c.with.endsOn}; ` +
        'one person is replaced by one acting official at a time: end the other first or choose other dates'
      );
  }
}

const existingRef = (id: number) => `assignment ${id}`;

async function insertActing(tx: Tx, a: CheckedActing): Promise<number> {
  const rows = await tx.query<{ id: number }>(
    `insert into acting_assignment (kind, acting_employee_id, for_employee_id, starts_on, ends_on) values ($1, $2, $3, $4, $5) returning id`,
    [a.kind, a.acting.id, a.replaced.id, a.startsOn, a.endsOn],
  );
  return rows[0]!.id;
}

/** Entries of the acting table wait for each other, so two overlapping entries cannot both pass the check. */
async function lockActing(tx: Tx): Promise<void> {
  await tx.exec('lock table acting_assignment in share row exclusive mode');
}

/**
 * Adds one assignment.
 * @throws ActingSetupError listing every problem (nothing written)
 */
export async function addActing(em: EntityManager, input: ActingInput, opts: { actor: string; clock?: Clock }): Promise<{ id: number; actingNip: string; forNip: string; startsOn: string; endsOn: string }> {
  return em.transactional(async (t) => {
    const tx = txOf(t);
    await lockActing(tx);
    const look = new Lookup(tx);
    await look.load();
    const problems: string[] = [];
    const checked = await checkFields(input, look, (_c, m) => problems.push(m), { acting: '--acting', for: '--for', unit: '--unit', from: '--from', to: '--to', kind: '--kind' });
    if (checked) {
      const existing = await look.assignmentsFor([checked.replaced.id]);
      const fact = { kind: checked.kind, actingEmployeeId: checked.acting.id, forEmployeeId: checked.replaced.id, startsOn: checked.startsOn, endsOn: checked.endsOn, actingEmployeeActive: checked.acting.active };
      for (const c of actingConflicts(fact, existing)) problems.push(conflictMessage(c, checked, look, existingRef));
    }
    if (problems.length || !checked) throw new ActingSetupError(`cannot add the acting assignment:\n  ${problems.join('\n  ')}`);
    const id = await insertActing(tx, checked);
    const data = { id, kind: checked.kind, actingNip: checked.acting.nip, forNip: checked.replaced.nip, unitCode: input.unitCode?.trim() || undefined, startsOn: checked.startsOn, endsOn: checked.endsOn };
    await appendAudit(tx, { actor: opts.actor, action: 'acting.added', subject: `acting:${id}`, data }, (opts.clock ?? systemClock).now());
    return { id, actingNip: checked.acting.nip, forNip: checked.replaced.nip, startsOn: checked.startsOn, endsOn: checked.endsOn };
  });
}

/**
 * Ends assignment `id` on day `on` (default: today in WIB): its last day becomes `on`.
 * @throws ActingSetupError when it does not exist, `on` is before its first day, or it already ended earlier
 */
export async function endActing(em: EntityManager, id: number, on: string | undefined, opts: { actor: string; clock?: Clock }): Promise<{ id: number; endsOn: string; previousEnd: string }> {
  const clock = opts.clock ?? systemClock;
  const day = on === undefined ? todayIn(DEFAULT_TIMEZONE, clock.now()) : parseDayDate(on);
  if (!day) throw new ActingSetupError(`--on "${on}" is not a real date; use YYYY-MM-DD, e.g. 2027-01-15`);
  return em.transactional(async (t) => {
    const tx = txOf(t);
    await lockActing(tx);
    const [row] = await tx.query<{ starts_on: string; ends_on: string }>(
      `select to_char(starts_on, 'YYYY-MM-DD') as starts_on, to_char(ends_on, 'YYYY-MM-DD') as ends_on from acting_assignment where id = $1`,
      [id],
    );
    if (!row) throw new ActingSetupError(`there is no acting assignment ${id}; see kinerja acting list`);
    if (day < row.starts_on) throw new ActingSetupError(`assignment ${id} starts on ${row.starts_on}; it cannot end on ${day}, before it starts (give --on ${row.starts_on} or later)`);
    if (day > row.ends_on) throw new ActingSetupError(`assignment ${id} already ends on ${row.ends_on}; ending it on ${day} would lengthen it (add a new assignment instead)`);
    await tx.exec('update acting_assignment set ends_on = $2 where id = $1', [id, day]);
    await appendAudit(tx, { actor: opts.actor, action: 'acting.ended', subject: `acting:${id}`, data: { id, endsOn: day, previousEnd: row.ends_on } }, clock.now());
    return { id, endsOn: day, previousEnd: row.ends_on };
  });
}

/** Assignments, newest first; `current` keeps those not yet over on `today`. */
export async function listActing(em: EntityManager, opts: { current?: boolean; today?: string } = {}): Promise<ActingRow[]> {
  const rows = await txOf(em).query<{ id: number; kind: ActingKind; acting_nip: string; acting_name: string; for_nip: string; for_name: string; starts_on: string; ends_on: string }>(
    `select aa.id, aa.kind, a.nip as acting_nip, a.name as acting_name, f.nip as for_nip, f.name as for_name,
            to_char(aa.starts_on, 'YYYY-MM-DD') as starts_on, to_char(aa.ends_on, 'YYYY-MM-DD') as ends_on
       from acting_assignment aa join employee a on a.id = aa.acting_employee_id join employee f on f.id = aa.for_employee_id
      where $1::date is null or aa.ends_on >= $1::date
      order by aa.starts_on desc, aa.id desc`,
    [opts.current ? (opts.today ?? todayIn(DEFAULT_TIMEZONE, systemClock.now())) : null],
  );
  return rows.map((r) => ({ id: r.id, kind: r.kind, actingNip: r.acting_nip, actingName: r.acting_name, forNip: r.for_nip, forName: r.for_name, startsOn: r.starts_on, endsOn: r.ends_on }));
}

/** The acting file's columns: Indonesian names first, English aliases after. */
export const ACTING_COLUMNS = [
  { key: 'kind', names: ['jenis', 'kind'], required: true },
  { key: 'actingNip', names: ['nip_plt', 'acting_nip'], required: true },
  { key: 'forNip', names: ['nip_diganti', 'for_nip'] },
  { key: 'unitCode', names: ['unit_kode', 'unit_code'] },
  { key: 'from', names: ['mulai', 'from'], required: true },
  { key: 'to', names: ['selesai', 'to'], required: true },
] as const satisfies readonly ColumnSpec<string>[];
type ActingColumn = (typeof ACTING_COLUMNS)[number]['key'];

/** What an acting import wrote. */
export interface ActingImportResult {
  readonly file: string;
  readonly rows: number;
}

/** Reads `path` (CSV or XLSX) and imports it. */
export async function importActingFile(em: EntityManager, path: string, opts: { actor: string; clock?: Clock; read?: ReadTableOptions }): Promise<ActingImportResult> {
  return importActing(em, await readTableFile(path, opts.read), opts);
}

/**
 * Checks every row (fields, then overlaps with the assignments already recorded and with earlier lines of
 * the file), then inserts them all.
 * @throws ImportRejectedError listing every bad line; nothing is written
 */
export async function importActing(em: EntityManager, table: Table, opts: { actor: string; clock?: Clock }): Promise<ActingImportResult> {
  return em.transactional(async (t) => {
    const tx = txOf(t);
    await lockActing(tx);
    const look = new Lookup(tx);
    await look.load();
    const problems = new ProblemList();
    problems.items.push(...table.problems.items);
    if (table.headers.length === 0) problems.add(1, 'empty_file', 'the file is empty; the first line must be the header row (jenis, nip_plt, nip_diganti or unit_kode, mulai, selesai)');
    const cols = mapColumns<ActingColumn>(table, ACTING_COLUMNS, problems);
    if (!problems.empty) throw new ImportRejectedError(table.file, problems.items);
    const readingProblems = table.problems.items.length;
    const checked: { line: number; a: CheckedActing }[] = [];
    let rowCount = 0;
    for await (const batch of table.rowBatches) {
      for (const row of batch) {
        rowCount += 1;
        checkValueCount(row, table.headers.length, problems);
        const get = (k: ActingColumn) => cols.get(row, k);
        const a = await checkFields(
          { kind: get('kind'), actingNip: get('actingNip'), forNip: get('forNip'), unitCode: get('unitCode'), from: get('from'), to: get('to') },
          look,
          (code, message) => problems.add(row.line, code, message),
          { acting: 'nip_plt', for: 'nip_diganti', unit: 'unit_kode', from: 'mulai', to: 'selesai', kind: 'jenis' },
        );
        if (a) checked.push({ line: row.line, a });
      }
    }
    problems.items.push(...table.problems.items.slice(readingProblems));
    if (rowCount === 0 && table.headers.length > 0) problems.add(table.headerLine, 'empty_file', 'the file has a header but no assignments');
    // Overlaps: with what is recorded, and with earlier lines (file ids are negative line numbers).
    const existing = await look.assignmentsFor([...new Set(checked.map((c) => c.a.replaced.id))]);
    const fromFile: ActingAssignmentFact[] = [];
    const lineOf = (id: number) => (id < 0 ? `line ${-id}` : existingRef(id));
    for (const { line, a } of checked) {
      const fact = { kind: a.kind, actingEmployeeId: a.acting.id, forEmployeeId: a.replaced.id, startsOn: a.startsOn, endsOn: a.endsOn, actingEmployeeActive: a.acting.active };
      for (const c of actingConflicts(fact, [...existing, ...fromFile])) problems.add(line, c.code === 'overlap' ? 'duplicate_row' : 'bad_value', conflictMessage(c, a, look, lineOf));
      fromFile.push({ id: -line, ...fact });
    }
    if (!problems.empty) throw new ImportRejectedError(table.file, problems.items);
    const ids: number[] = [];
    for (const { a } of checked) ids.push(await insertActing(tx, a));
    const result = { file: table.file, rows: checked.length };
    await appendAudit(tx, { actor: opts.actor, action: 'acting.imported', subject: table.file, data: { ...result, ids, sha256: table.digest() } }, (opts.clock ?? systemClock).now());
    return result;
  });
}
