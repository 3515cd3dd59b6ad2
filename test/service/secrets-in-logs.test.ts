/**
 * Secrets never appear in logs, at any level: the service (bot and worker roles) runs in its own process with
 * LOG_LEVEL=debug against fake Telegram and Slack APIs, gets traffic (a stranger's messages, a bad link code,
 * Slack requests with a good and a forged signature, an API failure), and everything it wrote to stdout and
 * stderr is searched for the Telegram bot token (and its secret half), the Slack bot token and signing
 * secret, the audit key, the admin password and the webhook secret.
 */
import { spawn } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { FakeSlack, messageEvent, postSigned, slackId } from '../support/fake-slack.js';
import { FakeTelegram } from '../support/fake-telegram.js';

const SECRETS = {
  telegramToken: '123456789:SECRET-tg-token-abcdefghijklmnopqr',
  slackToken: 'xoxb-SECRET-slack-token-4242',
  signingSecret: 'SECRET-signing-secret-0123456789',
  auditKey: 'SECRET-audit-key-0123456789abcdef0123456789',
  adminPassword: 'SECRET-admin-password',
};

describe('secrets in logs', () => {
  let db: TestDatabase | undefined;
  let telegram: FakeTelegram | undefined;
  let slack: FakeSlack | undefined;
  afterAll(async () => {
    await telegram?.stop();
    await slack?.stop();
    await db?.close();
  });

  it('LOG_LEVEL=debug: no token, signing secret, key or password in anything the service writes', { timeout: 120_000 }, async () => {
    db = await createTestDatabase();
    telegram = await FakeTelegram.start({ token: SECRETS.telegramToken });
    slack = await new FakeSlack().start();
    telegram.failNext('sendMessage', { code: 500, description: 'Internal Server Error' });
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: db.url,
        PORT: '0',
        LOG_LEVEL: 'debug',
        TELEGRAM_BOT_TOKEN: SECRETS.telegramToken,
        TELEGRAM_API_ROOT: telegram.apiRoot,
        SLACK_BOT_TOKEN: SECRETS.slackToken,
        SLACK_SIGNING_SECRET: SECRETS.signingSecret,
        SLACK_API_URL: slack.apiUrl,
        AUDIT_KEY: SECRETS.auditKey,
        ADMIN_USER: 'admin',
        ADMIN_PASSWORD: SECRETS.adminPassword,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const until = async (check: () => boolean, what: string, ms = 60_000) => {
      const deadline = Date.now() + ms;
      while (!check()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; output so far:\n${out.slice(-2000)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    try {
      await until(() => /"port":\d+/.test(out) && out.includes('workers started'), 'the service to start');
      const port = Number(/"port":(\d+)/.exec(out)![1]);
      // Each platform starts on its own (its routes answer 503 until then): wait until all are ready.
      let ready = false;
      await until(() => {
        void fetch(`http://127.0.0.1:${port}/readyz`).then((r) => (ready = r.status === 200), () => undefined);
        return ready;
      }, 'every platform ready');
      const user = { id: 777001, first_name: 'Orang', last_name: 'Asing' };
      await telegram.sendText(user, 'halo');
      await telegram.sendCommand(user, 'start', 'KODE-SALAH-123');
      await telegram.sendText(user, `token saya ${SECRETS.telegramToken.slice(0, 4)}`);
      const events = `http://127.0.0.1:${port}/slack/events`;
      const good = await postSigned(events, SECRETS.signingSecret, { json: messageEvent({ user: 'U0STRANGER', channel: 'D0STRANGER', text: 'halo', eventId: slackId('Ev') }) });
      expect(good.status).toBe(200);
      const forged = await postSigned(events, SECRETS.signingSecret, { json: messageEvent({ user: 'U0X', channel: 'D0X', text: 'x', eventId: slackId('Ev') }) }, { signature: 'v0=deadbeef' });
      expect(forged.status).toBeGreaterThanOrEqual(400);
      await fetch(`http://127.0.0.1:${port}/admin/queues`, { headers: { authorization: `Basic ${Buffer.from(`admin:${SECRETS.adminPassword}x`).toString('base64')}` } });
      // The stranger is answered on both platforms (the first Telegram send failed once and was retried).
      await until(() => telegram!.botMessages(user.id).length >= 3, 'the Telegram replies');
      await until(() => slack!.postedTo('D0STRANGER').length >= 1, 'the Slack reply');
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
    expect(out).toContain('"level":20'); // debug lines were written
    const leaks = Object.entries({ ...SECRETS, telegramTokenSecretHalf: SECRETS.telegramToken.split(':')[1]! }).filter(([, secret]) => out.includes(secret));
    expect(leaks.map(([name]) => name), `secrets found in the logs (${out.length} characters searched)`).toEqual([]);
  });
});
