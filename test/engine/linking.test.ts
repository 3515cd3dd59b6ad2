import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashCode } from '../../src/engine/load.js';
import { createEngineHarness, type EngineHarness } from '../support/engine.js';

describe('linking a chat account', () => {
  let h: EngineHarness;
  const HOUR = 3_600_000;
  async function issueCode(who: 'ani' | 'budi' | 'citra', code: string, expiresInHours = 72): Promise<void> {
    await h.query(`insert into link_code (employee_id, code_hash, expires_at) values (?, ?, ?)`, [h.ids[who], hashCode(code), new Date(h.clock.now().getTime() + expiresInHours * HOUR)]);
  }
  beforeAll(async () => {
    h = await createEngineHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('tells an unknown chat user how to link, and links with /start CODE on a second platform', async () => {
    await h.send('slack:U0NEW', 'halo');
    expect(await h.lastText('slack:U0NEW')).toContain('belum ditautkan');
    await issueCode('ani', 'K7Q2M9X4PA');
    await h.send('slack:U0NEW', '/start K7Q2M9X4PA');
    const msgs = await h.lastMessages('slack:U0NEW');
    expect(msgs[0].text).toContain('sudah tertaut');
    const ids = await h.query<{ platform: string }>(`select platform from chat_identity where employee_id = ? order by platform`, [h.ids.ani]);
    expect(ids.map((r) => r.platform)).toEqual(['slack', 'telegram']);
    const [code] = await h.query<{ used_at: Date | null; used_by_platform: string }>(`select used_at, used_by_platform from link_code where code_hash = ?`, [hashCode('K7Q2M9X4PA')]);
    expect(code.used_by_platform).toBe('slack');
    // The welcome button starts the assessment on the new platform.
    await h.press('slack:U0NEW', 0);
    expect(await h.lastText('slack:U0NEW')).toContain('Indikator 1 dari 3');
    // Used codes do not work twice.
    await h.send('slack:U0OTHER', 'link K7Q2M9X4PA');
    expect(await h.lastText('slack:U0OTHER')).toContain('sudah pernah dipakai');
  });

  it('refuses an expired code and speaks English to an English client', async () => {
    await issueCode('budi', 'EXPIRED1234', -1);
    await h.send('telegram:777', '/start EXPIRED1234', { hints: { locale: 'en-US' } });
    expect(await h.lastText('telegram:777')).toContain('has expired');
  });

  it('locks after five wrong codes in an hour, says until when, and unlocks an hour later', async () => {
    const who = 'telegram:666';
    for (let i = 1; i <= 4; i++) {
      await h.send(who, `link WRONG${i}XXXXX`);
      expect(await h.lastText(who)).toContain(`Sisa percobaan dalam satu jam: ${5 - i}`);
    }
    await h.send(who, 'link WRONG5XXXXX');
    expect(await h.lastText(who)).toContain('dikunci sampai 1 Desember 2026 11:00');
    await issueCode('citra', 'GOODCODE123');
    h.clock.advance(30 * 60_000);
    await h.send(who, 'link GOODCODE123');
    expect(await h.lastText(who)).toContain('dikunci');
    const linked = await h.query(`select 1 from chat_identity where platform = 'telegram' and platform_user_id = '666'`);
    expect(linked).toHaveLength(0);
    h.clock.advance(31 * 60_000);
    await h.send(who, 'link GOODCODE123');
    expect(await h.lastText(who)).toContain('sudah tertaut');
  });

  it('auto-links a Slack user whose email matches exactly one active employee', async () => {
    await h.send('slack:U0MAIL', 'hi', { hints: { email: 'BUDI@jakarta.go.id' } });
    expect(await h.lastText('slack:U0MAIL')).toContain('This account is now linked');
    const [row] = await h.query<{ employee_id: number }>(`select employee_id from chat_identity where platform = 'slack' and platform_user_id = 'U0MAIL'`);
    expect(row.employee_id).toBe(h.ids.budi);
    await h.send('slack:U0MAIL2', 'hi', { hints: { email: 'nobody@jakarta.go.id' } });
    expect(await h.lastText('slack:U0MAIL2')).toContain('belum ditautkan');
  });

  it('tells a linked user that no code is needed', async () => {
    await h.send('ani', '/start ANYCODE');
    expect(await h.lastText('ani')).toContain('sudah tertaut atas nama Ani Pegawai');
  });
});
