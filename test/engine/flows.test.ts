/** The pure step without a database: state in, state and effects out. */
import { describe, expect, it } from 'vitest';
import { toStepInput } from '../../src/engine/engine.js';
import { PLAIN_CAPABILITIES } from '../../src/engine/capabilities.js';
import { step } from '../../src/engine/flows/index.js';
import { initialState, type ConversationState } from '../../src/engine/state.js';
import { CONTINUE_ASSESSMENT_TOKEN, randomToken, TOKEN_MAX_LENGTH } from '../../src/engine/tokens.js';
import type { AssessmentView, PersonView, StepContext } from '../../src/engine/views.js';

const ani: PersonView = { id: 1, name: 'Ani', nip: '199001012015032003', locale: 'id', unitId: 1, supervisorId: 2, roles: ['pegawai'], optOutAnnouncements: false, timezone: 'Asia/Jakarta' };

function view(): AssessmentView {
  return {
    id: 10,
    version: 1,
    status: 'draft',
    round: 1,
    threadKey: 'tk',
    reflection: null,
    hasilKerja: null,
    perilaku: null,
    predicate: null,
    cycle: { id: 1, name: 'Triwulan IV 2026', selfDeadline: '2027-01-05', status: 'open', matrixVersion: 'permenpanrb-6-2022-v1', settings: {} },
    owner: ani,
    raters: [],
    promptRater: null,
    items: [
      { key: 'ind:1', indicatorId: 1, targetId: null, name: 'Kualitas pelayanan', unitOfMeasure: '%', target: 90, main: false, realisasi: null, narrative: null, evidence: [], evidenceSkipped: false, supervisorRating: null },
    ],
    returnNote: null,
    feedback: null,
  };
}

function ctx(own: AssessmentView | null = view()): StepContext {
  let n = 0;
  return {
    now: new Date('2026-12-01T03:00:00Z'),
    platform: 'console',
    capabilities: PLAIN_CAPABILITIES,
    actor: ani,
    locale: 'id',
    own,
    subject: null,
    pendingReviews: null,
    checkIn: null,
    resumedAfterIdle: false,
    limits: { realisasiMaxMultiple: 5, evidenceMaxMb: 20 },
    newToken: () => `tok${++n}`,
    newErrorId: () => 'e1',
  };
}

describe('pure step', () => {
  it('starts the assessment and then turns a realisasi into a save effect and the next question', () => {
    const started = step(initialState(), { kind: 'command', name: 'penilaian', args: [] }, ctx());
    expect(started.state).toMatchObject({ flow: 'assess', step: 'realisasi', assess: { id: 10, item: 0, editing: false } });
    expect(started.effects.map((e) => e.kind)).toEqual(['reply', 'reply']);

    const answered = step(started.state, { kind: 'text', text: '12,5' }, ctx());
    expect(answered.state.step).toBe('narrative');
    expect(answered.effects[0]).toEqual({ kind: 'save_answer', assessmentId: 10, itemKey: 'ind:1', indicatorId: 1, targetId: null, patch: { realisasi: 12.5 } });
  });

  it('keeps the step and writes nothing on a bad number', () => {
    const s: ConversationState = { ...initialState(), flow: 'assess', step: 'realisasi', assess: { id: 10, item: 0, editing: false } };
    const r = step(s, { kind: 'text', text: '-1' }, ctx());
    expect(r.state.step).toBe('realisasi');
    expect(r.effects.every((e) => e.kind === 'reply')).toBe(true);
  });

  it('resolves tokens against the presser\'s own state: current, stale, not theirs, and the reminder token', () => {
    const s: ConversationState = { ...initialState(), tokens: { cur: { a: 'skip_evidence' } }, stale: ['old'] };
    const ev = (payload: string) => ({ platform: 'telegram' as const, platformUserId: '1', chatId: '1', eventId: 'e', kind: 'action' as const, payload });
    expect(toStepInput(ev('cur'), s, 1)).toEqual({ kind: 'action', action: { a: 'skip_evidence' } });
    expect(toStepInput(ev('old'), s, 1)).toEqual({ kind: 'stale_action' });
    expect(toStepInput(ev('someone-elses'), s, 1)).toEqual({ kind: 'foreign_action' });
    expect(toStepInput(ev(CONTINUE_ASSESSMENT_TOKEN), s, 1)).toEqual({ kind: 'action', action: { a: 'start_assessment' } });
    expect(toStepInput(ev(CONTINUE_ASSESSMENT_TOKEN), s, null)).toEqual({ kind: 'foreign_action' });
  });

  it('tells an own token, however old, from one never issued to the presser by its owner prefix', () => {
    const s: ConversationState = { ...initialState(), tokens: { 'a.cur': { a: 'skip_evidence' } } };
    const ev = (payload: string) => ({ platform: 'telegram' as const, platformUserId: '1', chatId: '1', eventId: 'e', kind: 'action' as const, payload });
    // Employee 10 is "a" in base 36: a token of theirs from months ago that no list remembers.
    expect(toStepInput(ev('a.very-old-token'), s, 10)).toEqual({ kind: 'stale_action' });
    expect(toStepInput(ev('b.someone-elses'), s, 10)).toEqual({ kind: 'foreign_action' });
    expect(toStepInput(ev('a.cur'), s, 10)).toEqual({ kind: 'action', action: { a: 'skip_evidence' } });
  });

  it('issues short opaque tokens and retires the old ones when the step changes', () => {
    const s: ConversationState = { ...initialState(), flow: 'assess', step: 'evidence', assess: { id: 10, item: 0, editing: false }, tokens: { a1: { a: 'skip_evidence' } } };
    const v = view();
    v.items[0].realisasi = 90;
    v.items[0].narrative = 'cukup panjang sekali';
    const r = step(s, { kind: 'action', action: { a: 'skip_evidence' } }, ctx(v));
    expect(r.state.step).toBe('summary'); // the reflection is typed at the summary
    // Tokens name their owner (employee 1 = '1' in base 36) so an old one is recognised without a list.
    expect(Object.keys(r.state.tokens)).toEqual(['1.tok1', '1.tok2', '1.tok3']); // the summary: Ubah 1, Simpan & keluar, Kirim
    expect(r.state.stale).toContain('a1');
    const real = randomToken();
    expect(real.length).toBeLessThanOrEqual(TOKEN_MAX_LENGTH);
    expect(real).not.toBe(randomToken());
  });
});
