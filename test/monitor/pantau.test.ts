/**
 * `/pantau` in chat: who may monitor what, the two pictures and the export files it sends (drawn when the
 * messages are delivered), in the reader's language; `/masuk` gives HR admins a one-time web link.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spellCommands, type OutgoingFile } from '../../src/contract/index.js';
import { createChatFileSource } from '../../src/reports/chat-files.js';
import { createEngineHarness, T0, type EngineHarness } from '../support/engine.js';

let h: EngineHarness;
const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

beforeAll(async () => {
  h = await createEngineHarness({ publicUrl: 'https://kinerja.example.go.id/' });
  // Ani has answered something (draft), Budi submitted, Citra is reviewed as Baik.
  await h.query(`update assessment set status = 'submitted', submitted_at = now() where id = ?`, [h.assessmentOf.budi]);
  await h.query(`update assessment set status = 'reviewed', submitted_at = now(), reviewed_at = now(), hasil_kerja = 'sesuai', perilaku = 'sesuai', predicate = 'baik' where id = ?`, [h.assessmentOf.citra]);
  await h.query(`update unit set org_rating = 'baik'`);
});
afterAll(async () => {
  await h?.close();
});

const files = () => createChatFileSource(() => h.db.orm.em.fork() as EntityManager, () => T0);

describe('/pantau', () => {
  it('an HR admin gets both pictures of every unit, with the numbers in words, and the export buttons', async () => {
    await h.send('hr', '/pantau');
    const sent = await h.lastMessages('hr');
    expect(sent.map((m) => m.file?.source ?? null)).toEqual([null, 'pantau-completion', 'pantau-distribution', null]);
    expect(sent[0]!.text).toContain('semua unit');
    const completion = await files()(sent[1]!.file!);
    expect(completion.mimeType).toBe('image/png');
    expect(Buffer.from(completion.bytes).subarray(0, 4)).toEqual(PNG);
    expect(completion.caption).toMatch(/terkirim 2 \(/);
    expect(completion.caption).toContain('sudah dinilai 1');
    const distribution = await files()(sent[2]!.file!);
    expect(Buffer.from(distribution.bytes).subarray(0, 4)).toEqual(PNG);
    // Baik for the only rated person breaks "Baik at most 70%" and "at least one Butuh Perbaikan or Kurang".
    expect(distribution.caption).toContain('1 unit melanggar');
    expect(sent[3]!.buttons?.flat().map((b) => b.label)).toEqual(['Unduh hasil (Excel)', 'Unduh pengisian (Excel)']);
  });

  it('the export button sends the results file, which opens as a workbook', async () => {
    await h.send('hr', '/pantau');
    await h.press('hr', 'Unduh hasil');
    const [doc] = await h.lastMessages('hr');
    expect(doc!.file).toMatchObject({ kind: 'document', source: 'export-results', params: { unit: null, lang: 'id' } });
    const content = await files()(doc!.file!);
    expect(content.fileName).toMatch(/\.xlsx$/);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(Buffer.from(content.bytes) as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toContain('Hasil');
  });

  it('a supervisor sees their own unit; another unit is refused', async () => {
    await h.send('sari', '/pantau');
    const sent = await h.lastMessages('sari');
    expect(sent[1]!.file!.params.unit).toBe('DISDIK');
    await h.send('sari', '/pantau BKD');
    expect(await h.lastText('sari')).toContain('hanya dapat memantau unit Anda sendiri (DISDIK)');
  });

  it('an employee who supervises nobody is told who may use it, in their language', async () => {
    await h.send('ani', '/pantau');
    expect(await h.lastText('ani')).toContain('untuk atasan (unit Anda) dan admin kepegawaian');
    await h.send('budi', '/pantau');
    expect(await h.lastText('budi')).toContain('is for supervisors (their units) and HR admins');
  });

  it('on Slack the refusal names the command as Slack users type it', async () => {
    await h.query(`insert into chat_identity (platform, platform_user_id, chat_id, employee_id) values ('slack', 'UANI', 'DANI', ?)`, [h.ids.ani]);
    const result = await h.handle({ platform: 'slack', platformUserId: 'UANI', chatId: 'DANI', eventId: 'slack-pantau-1', kind: 'command', payload: 'pantau', args: [] });
    const [row] = await h.query<{ payload: { text: string } }>(`select payload from outbox_message where id = ?`, [result.outboxIds[0]]);
    // Delivery spells the commands for Slack.
    const shown = spellCommands(row!.payload.text, '/kinerja ');
    expect(shown).toContain('Perintah /kinerja pantau untuk atasan');
    expect(shown).toContain('kirim /kinerja status');
  });

  it('an unknown unit code is named back with where the codes are', async () => {
    await h.send('hr', '/pantau NOPE');
    expect(await h.lastText('hr')).toContain('Tidak ada unit dengan kode NOPE');
  });

  it('English readers get English pictures and captions', async () => {
    const file: OutgoingFile = { kind: 'image', source: 'pantau-completion', params: { cycle: h.cycleId, unit: null, lang: 'en' } };
    const content = await files()(file);
    expect(content.caption).toContain('submitted 2 (');
    expect(content.fileName).toMatch(/^completion-/);
  });

  it('an export button pressed after losing the admin role sends nothing', async () => {
    await h.send('hr', '/pantau');
    await h.query(`update employee set roles = '{pegawai}' where id = ?`, [h.ids.hr]);
    try {
      await h.press('hr', 'Unduh pengisian');
      const sent = await h.lastMessages('hr');
      expect(sent.some((m) => m.file)).toBe(false);
      expect(sent.map((m) => m.text).join('\n')).toContain('hanya untuk atasan unit itu dan admin kepegawaian');
    } finally {
      await h.query(`update employee set roles = '{pegawai,admin}' where id = ?`, [h.ids.hr]);
    }
  });
});

describe('/masuk', () => {
  it('an HR admin gets a one-time link; only its hash is stored, and it is audited', async () => {
    await h.send('hr', '/masuk');
    const text = await h.lastText('hr');
    const url = /https:\/\/kinerja\.example\.go\.id\/admin\/masuk\?t=([\w-]+)&lang=id/.exec(text);
    expect(url).not.toBeNull();
    expect(text).toContain('berlaku 10 menit');
    const rows = await h.query<{ token_hash: string; expires_at: Date }>(`select token_hash, expires_at from web_signin`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.token_hash).not.toContain(url![1]);
    expect(new Date(rows[0]!.expires_at).getTime() - T0.getTime()).toBe(10 * 60_000);
    const audit = await h.query(`select 1 from audit_event where action = 'web.signin_link_issued'`);
    expect(audit).toHaveLength(1);
  });

  it('anyone else is refused, in their language', async () => {
    await h.send('sari', '/masuk');
    expect(await h.lastText('sari')).toContain('hanya untuk admin kepegawaian');
    await h.send('budi', '/masuk');
    expect(await h.lastText('budi')).toContain('only for HR admins');
  });
});
