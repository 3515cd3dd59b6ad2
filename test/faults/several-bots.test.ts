/**
 * Several bot processes (issue 15, item 4), each `src/main.ts` with the bot and worker roles (two bots, two
 * workers), against a private PostgreSQL and Redis and our fake Telegram Bot API, 20 people writing
 * numbered messages one after another, interleaved across people. One bot is killed (kill -9) mid-run.
 *
 * - Polling: Telegram serves one getUpdates per bot at a time (a second poller ends the first with 409, and the
 *   two would take turns); only the process holding the polling role polls, the other stands by and takes
 *   over within 10 s of the holder's death. 0 conflicts, every update processed once, per-chat order kept.
 * - Webhook, behind a round-robin load balancer (a tiny proxy here that, like a real one, tries the other bot
 *   when one does not answer): updates of one chat land on both bots; killed mid-run: per-chat order, no
 *   duplicate effect, no lost update.
 */
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeTelegram, type FakeUser } from '../support/fake-telegram.js';
import { migrate, openOrm, type Orm } from '../../src/db/orm.js';
import { startBot, type BotProcess } from './support/bot.js';
import { createDatabase, redisCli, sparePort } from './support/servers.js';
import { type FaultRow } from './support/table.js';
import { faultSuite, LOG_DIR } from './support/suite.js';

const TOKEN = '123456789:FAULTS-telegram-token-abcdefgh';
const SECRET = 'faults-webhook-secret-0123456789';
const USERS: FakeUser[] = Array.from({ length: 20 }, (_, i) => ({ id: 60_001 + i, first_name: `Pegawai${i + 1}`, language_code: 'id' }));
const PER_USER = 6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const suite = faultSuite();
const rows = suite.rows;


interface Bot {
  process: BotProcess;
  port: number;
}

async function waitUntil(what: string, done: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await done().catch(() => false)) return (Date.now() - start) / 1000;
    if (Date.now() - start > timeoutMs) throw new Error(`${what}: not reached within ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

async function count(orm: Orm, sql: string): Promise<number> {
  const r = await orm.em.fork().getConnection().execute<{ n: string }[]>(sql);
  return Number(r[0]!.n);
}

/** A bot process (bot + worker roles) on its own port, started and answering /healthz. */
async function startOne(env: Record<string, string>, name: string): Promise<Bot> {
  const port = await sparePort();
  const bot = startBot({ ...env, PORT: String(port) }, join(LOG_DIR, `${name}.log`));
  await waitUntil(`${name} up`, async () => (await fetch(`http://127.0.0.1:${port}/healthz`)).ok, 120_000);
  return { process: bot, port };
}

/**
 * The chats' order as handled: for each chat, the update ids in the order the inbox rows were handled must
 * be the order Telegram gave them. Returns the chats where it is not.
 */
async function outOfOrderChats(orm: Orm): Promise<string[]> {
  const r = await orm.em.fork().getConnection().execute<{ chat_key: string; ids: string[] }[]>(
    `select chat_key, array_agg(event_id order by handled_at, id) as ids from inbox_event where platform = 'telegram' group by chat_key`,
  );
  return r.filter((c) => {
    const ids = c.ids.map((id) => Number(String(id).replace(/\D/g, '')));
    return ids.some((id, i) => i > 0 && id < ids[i - 1]!);
  }).map((c) => c.chat_key);
}

/**
 * Each person sends PER_USER numbered messages, one after another (the next once the previous is taken, as a
 * person waits for the reply), the 20 people side by side; `midway` runs once half the messages are out.
 */
async function traffic(send: (u: FakeUser, text: string) => Promise<void>, midway: () => Promise<void>): Promise<number> {
  let sent = 0;
  let fired: Promise<void> | undefined;
  await Promise.all(
    USERS.map(async (u, k) => {
      await sleep(k * 37);
      for (let i = 1; i <= PER_USER; i++) {
        await send(u, `pesan ${i}`);
        sent++;
        if (!fired && sent >= (USERS.length * PER_USER) / 2) fired = midway();
        await sleep(150);
      }
    }),
  );
  await fired;
  return sent;
}

/** The row for the table, once every update is processed and every answer delivered. */
async function settle(orm: Orm, fake: FakeTelegram, fault: string, updatesIn: number, killedAt: number): Promise<FaultRow> {
  await waitUntil('every update processed', async () => (await count(orm, `select count(*) as n from processed_event where platform = 'telegram'`)) >= updatesIn, 180_000);
  const processedAt = Date.now();
  await waitUntil('every answer delivered', async () => (await count(orm, `select count(*) as n from outbox_message where status not in ('sent', 'dead')`)) === 0, 150_000);
  const processed = await count(orm, `select count(*) as n from processed_event where platform = 'telegram'`);
  const out = await count(orm, `select count(*) as n from outbox_message where platform = 'telegram'`);
  const delivered = await count(orm, `select count(*) as n from outbox_message where platform = 'telegram' and status = 'sent'`);
  const dead = await count(orm, `select count(*) as n from outbox_message where platform = 'telegram' and status = 'dead'`);
  const sentByPlatform = fake.callsTo('sendMessage').filter((c) => c.status === 200).length;
  return { fault, updatesIn, processed, lost: updatesIn - processed, duplicated: Math.max(0, sentByPlatform - out), messagesOut: out, delivered, dead, recoveredS: (processedAt - killedAt) / 1000 };
}

async function freshStack(name: string): Promise<{ url: string; orm: Orm; env: Record<string, string> }> {
  const url = await createDatabase(suite.pgs, name);
  const orm = await openOrm({ url, poolMax: 4 });
  await migrate(orm);
  await redisCli(suite.redis, 'flushall');
  return { url, orm, env: { DATABASE_URL: url, REDIS_URL: suite.redis.url, TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_RATE_PER_SEC: '200' } };
}

describe('several bot processes', () => {
  it('polling: one bot polls, the other stands by and takes over within 10 s of a kill -9; no conflict, nothing lost, order kept', async () => {
    const fake = await FakeTelegram.start({ token: TOKEN });
    const { orm, env } = await freshStack(`f_two_poll_${Date.now().toString(36)}`);
    const bots: Bot[] = [];
    try {
      const polling = { ...env, TELEGRAM_API_ROOT: fake.apiRoot, TELEGRAM_MODE: 'polling' };
      bots.push(await startOne(polling, 'two-poll-a'));
      // The first bot holds the polling role before the second starts.
      await waitUntil('bot A holds the polling role', async () => (await count(orm, `select count(*) as n from pg_locks l join pg_stat_activity a using (pid) where l.locktype = 'advisory' and l.granted and a.application_name = 'kinerja telegram-polling'`)) === 1, 60_000);
      bots.push(await startOne(polling, 'two-poll-b'));
      await sleep(1_000);

      let killedAt = 0;
      const updatesIn = await traffic(
        async (u, text) => {
          await fake.sendText(u, text);
        },
        async () => {
          killedAt = Date.now();
          await bots[0]!.process.kill();
        },
      );
      const row = await settle(orm, fake, 'two bots polling, the poller killed (kill -9) midway', updatesIn, killedAt);
      rows.push(row);
      // The takeover: the first update stored after the kill.
      const gap = await orm.em.fork().getConnection().execute<{ s: number | null }[]>(
        `select extract(epoch from min(received_at) - to_timestamp(?::double precision / 1000))::float8 as s from inbox_event where received_at > to_timestamp(?::double precision / 1000)`,
        [killedAt, killedAt],
      );
      const takeoverS = gap[0]!.s;
      console.log(`polling takeover after kill -9: ${takeoverS?.toFixed(1)} s; getUpdates conflicts (409): ${fake.pollConflicts}`);
      expect(fake.pollConflicts).toBe(0);
      expect(takeoverS).not.toBeNull();
      expect(takeoverS!).toBeLessThanOrEqual(10);
      expect(row.lost).toBe(0);
      expect(row.processed).toBe(updatesIn);
      expect(row.messagesOut).toBe(updatesIn); // one answer per message: no effect twice
      expect(row.duplicated).toBeLessThanOrEqual(10); // a send in flight at the kill may go twice (at least once)
      expect(row.delivered).toBe(row.messagesOut);
      expect(await outOfOrderChats(orm)).toEqual([]);
    } finally {
      for (const b of bots) await b.process.stop();
      await fake.stop();
      await orm.close(true);
    }
  });

  it('webhook behind a load balancer: updates of one chat reach both bots; one killed midway: order kept, nothing lost or doubled', async () => {
    const fake = await FakeTelegram.start({ token: TOKEN });
    const { orm, env } = await freshStack(`f_two_hook_${Date.now().toString(36)}`);
    const bots: Bot[] = [];
    const balancer = await roundRobin(() => bots.map((b) => b.port));
    try {
      const webhook = {
        ...env,
        TELEGRAM_API_ROOT: fake.apiRoot,
        TELEGRAM_MODE: 'webhook',
        TELEGRAM_WEBHOOK_URL: `http://127.0.0.1:${balancer.port}/telegram/webhook`,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
      };
      bots.push(await startOne(webhook, 'two-hook-a'));
      bots.push(await startOne(webhook, 'two-hook-b'));
      await waitUntil('the webhook registered', async () => fake.webhookInfo !== null, 60_000);

      let killedAt = 0;
      const updatesIn = await traffic(
        async (u, text) => {
          // Telegram re-sends an update until it gets 200, and sends a chat's next update only after that.
          const injected = await fake.sendText(u, text);
          let status = injected.status;
          while (status !== 200) {
            await sleep(300);
            status = await fake.postToWebhook(injected.update).catch(() => 0);
          }
        },
        async () => {
          killedAt = Date.now();
          await bots[0]!.process.kill();
        },
      );
      const row = await settle(orm, fake, 'two bots by webhook behind a load balancer, one killed midway', updatesIn, killedAt);
      rows.push(row);
      console.log(`webhook: requests per bot ${JSON.stringify(balancer.served)}`);
      expect(balancer.served[0]).toBeGreaterThan(0);
      expect(balancer.served[1]).toBeGreaterThan(0);
      expect(row.lost).toBe(0);
      expect(row.processed).toBe(updatesIn);
      expect(row.messagesOut).toBe(updatesIn);
      expect(row.duplicated).toBeLessThanOrEqual(10);
      expect(row.delivered).toBe(row.messagesOut);
      expect(await outOfOrderChats(orm)).toEqual([]);
    } finally {
      for (const b of bots) await b.process.stop();
      await new Promise<void>((r) => balancer.server.close(() => r()));
      await fake.stop();
      await orm.close(true);
    }
  });
});

/**
 * A round-robin HTTP load balancer: each request goes to the next bot; a bot that does not answer (refused,
 * reset) is skipped for this request, as a real balancer's retry does. Counts requests each bot answered.
 */
async function roundRobin(ports: () => number[]): Promise<{ server: Server; port: number; served: number[] }> {
  let next = 0;
  const served: number[] = [0, 0];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const targets = ports();
      for (let attempt = 0; attempt < targets.length; attempt++) {
        const k = next++ % targets.length;
        try {
          const headers: Record<string, string> = {};
          for (const h of ['content-type', 'x-telegram-bot-api-secret-token']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h];
          const answer = await fetch(`http://127.0.0.1:${targets[k]}${req.url}`, { method: req.method, headers, body });
          served[k] = (served[k] ?? 0) + 1;
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' });
          res.end(Buffer.from(await answer.arrayBuffer()));
          return;
        } catch {
          // that bot is gone: the next one
        }
      }
      res.writeHead(502).end();
    });
  });
  const port = await sparePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  return { server, port, served };
}
