/**
 * A conversation-engine harness: a fresh PostgreSQL database with a small organisation (one unit, a
 * supervisor tree, an open cycle with indicators and targets, assessments, linked Telegram accounts), an
 * engine on a ManualClock, and helpers that talk to it the way a platform adapter would.
 */
import { randomBytes } from 'node:crypto';
import { ManualClock } from '../../src/clock.js';
import type { HandleResult, IncomingEvent, IncomingFile, OutgoingMessage, Platform } from '../../src/contract/index.js';
import { createEngine, type Engine } from '../../src/engine/engine.js';
import { createLogger } from '../../src/logger.js';
import { createPgliteDatabase, createTestDatabase, type TestDatabase } from './db.js';
import { addAssessment, addCycle, addOrganisation, addTarget, newThreadKey, SCHOOL_REPORTS_TARGET, TRIWULAN_IV_2026, type OrgMember } from './seed.js';
import { capabilitiesOf } from '../../src/engine/capabilities.js';
import { PLATFORM_MODULES } from '../../src/platforms.js';
import { messageForPlatform } from '../../src/contract/index.js';

/** A stored message as its reader gets it: made platform-true as delivery does. */
function asDelivered(payload: OutgoingMessage, platform: string): OutgoingMessage {
  return messageForPlatform(payload, PLATFORM_MODULES.find((m) => m.name === platform)?.capabilities ?? { commandPrefix: '/', threads: false });
}

/** People of the seeded organisation, by short name. */
export const PEOPLE = {
  kepala: { nip: '197001011990031001', name: 'Kepala Dinas', kind: 'jpt', supervisor: null, locale: 'id', tg: '3001' },
  sari: { nip: '198001012005012002', name: 'Sari Atasan', kind: 'administrator', supervisor: 'kepala', locale: 'id', tg: '2001' },
  ani: { nip: '199001012015032003', name: 'Ani Pegawai', kind: 'pelaksana', supervisor: 'sari', locale: 'id', tg: '1001' },
  budi: { nip: '199102022016031004', name: 'Budi Staff', kind: 'pelaksana', supervisor: 'sari', locale: 'en', tg: '1002' },
  citra: { nip: '199203032017032005', name: 'Citra Pegawai', kind: 'pelaksana', supervisor: 'sari', locale: 'id', tg: '1003' },
  plh: { nip: '198502022010012006', name: 'Putra PLH', kind: 'pengawas', supervisor: 'kepala', locale: 'id', tg: '5001' },
  hr: { nip: '198803032012032007', name: 'Hana HR', kind: 'pelaksana', supervisor: 'kepala', locale: 'id', tg: '4001', admin: true },
} as const;
export type Person = keyof typeof PEOPLE;

/** The channel where the unit's announcements go. */
export const ANNOUNCE_CHAT = '-100777';
/** Start of every harness clock: 1 December 2026, 10:00 WIB. */
export const T0 = new Date('2026-12-01T03:00:00Z');

export interface SentMessage extends OutgoingMessage {
  outboxId: number;
  chatId: string;
  platform: string;
}

export interface EngineHarness {
  db: TestDatabase;
  engine: Engine;
  clock: ManualClock;
  ids: Record<Person, number>;
  assessmentOf: Record<Person, number>;
  threadKeyOf: Record<Person, string>;
  cycleId: number;
  /** Text or `/command args` from a person (a seeded name, or any other string as an unlinked Telegram user id). */
  send(who: string, text: string, extra?: Partial<IncomingEvent>): Promise<HandleResult>;
  /** Presses a button of the latest message with buttons sent to `who`: by label (substring) or flat index. */
  press(who: string, button: string | number): Promise<HandleResult>;
  /** Sends an action event with an arbitrary token. */
  pressToken(who: string, token: string): Promise<HandleResult>;
  sendFile(who: string, file: IncomingFile, caption?: string): Promise<HandleResult>;
  /** A raw event through the engine. */
  handle(event: IncomingEvent): Promise<HandleResult>;
  /** Builds an event for `who` with a fresh event id. */
  event(who: string, kind: IncomingEvent['kind'], payload: string, extra?: Partial<IncomingEvent>): IncomingEvent;
  /** New messages to `who` written since the start of the latest harness call (edits of earlier ones excluded). */
  lastMessages(who: string): Promise<SentMessage[]>;
  /** Edits of earlier messages to `who` (answered prompts losing their buttons) since the latest harness call. */
  lastEdits(who: string): Promise<SentMessage[]>;
  /** Every message to `who`. */
  allMessages(who: string): Promise<SentMessage[]>;
  /** Text of lastMessages joined, for quick assertions. */
  lastText(who: string): Promise<string>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** A new engine on the same database, as after a process restart. */
  restart(): void;
  close(): Promise<void>;
}

function chatOf(who: string): { platform: Platform; userId: string } {
  if (who in PEOPLE) return { platform: 'telegram', userId: PEOPLE[who as Person].tg };
  const [platform, userId] = who.includes(':') ? (who.split(':') as [Platform, string]) : (['telegram', who] as [Platform, string]);
  return { platform, userId };
}

/** Creates the database, seeds the organisation and starts an engine. */
export async function createEngineHarness(opts: { poolMax?: number; idleMinutes?: number; embedded?: boolean; publicUrl?: string } = {}): Promise<EngineHarness> {
  // `embedded`: the in-memory PGlite the console demo runs on, instead of the PostgreSQL server.
  const db = opts.embedded ? await createPgliteDatabase() : await createTestDatabase({ poolMax: opts.poolMax ?? 10 });
  const conn = db.orm.em.getConnection();
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => conn.execute<T[]>(sql, params);

  const em = db.orm.em;
  const { ids } = await addOrganisation(em, {
    unit: { code: 'DISDIK', name: 'Dinas Pendidikan', announce: { telegram: ANNOUNCE_CHAT } },
    people: Object.fromEntries(
      Object.entries(PEOPLE).map(([key, p]) => [
        key,
        {
          nip: p.nip,
          name: p.name,
          email: `${key}@jakarta.go.id`,
          kind: p.kind,
          supervisor: p.supervisor,
          locale: p.locale,
          roles: 'admin' in p ? ['pegawai', 'admin'] : ['pegawai'],
          chats: [{ platform: 'telegram', userId: p.tg }],
        } satisfies OrgMember,
      ]),
    ) as Record<Person, OrgMember>,
  });
  const cycleId = await addCycle(em, TRIWULAN_IV_2026);
  await addTarget(em, ids.ani, cycleId, SCHOOL_REPORTS_TARGET);
  const assessmentOf = {} as Record<Person, number>;
  const threadKeyOf = {} as Record<Person, string>;
  for (const key of Object.keys(PEOPLE) as Person[]) {
    threadKeyOf[key] = newThreadKey();
    assessmentOf[key] = await addAssessment(em, cycleId, ids[key], { threadKey: threadKeyOf[key] });
  }

  const clock = new ManualClock(T0);
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const make = () => createEngine({
    capabilities: capabilitiesOf(PLATFORM_MODULES), orm: db.orm, config: { REALISASI_MAX_MULTIPLE: 5, EVIDENCE_MAX_MB: 20, DRAFT_IDLE_MINUTES: opts.idleMinutes ?? 60, PUBLIC_URL: opts.publicUrl }, clock, logger });
  let engine = make();
  let seq = 0;
  let mark = 0;

  async function maxOutboxId(): Promise<number> {
    const [r] = await q<{ m: string | null }>(`select max(id) as m from outbox_message`);
    return Number(r.m ?? 0);
  }

  async function since(who: string): Promise<SentMessage[]> {
    const { platform, userId } = chatOf(who);
    const rows = await q<{ id: string; payload: OutgoingMessage; chat_id: string; platform: string }>(
      `select id, payload, chat_id, platform from outbox_message where platform = ? and chat_id = ? and id > ? order by id`,
      [platform, userId, mark],
    );
    return rows.map((r) => ({ ...asDelivered(r.payload, r.platform), outboxId: Number(r.id), chatId: r.chat_id, platform: r.platform }));
  }

  const h: EngineHarness = {
    db,
    get engine() {
      return engine;
    },
    clock,
    ids,
    assessmentOf,
    threadKeyOf,
    cycleId,
    event(who, kind, payload, extra = {}) {
      const { platform, userId } = chatOf(who);
      seq++;
      return { platform, platformUserId: userId, chatId: userId, eventId: `ev-${seq}-${randomBytes(3).toString('hex')}`, kind, payload, ...extra };
    },
    async handle(event) {
      mark = await maxOutboxId();
      return engine.handle(event);
    },
    async send(who, text, extra = {}) {
      const m = /^\/(\w+)(?:\s+(.*))?$/s.exec(text.trim());
      const ev = m ? h.event(who, 'command', m[1].toLowerCase(), { args: m[2] ? m[2].split(/\s+/) : [], ...extra }) : h.event(who, 'text', text, extra);
      return h.handle(ev);
    },
    async press(who, button) {
      const all = await h.allMessages(who);
      const withButtons = [...all].reverse().find((m) => m.buttons && m.buttons.length);
      if (!withButtons) throw new Error(`no message with buttons was sent to ${who}`);
      const flat = withButtons.buttons!.flat();
      const found =
        typeof button === 'number'
          ? flat[button]
          : (flat.find((b) => b.label.toLowerCase() === button.toLowerCase()) ?? flat.find((b) => b.label.toLowerCase().includes(button.toLowerCase())));
      if (!found) throw new Error(`no button "${button}" in the latest buttons to ${who}: ${flat.map((b) => b.label).join(' | ')}`);
      return h.handle(h.event(who, 'action', found.token));
    },
    async pressToken(who, token) {
      return h.handle(h.event(who, 'action', token));
    },
    async sendFile(who, file, caption = '') {
      return h.handle(h.event(who, 'file', caption, { file }));
    },
    async lastMessages(who) {
      return (await since(who)).filter((m) => m.replaceOutboxId === undefined);
    },
    async lastEdits(who) {
      return (await since(who)).filter((m) => m.replaceOutboxId !== undefined);
    },
    async allMessages(who) {
      const { platform, userId } = chatOf(who);
      const rows = await q<{ id: string; payload: OutgoingMessage; chat_id: string; platform: string }>(
        `select id, payload, chat_id, platform from outbox_message where platform = ? and chat_id = ? order by id`,
        [platform, userId],
      );
      return rows.map((r) => ({ ...asDelivered(r.payload, r.platform), outboxId: Number(r.id), chatId: r.chat_id, platform: r.platform }));
    },
    async lastText(who) {
      return (await h.lastMessages(who)).map((m) => m.text).join('\n---\n');
    },
    query: (sql, params = []) => q(sql, params),
    restart() {
      engine = make();
    },
    close: () => db.close(),
  };
  return h;
}
