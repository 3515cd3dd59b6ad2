/**
 * Issue 13, item 4 through the engine, in English and on the console (the Slack and Telegram journeys in
 * Indonesian run over the fake HTTP servers: test/slack/e2e.test.ts, test/telegram/e2e.test.ts). The result
 * says to reply to it where replying is possible; a plain message right after a relay is taken as the reply;
 * an over-long thread message is refused with the limit and handed back as a draft. The console has no
 * reply-to: no such line, and a plain message stays a plain message.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngineHarness, PEOPLE, type EngineHarness } from '../support/engine.js';
import { completeSelfAssessment, rate } from '../support/engine-flows.js';

describe('threads that stay threads (engine)', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('English on Telegram: the result says to reply to it; a plain answer after a relay is relayed and she is told; too long comes back as a draft', async () => {
    await completeSelfAssessment(h, 'budi', [90, 20]);
    await rate(h, 'sari', { items: 2, item: 1, perilaku: 1 });
    const result = (await h.allMessages('budi')).find((m) => m.text.includes('Rating: Good'))!;
    expect(result.text).toContain('Reply to this message; your reply is passed on to them.');
    expect(result.threadKey).toBe(h.threadKeyOf.budi);
    // The review's outcome line to the rater carries the review's thread.
    const saved = (await h.allMessages('sari')).find((m) => m.text.startsWith('Tersimpan. Predikat Budi Staff'))!;
    expect(saved.threadKey).toBe(h.threadKeyOf.budi);

    await h.send('sari', 'Please share how you kept response times down.', { threadKey: h.threadKeyOf.budi });
    expect((await h.lastMessages('budi')).map((m) => [m.text, m.threadKey])).toEqual([['Sari Atasan: Please share how you kept response times down.', h.threadKeyOf.budi]]);
    await h.send('budi', 'Gladly, I will write it up this week.');
    expect(await h.lastText('sari')).toBe('Budi Staff: Gladly, I will write it up this week.');
    expect(await h.lastText('budi')).toBe("Your message was taken as a reply to Sari Atasan's message and passed on to them. Next time, reply to their message directly.");
    // Only right after a relay: the next plain message is a plain message again.
    await h.send('budi', 'hello');
    expect(await h.lastText('budi')).toContain("I didn't understand that");
    expect(await h.lastMessages('sari')).toEqual([]);

    const long = 'A long note. '.repeat(320).trim();
    await h.send('budi', long, { threadKey: h.threadKeyOf.budi });
    const back = await h.lastMessages('budi');
    expect(back.map((m) => m.threadKey)).toEqual([h.threadKeyOf.budi, h.threadKeyOf.budi]);
    expect(back[0].text).toBe(`The text is too long (${long.length} characters). Shorten it to at most 4000 characters.\nThe message was not passed on. Your draft is in the next message: copy it, shorten it and send it again.`);
    expect(back[1].text).toBe(long);
    expect(await h.lastMessages('sari')).toEqual([]);
    const stored = await h.query<{ text: string }>(`select text from thread_message where assessment_id = ?`, [h.assessmentOf.budi]);
    expect(stored.map((r) => r.text)).toEqual(['Please share how you kept response times down.', 'Gladly, I will write it up this week.']);
  });

  it('on the console: no "reply to this message" line, and a plain message after a relay is not taken as a reply', async () => {
    const citra = `console:${PEOPLE.citra.tg}`;
    await h.query(`update chat_identity set platform = 'console' where employee_id = ?`, [h.ids.citra]);
    await h.send(citra, '/penilaian');
    for (const v of ['90', '20']) {
      await h.send(citra, v);
      await h.send(citra, 'Uraian pekerjaan yang cukup panjang untuk indikator ini.');
      await h.send(citra, 'https://drive.example.go.id/bukti');
    }
    await h.press(citra, 'Kirim');
    await rate(h, 'sari', { items: 2, item: 1, perilaku: 1 });
    const result = (await h.allMessages(citra)).find((m) => m.text.includes('Predikat: Baik'))!;
    expect(result.text).not.toContain('Balas pesan ini');
    expect(result.text).toContain('Hasil ini belum final');

    await h.send('sari', 'Terima kasih, Citra.', { threadKey: h.threadKeyOf.citra });
    expect(await h.lastText(citra)).toBe('Sari Atasan: Terima kasih, Citra.');
    await h.send(citra, 'Sama-sama, Bu.');
    expect(await h.lastText(citra)).toContain('Saya belum paham pesan itu');
    expect(await h.lastMessages('sari')).toEqual([]);
  });
});
