/**
 * Commands in messages are spelled for the reader's platform (issue 13 item 3): `/penilaian` on Telegram and
 * the console, `/kinerja penilaian` on Slack, where only `/kinerja` is a registered slash command.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spellMessageCommands, type OutgoingMessage } from '../../src/contract/index.js';
import { loadCatalogue, SUPPORTED_LOCALES, translator } from '../../src/i18n/index.js';
import { renderMessage as renderSlack } from '../../src/adapters/slack/render.js';
import { renderMessage as renderTelegram } from '../../src/adapters/telegram/render.js';
import { renderForConsole } from '../../src/adapters/console/render.js';
import { PLATFORM_MODULES } from '../../src/platforms.js';
import { createEngineHarness, type EngineHarness } from '../support/engine.js';
import { linkChat } from '../support/seed.js';

/** A slash command not written as `/kinerja <sub>` (a bare `/word` not inside a link or path). */
const BARE_COMMAND = /(^|[^\w:/.<>&-])\/(?!kinerja )[a-z_]+/m;

function flatten(obj: Record<string, unknown>, prefix = ''): [string, string][] {
  return Object.entries(obj).flatMap(([k, v]) => (typeof v === 'string' ? [[prefix + k, v] as [string, string]] : flatten(v as Record<string, unknown>, `${prefix}${k}.`)));
}

/** Every message of `locale`, rendered with a value for each of its variables (plural keys at 1 and at 2). */
function everyMessage(locale: (typeof SUPPORTED_LOCALES)[number]): { key: string; text: string }[] {
  const t = translator(locale);
  const out: { key: string; text: string }[] = [];
  for (const [key, raw] of flatten(loadCatalogue(locale))) {
    const vars: Record<string, string | number> = {};
    for (const m of raw.matchAll(/\{\{\s*(\w+)\s*\}\}/g)) vars[m[1]] = m[1] === 'count' ? 2 : 'X';
    const plural = key.match(/^(.*)_(zero|one|two|few|many|other)$/);
    if (plural) {
      for (const count of [1, 2]) out.push({ key, text: t(plural[1], { ...vars, count }) });
    } else out.push({ key, text: t(key, vars) });
  }
  return out;
}

function renderedOn(platform: string, message: OutgoingMessage): string {
  const prefix = PLATFORM_MODULES.find((m) => m.name === platform)!.capabilities.commandPrefix;
  const spelled = spellMessageCommands(message, prefix);
  if (platform === 'slack') {
    const r = renderSlack(spelled);
    return [r.text, ...r.blocks.map((b) => JSON.stringify(b))].join('\n');
  }
  if (platform === 'telegram') return renderTelegram(spelled).map((p) => p.text).join('\n');
  return renderForConsole(spelled).text;
}

describe('every catalogue message on every platform', () => {
  for (const locale of SUPPORTED_LOCALES) {
    it(`${locale}: no bare slash command reaches Slack; Telegram and the console get /<sub>`, () => {
      const messages = everyMessage(locale);
      expect(messages.length).toBeGreaterThan(300);
      const platforms = PLATFORM_MODULES.map((m) => m.name);
      expect(platforms).toEqual(expect.arrayContaining(['slack', 'telegram', 'console']));
      const bad: string[] = [];
      let commands = 0;
      for (const { key, text } of messages) {
        if (text.includes('{{cmd:')) commands++;
        for (const platform of platforms) {
          const shown = renderedOn(platform, { text, blocks: [[{ text }]] });
          if (shown.includes('{{cmd:')) bad.push(`${platform} ${key}: token left: ${shown}`);
          if (platform === 'slack' && BARE_COMMAND.test(shown)) bad.push(`slack ${key}: ${shown}`);
          if (platform !== 'slack' && shown.includes('/kinerja ')) bad.push(`${platform} ${key}: ${shown}`);
        }
      }
      expect(bad).toEqual([]);
      // The catalogue names commands (the check above is not vacuous).
      expect(commands).toBeGreaterThan(15);
    });
  }

  it('the check itself: a bare command in a Slack text is caught, /kinerja and links are not', () => {
    expect(BARE_COMMAND.test('Ketik /penilaian untuk mulai.')).toBe(true);
    expect(BARE_COMMAND.test('/status')).toBe(true);
    expect(BARE_COMMAND.test('Ketik /kinerja penilaian untuk mulai.')).toBe(false);
    expect(BARE_COMMAND.test('Buka https://example.go.id/admin/masuk')).toBe(false);
  });
});

describe('commands in conversation messages, per reader platform', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
    await linkChat(h.db.orm.em, h.ids.ani, { platform: 'slack', userId: 'UANI' });
    await linkChat(h.db.orm.em, h.ids.budi, { platform: 'slack', userId: 'UBUDI' });
  });
  afterAll(async () => h.close());

  it('Indonesian: the idle hint says /kinerja penilaian on Slack and /penilaian on Telegram', async () => {
    await h.send('slack:UANI', 'halo');
    const slack = await h.lastText('slack:UANI');
    expect(slack).toContain('/kinerja penilaian');
    expect(slack).not.toMatch(BARE_COMMAND);
    await h.send('ani', 'halo');
    const telegram = await h.lastText('ani');
    expect(telegram).toMatch(/ketik \/penilaian/);
    expect(telegram).not.toContain('/kinerja');
  });

  it('English: help lists /kinerja <sub> on Slack and /<sub> on Telegram', async () => {
    await h.send('slack:UBUDI', '/help');
    const slack = await h.lastText('slack:UBUDI');
    expect(slack).toContain('/kinerja assess');
    expect(slack).not.toMatch(BARE_COMMAND);
    await h.send('budi', '/help');
    const telegram = await h.lastText('budi');
    expect(telegram).toContain('/assess');
    expect(telegram).not.toContain('/kinerja');
  });

  it('an unknown command is named back as the reader types it', async () => {
    await h.send('slack:UANI', '/entah');
    expect(await h.lastText('slack:UANI')).toContain('Perintah /kinerja entah tidak dikenal');
    await h.send('budi', '/whatever');
    expect(await h.lastText('budi')).toContain('the command /whatever.');
  });
});
