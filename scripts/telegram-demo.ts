/**
 * Drive the Telegram journey by hand, without Telegram: starts our fake Bot API server, the app's Telegram
 * adapter in polling mode, the engine and a small demo organisation (Ani, rated by Sari), then lets you type
 * as one of the simulated Telegram users and prints what the bot sends them.
 *
 *   node --import tsx scripts/telegram-demo.ts            # embedded in-memory database (PGlite)
 *   DATABASE_URL=postgres://... node --import tsx scripts/telegram-demo.ts
 *
 * At the prompt: type text or /commands as the current user, or
 *   :as ani | :as sari      switch the simulated user
 *   :link                   open the current user's deep link (sends /start CODE)
 *   :press LABEL            press the newest button whose label contains LABEL
 *   :file NAME KB           send a document of that size (e.g. :file laporan.pdf 300)
 *   :reply TEXT             reply to the bot's latest message (dialog kinerja)
 *   :quit
 * Outgoing messages are delivered right after each commit (no queue worker needed for the demo).
 */
import { createInterface } from 'node:readline';
import { FakeTelegram, type ChatMessage, type FakeUser, type Injected } from '../test/support/fake-telegram.js';
import { addAssessment, addCycle, addLinkCode, addOrganisation, addTarget, SCHOOL_REPORTS_TARGET, sql, STANDARD_INDICATORS } from '../test/support/seed.js';
import { createTelegramAdapter } from '../src/adapters/telegram/adapter.js';
import { systemClock } from '../src/clock.js';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../src/db/embedded.js';
import { migrate, openOrm, type Orm } from '../src/db/orm.js';
import { deliverOutboxRow } from '../src/jobs/deliver-row.js';
import type { IncomingEvent, PlatformSender } from '../src/contract/index.js';
import { createEngine } from '../src/engine/engine.js';
import { createInboxConsumer } from '../src/engine/inbox-consumer.js';
import { createLogger } from '../src/logger.js';
import { generateLinkCode, hashLinkCode } from '../src/setup/link-codes.js';
import { ingressLookups } from '../src/db/lookups.js';
import { capabilitiesOf } from '../src/engine/capabilities.js';
import { PLATFORM_MODULES } from '../src/platforms.js';

const TOKEN = '123456789:DEMO-fake-telegram-token-000000';
const USERS: Record<string, FakeUser> = {
  ani: { id: 1001, first_name: 'Ani', last_name: 'Pegawai', language_code: 'id' },
  sari: { id: 2001, first_name: 'Sari', last_name: 'Atasan', language_code: 'id' },
};

const NIPS = { ani: '199001012015032903', sari: '198001012005012902' } as const;

/** A small organisation, created once per database: Sari rates Ani in an open yearly cycle. */
async function seed(orm: Orm): Promise<Record<string, string>> {
  const em = orm.em.fork();
  const [unit] = await sql<{ id: number }>(em, `select id from unit where code = 'DEMO-TG'`);
  if (!unit) {
    const { ids } = await addOrganisation(em, {
      unit: { code: 'DEMO-TG', name: 'Dinas Pendidikan (demo Telegram)' },
      people: {
        sari: { nip: NIPS.sari, name: 'Sari Atasan', kind: 'administrator' },
        ani: { nip: NIPS.ani, name: 'Ani Pegawai', kind: 'pelaksana', supervisor: 'sari' },
      },
    });
    const year = new Date().getFullYear();
    const cycleId = await addCycle(em, {
      name: `Demo Telegram ${year}`,
      kind: 'tahunan',
      periodStart: `${year}-01-01`,
      periodEnd: `${year}-12-31`,
      selfDeadline: `${year + 1}-01-10`,
      reviewDeadline: `${year + 1}-01-31`,
      templateCode: 'dki-standar',
      matrixVersion: 'permenpanrb-6-2022-v1',
      indicators: STANDARD_INDICATORS.filter((i) => i.code !== 'respons'),
    });
    await addTarget(em, ids.ani, cycleId, SCHOOL_REPORTS_TARGET);
    for (const id of [ids.ani, ids.sari]) await addAssessment(em, cycleId, id);
  }
  // Fresh single-use codes each run, as `kinerja link-code` would hand out.
  const codes: Record<string, string> = {};
  for (const who of ['ani', 'sari'] as const) {
    const [employee] = await sql<{ id: number }>(em, `select id from employee where nip = ?`, [NIPS[who]]);
    const code = generateLinkCode();
    await addLinkCode(em, employee.id, hashLinkCode(code), new Date(Date.now() + 24 * 3600_000));
    codes[who] = code;
  }
  return codes;
}

function show(who: string, m: ChatMessage): void {
  const edited = m.editCount > 0 ? ' (edited)' : '';
  const lines = m.text.split('\n').map((l) => `  │ ${l}`);
  const buttons = (m.reply_markup?.inline_keyboard ?? []).map((row) => '  │ ' + row.map((b) => `[${b.text}]`).join(' '));
  process.stdout.write(`\n  ┌ bot → ${who} #${m.message_id}${edited}\n${[...lines, ...buttons].join('\n')}\n  └\n`);
}

async function main(): Promise<void> {
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn');
  let embedded: EmbeddedDatabase | undefined;
  let url = process.env.DATABASE_URL;
  if (!url) {
    embedded = await startEmbeddedDatabase({ dataDir: 'memory://' });
    url = embedded.url;
  }
  const orm = await openOrm({ url, poolMax: embedded ? 4 : 10, singleSession: Boolean(embedded), ...(embedded ? { stream: embedded.connect } : {}) });
  await migrate(orm);
  const codes = await seed(orm);

  const fake = await FakeTelegram.start({ token: TOKEN });
  const senders = new Map<string, PlatformSender>();
  const engine = createEngine({
    capabilities: capabilitiesOf(PLATFORM_MODULES),
    orm,
    config: { REALISASI_MAX_MULTIPLE: 5, EVIDENCE_MAX_MB: 20, DRAFT_IDLE_MINUTES: 60 },
    clock: systemClock,
    logger,
    onCommitted: async (ids) => {
      for (const id of ids) await deliverOutboxRow(orm.em.fork(), senders, id);
    },
  });
  // The next typed line waits until the bot has handled the previous one, so pasted scripts run in order.
  const handled = new Map<string, () => void>();
  const inbox = createInboxConsumer({
    orm,
    logger,
    engine: {
      async handle(event: IncomingEvent) {
        try {
          return await engine.handle(event);
        } finally {
          handled.get(event.eventId)?.();
        }
      },
    },
  });
  await inbox.start();
  const adapter = createTelegramAdapter({
    config: { TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_API_ROOT: fake.apiRoot, TELEGRAM_MODE: 'polling', TELEGRAM_WEBHOOK_URL: undefined, TELEGRAM_WEBHOOK_SECRET: undefined },
    inbox,
    lookups: ingressLookups(orm),
    logger,
  });
  senders.set('telegram', adapter.sender);
  await adapter.start();

  const nameOf = (chatId: number) => Object.entries(USERS).find(([, u]) => u.id === chatId)?.[0] ?? String(chatId);
  fake.on('botMessage', (m: ChatMessage) => show(nameOf(m.chatId), m));

  let current = 'ani';
  process.stdout.write(
    [
      `Fake Telegram Bot API on ${fake.apiRoot} (our own fake, not Telegram); the bot polls it.`,
      `Deep links HR would hand out:`,
      `  ani : https://t.me/${fake.bot.username}?start=${codes.ani}`,
      `  sari: https://t.me/${fake.bot.username}?start=${codes.sari}`,
      `Try: /start ${codes.ani} (or :link), then :press Mulai ... and :as sari, :link, :press Tinjau`,
      `Commands: :as ani|sari, :link, :press LABEL, :file NAME KB, :reply TEXT, :quit`,
      '',
    ].join('\n'),
  );
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: `${current}> ` });
  let closing = false;
  const shutdown = async () => {
    if (closing) return;
    closing = true;
    rl.close();
    await adapter.stop();
    await inbox.stop();
    await fake.stop();
    await orm.close(true);
    await embedded?.stop();
    process.exit(0);
  };

  /** Injects an update and waits (at most 10 s) until the engine has handled it and the replies went out. */
  async function send(inject: () => Promise<Injected>): Promise<void> {
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const { update } = await inject();
    handled.set(String(update.update_id), done);
    const timer = setTimeout(done, 10_000);
    await finished;
    clearTimeout(timer);
    // The callback answer follows the engine; give the event loop a turn so output stays in order.
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** One typed line, as the current simulated user (or a demo command). */
  async function onLine(line: string): Promise<void> {
    const user = USERS[current];
    const [cmd, ...rest] = line.trim().split(/\s+/);
    if (line.trim() === '') return;
    if (cmd === ':quit') return shutdown();
    if (cmd === ':as') {
      if (!USERS[rest[0]]) process.stdout.write(`unknown user "${rest[0]}"; choose ${Object.keys(USERS).join(' or ')}\n`);
      else current = rest[0];
      return;
    }
    if (cmd === ':link') {
      // What opening the deep link does: Telegram sends /start CODE.
      await send(() => fake.sendCommand(user, 'start', codes[current]));
      return;
    }
    if (cmd === ':press') {
      const label = rest.join(' ');
      const target = [...fake.botMessages(user.id)].reverse().find((m) => m.reply_markup?.inline_keyboard.flat().some((b) => b.text.includes(label)));
      const button = target?.reply_markup?.inline_keyboard.flat().find((b) => b.text.includes(label));
      if (!target || !button) process.stdout.write(`no button containing "${label}" in ${current}'s chat\n`);
      else await send(() => fake.pressButton(user, target.message_id, button.text));
      return;
    }
    if (cmd === ':file') {
      const [name = 'bukti.pdf', kb = '200'] = rest;
      await send(() => fake.sendDocument(user, { fileName: name, size: Number(kb) * 1024, mimeType: name.endsWith('.pdf') ? 'application/pdf' : 'application/octet-stream' }));
      return;
    }
    if (cmd === ':reply') {
      const last = fake.botMessages(user.id).at(-1);
      if (!last) process.stdout.write('the bot has not written to this user yet\n');
      else await send(() => fake.reply(user, last.message_id, rest.join(' ')));
      return;
    }
    await send(() => fake.sendText(user, line));
  }

  // Lines are handled one after another, like a person typing.
  let queue = Promise.resolve();
  rl.on('line', (line) => {
    queue = queue
      .then(() => onLine(line))
      .catch((err: unknown) => void process.stdout.write(`(${err instanceof Error ? err.message : String(err)})\n`))
      .then(() => {
        rl.setPrompt(`${current}> `);
        rl.prompt();
      });
  });
  rl.on('close', () => void queue.then(shutdown));
  rl.prompt();
}

main().catch((err: unknown) => {
  process.stderr.write(`telegram demo failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
