/**
 * Objection (keberatan), DOMAIN.md "Follow-up rules": after the results are announced, while the window is
 * open (domain objection.ts), an employee objects once per assessment: a reason (text bounds), an optional
 * evidence link, a summary to confirm. It goes to the rater's superior (atasan pejabat penilai, acting
 * PLT/PLH honoured; HR when there is none), who sees the assessment, the ratings, the feedback and the
 * reason, and upholds or changes the ratings (the predikat from the cycle's matrix), always with a written
 * reason. The employee, the rater and HR are told; every step is audited. Each step re-checks who may act.
 */
import { z } from 'zod';
import { DEFAULT_OBJECTION_DECISION_DAYS, checkTextLength, matrixByVersion, objectionDecisionDue, parseEvidenceLink, predicateFor, validateNip, type Rating } from '../../domain/index.js';
import { OBJECTION_COMMAND } from '../../contract/index.js';
import { formatDate, translator, type Translate } from '../../i18n/index.js';
import { predicateLabel, ratingLabel, textLengthFault } from '../../i18n/labels.js';
import { itemLines } from '../assessment-view.js';
import { objectionCommand, windowOf } from '../objection-view.js';
import { ratingSchema } from '../state.js';
import type { ButtonSpec, Turn } from '../turn.js';
import type { ObjectionCase, PersonView } from '../views.js';
import type { FlowModule } from './module.js';

const RATING_ORDER: Rating[] = ['di_atas', 'sesuai', 'di_bawah'];

function tr(turn: Turn): Translate {
  return translator(turn.ctx.locale);
}

/** Leaves the objection flow (the slice goes with it). */
function leave(turn: Turn): void {
  turn.go('idle', 'idle');
  turn.state = { ...turn.state, objection: undefined };
}


/** The ratings as one line: Hasil Kerja, Perilaku Kerja, predikat. */
function ratingsLine(t: Translate, r: { hasil: Rating | null; perilaku: Rating | null; predicate: string | null }): string {
  return t('objection.ratings', {
    hasil: r.hasil ? ratingLabel(t, r.hasil) : '-',
    perilaku: r.perilaku ? ratingLabel(t, r.perilaku) : '-',
    predicate: r.predicate ? predicateLabel(t, r.predicate) : '-',
  });
}

/** The case as it stands now, for its owner filing; says why not and leaves otherwise. Nothing is changed on refusal. */
function fileable(turn: Turn): ObjectionCase | null {
  const t = tr(turn);
  const c = turn.ctx.objection ?? null;
  const actor = turn.ctx.actor as PersonView;
  const wanted = turn.state.objection?.id;
  if (!c || c.assessment.owner.id !== actor.id || (wanted !== undefined && c.assessment.id !== wanted)) {
    turn.say(t('objection.no_result'));
    leave(turn);
    return null;
  }
  if (c.objection) {
    turn.say(
      c.objection.status === 'decided'
        ? t('objection.already_decided', { cycle: c.assessment.cycle.name })
        : t('objection.already_filed', { cycle: c.assessment.cycle.name, date: c.objection.dueOn ? formatDate(turn.ctx.locale, c.objection.dueOn) : '-' }),
    );
    leave(turn);
    return null;
  }
  const w = windowOf(c, turn.ctx.now);
  if (!w.open) {
    turn.say(w.why === 'closed' ? t('objection.window_closed', { cycle: c.assessment.cycle.name, days: c.windowDays, date: formatDate(turn.ctx.locale, w.lastDay) }) : t('objection.no_result'));
    leave(turn);
    return null;
  }
  return c;
}

/** The NIP of `/keberatan NIP` (a decider opening an objection), or null. */
function decidedNip(args: string[]): string | null {
  if (args.length !== 1) return null;
  const v = validateNip(args[0]);
  return v.ok ? v.nip : null;
}

/**
 * `/keberatan [reason]`: starts an objection to the actor's latest announced result. `/keberatan NIP` by the
 * decider of that employee's objection (or HR once it is theirs) shows it again with the two choices.
 */
function objectCommand(turn: Turn, args: string[]): void {
  turn.state = { ...turn.state, objection: undefined };
  const nip = decidedNip(args);
  if (nip !== null && nip !== turn.ctx.actor?.nip) return showToDecider(turn);
  const c = fileable(turn);
  if (!c) return;
  const t = tr(turn);
  const w = windowOf(c, turn.ctx.now);
  turn.state = { ...turn.state, objection: { id: c.assessment.id, mode: 'file' } };
  turn.go('objection', 'obj_reason');
  turn.say(
    t('objection.intro', {
      cycle: c.assessment.cycle.name,
      ratings: ratingsLine(t, { hasil: c.assessment.hasilKerja, perilaku: c.assessment.perilaku, predicate: c.assessment.predicate }),
      decider: c.superior?.name ?? t('objection.hr'),
      date: w.open ? formatDate(turn.ctx.locale, w.lastDay) : '-',
    }),
  );
  // `/keberatan <reason>` (Slack: `/kinerja keberatan <reason>`) gives the reason at once.
  if (args.length) return fileText(turn, args.join(' '));
  askFiling(turn, c);
}

/** The filing question of the current step. */
function askFiling(turn: Turn, c: ObjectionCase): void {
  const t = tr(turn);
  const s = turn.state.objection;
  if (turn.state.step === 'obj_reason' || !s?.reason) {
    turn.go('objection', 'obj_reason');
    turn.say(t('objection.ask_reason'));
    return;
  }
  if (turn.state.step === 'obj_evidence') {
    turn.reply({ text: t('objection.ask_evidence'), buttons: turn.buttons([[{ label: t('btn.skip'), action: { a: 'objection_skip_evidence' } }]]) });
    return;
  }
  turn.go('objection', 'obj_confirm');
  turn.reply({
    text: t('objection.summary', {
      cycle: c.assessment.cycle.name,
      ratings: ratingsLine(t, { hasil: c.assessment.hasilKerja, perilaku: c.assessment.perilaku, predicate: c.assessment.predicate }),
      reason: s.reason,
      evidence: s.evidence ?? '-',
      decider: c.superior?.name ?? t('objection.hr'),
    }),
    buttons: turn.buttons([[{ label: t('btn.objection_file'), action: { a: 'objection_file' }, style: 'primary' }, { label: t('btn.cancel'), action: { a: 'cancel' } }]]),
  });
}

/** Typed text while filing: the reason, then the evidence link. */
function fileText(turn: Turn, text: string): void {
  const c = fileable(turn);
  if (!c) return;
  const t = tr(turn);
  const s = turn.state.objection ?? { id: c.assessment.id, mode: 'file' as const };
  if (turn.state.step === 'obj_reason') {
    const checked = checkTextLength('objection_reason', text);
    if (!checked.ok) {
      turn.say(textLengthFault(t, checked));
      return askFiling(turn, c);
    }
    turn.state = { ...turn.state, objection: { ...s, reason: checked.text } };
    turn.go('objection', 'obj_evidence');
    return askFiling(turn, c);
  }
  if (turn.state.step === 'obj_evidence') {
    const link = parseEvidenceLink(text);
    if (!link.ok) {
      turn.say(t('objection.link_invalid'));
      return askFiling(turn, c);
    }
    turn.state = { ...turn.state, objection: { ...s, evidence: link.url } };
    turn.go('objection', 'obj_confirm');
    return askFiling(turn, c);
  }
  turn.say(t('common.use_buttons'));
  askFiling(turn, c);
}

/** The employee confirms: the objection is filed and goes to the decider (or HR). */
function fileObjection(turn: Turn): void {
  const c = fileable(turn);
  if (!c) return;
  const s = turn.state.objection;
  if (turn.state.step !== 'obj_confirm' || !s?.reason) return askFiling(turn, c);
  const t = tr(turn);
  const view = c.assessment;
  const owner = view.owner;
  const decider = c.superior;
  const dueOn = objectionDecisionDue(turn.ctx.now, turn.ctx.limits.objectionDecisionDays ?? DEFAULT_OBJECTION_DECISION_DAYS, decider?.timezone ?? owner.timezone);
  const original = { hasil: view.hasilKerja, perilaku: view.perilaku, predicate: view.predicate };
  turn.effect({
    kind: 'file_objection',
    assessmentId: view.id,
    reason: s.reason,
    evidenceUrl: s.evidence ?? null,
    ratedById: c.ratedBy?.id ?? null,
    deciderId: decider?.id ?? null,
    original,
    dueOn,
    remind: decider ? { recipientId: decider.id, timezone: decider.timezone, audience: 'employee' } : { recipientId: owner.id, timezone: owner.timezone, audience: 'hr' },
  });
  turn.effect({ kind: 'audit', action: 'objection.filed', subject: `assessment:${view.id}`, data: { by: owner.id, decider: decider?.id ?? 'hr', ratedBy: c.ratedBy?.id ?? null, predicate: view.predicate, dueOn, evidence: s.evidence ?? null } });
  // The decider (or every HR officer of the unit when there is no superior) gets the case with the two choices.
  for (const to of decider ? [decider] : c.hr) deciderPrompt(turn, c, to, s.reason, s.evidence ?? null, dueOn);
  if (c.ratedBy && c.ratedBy.id !== decider?.id) {
    const rt = translator(c.ratedBy.locale);
    turn.effect({ kind: 'notify', employeeId: c.ratedBy.id, message: { text: rt('objection.rater_filed', { name: owner.name, cycle: view.cycle.name, decider: decider?.name ?? rt('objection.hr') }) } });
  }
  turn.say(t('objection.filed', { decider: decider?.name ?? t('objection.hr'), date: formatDate(turn.ctx.locale, dueOn) }));
  leave(turn);
}

/** The decider's prompt: the assessment, its ratings and feedback, the reason, and the two choices. */
function deciderPrompt(turn: Turn, c: ObjectionCase, to: PersonView, reason: string, evidence: string | null, dueOn: string): void {
  const dt = translator(to.locale);
  const view = c.assessment;
  const { buttons, grants } = turn.grantButtons(to.id, [
    [
      { label: dt('btn.objection_uphold'), action: { a: 'objection_decide', id: view.id, d: 'uphold' } },
      { label: dt('btn.objection_change'), action: { a: 'objection_decide', id: view.id, d: 'change' }, style: 'primary' },
    ],
  ]);
  const text = [
    dt('objection.decider_prompt', { name: view.owner.name, nip: view.owner.nip, cycle: view.cycle.name, rater: c.ratedBy?.name ?? '-' }),
    '',
    ...itemLines(dt, to.locale, view.items),
    '',
    ratingsLine(dt, { hasil: view.hasilKerja, perilaku: view.perilaku, predicate: view.predicate }),
    dt('objection.decider_feedback', { feedback: view.feedback ?? '-' }),
    dt('objection.decider_reason', { reason, evidence: evidence ?? '-' }),
    '',
    dt('objection.decider_ask', { date: formatDate(to.locale, dueOn) }),
  ].join('\n');
  turn.effect({ kind: 'notify', employeeId: to.id, message: { text, buttons }, grants });
}

/** `/keberatan NIP`: the objection of that employee, with the choices, for whoever may decide it. */
function showToDecider(turn: Turn): void {
  const c = turn.ctx.objection;
  if (!c?.objection) {
    turn.say(tr(turn)('objection.not_found'));
    return;
  }
  const ok = decidable(turn, c.assessment.id);
  if (!ok?.objection) return;
  const o = ok.objection;
  deciderPrompt(turn, ok, turn.ctx.actor as PersonView, o.reason, o.evidenceUrl, o.dueOn ?? '');
}

/** The case as it stands now, for the actor deciding it; says why not and leaves otherwise. Nothing is changed on refusal. */
function decidable(turn: Turn, id: number): ObjectionCase | null {
  const t = tr(turn);
  const c = turn.ctx.objection ?? null;
  const actor = turn.ctx.actor as PersonView;
  if (!c || c.assessment.id !== id || !c.objection) {
    turn.say(t('objection.not_found'));
    leave(turn);
    return null;
  }
  if (!c.mayDecide.includes(actor.id)) {
    turn.say(t('objection.not_decider'));
    if (turn.state.objection?.id === id) leave(turn);
    return null;
  }
  if (c.objection.status !== 'open') {
    turn.say(t('objection.already_decided_decider', { name: c.assessment.owner.name }));
    leave(turn);
    return null;
  }
  return c;
}

function ratingButtons(t: Translate, current: Rating | null): ButtonSpec[] {
  return RATING_ORDER.map((r) => ({ label: r === current ? t('objection.rating_current', { rating: ratingLabel(t, r) }) : ratingLabel(t, r), action: { a: 'objection_rating', r } }));
}

/** The decision question of the current step. */
function askDecision(turn: Turn, c: ObjectionCase): void {
  const t = tr(turn);
  const s = turn.state.objection;
  const view = c.assessment;
  switch (turn.state.step) {
    case 'obj_hasil':
      turn.reply({ text: t('objection.ask_hasil', { name: view.owner.name }), buttons: turn.buttons([ratingButtons(t, view.hasilKerja)]) });
      return;
    case 'obj_perilaku':
      turn.reply({ text: t('objection.ask_perilaku'), buttons: turn.buttons([ratingButtons(t, view.perilaku)]) });
      return;
    case 'obj_decision_reason':
      turn.say(s?.decision === 'changed' ? t('objection.ask_decision_reason_change') : t('objection.ask_decision_reason_uphold'));
      return;
    default: {
      const v = {
        name: view.owner.name,
        before: ratingsLine(t, { hasil: view.hasilKerja, perilaku: view.perilaku, predicate: view.predicate }),
        after: ratingsLine(t, decided(c, s)),
        reason: s?.decisionReason ?? '-',
      };
      turn.reply({
        text:
          s?.decision === 'changed'
            ? t('objection.decision_summary_change', { name: v.name, before: v.before, after: v.after, reason: v.reason })
            : t('objection.decision_summary_uphold', { name: v.name, before: v.before, reason: v.reason }),
        buttons: turn.buttons([[{ label: t('btn.objection_decision_confirm'), action: { a: 'objection_decision_confirm' }, style: 'primary' }, { label: t('btn.cancel'), action: { a: 'cancel' } }]]),
      });
    }
  }
}

/** The ratings the decision leaves: the new ones with the predikat by the cycle's matrix, or the standing ones. */
function decided(c: ObjectionCase, s: ObjectionSlice | undefined): { hasil: Rating | null; perilaku: Rating | null; predicate: string | null; matrixVersion: string | null } {
  const view = c.assessment;
  if (s?.decision === 'changed' && s.hasil && s.perilaku) {
    const p = predicateFor(s.hasil, s.perilaku, matrixByVersion(view.cycle.matrixVersion));
    return { hasil: s.hasil, perilaku: s.perilaku, predicate: p.predicate, matrixVersion: p.matrixVersion };
  }
  return { hasil: view.hasilKerja, perilaku: view.perilaku, predicate: view.predicate, matrixVersion: null };
}

/** A choice on the decider's prompt: uphold (a reason) or change (two ratings, then a reason). */
function startDecision(turn: Turn, id: number, choice: 'uphold' | 'change'): void {
  const c = decidable(turn, id);
  if (!c) return;
  turn.state = { ...turn.state, objection: { id, mode: 'decide', decision: choice === 'uphold' ? 'upheld' : 'changed' } };
  turn.go('objection', choice === 'uphold' ? 'obj_decision_reason' : 'obj_hasil');
  askDecision(turn, c);
}

/** A rating button while changing. */
function decisionRating(turn: Turn, r: Rating): void {
  const s = turn.state.objection;
  if (!s || s.mode !== 'decide') return;
  const c = decidable(turn, s.id);
  if (!c) return;
  if (turn.state.step === 'obj_hasil') {
    turn.state = { ...turn.state, objection: { ...s, hasil: r } };
    turn.go('objection', 'obj_perilaku');
  } else if (turn.state.step === 'obj_perilaku') {
    turn.state = { ...turn.state, objection: { ...s, perilaku: r } };
    turn.go('objection', 'obj_decision_reason');
  }
  askDecision(turn, c);
}

/** Typed text while deciding: the written reason. */
function decisionTyped(turn: Turn, text: string): void {
  const s = turn.state.objection;
  if (!s) return;
  const c = decidable(turn, s.id);
  if (!c) return;
  const t = tr(turn);
  if (turn.state.step !== 'obj_decision_reason') {
    turn.say(t('common.use_buttons'));
    return askDecision(turn, c);
  }
  const checked = checkTextLength('objection_decision', text);
  if (!checked.ok) {
    turn.say(textLengthFault(t, checked));
    return askDecision(turn, c);
  }
  turn.state = { ...turn.state, objection: { ...s, decisionReason: checked.text } };
  turn.go('objection', 'obj_decision_confirm');
  askDecision(turn, c);
}

/** The decider confirms: the decision is recorded and the employee, the rater and HR are told. */
function confirmDecision(turn: Turn): void {
  const s = turn.state.objection;
  if (!s || s.mode !== 'decide') return;
  const c = decidable(turn, s.id);
  if (!c || !c.objection) return;
  if (turn.state.step !== 'obj_decision_confirm' || !s.decisionReason || !s.decision || (s.decision === 'changed' && (!s.hasil || !s.perilaku))) return askDecision(turn, c);
  const t = tr(turn);
  const actor = turn.ctx.actor as PersonView;
  const view = c.assessment;
  const d = decided(c, s);
  turn.effect({
    kind: 'decide_objection',
    objectionId: c.objection.id,
    assessmentId: view.id,
    assessmentVersion: view.version,
    decidedById: actor.id,
    decision: s.decision,
    hasil: d.hasil,
    perilaku: d.perilaku,
    predicate: d.predicate,
    matrixVersion: d.matrixVersion,
    reason: s.decisionReason,
  });
  const before = { hasil: view.hasilKerja, perilaku: view.perilaku, predicate: view.predicate };
  turn.effect({ kind: 'audit', action: 'objection.decided', subject: `assessment:${view.id}`, data: { by: actor.id, decision: s.decision, before, after: { hasil: d.hasil, perilaku: d.perilaku, predicate: d.predicate } } });
  // The employee, the rater and HR are told, each in their language; the decider gets the confirmation.
  const ot = translator(view.owner.locale);
  turn.effect({
    kind: 'notify',
    employeeId: view.owner.id,
    message: { text: ownerDecisionText(ot, s.decision, { decider: actor.name, cycle: view.cycle.name, ratings: ratingsLine(ot, d), reason: s.decisionReason }), threadKey: view.threadKey },
  });
  const told = new Set([view.owner.id, actor.id]);
  for (const p of [c.ratedBy, ...c.hr]) {
    if (!p || told.has(p.id)) continue;
    told.add(p.id);
    const pt = translator(p.locale);
    const v = { name: view.owner.name, cycle: view.cycle.name, decider: actor.name, ratings: ratingsLine(pt, d), reason: s.decisionReason };
    const text =
      s.decision === 'changed'
        ? pt('objection.others_changed', { name: v.name, cycle: v.cycle, decider: v.decider, ratings: v.ratings, reason: v.reason })
        : pt('objection.others_upheld', { name: v.name, cycle: v.cycle, decider: v.decider, ratings: v.ratings, reason: v.reason });
    turn.effect({ kind: 'notify', employeeId: p.id, message: { text } });
  }
  turn.say(t('objection.decided', { name: view.owner.name, ratings: ratingsLine(t, d) }));
  leave(turn);
}

/** The employee's message about the decision. */
function ownerDecisionText(t: Translate, decision: 'upheld' | 'changed', v: { decider: string; cycle: string; ratings: string; reason: string }): string {
  return decision === 'changed'
    ? t('objection.owner_changed', { decider: v.decider, cycle: v.cycle, ratings: v.ratings, reason: v.reason })
    : t('objection.owner_upheld', { decider: v.decider, cycle: v.cycle, ratings: v.ratings, reason: v.reason });
}

/** The objection being written (mode `file`) or decided (mode `decide`), of assessment `id`. */
const objectionSlice = z.object({
  id: z.number(),
  mode: z.enum(['file', 'decide']),
  reason: z.string().optional(),
  evidence: z.string().optional(),
  decision: z.enum(['upheld', 'changed']).optional(),
  hasil: ratingSchema.optional(),
  perilaku: ratingSchema.optional(),
  decisionReason: z.string().optional(),
});
type ObjectionSlice = z.infer<typeof objectionSlice>;

declare module '../state.js' {
  interface FlowSteps {
    objection: 'obj_reason' | 'obj_evidence' | 'obj_confirm' | 'obj_hasil' | 'obj_perilaku' | 'obj_decision_reason' | 'obj_decision_confirm';
  }
  interface FlowSlices {
    objection?: z.infer<typeof objectionSlice>;
  }
}

export const objectionModule: FlowModule = {
  name: 'objection',
  flow: {
    name: 'objection',
    steps: ['obj_reason', 'obj_evidence', 'obj_confirm', 'obj_hasil', 'obj_perilaku', 'obj_decision_reason', 'obj_decision_confirm'],
    freeTextSteps: ['obj_reason', 'obj_evidence', 'obj_decision_reason'],
    needs: (state) => ({ objection: state.objection?.id ?? null }),
    ask(turn) {
      const c = turn.ctx.objection;
      const s = turn.state.objection;
      if (!c || !s || c.assessment.id !== s.id) return false;
      if (s.mode === 'file') askFiling(turn, c);
      else askDecision(turn, c);
      return true;
    },
    text(turn, text) {
      if (turn.state.objection?.mode === 'decide') decisionTyped(turn, text);
      else fileText(turn, text);
    },
    help(turn) {
      const t = tr(turn);
      return turn.state.objection?.mode === 'decide' ? t('help.objection_decide') : t('help.objection', { command: objectionCommand() });
    },
  },
  commands: [
    {
      names: [OBJECTION_COMMAND, 'objection', 'object'],
      needs: (args) => {
        const nip = decidedNip(args);
        return { objection: nip !== null ? { nip } : 'own' };
      },
      run: objectCommand,
    },
  ],
  actions: {
    objection_skip_evidence: {
      inFlow: true,
      run(turn) {
        const c = fileable(turn);
        if (!c) return;
        if (turn.state.step === 'obj_evidence') turn.go('objection', 'obj_confirm');
        askFiling(turn, c);
      },
    },
    objection_file: { inFlow: true, run: (turn) => fileObjection(turn) },
    objection_decide: { needs: (a) => ({ objection: a.id }), run: (turn, a) => startDecision(turn, a.id, a.d) },
    objection_rating: { inFlow: true, run: (turn, a) => decisionRating(turn, a.r) },
    objection_decision_confirm: { inFlow: true, run: (turn) => confirmDecision(turn) },
  },
  slice: { key: 'objection', schema: objectionSlice, dropOnCancel: true },
};
