/**
 * The conformance suite every platform passes (BullMQ's shared-suite style): one set of cases, run with
 * `describe.each` over the registry (src/platforms.ts). Each platform supplies only a fake of its platform
 * at the HTTP boundary (test/support/conformance/<name>.ts); the adapter and sender are built by the
 * registry module exactly as the service builds them, on the real engine and a real database. A case a
 * platform genuinely cannot have (the console has no rate limit) is reported as not applicable, by name,
 * from the module's capabilities.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInboxConsumer, type InboxConsumer } from '../../src/engine/inbox-consumer.js';
import { ingressLookups } from '../../src/db/lookups.js';
import { createExclusiveRoles } from '../../src/db/exclusive.js';
import { insertOutbox } from '../../src/db/outbox.js';
import { txOf } from '../../src/db/sql.js';
import { DeliveryError, type ConversationEngine, type HandleResult, type IncomingEvent, type OutgoingMessage, type PlatformAdapter, type PlatformCapabilities } from '../../src/contract/index.js';
import { createEngine } from '../../src/engine/engine.js';
import { createHttpServer, type HttpServer } from '../../src/http/server.js';
import { deliverOutboxRow, outboxLookups } from '../../src/jobs/deliver-row.js';
import { createLogger } from '../../src/logger.js';
import { PLATFORM_MODULES } from '../../src/platforms.js';
import { systemClock } from '../../src/clock.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { consoleConformance } from '../support/conformance/console.js';
import { slackConformance } from '../support/conformance/slack.js';
import { telegramConformance } from '../support/conformance/telegram.js';
import type { ConformanceFactory, ConformanceFake, ShownMessage } from '../support/conformance/types.js';
import { capabilitiesOf } from '../../src/engine/capabilities.js';

const FACTORIES: Record<string, ConformanceFactory> = { telegram: telegramConformance, slack: slackConformance, console: consoleConformance };

/** User text with every platform's markup: HTML (Telegram), mrkdwn mentions and emphasis (Slack), mentions elsewhere. */
const HOSTILE = `<b>&"' <!channel> *bold* _miring_ ~coret~ \`kode\` @everyone <@U123>`;

/**
 * A case that needs a capability: run when the module has it; otherwise reported, by name, as not applicable
 * (the module's capabilities say the platform lacks it), never silently skipped.
 */
function caseIf(caps: PlatformCapabilities, need: keyof PlatformCapabilities, title: string, fn: () => Promise<void>): void {
  if (caps[need]) it(title, fn);
  else
    it(`${title}: not applicable, capabilities.${need} is false`, () => {
      expect(caps[need]).toBe(false);
    });
}

describe('every platform in the registry has a conformance fake', () => {
  it.each(PLATFORM_MODULES.map((m) => m.name))('%s', (name) => {
    expect(FACTORIES[name], `add test/support/conformance/${name}.ts and list it in FACTORIES`).toBeDefined();
  });
});

describe.each(PLATFORM_MODULES.map((m) => [m.name, m] as const))('platform %s conforms', (name, module) => {
  const caps = module.capabilities;
  let db: TestDatabase;
  let http: HttpServer;
  let fake: ConformanceFake;
  let adapter: PlatformAdapter;
  let inbox: InboxConsumer | undefined;
  const events: IncomingEvent[] = [];
  const results: HandleResult[] = [];
  let waiters: (() => void)[] = [];
  let seq = 0;

  /** Runs `act` (the person doing something) and waits until the adapter has handed `count` events to the engine. */
  async function handled(act: () => Promise<void>, count = 1, timeoutMs = 10_000): Promise<IncomingEvent[]> {
    const before = events.length;
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no event reached the engine within ${timeoutMs} ms`)), timeoutMs);
      const check = () => {
        if (events.length - before >= count && results.length >= events.length) {
          clearTimeout(timer);
          resolve();
        } else waiters.push(check);
      };
      waiters.push(check);
    });
    await act();
    await done;
    return events.slice(before);
  }

  /** Writes `message` to the outbox for the person's chat and delivers it through the real delivery path. */
  async function deliver(message: OutgoingMessage): Promise<{ id: number; ref: string }> {
    const tx = txOf(db.orm.em.fork());
    const [row] = await insertOutbox(tx, [{ platform: name, chatId: fake.user.chatId, recipient: null, payload: message, key: `conformance-${name}-${++seq}` }]);
    const outcome = await deliverOutboxRow(db.orm.em.fork(), new Map([[name, adapter.sender]]), row.id);
    if (outcome.status !== 'sent') throw new Error(`delivery of row ${row.id} ended ${JSON.stringify(outcome)}`);
    return { id: row.id, ref: outcome.platformMessageRef };
  }

  /** The shown message a ref (or the last part of a multi-part ref) points at. */
  function shownAt(ref: string): ShownMessage {
    const last = ref.split(',').at(-1)!;
    const found = fake.shown().find((m) => m.ref === last);
    if (!found) throw new Error(`no shown message ${ref}`);
    return found;
  }

  function outboxCount(): Promise<number> {
    return txOf(db.orm.em.fork())
      .query<{ n: string }>('select count(*) as n from outbox_message')
      .then((r) => Number(r[0].n));
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    http = createHttpServer({ port: 0, host: '127.0.0.1' });
    const port = await http.start();
    fake = await FACTORIES[name].start({ appUrl: `http://127.0.0.1:${port}` });
    const logger = createLogger('silent');
    const engine = createEngine({
    capabilities: capabilitiesOf(PLATFORM_MODULES),
      orm: db.orm,
      config: { REALISASI_MAX_MULTIPLE: 5, EVIDENCE_MAX_MB: 20, DRAFT_IDLE_MINUTES: 600 },
      clock: systemClock,
      logger,
      // The delivery worker's path, run at once, so the engine's answers reach the fake platform.
      onCommitted: async (ids) => {
        for (const id of ids) await deliverOutboxRow(db.orm.em.fork(), new Map([[name, adapter.sender]]), id).catch(() => undefined);
      },
    });
    const em = () => db.orm.em.fork();
    const recording: ConversationEngine = {
      async handle(event) {
        events.push(event);
        const result = await engine.handle(event);
        results.push(result);
        const ready = waiters;
        waiters = [];
        for (const w of ready) w();
        return result;
      },
    };
    // Networked platforms store updates in the durable inbox; its consumer hands them to the engine.
    inbox = createInboxConsumer({ orm: db.orm, engine: recording, logger });
    await inbox.start();
    adapter = module.createAdapter({
      config: fake.config,
      engine: recording,
      inbox,
      exclusive: createExclusiveRoles({ databaseUrl: db.url, singleSession: false, logger }),
      lookups: ingressLookups(db.orm),
      http,
      logger,
      clock: systemClock,
      ...(fake.terminal
        ? {
            terminal: { ...fake.terminal, describe: async () => null },
            inline: {
              chatsOf: async (ids) => ids.map((id) => ({ id, chatId: fake.user.chatId })),
              pendingCount: async () => 0,
              deliver: (id, sender) => deliverOutboxRow(em(), new Map([[name, sender]]), id),
            },
          }
        : {}),
    });
    await adapter.start();
  });

  afterAll(async () => {
    await adapter?.stop();
    await inbox?.stop();
    await fake?.close();
    await http?.stop();
    await db?.close();
  });

  it('plain text reaches the engine as text', async () => {
    const [event] = await handled(() => fake.sendText('halo, saya ingin mengisi penilaian'));
    expect(event).toMatchObject({ platform: name, kind: 'text', payload: 'halo, saya ingin mengisi penilaian', platformUserId: fake.user.platformUserId, chatId: fake.user.chatId });
    expect(event.eventId).toBeTruthy();
  });

  it('a command with arguments reaches the engine as command + args', async () => {
    const [event] = await handled(() => fake.sendCommand('start', ['KODE1234', 'lagi']));
    expect(event).toMatchObject({ kind: 'command', payload: 'start', args: ['KODE1234', 'lagi'] });
  });

  it('a button token makes the round trip unchanged', async () => {
    const token = `tok-${name}-Zx9_-`;
    const sent = await deliver({ text: 'Pilih satu', buttons: [[{ label: 'Ya', token }, { label: 'Tidak', token: 'tok-no' }]] });
    const [event] = await handled(() => fake.pressButton(sent.ref, 'Ya'));
    expect(event).toMatchObject({ kind: 'action', payload: token, chatId: fake.user.chatId });
  });

  caseIf(caps, 'threads', `a reply in a thread carries its thread key`, async () => {
    const threadKey = `k${'0'.repeat(30)}${name.length}`;
    const sent = await deliver({ text: 'Dialog kinerja dimulai', threadKey, threadRoot: true });
    const [event] = await handled(() => fake.replyTo!(sent.ref, 'balasan di utas'));
    expect(event).toMatchObject({ kind: 'text', payload: 'balasan di utas', threadKey });
  });

  caseIf(caps, 'redelivery', `a redelivered event is a duplicate with no second effect`, async () => {
    await handled(() => fake.sendText('sekali saja'));
    const rows = await outboxCount();
    const shown = fake.shown().length;
    const first = events.at(-1)!;
    const before = events.length;
    await fake.redeliverLast!();
    // The adapter may drop the retry itself or hand it to the engine, which must see a duplicate.
    await new Promise((r) => setTimeout(r, 500));
    for (let i = before; i < events.length; i++) {
      expect(events[i].eventId).toBe(first.eventId);
      expect(results[i]?.duplicate).toBe(true);
    }
    expect(await outboxCount()).toBe(rows);
    expect(fake.shown().length).toBe(shown);
  });

  it('long text is split within the platform limits and nothing is lost', async () => {
    const paragraph = (i: number) => `Paragraf ${i}: ` + 'realisasi kegiatan layanan sekolah tercapai sesuai target. '.repeat(12);
    const text = Array.from({ length: 40 }, (_, i) => paragraph(i)).join('\n');
    const before = fake.shown().length;
    await deliver({ text, buttons: [[{ label: 'Lanjut', token: 'tok-next' }]] });
    const shown = fake.shown().slice(before);
    for (const m of shown) for (const f of m.fields) expect(f.length, `${f.name} of message ${m.ref}`).toBeLessThanOrEqual(f.max);
    const visible = shown.map((m) => m.body).join('\n');
    const squash = (s: string) => s.replace(/\s+/g, ' ').trim();
    for (let i = 0; i < 40; i++) expect(squash(visible)).toContain(squash(paragraph(i)));
    expect(shown.at(-1)!.buttons.flat().map((b) => b.label)).toEqual(['Lanjut']);
  });

  it('buttons stay within the platform limits, in order', async () => {
    const row = Array.from({ length: 12 }, (_, i) => ({ label: `Pilihan ${i + 1}`, token: `tok-choice-${i + 1}` }));
    const sent = await deliver({ text: 'Banyak pilihan', buttons: [row] });
    const shown = shownAt(sent.ref);
    for (const r of shown.buttons) expect(r.length).toBeLessThanOrEqual(fake.limits.buttonsPerRow);
    expect(shown.buttons.flat().map((b) => b.label)).toEqual(row.map((b) => b.label));
  });

  it('user text with platform markup is shown literally in every parsed field', async () => {
    const before = fake.shown().length;
    await deliver({ text: `Narasi Anda: ${HOSTILE}`, blocks: [[{ text: 'Narasi Anda: ', bold: true }, { text: HOSTILE }]] });
    const shown = fake.shown().slice(before);
    expect(shown.length).toBeGreaterThan(0);
    for (const m of shown) {
      for (const f of m.fields) {
        if (!f.shown.trim()) continue;
        expect(f.shown, `field ${f.name}`).toContain(HOSTILE);
      }
    }
  });

  caseIf(caps, 'rateLimits', `a 429 is rate_limited with the platform's retry-after`, async () => {
    fake.failNext!({ kind: 'rate_limited', retryAfterSec: 7 });
    const err = await adapter.sender.deliver({ platform: name, chatId: fake.user.chatId }, { text: 'pelan-pelan' }, outboxLookups(db.orm.em.fork())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ kind: 'rate_limited', retryAfterMs: 7000 });
  });

  caseIf(caps, 'permanentFailures', `a 403 (blocked, inactive) is permanent`, async () => {
    fake.failNext!({ kind: 'forbidden' });
    const err = await adapter.sender.deliver({ platform: name, chatId: fake.user.chatId }, { text: 'ditolak' }, outboxLookups(db.orm.em.fork())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ kind: 'permanent' });
  });

  caseIf(caps, 'transientFailures', `a 5xx or a network failure is transient`, async () => {
    fake.failNext!({ kind: 'server_error' });
    const lookups = outboxLookups(db.orm.em.fork());
    const err = await adapter.sender.deliver({ platform: name, chatId: fake.user.chatId }, { text: 'coba lagi' }, lookups).catch((e: unknown) => e);
    expect(err).toMatchObject({ kind: 'transient' });
    const offline = module.createSender({ config: fake.unreachableConfig!, logger: createLogger('silent') });
    const down = await offline.deliver({ platform: name, chatId: fake.user.chatId }, { text: 'jaringan putus' }, lookups).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(DeliveryError);
    expect(down).toMatchObject({ kind: 'transient' });
  });

  describe('edit of an answered prompt', () => {
    const prompt = (long: boolean): OutgoingMessage => ({
      text: (long ? 'Uraian panjang indikator kinerja. '.repeat(200) + '\n' : '') + 'Apakah realisasi sudah sesuai?',
      buttons: [[{ label: 'Sudah', token: 'tok-yes' }, { label: 'Belum', token: 'tok-no' }]],
    });
    const answered = (p: OutgoingMessage, id: number): OutgoingMessage => ({ text: `${p.text}\n✓ Sudah`, replaceOutboxId: id });

    it.each([
      ['a one-part prompt', false],
      ['a prompt sent in parts', true],
    ])('%s is edited in place, its buttons gone', async (_label, long) => {
      const p = prompt(long);
      const before = fake.shown().length;
      const first = await deliver(p);
      const partsBefore = fake.shown().length - before;
      await deliver(answered(p, first.id));
      const after = fake.shown().slice(before);
      const text = after.map((m) => m.body).join('\n');
      if (caps.editMessages) {
        // The same messages, edited: no new ones, the answer visible, no button left to press twice.
        expect(after.length).toBe(partsBefore);
        expect(after.every((m) => m.buttons.flat().length === 0)).toBe(true);
        expect(text).toContain('✓ Sudah');
        expect(text.split('Apakah realisasi sudah sesuai?').length - 1).toBe(1);
      } else {
        // Printed text cannot change: what changed (the answer) is printed after it.
        expect(after.length).toBe(partsBefore + 1);
        expect(after.at(-1)!.body).toContain('✓ Sudah');
      }
    });

    caseIf(caps, 'editMessages', `falls back to a new message when the edit fails`, async () => {
      const p = prompt(false);
      const first = await deliver(p);
      const before = fake.shown().length;
      fake.failNextEdit!();
      const second = await deliver(answered(p, first.id));
      expect(second.ref).not.toBe(first.ref);
      const added = fake.shown().slice(before);
      expect(added).toHaveLength(1);
      expect(added[0].body).toContain('✓ Sudah');
    });
  });
});
