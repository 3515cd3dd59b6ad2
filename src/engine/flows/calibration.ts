/**
 * Calibration (DOMAIN.md "Result timeline", step 2): between close and announce a rater sees each unit of
 * their people against its distribution curve (`/kalibrasi`, also the button on the close job's violation
 * message) and may revise a rating: new Hasil Kerja and Perilaku, a written reason, a summary to confirm.
 * The predikat comes from the cycle's matrix; the revision is recorded with the ratings before and after,
 * audited, and the employee is told (still provisional). Only the rater, only while the cycle is closed.
 */
import { z } from 'zod';
import { checkTextLength, followUpFor, matrixByVersion, predicateFor } from '../../domain/index.js';
import { translator, type Translate } from '../../i18n/index.js';
import { predicateLabel, ratingLabel, textLengthFault } from '../../i18n/labels.js';
import { calibrationLines } from '../calibration-view.js';
import { mayRate } from '../raters.js';
import { ratingSchema, type Action, type Rating } from '../state.js';
import type { ButtonSpec, Turn } from '../turn.js';
import type { AssessmentView, PersonView } from '../views.js';
import type { FlowModule } from './module.js';

const RATING_ORDER: Rating[] = ['di_atas', 'sesuai', 'di_bawah'];

function tr(turn: Turn): Translate {
  return translator(turn.ctx.locale);
}

/** `/kalibrasi`: the curve state of the rater's units and, while the cycle is closed, a button per person. */
function calibrationCommand(turn: Turn): void {
  const t = tr(turn);
  const view = turn.ctx.calibration;
  if (!view) {
    turn.say(t('calibration.none'));
    return;
  }
  const lines = calibrationLines(t, view);
  if (view.cycleStatus !== 'closed' || view.revisable.length === 0) {
    turn.say(lines.join('\n'));
    return;
  }
  lines.push(t('calibration.pick'));
  const shown = view.revisable.slice(0, 30);
  turn.reply({
    text: lines.join('\n'),
    buttons: turn.buttons(shown.map((p) => [{ label: t('btn.revise_rating', { name: p.ownerName, predicate: predicateLabel(t, p.predicate) }), action: { a: 'open_revision' as const, id: p.id } }])),
  });
}

/** Leaves the revision: back to idle, its draft dropped. */
function leave(turn: Turn): void {
  if (turn.state.flow === 'calibration') turn.go('idle', 'idle');
  turn.state = { ...turn.state, revision: undefined };
}

/** The subject if the actor may still revise it now; otherwise says why and leaves. */
function revisable(turn: Turn, id: number): AssessmentView | null {
  const t = tr(turn);
  const view = turn.ctx.subject;
  const actor = turn.ctx.actor;
  if (!view || view.id !== id || !actor || !mayRate(actor.id, view)) {
    turn.say(t('auth.not_rater'));
    leave(turn);
    return null;
  }
  if (view.cycle.status !== 'closed' || view.status !== 'reviewed') {
    turn.say(t('calibration.not_open', { name: view.owner.name, cycle: view.cycle.name }));
    leave(turn);
    return null;
  }
  return view;
}

function ratingButtons(t: Translate, make: (r: Rating) => Action): ButtonSpec[] {
  return RATING_ORDER.map((r) => ({ label: ratingLabel(t, r), action: make(r) }));
}

/** Asks the question of the revision step the draft is at. */
function askRevision(turn: Turn, view: AssessmentView): void {
  const t = tr(turn);
  const d = turn.state.revision as RevisionDraft;
  if (d.hasil === undefined) {
    turn.go('calibration', 'revise_hasil');
    turn.reply({
      text: t('calibration.ask_hasil', {
        name: view.owner.name,
        hasil: view.hasilKerja ? ratingLabel(t, view.hasilKerja) : '-',
        perilaku: view.perilaku ? ratingLabel(t, view.perilaku) : '-',
        predicate: view.predicate ? predicateLabel(t, view.predicate) : '-',
      }),
      buttons: turn.buttons([ratingButtons(t, (r) => ({ a: 'revise_hasil', r }))]),
    });
    return;
  }
  if (d.perilaku === undefined) {
    turn.go('calibration', 'revise_perilaku');
    turn.reply({ text: t('calibration.ask_perilaku'), buttons: turn.buttons([ratingButtons(t, (r) => ({ a: 'revise_perilaku', r }))]) });
    return;
  }
  if (d.reason === undefined) {
    turn.go('calibration', 'revise_reason');
    turn.reply({ text: t('calibration.ask_reason', { name: view.owner.name }) });
    return;
  }
  turn.go('calibration', 'revise_confirm');
  const p = predicateFor(d.hasil, d.perilaku, matrixByVersion(view.cycle.matrixVersion));
  turn.reply({
    text: t('calibration.ask_confirm', {
      name: view.owner.name,
      oldHasil: view.hasilKerja ? ratingLabel(t, view.hasilKerja) : '-',
      hasil: ratingLabel(t, d.hasil),
      oldPerilaku: view.perilaku ? ratingLabel(t, view.perilaku) : '-',
      perilaku: ratingLabel(t, d.perilaku),
      oldPredicate: view.predicate ? predicateLabel(t, view.predicate) : '-',
      predicate: predicateLabel(t, p.predicate),
      reason: d.reason,
    }),
    buttons: turn.buttons([[{ label: t('btn.confirm_revision'), action: { a: 'confirm_revision' }, style: 'primary' }, { label: t('btn.cancel_revision'), action: { a: 'cancel' } }]]),
  });
}

function openRevision(turn: Turn, id: number): void {
  const view = revisable(turn, id);
  if (!view) return;
  turn.state = { ...turn.state, revision: { id } };
  askRevision(turn, view);
}

/** A revision button (rating or confirm). */
function revisionAction(turn: Turn, action: Action): void {
  const d = turn.state.revision;
  if (!d) return;
  const view = revisable(turn, d.id);
  if (!view) return;
  if (action.a === 'revise_hasil' && turn.state.step === 'revise_hasil') turn.state = { ...turn.state, revision: { ...d, hasil: action.r } };
  else if (action.a === 'revise_perilaku' && turn.state.step === 'revise_perilaku') turn.state = { ...turn.state, revision: { ...d, perilaku: action.r } };
  else if (action.a === 'confirm_revision' && turn.state.step === 'revise_confirm') return confirmRevision(turn, view, d);
  askRevision(turn, view);
}

/** The reason, typed. */
function revisionText(turn: Turn, text: string): void {
  const d = turn.state.revision;
  if (!d) return;
  const view = revisable(turn, d.id);
  if (!view) return;
  const t = tr(turn);
  if (turn.state.step !== 'revise_reason') {
    turn.say(t('common.use_buttons'));
    return askRevision(turn, view);
  }
  const checked = checkTextLength('revision_reason', text);
  if (!checked.ok) {
    turn.say(textLengthFault(t, checked));
    return askRevision(turn, view);
  }
  turn.state = { ...turn.state, revision: { ...d, reason: checked.text } };
  askRevision(turn, view);
}

function confirmRevision(turn: Turn, view: AssessmentView, d: RevisionDraft): void {
  const t = tr(turn);
  const actor = turn.ctx.actor as PersonView;
  if (d.hasil === undefined || d.perilaku === undefined || d.reason === undefined) return askRevision(turn, view);
  if (d.hasil === view.hasilKerja && d.perilaku === view.perilaku) {
    turn.say(t('calibration.unchanged', { name: view.owner.name }));
    return leave(turn);
  }
  const p = predicateFor(d.hasil, d.perilaku, matrixByVersion(view.cycle.matrixVersion));
  const coaching = followUpFor(p.predicate) === 'coaching';
  turn.effect({
    kind: 'revise_rating',
    assessmentId: view.id,
    version: view.version,
    reviserId: actor.id,
    old: { hasil: view.hasilKerja, perilaku: view.perilaku, predicate: view.predicate },
    hasil: d.hasil,
    perilaku: d.perilaku,
    predicate: p.predicate,
    reason: d.reason,
    coaching,
  });
  turn.effect({
    kind: 'audit',
    action: 'assessment.revised',
    subject: `assessment:${view.id}`,
    data: { by: actor.id, from: { hasil: view.hasilKerja, perilaku: view.perilaku, predicate: view.predicate }, to: { hasil: d.hasil, perilaku: d.perilaku, predicate: p.predicate }, reason: d.reason },
  });
  const ot = translator(view.owner.locale);
  turn.effect({
    kind: 'notify',
    employeeId: view.owner.id,
    message: {
      text: ot('calibration.owner_revised', {
        rater: actor.name,
        cycle: view.cycle.name,
        hasil: ratingLabel(ot, d.hasil),
        perilaku: ratingLabel(ot, d.perilaku),
        predicate: predicateLabel(ot, p.predicate),
        reason: d.reason,
      }),
      threadKey: view.threadKey,
    },
  });
  turn.say(t('calibration.revised', { name: view.owner.name, predicate: predicateLabel(t, p.predicate) }));
  leave(turn);
  // A result that now needs coaching and had none: the plan is asked for now, like after a review.
  if (coaching && followUpFor(view.predicate ?? '') !== 'coaching') turn.handOff('coaching.plan', { view });
}

/** The revision being made, kept in the rater's conversation. */
const revisionSlice = z.object({
  id: z.number(),
  hasil: ratingSchema.optional(),
  perilaku: ratingSchema.optional(),
  reason: z.string().optional(),
});

type RevisionDraft = z.infer<typeof revisionSlice>;

declare module '../state.js' {
  interface FlowSteps {
    calibration: 'revise_hasil' | 'revise_perilaku' | 'revise_reason' | 'revise_confirm';
  }
  interface FlowSlices {
    revision?: z.infer<typeof revisionSlice>;
  }
}

const button = { inFlow: true, run: (turn: Turn, action: Action) => revisionAction(turn, action) } as const;

export const calibrationModule: FlowModule = {
  name: 'calibration',
  flow: {
    name: 'calibration',
    steps: ['revise_hasil', 'revise_perilaku', 'revise_reason', 'revise_confirm'],
    freeTextSteps: ['revise_reason'],
    needs: (state) => ({ subjectId: state.revision?.id ?? null }),
    subjectId: (state) => state.revision?.id ?? null,
    ask(turn) {
      const d = turn.state.revision;
      const view = d ? revisable(turn, d.id) : null;
      if (!view) return false;
      askRevision(turn, view);
      return true;
    },
    text: revisionText,
    help: (turn) => tr(turn)('help.calibration'),
  },
  commands: [{ names: ['kalibrasi', 'calibration'], needs: { calibration: true }, run: calibrationCommand }],
  actions: {
    open_revision: { needs: (a) => ({ subjectId: a.id }), run: (turn, a) => openRevision(turn, a.id) },
    revise_hasil: button,
    revise_perilaku: button,
    confirm_revision: button,
  },
  slice: { key: 'revision', schema: revisionSlice, dropOnCancel: true },
};
