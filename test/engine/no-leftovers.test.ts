/**
 * No leftover buttons (issue 13 item 5): a question answered by typing loses its buttons (edited in place,
 * text unchanged), and the second press of a double click is acknowledged without a word.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineHarness, type EngineHarness } from '../support/engine.js';
import { linkChat, type ChatPlatform } from '../support/seed.js';
import { PLATFORM_MODULES } from '../../src/platforms.js';

describe('no leftover buttons', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
  });
  afterAll(async () => h?.close());

  /** Starts the self-assessment and answers up to the first evidence question (which offers Skip). */
  async function toEvidence(who: string): Promise<{ outboxId: number; text: string; token: string }> {
    await h.send(who, '/penilaian');
    await h.send(who, '12');
    await h.send(who, who !== 'budi' ? 'Uraian pekerjaan yang cukup panjang untuk indikator ini.' : 'A long enough account of the work done for this indicator.');
    const [ask] = (await h.lastMessages(who)).filter((m) => m.buttons?.length);
    return { outboxId: ask!.outboxId, text: ask!.text, token: ask!.buttons!.flat()[0]!.token };
  }

  for (const [who, skip, saved] of [
    ['ani', 'Lewati', 'Bukti dukung tersimpan'],
    ['budi', 'Skip', 'Evidence saved'],
  ] as const) {
    it(`${who}: typing the evidence link takes the Skip button off the question, its text unchanged`, async () => {
      const ask = await toEvidence(who);
      expect(ask.text).toContain(who === 'ani' ? 'bukti dukung' : 'evidence');
      await h.send(who, 'https://drive.example.go.id/bukti');
      expect(await h.lastText(who)).toContain(saved);
      const edits = await h.lastEdits(who);
      expect(edits).toHaveLength(1);
      expect(edits[0]).toMatchObject({ replaceOutboxId: ask.outboxId, buttonsRemoved: true, text: ask.text });
      expect(edits[0]!.buttons).toBeUndefined();
      // The old Skip is now just an old button.
      await h.pressToken(who, ask.token);
      expect(await h.lastText(who)).not.toContain(skip);
    });
  }

  for (const who of ['ani', 'budi'] as const) {
    it(`${who}: the second press of a double click sends nothing and is acknowledged without text`, async () => {
      await h.send(who, '/batal');
      const ask = await toEvidence(who);
      const first = await h.pressToken(who, ask.token);
      expect(first.outboxIds.length).toBeGreaterThan(0);
      const second = await h.pressToken(who, ask.token);
      expect(second.ackText).toBeUndefined();
      expect(second.outboxIds).toEqual([]);
      expect(await h.lastMessages(who)).toEqual([]);
      expect(await h.lastEdits(who)).toEqual([]);
      // A third press is as silent; any later old press is answered as before.
      expect((await h.pressToken(who, ask.token)).outboxIds).toEqual([]);
      await h.send(who, '/status');
      await h.pressToken(who, ask.token);
      expect(await h.lastText(who)).toContain(who === 'ani' ? 'Tombol itu sudah tidak berlaku' : 'no longer valid');
    });
  }

  // Every platform of the registry, by what a person does there: where buttons are clicked, one impatient double
  // click sends two presses and the second is silent; where a choice is typed (the console's `#1`), typing it
  // again is a second line, meant, and is answered (a silent one looked lost).
  const SECOND_PRESS: Record<string, 'silent' | 'answered'> = { telegram: 'silent', slack: 'silent', console: 'answered' };
  it('every platform in the registry says how a second press is taken', () => {
    expect(Object.keys(SECOND_PRESS).sort()).toEqual(PLATFORM_MODULES.map((m) => m.name).sort());
  });
  // Telegram's case is the double-click test above (ani and budi chat on Telegram).
  for (const [platform, second] of Object.entries(SECOND_PRESS).filter(([p]) => p !== 'telegram')) {
    it(`${platform}: the same choice pressed twice at once: the second press is ${second}`, async () => {
      const who = `${platform}:ani-${platform}` as const;
      await linkChat(h.db.orm.em.fork(), h.ids.ani, { platform: platform as ChatPlatform, userId: `ani-${platform}` });
      await h.send(who, '/batal');
      const ask = await toEvidence(who);
      expect((await h.pressToken(who, ask.token)).outboxIds.length).toBeGreaterThan(0);
      const again = await h.pressToken(who, ask.token);
      if (second === 'silent') {
        expect(again.outboxIds).toEqual([]);
        expect(await h.lastMessages(who)).toEqual([]);
      } else {
        expect(again.outboxIds.length).toBeGreaterThan(0);
        expect(await h.lastText(who)).toContain('Tombol itu sudah tidak berlaku');
      }
    });
  }
});
