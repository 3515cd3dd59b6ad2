/**
 * Flows as modules: the conversation state is parsed with one schema assembled from the registered flow
 * modules, so a flow's state slice survives the database without any list to edit; and the prompt key
 * (`state.prompt`) survives a reload, so pressing the summary's submit button edits the summary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createEngine } from '../../src/engine/engine.js';
import { createFlowRegistry, FLOW_MODULES, flows, type FlowModule } from '../../src/engine/flows/index.js';
import { loadIngress } from '../../src/engine/load.js';
import { TxRunner } from '../../src/db/sql.js';
import { createLogger } from '../../src/logger.js';
import { createEngineHarness, PEOPLE, type EngineHarness } from '../support/engine.js';
import { capabilitiesOf } from '../../src/engine/capabilities.js';
import { PLATFORM_MODULES } from '../../src/platforms.js';

/** A test-only flow: `/catat TEXT` keeps a note in its own state slice, `/catatan` shows it. */
const noteSlice = z.object({ text: z.string(), count: z.number() });

declare module '../../src/engine/state.js' {
  interface FlowSlices {
    note?: z.infer<typeof noteSlice>;
  }
}

const noteModule: FlowModule = {
  name: 'note',
  commands: [
    {
      names: ['catat', 'note'],
      run(turn, args) {
        const count = (turn.state.note?.count ?? 0) + 1;
        turn.state = { ...turn.state, note: { text: args.join(' '), count } };
        turn.say('noted');
      },
    },
    { names: ['catatan', 'notes'], run: (turn) => turn.say(turn.state.note ? `note ${turn.state.note.count}: ${turn.state.note.text}` : 'no note') },
  ],
  slice: { key: 'note', schema: noteSlice },
};

describe('flows as modules', () => {
  let h: EngineHarness;
  beforeAll(async () => {
    h = await createEngineHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  const reload = (userId: string, parse = flows.parseState) =>
    new TxRunner(h.db.orm).run((tx) => loadIngress(tx, 'telegram', `reload-${Math.random()}`, userId, parse));

  it("a new flow module's state slice round-trips through the database (no list of known keys to edit)", async () => {
    const registry = createFlowRegistry([...FLOW_MODULES, noteModule]);
    const make = () =>
      createEngine({
    capabilities: capabilitiesOf(PLATFORM_MODULES), orm: h.db.orm, config: { REALISASI_MAX_MULTIPLE: 5, EVIDENCE_MAX_MB: 20, DRAFT_IDLE_MINUTES: 60 }, clock: h.clock, logger: createLogger('silent'), flows: registry });
    await make().handle(h.event('budi', 'command', 'catat', { args: ['bring', 'the', 'report'] }));
    await make().handle(h.event('budi', 'command', 'note', { args: ['bring', 'the', 'slides'] }));
    const [row] = await h.query<{ state: { note?: unknown } }>(`select state from conversation where platform = 'telegram' and platform_user_id = ?`, [PEOPLE.budi.tg]);
    expect(row.state.note).toEqual({ text: 'bring the slides', count: 2 });
    // A fresh engine (as after a restart) reads it back.
    const engine = make();
    const ev = h.event('budi', 'command', 'catatan');
    await engine.handle(ev);
    const [reply] = await h.query<{ payload: { text: string } }>(`select payload from outbox_message where dedupe_key like ? order by id`, [`telegram:${ev.eventId}:%`]);
    expect(reply.payload.text).toBe('note 2: bring the slides');
    expect((await reload(PEOPLE.budi.tg, registry.parseState)).conversation?.state.note).toEqual({ text: 'bring the slides', count: 2 });
    // The bot's own registry has no such flow: the command is unknown there and the slice is not kept.
    expect((await reload(PEOPLE.budi.tg)).conversation?.state.note).toBeUndefined();
  });

  it('a registry refuses two modules claiming the same command or state slice', () => {
    expect(() => createFlowRegistry([...FLOW_MODULES, { name: 'x', commands: [{ names: ['status'], run: () => {} }] }])).toThrow(/status/);
    expect(() => createFlowRegistry([...FLOW_MODULES, { name: 'y', slice: { key: 'review', schema: z.object({}) } }])).toThrow(/review/);
  });

  it("after a reload the summary's prompt key is kept (state.prompt), so its submit button edits the summary", async () => {
    await h.send('citra', '/penilaian');
    for (let i = 0; i < 2; i++) {
      await h.send('citra', String(90 - i * 66));
      await h.send('citra', 'Uraian pekerjaan yang cukup panjang untuk indikator ini.');
      await h.send('citra', 'https://drive.example.go.id/bukti');
    }
    const summary = (await h.lastMessages('citra')).find((m) => m.buttons?.length)!;
    expect(summary.text).toContain('Ringkasan');
    const [row] = await h.query<{ prompt: string | null }>(`select state->>'prompt' as prompt from conversation where platform = 'telegram' and platform_user_id = ?`, [PEOPLE.citra.tg]);
    expect(row.prompt).toMatch(/^telegram:/);

    h.restart();
    expect((await reload(PEOPLE.citra.tg)).conversation?.state.prompt).toBe(row.prompt);
    await h.press('citra', 'Kirim');
    const [edit] = await h.lastEdits('citra');
    expect(edit.replaceOutboxId).toBe(summary.outboxId);
    expect(edit.buttons).toBeUndefined();
    expect(await h.lastText('citra')).toContain('Terkirim');
  });
});
