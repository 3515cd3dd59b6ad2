/**
 * Boot with a platform down: the service (bot and worker roles, in this process) starts with Slack's Web API
 * failing or refusing the token, and Telegram (our fake Bot API) fine. Telegram runs at once; `/readyz`
 * answers 503 naming Slack while it is retried, `/slack/events` answers 503 (never 404) until Slack is up;
 * a refused token stops Slack alone, named in `/readyz` with the variable, and the process stays ready.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startService, type RunningService } from '../../src/service.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { FakeSlack, signSlackRequest } from '../support/fake-slack.js';
import { FakeTelegram } from '../support/fake-telegram.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import { collectStatus, formatStatus } from '../../src/jobs/status.js';

const TG_TOKEN = '123456789:TEST-boot-token-abcdefghijklmnop';
const SLACK_SECRET = 'test-signing-secret-0123456789';

describe('boot with a platform down', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    cleanups.length = 0;
  });

  async function boot(opts: { slack: FakeSlack | { apiUrl: string }; telegramToken?: string; roles?: ('bot' | 'worker')[] }): Promise<{ service: RunningService; base: string; telegram: FakeTelegram; db: TestDatabase }> {
    const db: TestDatabase = await createTestDatabase();
    cleanups.push(() => db.close());
    const telegram = await FakeTelegram.start({ token: TG_TOKEN });
    cleanups.push(() => telegram.stop());
    const config = loadConfig({
      DATABASE_URL: db.url,
      PORT: '0',
      LOG_LEVEL: 'silent',
      TELEGRAM_BOT_TOKEN: opts.telegramToken ?? TG_TOKEN,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      SLACK_BOT_TOKEN: 'xoxb-test-boot',
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_API_URL: opts.slack.apiUrl,
    });
    const service = await startService({ config, roles: new Set(opts.roles ?? ['bot', 'worker']), console: false, platformRetry: { firstMs: 100, maxMs: 400 } });
    cleanups.push(() => service.stop());
    return { service, base: `http://127.0.0.1:${service.port}`, telegram, db };
  }

  const readyz = async (base: string) => {
    const res = await fetch(`${base}/readyz`);
    return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
  };
  async function until<T>(check: () => Promise<T | undefined | false>, ms = 15_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await check();
      if (v) return v;
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const signedPost = (base: string, body: string) => {
    const ts = Math.floor(Date.now() / 1000);
    return fetch(`${base}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signSlackRequest(SLACK_SECRET, ts, body) },
      body,
    });
  };

  it('Slack failing at boot: Telegram and the workers run, /readyz 503 names Slack, /slack/events 503; ready once Slack answers', { timeout: 60_000 }, async () => {
    const slack = await new FakeSlack().start();
    cleanups.push(() => slack.stop());
    for (let i = 0; i < 6; i++) slack.failNext('auth.test', { status: 503 });
    const { base, telegram } = await boot({ slack });
    // Telegram started (polling removes the webhook first) while Slack is still failing.
    await until(async () => telegram.callsTo('deleteWebhook').length > 0);
    const down = await readyz(base);
    expect(down.status).toBe(503);
    expect(down.body.checks['platform:slack']).toMatch(/^starting \(attempt \d+/);
    expect(down.body.checks['platform:telegram']).toBe('ok');
    const early = await signedPost(base, JSON.stringify({ type: 'event_callback', event_id: 'Ev1', event: { type: 'app_mention' } }));
    expect(early.status).toBe(503);
    // Retried with back-off until auth.test answers: then ready.
    const up = await until(async () => {
      const r = await readyz(base);
      return r.status === 200 ? r : undefined;
    });
    expect(up.body.checks['platform:slack']).toBe('ok');
    expect(slack.calls.filter((c) => c.method === 'auth.test').length).toBeGreaterThanOrEqual(7);
  });

  it('Slack refusing the token (invalid_auth): Slack stops, named with SLACK_BOT_TOKEN; Telegram runs and the process is ready', { timeout: 60_000 }, async () => {
    const slack = await new FakeSlack().start();
    cleanups.push(() => slack.stop());
    for (let i = 0; i < 3; i++) slack.failNext('auth.test', { error: 'invalid_auth' });
    const { base, telegram } = await boot({ slack });
    await until(async () => telegram.callsTo('deleteWebhook').length > 0);
    const r = await until(async () => {
      const x = await readyz(base);
      return x.body.checks['platform:slack']?.startsWith('stopped') ? x : undefined;
    });
    expect(r.status).toBe(200);
    expect(r.body.checks['platform:slack']).toBe('stopped: SLACK_BOT_TOKEN: Slack answered invalid_auth');
    expect(r.body.checks['platform:telegram']).toBe('ok');
    // Not retried.
    await new Promise((res) => setTimeout(res, 800));
    expect(slack.calls.filter((c) => c.method === 'auth.test')).toHaveLength(1);
  });

  it('Slack unreachable (connection refused): retried, /readyz names it with the attempts; Telegram runs', { timeout: 60_000 }, async () => {
    const { base, telegram } = await boot({ slack: { apiUrl: 'http://127.0.0.1:9/api/' } });
    await until(async () => telegram.callsTo('deleteWebhook').length > 0);
    const r = await until(async () => {
      const x = await readyz(base);
      return /attempt [3-9]/.test(x.body.checks['platform:slack'] ?? '') ? x : undefined;
    });
    expect(r.status).toBe(503);
    expect(r.body.checks['platform:telegram']).toBe('ok');
    expect(r.body.checks['platform:slack']).not.toContain('xoxb-');
  });

  it('a wrong Telegram token stops Telegram alone, named with TELEGRAM_BOT_TOKEN; Slack starts', { timeout: 60_000 }, async () => {
    const slack = await new FakeSlack().start();
    cleanups.push(() => slack.stop());
    const { base, db, service } = await boot({ slack, telegramToken: '123456789:WRONG-token-abcdefghijklmnopqrs' });
    const r = await until(async () => {
      const x = await readyz(base);
      return x.body.checks['platform:telegram']?.startsWith('stopped') && x.body.checks['platform:slack'] === 'ok' ? x : undefined;
    });
    expect(r.status).toBe(200);
    expect(r.body.checks['platform:telegram']).toMatch(/^stopped: TELEGRAM_BOT_TOKEN: Telegram answered 401/);
    // `kinerja status` (another process) reads it from the database: the variable and the platform's reason.
    const status = await until(async () => {
      const st = await collectStatus(db.orm.em.fork() as EntityManager, []);
      return st.platforms.length === 2 && st.platforms.every((p) => p.state !== 'retrying') ? st : undefined;
    });
    const text = formatStatus(status);
    expect(text).toMatch(/telegram\s+STOPPED: Telegram answered 401[^\n]*; fix TELEGRAM_BOT_TOKEN and restart/);
    expect(text).toMatch(/slack\s+ready/);
    expect(text).not.toContain('WRONG-token');
    expect(service.failure).toBeUndefined();
  });

  it('a bot-only process whose every platform stopped for good has no role left: it stops and says why (exit non-zero)', { timeout: 60_000 }, async () => {
    const slack = await new FakeSlack().start();
    cleanups.push(() => slack.stop());
    slack.failNext('auth.test', { error: 'invalid_auth' });
    const { service } = await boot({ slack, telegramToken: '123456789:WRONG-token-abcdefghijklmnopqrs', roles: ['bot'] });
    await service.stopped;
    expect(service.failure).toBe('no role can run: every platform stopped (telegram, slack), and this process has no worker role');
  });
});
