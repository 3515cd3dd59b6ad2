/**
 * Generated hostile input through each adapter's HTTP ingress (fast-check), the service running as in
 * production: Telegram webhook updates (with the right secret) whose fields are hostile, of the wrong type or
 * missing, bodies that are not JSON at all; Slack Events API envelopes, slash commands and interactions with
 * valid signatures and hostile text, values and forged action tokens. Every request must be answered below
 * 500, every stored update handled or parked with its reason (none left pending), and no reply may be the
 * internal-error message. Figures are printed: requests | 5xx | pending | parked | internal errors.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { loadConfig } from '../../src/config.js';
import { startService, type RunningService } from '../../src/service.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { FakeSlack, interactionForm, postSigned, slackId } from '../support/fake-slack.js';
import { FakeTelegram } from '../support/fake-telegram.js';

const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2_147_483_647);
const PER_ADAPTER = Number(process.env.FUZZ_INGRESS ?? 300);
const TG_TOKEN = '123456789:FUZZ-ingress-token-abcdefghijklmn';
const TG_SECRET = 'fuzz-webhook-secret-0123456789';
const SLACK_SECRET = 'fuzz-signing-secret-0123456789';

const ODD = ['\u0000', '\u202e', '\u200b', '\ufeff', '\ud800', '\udfff', '👍🏽', 'é', 'a', ' ', '\n', '<', '>', '&', '*', '_', '`', '|', '\\', '"', '١', '9', '.', ','];
const hostile = fc.oneof(
  fc.constantFrom('1e309', 'NaN', '-0', '١٢٣', '1.000,5', '/start', '/penilaian 1e309', '/apresiasi ', '<@U0X>', '<!channel>', '<b>x</b>', 'x'.repeat(10_000), ''),
  fc.string({ unit: fc.constantFrom(...ODD), maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
);
/** A JSON value of any shape, for fields that should be something else. */
const wrongType = fc.oneof(fc.constant(null), fc.boolean(), fc.double(), fc.integer(), hostile, fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 1 }));
const userId = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 2 ** 40 }) }, { weight: 1, arbitrary: wrongType });

let updateSeq = 1_000;
const telegramBody: fc.Arbitrary<string> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({ from: userId, text: hostile, chatType: fc.constantFrom('private', 'group', 'supergroup', 'channel', 'x'), date: fc.oneof(fc.integer(), wrongType) }).map((m) =>
      JSON.stringify({ update_id: updateSeq++, message: { message_id: updateSeq, date: m.date, from: { id: m.from, is_bot: false, first_name: 'F' }, chat: { id: m.from, type: m.chatType }, text: m.text } }),
    ),
  },
  {
    weight: 3,
    arbitrary: fc.record({ from: userId, data: hostile }).map((c) =>
      JSON.stringify({ update_id: updateSeq++, callback_query: { id: String(updateSeq), from: { id: c.from, is_bot: false, first_name: 'F' }, data: c.data, message: { message_id: 1, date: 0, chat: { id: c.from, type: 'private' } } } }),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({ from: userId, size: fc.oneof(fc.integer(), wrongType), name: hostile }).map((d) =>
      JSON.stringify({ update_id: updateSeq++, message: { message_id: 2, date: 0, from: { id: d.from, is_bot: false, first_name: 'F' }, chat: { id: d.from, type: 'private' }, document: { file_id: 'F1', file_unique_id: 'U1', file_name: d.name, file_size: d.size }, caption: d.name } }),
    ),
  },
  { weight: 1, arbitrary: fc.oneof(hostile, fc.constantFrom('{', 'null', '[]', '{"update_id":"x"}', '{"update_id":1e309}', '{"update_id":-1,"message":null}')) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
);

type SlackRequest = { json: unknown } | { form: Record<string, string> };
const slackRequest: fc.Arbitrary<SlackRequest> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ user: fc.constantFrom('U0FUZZA', 'U0FUZZB', 'UBOT', ''), text: hostile, type: fc.constantFrom('message', 'app_mention', 'file_shared', 'x') }).map((e) => ({
      json: { type: 'event_callback', team_id: 'T0001', event_id: slackId('Ev'), event_time: 0, event: { type: e.type, user: e.user, channel: `D${e.user || 'X'}`, channel_type: 'im', text: e.text, ts: `${Date.now() / 1000}` } },
    })),
  },
  {
    weight: 3,
    arbitrary: fc.record({ text: hostile, command: fc.constantFrom('/kinerja', '/x', '') }).map((c) => ({
      form: { command: c.command, text: c.text, user_id: 'U0FUZZA', channel_id: 'DU0FUZZA', team_id: 'T0001', trigger_id: slackId('Tr'), response_url: 'http://127.0.0.1:9/none' },
    })),
  },
  {
    weight: 3,
    arbitrary: fc.record({ value: hostile, kind: fc.constantFrom('block_actions', 'view_submission', 'shortcut', 'x') }).map((a) =>
      interactionForm({ type: a.kind, user: { id: 'U0FUZZB' }, team: { id: 'T0001' }, channel: { id: 'DU0FUZZB' }, trigger_id: slackId('Tr'), actions: [{ action_id: a.value.slice(0, 50), value: a.value, type: 'button' }], view: { id: 'V1', callback_id: a.value, state: { values: {} } } }),
    ),
  },
  { weight: 1, arbitrary: fc.record({ junk: fc.jsonValue({ maxDepth: 2 }) }).map((j) => ({ json: j.junk })) },
);

describe('generated hostile input through the adapters\' HTTP ingress', () => {
  let db: TestDatabase | undefined;
  let service: RunningService | undefined;
  let telegram: FakeTelegram | undefined;
  let slack: FakeSlack | undefined;
  afterAll(async () => {
    await service?.stop();
    await telegram?.stop();
    await slack?.stop();
    await db?.close();
  });

  it(`${PER_ADAPTER} Telegram webhook updates and ${PER_ADAPTER} signed Slack requests: none answered 5xx, none left pending, no internal-error reply`, { timeout: 180_000 }, async () => {
    db = await createTestDatabase();
    telegram = await FakeTelegram.start({ token: TG_TOKEN });
    slack = await new FakeSlack().start();
    const config = loadConfig({
      DATABASE_URL: db.url,
      PORT: '0',
      LOG_LEVEL: 'silent',
      TELEGRAM_BOT_TOKEN: TG_TOKEN,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      TELEGRAM_MODE: 'webhook',
      TELEGRAM_WEBHOOK_URL: 'https://kinerja.example.go.id/telegram/webhook',
      TELEGRAM_WEBHOOK_SECRET: TG_SECRET,
      SLACK_BOT_TOKEN: 'xoxb-fuzz-ingress',
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_API_URL: slack.apiUrl,
    });
    service = await startService({ config, roles: new Set(['bot', 'worker']), console: false });
    const base = `http://127.0.0.1:${service.port}`;
    const statuses: number[] = [];
    const failures: string[] = [];
    const bodies = fc.sample(telegramBody, { numRuns: PER_ADAPTER, seed: SEED });
    const requests = fc.sample(slackRequest, { numRuns: PER_ADAPTER, seed: SEED + 1 });
    // A few at a time, as platforms send them.
    const pool = async <T>(items: T[], n: number, fn: (x: T) => Promise<number>) => {
      let i = 0;
      await Promise.all(Array.from({ length: n }, async () => {
        while (i < items.length) {
          const item = items[i++]!;
          const status = await fn(item);
          statuses.push(status);
          if (status >= 500 && failures.length < 5) failures.push(`${status}: ${JSON.stringify(item).slice(0, 300)}`);
        }
      }));
    };
    await pool(bodies, 4, async (body) => (await fetch(`${base}/telegram/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TG_SECRET }, body })).status);
    await pool(requests, 4, async (r) => (await postSigned(`${base}/slack/events`, SLACK_SECRET, r)).status);

    const q = <T>(sql: string) => db!.orm.em.getConnection().execute<T[]>(sql);
    const deadline = Date.now() + 90_000;
    let pending = -1;
    while (Date.now() < deadline) {
      pending = Number((await q<{ n: string }>(`select count(*) as n from inbox_event where status = 'pending'`))[0]!.n);
      if (pending === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const [counts] = await q<{ parked: string; done: string }>(`select count(*) filter (where status = 'parked') as parked, count(*) filter (where status = 'done') as done from inbox_event`);
    const parkedReasons = await q<{ last_error: string }>(`select last_error from inbox_event where status = 'parked' limit 5`);
    const [internal] = await q<{ n: string }>(`select count(*) as n from outbox_message where payload->>'text' like 'Maaf, terjadi kesalahan di sistem kami%' or payload->>'text' like 'Sorry, something went wrong on our side%'`);
    const fiveXX = statuses.filter((s) => s >= 500).length;
    process.stdout.write(
      `\nfuzz (adapter ingress), seed ${SEED}: requests ${statuses.length} (telegram ${bodies.length}, slack ${requests.length}) | 5xx ${fiveXX} | pending ${pending} | handled ${counts!.done} | parked ${counts!.parked} | internal errors ${internal!.n}\n` +
        (parkedReasons.length ? `  parked, e.g.: ${parkedReasons.map((p) => p.last_error.slice(0, 120)).join(' / ')}\n` : '') +
        (failures.length ? `  5xx: ${failures.join('\n  5xx: ')}\n` : ''),
    );
    expect(statuses).toHaveLength(PER_ADAPTER * 2);
    expect({ fiveXX, pending, internalErrors: Number(internal!.n) }).toEqual({ fiveXX: 0, pending: 0, internalErrors: 0 });
  });
});
