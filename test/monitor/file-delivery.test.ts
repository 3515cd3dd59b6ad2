/**
 * Files through the outbox: a `/pantau` picture and an export file produced at delivery and sent as a
 * Telegram photo/document (multipart), a Slack upload (getUploadURLExternal, the bytes, completeUploadExternal)
 * and a file written under DATA_DIR on the console. The outbox row holds only the file's description.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleSender } from '../../src/adapters/console/sender.js';
import { createDeliveryClient, SlackSender } from '../../src/adapters/slack/sender.js';
import { TelegramSender } from '../../src/adapters/telegram/sender.js';
import type { OutgoingMessage, PlatformSender } from '../../src/contract/index.js';
import { deliverOutboxRow } from '../../src/jobs/deliver-row.js';
import { createChatFileSource } from '../../src/reports/chat-files.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { FakeSlack } from '../support/fake-slack.js';
import { FakeTelegram } from '../support/fake-telegram.js';
import { seedExportCycle, type ExportSeed } from '../reports/seed.js';
import { ManualClock } from '../../src/clock.js';
import { createLogger } from '../../src/logger.js';
import { createQueues, startWorkers } from '../../src/jobs/worker-role.js';
import { eventually, testConfig, uniquePrefix } from '../jobs/helpers.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

const TOKEN = '123456:TEST-files-token-abcdefghijklm';
const NOW = new Date('2026-12-01T03:00:00Z');
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

let db: TestDatabase;
let seed: ExportSeed;
let telegram: FakeTelegram;
let slack: FakeSlack;
let seq = 0;

const files = () => createChatFileSource(() => db.orm.em.fork() as EntityManager, () => NOW);

async function outbox(platform: string, chatId: string, payload: OutgoingMessage): Promise<number> {
  const rows = await db.orm.em.getConnection().execute<{ id: string }[]>(
    `insert into outbox_message (platform, chat_id, payload, dedupe_key) values (?, ?, ?, ?) returning id`,
    [platform, chatId, JSON.stringify(payload), `f-${++seq}`],
  );
  return Number(rows[0]!.id);
}

const picture = (lang: 'id' | 'en'): OutgoingMessage => ({
  text: lang === 'id' ? 'Pengisian penilaian' : 'Assessment completion',
  file: { kind: 'image', source: 'pantau-completion', params: { cycle: seed.cycleId, unit: null, lang } },
});
const document = (): OutgoingMessage => ({ text: 'Berkas', file: { kind: 'document', source: 'export-results', params: { cycle: seed.cycleId, unit: 'BKD', lang: 'id' } } });

async function deliver(platform: string, sender: PlatformSender, id: number) {
  return deliverOutboxRow(db.orm.em.fork() as EntityManager, new Map([[platform, sender]]), id, { files: files() });
}

beforeAll(async () => {
  db = await createTestDatabase();
  seed = await seedExportCycle(db.orm.em.fork() as EntityManager);
  telegram = await FakeTelegram.start({ token: TOKEN });
  telegram.knowChat(4301);
  slack = await new FakeSlack().start();
}, 60_000);
afterAll(async () => {
  await telegram?.stop();
  await slack?.stop();
  await db?.close();
});

describe('files on Telegram', () => {
  it('a picture goes as sendPhoto with its numbers in the caption; the row keeps no bytes', async () => {
    const sender = new TelegramSender({ token: TOKEN, apiRoot: telegram.apiRoot, timeoutSeconds: 10 });
    const id = await outbox('telegram', '4301', picture('id'));
    expect(await deliver('telegram', sender, id)).toMatchObject({ status: 'sent' });
    const sent = telegram.botMessages(4301).at(-1)!;
    expect(sent.photo).toBeDefined();
    const bytes = telegram.sentFile(sent.photo!.file_id)!.bytes;
    expect(bytes.subarray(0, 4)).toEqual(PNG);
    expect(sent.text).toContain('Pengisian penilaian');
    expect(sent.text).toContain('8 pegawai: terkirim 3 (37.5%), sudah dinilai 2');
    const [row] = await db.orm.em.getConnection().execute<{ payload: string }[]>(`select payload::text from outbox_message where id = ?`, [id]);
    expect(row!.payload.length).toBeLessThan(400);
    // The picture for the docs (README "For HR").
    mkdirSync('test-output', { recursive: true });
    writeFileSync(join('test-output', 'pantau-completion.png'), bytes);
    const curve = await files()({ kind: 'image', source: 'pantau-distribution', params: { cycle: seed.cycleId, unit: null, lang: 'id' } });
    writeFileSync(join('test-output', 'pantau-distribution.png'), curve.bytes);
  });

  it('an export goes as sendDocument and opens as a workbook of the unit', async () => {
    const sender = new TelegramSender({ token: TOKEN, apiRoot: telegram.apiRoot, timeoutSeconds: 10 });
    const id = await outbox('telegram', '4301', document());
    expect(await deliver('telegram', sender, id)).toMatchObject({ status: 'sent' });
    const sent = telegram.botMessages(4301).at(-1)!;
    expect(sent.document?.file_name).toBe('hasil-BKD-1.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(telegram.sentFile(sent.document!.file_id)!.bytes as unknown as ArrayBuffer);
    expect(wb.getWorksheet('Hasil')!.rowCount).toBe(7); // header + the 6 people of BKD and BKD-UMP
  });

  it('a file source that cannot produce the file fails the row for good, with the reason', async () => {
    const sender = new TelegramSender({ token: TOKEN, apiRoot: telegram.apiRoot, timeoutSeconds: 10 });
    const id = await outbox('telegram', '4301', { text: 'x', file: { kind: 'image', source: 'pantau-completion', params: { cycle: 99999, unit: null, lang: 'id' } } });
    expect(await deliver('telegram', sender, id)).toMatchObject({ status: 'failed', reason: expect.stringContaining('there is no cycle 99999') });
  });
});

describe('files through the delivery worker', () => {
  it('the worker the service starts produces the file and Telegram gets the photo', async () => {
    const config = testConfig({ REDIS_URL, DATABASE_URL: db.url });
    const queues = createQueues({ orm: db.orm, config, databaseUrl: db.url, prefix: uniquePrefix('files'), backoffMs: 20 });
    const sender = new TelegramSender({ token: TOKEN, apiRoot: telegram.apiRoot, timeoutSeconds: 10 });
    const running = await startWorkers({
      orm: db.orm, config, senders: new Map([['telegram', sender]]), files: files(),
      clock: new ManualClock(NOW), logger: createLogger('silent'), queues, schedulers: false,
    });
    try {
      const before = telegram.botMessages(4301).length;
      const id = await outbox('telegram', '4301', picture('en'));
      await queues.enqueueOutbox([id]);
      await eventually(async () => telegram.botMessages(4301).length > before, 30_000, 'the photo');
      const sent = telegram.botMessages(4301).at(-1)!;
      expect(sent.photo).toBeDefined();
      expect(sent.text).toContain('8 employees: submitted 3');
      await eventually(async () => (await db.orm.em.fork().getConnection().execute<{ status: string }[]>(`select status from outbox_message where id = ?`, [id]))[0]!.status === 'sent', 15_000, 'the row marked sent');
    } finally {
      await running.stop();
      for (const q of queues.all()) await q.obliterate({ force: true });
      await queues.close();
    }
  }, 60_000);
});

describe('files on Slack', () => {
  it('a picture is uploaded (three calls) and shared into the chat with the English caption', async () => {
    const sender = new SlackSender({ client: createDeliveryClient({ token: 'xoxb-test', apiUrl: slack.apiUrl }) });
    const id = await outbox('slack', 'D0042', picture('en'));
    const outcome = await deliver('slack', sender, id);
    expect(outcome).toMatchObject({ status: 'sent', platformMessageRef: expect.stringMatching(/^file:F/) });
    expect(slack.calls.map((c) => c.method)).toEqual(['files.getUploadURLExternal', 'upload', 'files.completeUploadExternal']);
    const [shared] = slack.filesIn('D0042');
    expect(shared!.bytes!.subarray(0, 4)).toEqual(PNG);
    expect(shared!.filename).toMatch(/^completion-.*\.png$/);
    expect(shared!.comment).toContain('8 employees: submitted 3 (37.5%), reviewed 2');
  });

  it('an upload Slack refuses is retried (transient) or failed (permanent) like any message', async () => {
    const sender = new SlackSender({ client: createDeliveryClient({ token: 'xoxb-test', apiUrl: slack.apiUrl }) });
    slack.failNext('files.completeUploadExternal', { error: 'channel_not_found' });
    const id = await outbox('slack', 'DGONE', picture('id'));
    expect(await deliver('slack', sender, id)).toMatchObject({ status: 'failed' });
  });
});

describe('files on the console', () => {
  it('the file is written under DATA_DIR/files and its path printed with the caption', async () => {
    let printed = '';
    const dir = join(mkdtempSync(join(tmpdir(), 'kinerja-console-files-')), 'files');
    const sender = new ConsoleSender({ write: (t) => (printed += t) }, () => 'console:1', undefined, false, dir);
    const id = await outbox('console', 'console:1', picture('id'));
    expect(await deliver('console', sender, id)).toMatchObject({ status: 'sent' });
    const path = /📎 (\S+\.png)/.exec(printed)?.[1];
    expect(path).toBeDefined();
    expect(path!.startsWith(dir)).toBe(true);
    expect(readFileSync(path!).subarray(0, 4)).toEqual(PNG);
    expect(printed).toContain('terkirim 3');
  });
});
