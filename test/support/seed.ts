/**
 * Test data, in one place: composable builders for what the engine, platform, jobs tests and the benchmarks
 * need in the database (units, an organisation with its supervisor tree, chat identities, cycles with
 * indicators and targets, assessments and answers, acting assignments), plus set-based variants for the
 * benchmarks' thousands of rows. Plain SQL on purpose, so tests do not depend on the CLI's importers; a
 * column a builder is not given keeps the schema's default.
 */
import { randomBytes } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { CURRENT_PREDICATE_MATRIX } from '../../src/domain/ratings.js';

export type PositionKind = 'jpt' | 'administrator' | 'pengawas' | 'pelaksana' | 'fungsional';
export type ChatPlatform = 'telegram' | 'slack' | 'console';
export type CycleKind = 'bulanan' | 'triwulan' | 'semester' | 'tahunan';
export type CycleStatus = 'draft' | 'open' | 'reviewing' | 'closed' | 'announced';
export type AssessmentStatus = 'draft' | 'submitted' | 'returned' | 'reviewed' | 'announced';

/** Runs one statement (`?` placeholders) and returns its rows. */
export async function sql<T = Record<string, unknown>>(em: EntityManager, query: string, params: unknown[] = []): Promise<T[]> {
  return em.getConnection().execute<T[]>(query, params);
}

/** Inserts one row with the given columns (undefined ones left to the schema's default) and returns its id. */
async function insertRow(em: EntityManager, table: string, row: Record<string, unknown>): Promise<number> {
  const columns = Object.keys(row).filter((c) => row[c] !== undefined);
  const [r] = await sql<{ id: number | string }>(
    em,
    `insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')}) returning id`,
    columns.map((c) => row[c]),
  );
  return Number(r.id);
}

/** A 32-character hex thread key, unique like the product's. */
export function newThreadKey(): string {
  return randomBytes(16).toString('hex');
}

let nipCounter = 0;
/** A unique 18-digit NIP-shaped string per call (format only; for people whose NIP no test reads). */
export function nextNip(): string {
  nipCounter++;
  return `19850312201001${String(1000 + (nipCounter % 9000)).padStart(4, '0')}`.slice(0, 14) + String(nipCounter).padStart(4, '0');
}

// ---------------------------------------------------------------------------------------------------------
// Units, employees, chat identities

export interface UnitSpec {
  /** Default `Unit <code>`. */
  name?: string;
  parentId?: number;
  orgRating?: string;
  /** Where the unit's announcements go, per platform. */
  announce?: Record<string, string>;
}

export async function addUnit(em: EntityManager, code: string, opts: UnitSpec = {}): Promise<number> {
  return insertRow(em, 'unit', {
    code,
    name: opts.name ?? `Unit ${code}`,
    parent_id: opts.parentId,
    org_rating: opts.orgRating,
    announce_channels: opts.announce ? JSON.stringify(opts.announce) : undefined,
  });
}

export interface EmployeeSpec {
  name: string;
  unitId: number;
  /** Default: a fresh NIP-shaped number (`nextNip`). */
  nip?: string;
  email?: string;
  /** Default `pelaksana`. */
  kind?: PositionKind;
  position?: string;
  supervisorId?: number | null;
  locale?: 'id' | 'en';
  timezone?: string;
  roles?: string[];
  active?: boolean;
  optOut?: boolean;
}

export async function addEmployee(em: EntityManager, e: EmployeeSpec): Promise<number> {
  return insertRow(em, 'employee', {
    nip: e.nip ?? nextNip(),
    name: e.name,
    email: e.email,
    position: e.position,
    position_kind: e.kind ?? 'pelaksana',
    unit_id: e.unitId,
    supervisor_id: e.supervisorId ?? undefined,
    roles: e.roles ? `{${e.roles.join(',')}}` : undefined,
    timezone: e.timezone,
    locale: e.locale,
    active: e.active,
    opt_out_announcements: e.optOut,
  });
}

export interface ChatSpec {
  platform: ChatPlatform;
  /** The person's id on the platform. */
  userId: string;
  /** The chat the bot writes to; default the user id (a private chat). */
  chatId?: string;
}

/** Links an employee to a platform account, as a redeemed link code (or the Slack e-mail match) does. */
export async function linkChat(em: EntityManager, employeeId: number, chat: ChatSpec): Promise<number> {
  return insertRow(em, 'chat_identity', { platform: chat.platform, platform_user_id: chat.userId, chat_id: chat.chatId ?? chat.userId, employee_id: employeeId });
}

export interface PersonSpec extends Omit<EmployeeSpec, 'nip'> {
  /** Linked chat; default telegram, user `u-<id>`, chat `chat-<name>`; null for nobody linked. */
  chat?: { platform: ChatPlatform; chatId: string } | null;
}

/** An employee with a linked chat, for suites where who they are matters less than that they exist. */
export async function addPerson(em: EntityManager, p: PersonSpec): Promise<number> {
  const { chat: chatSpec, ...employee } = p;
  const id = await addEmployee(em, { position: 'Analis', ...employee });
  const chat = chatSpec === undefined ? { platform: 'telegram' as const, chatId: `chat-${p.name}` } : chatSpec;
  if (chat) await linkChat(em, id, { platform: chat.platform, userId: `u-${id}`, chatId: chat.chatId });
  return id;
}

/** One person of an organisation; `supervisor` names an earlier person of the same organisation. */
export interface OrgMember extends Omit<EmployeeSpec, 'unitId' | 'supervisorId'> {
  supervisor?: string | null;
  chats?: ChatSpec[];
}

export interface Organisation<K extends string> {
  unitId: number;
  /** Employee ids by the keys the organisation was described with. */
  ids: Record<K, number>;
}

/**
 * One unit and its people in their supervisor tree, with their linked chats, inserted in the order given
 * (a supervisor before the people they rate).
 */
export async function addOrganisation<K extends string>(
  em: EntityManager,
  org: { unit: { code: string } & UnitSpec; people: Record<K, OrgMember> },
): Promise<Organisation<K>> {
  const { code, ...unitSpec } = org.unit;
  const unitId = await addUnit(em, code, unitSpec);
  const ids = {} as Record<K, number>;
  for (const [key, member] of Object.entries(org.people) as [K, OrgMember][]) {
    const { supervisor, chats, ...employee } = member;
    if (supervisor && ids[supervisor as K] === undefined) throw new Error(`seed: ${key}'s supervisor ${supervisor} must come before them`);
    ids[key] = await addEmployee(em, { ...employee, unitId, supervisorId: supervisor ? ids[supervisor as K] : null });
    for (const chat of chats ?? []) await linkChat(em, ids[key], chat);
  }
  return { unitId, ids };
}

/** A PLT/PLH acting for someone between two dates (inclusive). */
export async function addActing(em: EntityManager, a: { kind: 'plt' | 'plh'; actingId: number; forId: number; startsOn: string; endsOn: string }): Promise<number> {
  return insertRow(em, 'acting_assignment', { kind: a.kind, acting_employee_id: a.actingId, for_employee_id: a.forId, starts_on: a.startsOn, ends_on: a.endsOn });
}

/** A link code for an employee: only its SHA-256 is stored, as `kinerja link-code` does. */
export async function addLinkCode(em: EntityManager, employeeId: number, codeHash: string, expiresAt: Date): Promise<number> {
  return insertRow(em, 'link_code', { employee_id: employeeId, code_hash: codeHash, expires_at: expiresAt });
}

// ---------------------------------------------------------------------------------------------------------
// Cycles, indicators, targets, assessments

export interface IndicatorSpec {
  code: string;
  kind?: 'hasil_kerja' | 'perilaku';
  nameId: string;
  nameEn: string;
  unitOfMeasure?: string | null;
  target?: number | null;
  /** Default: its place in the list (from 1). */
  position?: number;
}

/** The standard indicators of the engine, Telegram and benchmark cycles: two results and the behaviour. */
export const STANDARD_INDICATORS: readonly IndicatorSpec[] = [
  { code: 'kualitas', nameId: 'Kualitas pelayanan', nameEn: 'Service quality', unitOfMeasure: '%', target: 90 },
  { code: 'respons', nameId: 'Kecepatan respons', nameEn: 'Response speed', unitOfMeasure: 'jam', target: 24 },
  { code: 'berakhlak', kind: 'perilaku', nameId: 'Perilaku BerAKHLAK', nameEn: 'BerAKHLAK behaviour' },
];

/** `n` plain result indicators `IND0`, `IND1`, ... at positions 0, 1, ... */
export function numberedIndicators(n: number): IndicatorSpec[] {
  return Array.from({ length: n }, (_, i) => ({ code: `IND${i}`, nameId: `Indikator ${i}`, nameEn: `Indicator ${i}`, position: i }));
}

export interface CycleSpec {
  /** Default `Triwulan I 2025`. */
  name?: string;
  /** Default `triwulan`. */
  kind?: CycleKind;
  /** Default 1 January 2025. */
  periodStart?: string;
  /** Default 31 March 2025. */
  periodEnd?: string;
  selfDeadline: string;
  reviewDeadline: string;
  /** Default `open`. */
  status?: CycleStatus;
  /** Default `standar`. */
  templateCode?: string;
  /** Default `v1`. */
  matrixVersion?: string;
  settings?: Record<string, unknown>;
  /** The indicators, or how many numbered ones (`numberedIndicators`); default 5 numbered. */
  indicators?: readonly IndicatorSpec[] | number;
}

/** The quarter the engine and Telegram suites and the engine benchmark run in: open on 1 December 2026. */
export const TRIWULAN_IV_2026 = {
  name: 'Triwulan IV 2026',
  kind: 'triwulan',
  periodStart: '2026-10-01',
  periodEnd: '2026-12-31',
  selfDeadline: '2027-01-05',
  reviewDeadline: '2027-01-20',
  status: 'open',
  templateCode: 'dki-standar',
  matrixVersion: 'permenpanrb-6-2022-v1',
  indicators: STANDARD_INDICATORS,
} as const satisfies CycleSpec;

/** A cycle with its indicators; returns the cycle id. */
export async function addCycle(em: EntityManager, c: CycleSpec): Promise<number> {
  const id = await insertRow(em, 'cycle', {
    name: c.name ?? 'Triwulan I 2025',
    kind: c.kind ?? 'triwulan',
    period_start: c.periodStart ?? '2025-01-01',
    period_end: c.periodEnd ?? '2025-03-31',
    self_deadline: c.selfDeadline,
    review_deadline: c.reviewDeadline,
    status: c.status ?? 'open',
    template_code: c.templateCode ?? 'standar',
    matrix_version: c.matrixVersion ?? 'v1',
    settings: c.settings ? JSON.stringify(c.settings) : undefined,
  });
  await addIndicators(em, id, typeof c.indicators === 'number' || c.indicators === undefined ? numberedIndicators(c.indicators ?? 5) : c.indicators);
  return id;
}

export async function addIndicators(em: EntityManager, cycleId: number, indicators: readonly IndicatorSpec[]): Promise<number[]> {
  const ids: number[] = [];
  for (const [i, ind] of indicators.entries()) {
    ids.push(
      await insertRow(em, 'indicator', {
        cycle_id: cycleId,
        code: ind.code,
        kind: ind.kind ?? 'hasil_kerja',
        name_id: ind.nameId,
        name_en: ind.nameEn,
        unit_of_measure: ind.unitOfMeasure ?? undefined,
        target: ind.target ?? undefined,
        position: ind.position ?? i + 1,
      }),
    );
  }
  return ids;
}

export interface TargetSpec {
  code: string;
  rhkKind?: 'utama' | 'tambahan';
  /** Rencana hasil kerja. */
  rhk: string;
  /** Indikator kinerja individu. */
  iki: string;
  target: number;
  unitOfMeasure: string;
  position?: number;
}

/** The SKP target the engine and Telegram suites give Ani. */
export const SCHOOL_REPORTS_TARGET: TargetSpec = {
  code: 'RHK-1',
  rhk: 'Laporan layanan sekolah tersusun',
  iki: 'Jumlah laporan layanan',
  target: 12,
  unitOfMeasure: 'laporan',
  position: 1,
};

/** One SKP target (RHK/IKI) of an employee in a cycle. */
export async function addTarget(em: EntityManager, employeeId: number, cycleId: number, t: TargetSpec): Promise<number> {
  return insertRow(em, 'employee_target', {
    employee_id: employeeId,
    cycle_id: cycleId,
    code: t.code,
    rhk_kind: t.rhkKind ?? 'utama',
    rhk: t.rhk,
    iki: t.iki,
    target: t.target,
    unit_of_measure: t.unitOfMeasure,
    position: t.position,
  });
}

/** An employee's assessment in a cycle (a draft with a fresh thread key unless told otherwise). */
export async function addAssessment(em: EntityManager, cycleId: number, employeeId: number, opts: { status?: AssessmentStatus; threadKey?: string } = {}): Promise<number> {
  return insertRow(em, 'assessment', { employee_id: employeeId, cycle_id: cycleId, status: opts.status, thread_key: opts.threadKey ?? newThreadKey() });
}

/** Answers the first `done` of the cycle's indicators with a realisasi and a narrative. */
export async function answer(em: EntityManager, assessmentId: number, done: number): Promise<void> {
  const inds = await sql<{ id: number }>(em, `select i.id from indicator i join assessment a on a.cycle_id = i.cycle_id where a.id = ? order by i.position limit ?`, [assessmentId, done]);
  for (const i of inds) {
    await sql(em, `insert into answer (assessment_id, item_key, indicator_id, realisasi, narrative, evidence, evidence_skipped, updated_at) values (?, ?, ?, 10, 'selesai', '[]', false, now())`, [assessmentId, `ind:${i.id}`, i.id]);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Set-based builders for benchmarks and load tests: one statement for thousands of rows.

/** `count` units `<codePrefix>1` ... in one statement; returns their ids in order. */
export async function addUnitsBulk(em: EntityManager, count: number, opts: { codePrefix?: string; namePrefix?: string } = {}): Promise<number[]> {
  const rows = await sql<{ id: number }>(
    em,
    `insert into unit (code, name) select ? || g, ? || g from generate_series(1, ?) g order by g returning id`,
    [opts.codePrefix ?? 'U', opts.namePrefix ?? 'Unit ', count],
  );
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

export interface EmployeesBulkSpec {
  count: number;
  /** NIP = prefix + the number zero-padded to 18 digits in all. Default `19`. */
  nipPrefix?: string;
  /** Name = prefix + the number. Default `Pegawai `. */
  namePrefix?: string;
  kind?: PositionKind;
  /** Person g goes to unitIds[g mod n] (so with one unit, everyone is in it). */
  unitIds: readonly number[];
  /** Person g is rated by supervisorIds[g mod n]; none when absent. */
  supervisorIds?: readonly number[];
  /** Person g lives in timezones[g mod n]; the schema's default when absent. */
  timezones?: readonly string[];
  /** The first `admins` people are HR admins too. */
  admins?: number;
}

/** Many employees in one statement, numbered 1..count. */
export async function addEmployeesBulk(em: EntityManager, e: EmployeesBulkSpec): Promise<void> {
  const prefix = e.nipPrefix ?? '19';
  const supervisors = e.supervisorIds ?? [];
  const zones = e.timezones ?? ['Asia/Jakarta'];
  await sql(
    em,
    `insert into employee (nip, name, position_kind, unit_id, supervisor_id, roles, timezone)
     select ? || lpad(g::text, ?, '0'), ? || g, ?,
            (?::int[])[1 + (g % ?)],
            case when ? > 0 then (?::int[])[1 + (g % greatest(?, 1))] end,
            case when g <= ? then '{pegawai,admin}'::text[] else '{pegawai}'::text[] end,
            (?::text[])[1 + (g % ?)]
       from generate_series(1, ?) g`,
    [
      prefix,
      18 - prefix.length,
      e.namePrefix ?? 'Pegawai ',
      e.kind ?? 'pelaksana',
      `{${e.unitIds.join(',')}}`,
      e.unitIds.length,
      supervisors.length,
      `{${supervisors.join(',')}}`,
      supervisors.length,
      e.admins ?? 0,
      `{${zones.join(',')}}`,
      zones.length,
      e.count,
    ],
  );
}

/** Makes each unit's head (one of `headIds`) the supervisor of everyone else in that unit. */
export async function superviseByUnitHeads(em: EntityManager, headIds: readonly number[]): Promise<void> {
  await sql(em, `update employee e set supervisor_id = h.id from employee h where h.id = any(?::int[]) and h.unit_id = e.unit_id and e.id <> h.id`, [`{${headIds.join(',')}}`]);
}

/** Links every employee without a chat on `platform`: user `<userPrefix><id>`, chat `<chatPrefix><id>`. */
export async function linkChatsBulk(em: EntityManager, opts: { platform?: ChatPlatform; userPrefix?: string; chatPrefix?: string } = {}): Promise<void> {
  await sql(
    em,
    `insert into chat_identity (platform, platform_user_id, chat_id, employee_id)
     select ?, ? || e.id, ? || e.id, e.id from employee e
      where not exists (select 1 from chat_identity c where c.employee_id = e.id and c.platform = ?)`,
    [opts.platform ?? 'telegram', opts.userPrefix ?? '', opts.chatPrefix ?? 'chat-', opts.platform ?? 'telegram'],
  );
}

/** A draft assessment in `cycleId` for every employee (only those with a supervisor when `supervisedOnly`). */
export async function addAssessmentsBulk(em: EntityManager, cycleId: number, opts: { supervisedOnly?: boolean } = {}): Promise<void> {
  await sql(
    em,
    `insert into assessment (employee_id, cycle_id, thread_key)
     select id, ?, md5(? || ':' || id) from employee ${opts.supervisedOnly ? 'where supervisor_id is not null' : ''}`,
    [cycleId, `${cycleId}:${randomBytes(4).toString('hex')}`],
  );
}

// ---------------------------------------------------------------------------------------------------------
// Fixtures shared by several suites

/** Triwulan I 2027 with one result indicator, on the current predicate matrix: the Slack suites' cycle. */
export const TRIWULAN_I_2027 = {
  name: 'Triwulan I 2027',
  kind: 'triwulan',
  periodStart: '2027-01-01',
  periodEnd: '2027-03-31',
  selfDeadline: '2027-04-07',
  reviewDeadline: '2027-04-14',
  status: 'open',
  templateCode: 'default',
  matrixVersion: CURRENT_PREDICATE_MATRIX.version,
  indicators: [{ code: 'kualitas_pelayanan', nameId: 'Kualitas pelayanan', nameEn: 'Service quality', unitOfMeasure: 'persen', target: 100 }],
} as const satisfies CycleSpec;

/**
 * The Slack suites' team: Budi Santoso (administrator) rates Siti Rahma in Triwulan I 2027, and Siti's
 * assessment is waiting. Nobody is linked: Slack links people by their e-mail address.
 */
export async function addSlackTeam(em: EntityManager, opts: { sitiEmail?: string } = {}): Promise<{ ids: { budi: number; siti: number }; cycleId: number; sitiAssessment: number }> {
  const { ids } = await addOrganisation(em, {
    unit: { code: 'DISDIK', name: 'Dinas Pendidikan' },
    people: {
      budi: { nip: '197801012005011001', name: 'Budi Santoso', email: 'budi.santoso@jakarta.go.id', kind: 'administrator' },
      siti: { nip: '198503122010012002', name: 'Siti Rahma', email: opts.sitiEmail ?? 'siti.rahma@jakarta.go.id', kind: 'pelaksana', supervisor: 'budi' },
    },
  });
  const cycleId = await addCycle(em, TRIWULAN_I_2027);
  const sitiAssessment = await addAssessment(em, cycleId, ids.siti, { threadKey: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' });
  return { ids, cycleId, sitiAssessment };
}
