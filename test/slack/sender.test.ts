import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import { deliverOutboxRow } from '../../src/jobs/deliver-row.js';
import { DeliveryError, type OutgoingMessage, type PlatformSender } from '../../src/contract/index.js';
import { createDeliveryClient, SlackSender } from '../../src/adapters/slack/sender.js';
import { TriggerStore } from '../../src/adapters/slack/trigger-store.js';
import { OPEN_FORM_ACTION_PREFIX } from '../../src/adapters/slack/render.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { FakeSlack } from '../support/fake-slack.js';

let db: TestDatabase;
let slack: FakeSlack;
let clock: ManualClock;
let triggers: TriggerStore;
let senders: Map<string, PlatformSender>;
let seq = 0;

async function outbox(chatId: string, payload: OutgoingMessage): Promise<number> {
  const rows = await db.orm.em.getConnection().execute<{ id: string }[]>(
    `insert into outbox_message (platform, chat_id, payload, dedupe_key) values ('slack', ?, ?, ?) returning id`,
    [chatId, JSON.stringify(payload), `t-${++seq}`],
  );
  return Number(rows[0].id);
}

async function row(id: number): Promise<{ status: string; platform_message_ref: string | null; last_error: string | null; attempts: number }> {
  const rows = await db.orm.em.getConnection().execute<{ status: string; platform_message_ref: string | null; last_error: string | null; attempts: number }[]>(
    'select status, platform_message_ref, last_error, attempts from outbox_message where id = ?',
    [id],
  );
  return rows[0];
}

const deliver = (id: number) => deliverOutboxRow(db.orm.em.fork(), senders, id);

beforeAll(async () => {
  db = await createTestDatabase();
  slack = await new FakeSlack().start();
});
afterAll(async () => {
  await slack?.stop();
  await db?.close();
});
beforeEach(() => {
  slack.calls.length = 0;
  clock = new ManualClock(new Date('2027-01-05T02:00:00Z'));
  triggers = new TriggerStore(clock);
  const sender = new SlackSender({ client: createDeliveryClient({ token: 'xoxb-test-token', apiUrl: slack.apiUrl, logger: createLogger('silent') }), triggers });
  senders = new Map([['slack', sender]]);
});

describe('Slack sender', () => {
  it('posts a message with the bot token and stores its ts as the message ref', async () => {
    const id = await outbox('D100', { text: 'Halo <Budi> & tim', buttons: [[{ label: 'Mulai', token: 'tok1' }]] });
    const outcome = await deliver(id);
    const [call] = slack.callsOf('chat.postMessage');
    expect(call.token).toBe('xoxb-test-token');
    // The top-level text is parsed by Slack too (notifications): escaped like the blocks.
    expect(call.args).toMatchObject({ channel: 'D100', text: 'Halo &lt;Budi&gt; &amp; tim' });
    expect(call.args.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: 'Halo &lt;Budi&gt; &amp; tim' } },
      { type: 'actions', elements: [expect.objectContaining({ type: 'button', value: 'tok1' })] },
    ]);
    expect(outcome).toEqual({ status: 'sent', platformMessageRef: expect.stringMatching(/^\d+\.\d+$/) });
    expect((await row(id)).platform_message_ref).toBe((outcome as { platformMessageRef: string }).platformMessageRef);
  });

  it('posts thread messages under the thread root of that chat (thread_ts), and a new root without one', async () => {
    const root = await outbox('D200', { text: 'Penilaian Budi menunggu tinjauan', threadKey: 'k200', threadRoot: true });
    await deliver(root);
    const rootTs = (await row(root)).platform_message_ref;
    const reply = await outbox('D200', { text: 'Umpan balik', threadKey: 'k200' });
    await deliver(reply);
    const other = await outbox('D201', { text: 'Di chat lain tidak ada akar', threadKey: 'k200' });
    await deliver(other);
    const posts = slack.callsOf('chat.postMessage').map((c) => c.args);
    expect(posts[0].thread_ts).toBeUndefined();
    expect(posts[1].thread_ts).toBe(rootTs);
    expect(posts[2].thread_ts).toBeUndefined();
  });

  it('replaces an answered message with chat.update so its buttons disappear', async () => {
    const first = await outbox('D300', { text: 'Kirim penilaian?', buttons: [[{ label: 'Ya', token: 'y' }]] });
    await deliver(first);
    const ts = (await row(first)).platform_message_ref;
    const second = await outbox('D300', { text: 'Kirim penilaian? Ya', replaceOutboxId: first });
    const outcome = await deliver(second);
    const [update] = slack.callsOf('chat.update');
    expect(update.args).toMatchObject({ channel: 'D300', ts, text: 'Kirim penilaian? Ya' });
    expect((update.args.blocks as { type: string }[]).map((b) => b.type)).toEqual(['section']);
    expect(outcome).toEqual({ status: 'sent', platformMessageRef: ts });
  });

  it('sends a new message when the old one can no longer be edited', async () => {
    const first = await outbox('D301', { text: 'lama' });
    await deliver(first);
    slack.failNext('chat.update', { error: 'message_not_found' });
    const second = await outbox('D301', { text: 'baru', replaceOutboxId: first });
    expect(await deliver(second)).toMatchObject({ status: 'sent' });
    expect(slack.callsOf('chat.update')).toHaveLength(1);
    expect(slack.postedTo('D301').map((a) => a.text)).toEqual(['lama', 'baru']);
  });

  it('a 429 becomes rate_limited with Retry-After, after exactly one call (no SDK retries)', async () => {
    slack.failNext('chat.postMessage', { ratelimited: 7 });
    const id = await outbox('D400', { text: 'x' });
    const err = await deliver(id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeliveryError);
    expect(err).toMatchObject({ kind: 'rate_limited', retryAfterMs: 7000 });
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
    expect((await row(id)).status).toBe('pending');
  });

  it.each(['channel_not_found', 'account_inactive', 'not_in_channel', 'is_archived', 'invalid_auth'])('%s is permanent: the row fails with the reason', async (code) => {
    slack.failNext('chat.postMessage', { error: code });
    const id = await outbox('D500', { text: 'x' });
    expect(await deliver(id)).toMatchObject({ status: 'failed', reason: expect.stringContaining(code) });
    const r = await row(id);
    expect(r.status).toBe('failed');
    expect(r.last_error).toContain(code);
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
  });

  it('an HTTP 500 is transient: thrown for a later retry, the row stays pending', async () => {
    slack.failNext('chat.postMessage', { status: 500 });
    const id = await outbox('D600', { text: 'x' });
    await expect(deliver(id)).rejects.toMatchObject({ kind: 'transient' });
    expect(slack.callsOf('chat.postMessage')).toHaveLength(1);
    expect(await row(id)).toMatchObject({ status: 'pending', attempts: 1 });
    expect(await deliver(id)).toMatchObject({ status: 'sent' });
  });

  it('an unreachable Slack is transient', async () => {
    const offline = new SlackSender({ client: createDeliveryClient({ token: 'xoxb-t', apiUrl: 'http://127.0.0.1:9/api/', timeoutMs: 2000, logger: createLogger('silent') }) });
    const id = await outbox('D601', { text: 'x' });
    await expect(deliverOutboxRow(db.orm.em.fork(), new Map([['slack', offline]]), id)).rejects.toMatchObject({ kind: 'transient' });
  });

  describe('forms', () => {
    const form = { token: 'ftok', title: 'Indikator 1', submitLabel: 'Simpan', fields: [{ id: 'realisasi', label: 'Realisasi' }, { id: 'narasi', label: 'Narasi', multiline: true }] };

    it('opens a modal with the fresh trigger of the click that asked for it', async () => {
      triggers.remember('D700', 'trig-1');
      clock.advance(1000);
      const id = await outbox('D700', { text: 'Isi realisasi dan narasi', form });
      expect(await deliver(id)).toEqual({ status: 'sent', platformMessageRef: 'view:V1' });
      const [open] = slack.callsOf('views.open');
      expect(open.args.trigger_id).toBe('trig-1');
      expect(open.args.view).toMatchObject({ type: 'modal', callback_id: 'kinerja_form', blocks: [{ block_id: 'realisasi' }, { block_id: 'narasi' }] });
      expect(slack.callsOf('chat.postMessage')).toHaveLength(0);
    });

    it('offers the form behind a button when the trigger is too old', async () => {
      triggers.remember('D701', 'trig-2');
      clock.advance(3000);
      const id = await outbox('D701', { text: 'Isi realisasi dan narasi', form });
      await deliver(id);
      expect(slack.callsOf('views.open')).toHaveLength(0);
      const blocks = slack.postedTo('D701')[0].blocks as { type: string; elements?: { action_id: string; value: string }[] }[];
      expect(blocks.at(-1)!.elements![0]).toMatchObject({ action_id: OPEN_FORM_ACTION_PREFIX, value: 'ftok' });
    });

    it('falls back to the button when Slack refuses the trigger', async () => {
      triggers.remember('D702', 'trig-3');
      slack.failNext('views.open', { error: 'expired_trigger_id' });
      const id = await outbox('D702', { text: 'Isi', form });
      expect(await deliver(id)).toMatchObject({ status: 'sent' });
      expect(slack.postedTo('D702')).toHaveLength(1);
    });
  });
});
