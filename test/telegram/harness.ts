/**
 * The Telegram stack as production wires it, on a fresh PostgreSQL database: the real engine (ManualClock),
 * the Telegram adapter in polling or webhook mode on the app's HTTP server, and our fake Bot API server as
 * Telegram. Outbox rows are delivered right after each commit through `deliverOutboxRow` and the adapter's
 * sender, standing in for the BullMQ delivery worker.
 */
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { FakeTelegram, type FakeUser, type Injected } from '../support/fake-telegram.js';
import { createTelegramAdapter, type TelegramAdapter } from '../../src/adapters/telegram/adapter.js';
import { ManualClock } from '../../src/clock.js';
import { deliverOutboxRow } from '../../src/jobs/deliver-row.js';
import type { ConversationEngine, ExclusiveRoles, HandleResult, IncomingEvent, PlatformSender } from '../../src/contract/index.js';
import { createEngine } from '../../src/engine/engine.js';
import { createInboxConsumer } from '../../src/engine/inbox-consumer.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { addAssessment, addCycle, addLinkCode, addOrganisation, addTarget, SCHOOL_REPORTS_TARGET, TRIWULAN_IV_2026 } from '../support/seed.js';
import { ingressLookups } from '../../src/db/lookups.js';
import { capabilitiesOf } from '../../src/engine/capabilities.js';
import { PLATFORM_MODULES } from '../../src/platforms.js';

export const TOKEN = '123456789:TEST-telegram-adapter-token-xyz';
export const SECRET = 'kinerja-webhook-secret-0123456789';
/** 1 December 2026, 10:00 WIB: inside the open cycle. */
export const T0 = new Date('2026-12-01T03:00:00Z');

/** Telegram users of the seeded unit: Ani (pelaksana) is rated by Sari (administrator). */
export const ANI: FakeUser = { id: 1001, first_name: 'Ani', last_name: 'Pegawai', language_code: 'id' };
export const SARI: FakeUser = { id: 2001, first_name: 'Sari', last_name: 'Atasan', language_code: 'id' };
/** Someone HR never gave a code. */
export const STRANGER: FakeUser = { id: 9001, first_name: 'Tamu', language_code: 'id' };

export interface TelegramHarness {
  mode: 'polling' | 'webhook';
  db: TestDatabase;
  fake: FakeTelegram;
  http: HttpServer;
  /** Where the app's webhook route listens. */
  webhookUrl: string;
  adapter: TelegramAdapter;
  clock: ManualClock;
  /** Link codes (plain) per seeded person; only their SHA-256 is in the database. */
  codes: { ani: string; sari: string };
  employeeIds: { ani: number; sari: number };
  assessmentIds: { ani: number; sari: number };
  threadKeys: { ani: string; sari: string };
  /** Injects an update through the fake and resolves once the engine has handled it and its messages went out. */
  act(inject: () => Promise<Injected>): Promise<{ update: Injected['update']; status?: number; result: HandleResult | null }>;
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Resolves once every stored update has been handled. */
  settled(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts everything; `start: false` leaves the adapter stopped (to test what happens before start); `exclusive`
 * hands the adapter the polling role's lease (default: none, the adapter polls unguarded).
 */
export async function createTelegramHarness(mode: 'polling' | 'webhook', opts: { start?: boolean; exclusive?: ExclusiveRoles } = {}): Promise<TelegramHarness> {
  const db = await createTestDatabase();
  const conn = db.orm.em.getConnection();
  const q = <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => conn.execute<T[]>(sql, params);
  const em = db.orm.em;

  const { ids } = await addOrganisation(em, {
    unit: { code: 'DISDIK', name: 'Dinas Pendidikan' },
    people: {
      sari: { nip: '198001012005012002', name: 'Sari Atasan', kind: 'administrator', locale: 'id' },
      ani: { nip: '199001012015032003', name: 'Ani Pegawai', kind: 'pelaksana', supervisor: 'sari', locale: 'id' },
    },
  });
  const cycleId = await addCycle(em, TRIWULAN_IV_2026);
  await addTarget(em, ids.ani, cycleId, SCHOOL_REPORTS_TARGET);
  const threadKeys = { ani: 'a'.repeat(24) + '00000001', sari: 'b'.repeat(24) + '00000002' };
  const assessmentIds = {
    ani: await addAssessment(em, cycleId, ids.ani, { threadKey: threadKeys.ani }),
    sari: await addAssessment(em, cycleId, ids.sari, { threadKey: threadKeys.sari }),
  };
  // What `kinerja link-code` hands out: a plain code for the person, its SHA-256 in the table.
  const codes = { ani: 'ANI7K2Q9', sari: 'SARI4M8X' };
  for (const [code, employeeId] of [[codes.ani, ids.ani], [codes.sari, ids.sari]] as const) {
    await addLinkCode(em, employeeId, createHash('sha256').update(code).digest('hex'), new Date(T0.getTime() + 72 * 3600_000));
  }

  const fake = await FakeTelegram.start({ token: TOKEN });
  const http = createHttpServer({ port: 0, host: '127.0.0.1' });
  const port = await http.start();
  const webhookUrl = `http://127.0.0.1:${port}/telegram/webhook`;
  const clock = new ManualClock(T0);
  const logger = createLogger('silent');
  const handled = new EventEmitter();
  const inboxHolds = async (eventId: string) => (await q(`select 1 from inbox_event where platform = 'telegram' and event_id = ?`, [eventId])).length > 0;
  const results = new Map<string, HandleResult>();

  // The adapter's sender is created with the adapter; delivery finds it here once the adapter exists.
  const senders = new Map<string, PlatformSender>();
  const engine = createEngine({
    capabilities: capabilitiesOf(PLATFORM_MODULES),
    orm: db.orm,
    config: { REALISASI_MAX_MULTIPLE: 5, EVIDENCE_MAX_MB: 20, DRAFT_IDLE_MINUTES: 600 },
    clock,
    logger,
    onCommitted: async (ids) => {
      for (const id of ids) await deliverOutboxRow(db.orm.em.fork(), senders, id);
    },
  });
  // The real engine, observed: tests learn when an update's handling has finished (polling has no response).
  const observed: ConversationEngine = {
    async handle(event: IncomingEvent) {
      const result = await engine.handle(event);
      results.set(event.eventId, result);
      handled.emit('handled');
      return result;
    },
  };
  const inbox = createInboxConsumer({ orm: db.orm, engine: observed, logger, databaseUrl: db.url });
  await inbox.start();
  const adapter: TelegramAdapter = createTelegramAdapter({
    config: {
      TELEGRAM_BOT_TOKEN: TOKEN,
      TELEGRAM_API_ROOT: fake.apiRoot,
      TELEGRAM_MODE: mode,
      TELEGRAM_WEBHOOK_URL: webhookUrl,
      TELEGRAM_WEBHOOK_SECRET: SECRET,
    },
    inbox,
    http,
    lookups: ingressLookups(db.orm),
    logger,
    ...(opts.exclusive ? { exclusive: opts.exclusive } : {}),
  });
  senders.set('telegram', adapter.sender);
  if (opts.start !== false) await adapter.start();

  return {
    mode,
    db,
    fake,
    http,
    webhookUrl,
    adapter,
    clock,
    codes,
    employeeIds: { ani: ids.ani, sari: ids.sari },
    assessmentIds,
    threadKeys,
    async act(inject) {
      const injected = await inject();
      const eventId = String(injected.update.update_id);
      // The update is acknowledged once stored; the engine handles it just after. An ignored update never gets there.
      if (mode === 'webhook' && injected.status !== 200) return { ...injected, result: null };
      if (mode === 'webhook' && !(await inboxHolds(eventId))) return { ...injected, result: null };
      const result = await new Promise<HandleResult>((resolve, reject) => {
        const check = () => {
          if (!results.has(eventId)) return;
          clearTimeout(timer);
          handled.off('handled', check);
          resolve(results.get(eventId)!);
        };
        const timer = setTimeout(() => {
          handled.off('handled', check);
          reject(new Error(`update ${eventId} was not handled within 10 s`));
        }, 10_000);
        handled.on('handled', check);
        check();
      });
      // A button press is answered after the engine returns; wait for that too.
      const cb = injected.update.callback_query?.id;
      if (cb) await fake.waitFor(() => fake.callbackAnswer(cb)?.answered, 5000, `answer to callback ${cb}`);
      return { ...injected, result };
    },
    query: (sql, params = []) => q(sql, params),
    async settled() {
      const deadline = Date.now() + 10_000;
      while ((await q<{ n: number }>(`select count(*)::int as n from inbox_event where status = 'pending'`))[0].n > 0) {
        if (Date.now() > deadline) throw new Error('inbox rows still pending after 10 s');
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      await adapter.stop();
      await inbox.stop();
      await http.stop();
      await fake.stop();
      await db.close();
    },
  };
}
