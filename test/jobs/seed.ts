/** Test data for the job suites, written with plain SQL so the tests do not depend on the CLI's importers. */
import type { EntityManager } from '@mikro-orm/postgresql';
import { loadConfig, type Config } from '../../src/config.js';

let nipCounter = 0;
/** A unique 18-digit NIP-shaped string per call (format only; the jobs never validate NIPs). */
export function nextNip(): string {
  nipCounter++;
  return `19850312201001${String(1000 + (nipCounter % 9000)).padStart(4, '0')}`.slice(0, 14) + String(nipCounter).padStart(4, '0');
}

export async function sql<T = Record<string, unknown>>(em: EntityManager, query: string, params: unknown[] = []): Promise<T[]> {
  return em.getConnection().execute<T[]>(query, params);
}

export async function addUnit(em: EntityManager, code: string, opts: { parentId?: number; orgRating?: string; announce?: Record<string, string> } = {}): Promise<number> {
  const [u] = await sql<{ id: number }>(
    em,
    `insert into unit (code, name, parent_id, org_rating, announce_channels, review_channels, created_at, updated_at) values (?, ?, ?, ?, ?, '{}', now(), now()) returning id`,
    [code, `Unit ${code}`, opts.parentId ?? null, opts.orgRating ?? null, JSON.stringify(opts.announce ?? {})],
  );
  return u.id;
}

export interface PersonSpec {
  name: string;
  unitId: number;
  supervisorId?: number | null;
  timezone?: string;
  locale?: 'id' | 'en';
  roles?: string[];
  /** Linked chat: platform and chat id; default telegram with a chat named after the person. */
  chat?: { platform: string; chatId: string } | null;
  optOut?: boolean;
  position?: string;
}

export async function addPerson(em: EntityManager, p: PersonSpec): Promise<number> {
  const nip = nextNip();
  const [e] = await sql<{ id: number }>(
    em,
    `insert into employee (nip, name, position, position_kind, unit_id, supervisor_id, roles, timezone, locale, active, opt_out_announcements, created_at, updated_at)
     values (?, ?, ?, 'pelaksana', ?, ?, ?::text[], ?, ?, true, ?, now(), now()) returning id`,
    [nip, p.name, p.position ?? 'Analis', p.unitId, p.supervisorId ?? null, `{${(p.roles ?? ['pegawai']).join(',')}}`, p.timezone ?? 'Asia/Jakarta', p.locale ?? 'id', p.optOut ?? false],
  );
  const chat = p.chat === undefined ? { platform: 'telegram', chatId: `chat-${p.name}` } : p.chat;
  if (chat) {
    await sql(em, `insert into chat_identity (platform, platform_user_id, chat_id, employee_id, linked_at) values (?, ?, ?, ?, now())`, [chat.platform, `u-${e.id}`, chat.chatId, e.id]);
  }
  return e.id;
}

export async function addCycle(
  em: EntityManager,
  opts: { name?: string; selfDeadline: string; reviewDeadline: string; status?: string; indicators?: number; settings?: Record<string, unknown> },
): Promise<number> {
  const [c] = await sql<{ id: number }>(
    em,
    `insert into cycle (name, kind, period_start, period_end, self_deadline, review_deadline, status, template_code, matrix_version, settings, created_at)
     values (?, 'triwulan', '2025-01-01', '2025-03-31', ?, ?, ?, 'standar', 'v1', ?, now()) returning id`,
    [opts.name ?? 'Triwulan I 2025', opts.selfDeadline, opts.reviewDeadline, opts.status ?? 'open', JSON.stringify(opts.settings ?? {})],
  );
  for (let i = 0; i < (opts.indicators ?? 5); i++) {
    await sql(em, `insert into indicator (cycle_id, code, kind, name_id, name_en, position) values (?, ?, 'hasil_kerja', ?, ?, ?)`, [c.id, `IND${i}`, `Indikator ${i}`, `Indicator ${i}`, i]);
  }
  return c.id;
}

export async function addAssessment(em: EntityManager, cycleId: number, employeeId: number, status = 'draft'): Promise<number> {
  const [a] = await sql<{ id: number }>(
    em,
    `insert into assessment (employee_id, cycle_id, status, round, thread_key, late, version, created_at, updated_at) values (?, ?, ?, 1, md5(random()::text), false, 1, now(), now()) returning id`,
    [employeeId, cycleId, status],
  );
  return a.id;
}

/** Answers `done` of the cycle's indicators with a realisasi and a narrative. */
export async function answer(em: EntityManager, assessmentId: number, done: number): Promise<void> {
  const inds = await sql<{ id: number }>(em, `select i.id from indicator i join assessment a on a.cycle_id = i.cycle_id where a.id = ? order by i.position limit ?`, [assessmentId, done]);
  for (const i of inds) {
    await sql(em, `insert into answer (assessment_id, item_key, indicator_id, realisasi, narrative, evidence, evidence_skipped, updated_at) values (?, ?, ?, 10, 'selesai', '[]', false, now())`, [assessmentId, `ind:${i.id}`, i.id]);
  }
}

export async function addOutbox(em: EntityManager, chatId: string, text: string, opts: { platform?: string; createdAt?: Date } = {}): Promise<number> {
  const [o] = await sql<{ id: string }>(
    em,
    `insert into outbox_message (platform, chat_id, payload, dedupe_key, status, attempts, created_at) values (?, ?, ?, ?, 'pending', 0, ?) returning id`,
    [opts.platform ?? 'telegram', chatId, JSON.stringify({ text }), `test:${chatId}:${text}:${Math.random()}`, opts.createdAt ?? new Date()],
  );
  return Number(o.id);
}

/** Configuration for tests: defaults, plus the given variables. */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ LOG_LEVEL: 'silent', ...env });
}

/** Polls `check` until it is truthy (state changes made by workers), failing after `ms`. Not used for timing. */
export async function eventually<T>(check: () => Promise<T | undefined | false | null>, ms = 15_000, what = 'condition'): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A unique BullMQ prefix per test file, so parallel files do not collide on the shared Redis. */
export function uniquePrefix(label: string): string {
  return `t_${label}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
}
