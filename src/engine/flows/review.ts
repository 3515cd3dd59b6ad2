/**
 * Supervisor review: rate each item (di atas / sesuai / di bawah), see the suggested Hasil Kerja with its
 * arithmetic and confirm or change it, rate Perilaku Kerja against BerAKHLAK, write feedback (asked when
 * anything is below expectation, where it is required; otherwise typed at the summary if wanted), confirm ->
 * predikat from the cycle's matrix. From the summary any item's rating can be changed before saving. Or
 * return the assessment for revision with a note. Every step re-checks that the presser may rate this
 * assessment today.
 */
import { checkTextLength, matrixByVersion, predicateFor, suggestHasilKerja } from '../../domain/index.js';
import { translator, type Translate } from '../../i18n/index.js';
import { predicateLabel, ratingLabel } from '../../i18n/labels.js';
import { z } from 'zod';
import { cutText } from '../../contract/index.js';
import { itemLines } from '../assessment-view.js';
import { actingKindOf, mayRate } from '../raters.js';
import { ratingSchema, type Action, type Rating } from '../state.js';
import type { ButtonSpec, Turn } from '../turn.js';
import { CONTINUE_ASSESSMENT_TOKEN as CONTINUE_TOKEN } from '../tokens.js';
import type { AssessmentView, PendingReviewView, PersonView } from '../views.js';
import type { FlowModule } from './module.js';

const RATING_ORDER: Rating[] = ['di_atas', 'sesuai', 'di_bawah'];

/** The prompt the rater gets when an assessment is submitted (in the rater's language, with their buttons). */
function reviewPrompt(turn: Turn, view: AssessmentView, rater: PersonView): void {
  const tr = translator(rater.locale);
  const { buttons, grants } = turn.grantButtons(rater.id, [[{ label: tr('btn.open_review'), action: { a: 'open_review', id: view.id }, style: 'primary' }]]);
  turn.effect({
    kind: 'notify',
    employeeId: rater.id,
    message: {
      text: tr('review.prompt', { name: view.owner.name, nip: view.owner.nip, cycle: view.cycle.name, round: view.round }),
      threadKey: view.threadKey,
      threadRoot: true,
      buttons,
    },
    grants,
  });
}

function tr(turn: Turn): Translate {
  return translator(turn.ctx.locale);
}

/** Checks the subject is still this rater's to review in this round; says why not otherwise. */
function subjectFor(turn: Turn, id: number, round?: number): AssessmentView | null {
  const t = tr(turn);
  const view = turn.ctx.subject;
  const actor = turn.ctx.actor;
  if (!view || view.id !== id || !actor || !mayRate(actor.id, view)) {
    turn.say(t('auth.not_rater'));
    leave(turn, id);
    return null;
  }
  if (view.status !== 'submitted' || (round !== undefined && view.round !== round)) {
    turn.reply({ text: t('review.not_pending', { name: view.owner.name }), threadKey: view.threadKey });
    leave(turn, id);
    return null;
  }
  return view;
}

/** Ends the review of assessment `id`: its draft is dropped; another assessment's draft is left alone. */
function leave(turn: Turn, id: number): void {
  const d = turn.state.review;
  if (d && d.id !== id) return;
  if (turn.state.flow === 'review') turn.go('idle', 'idle');
  if (d) turn.state = { ...turn.state, review: undefined };
}

/** The rater's unfinished review draft of this assessment and round, if the conversation holds one. */
function keptDraft(turn: Turn, view: AssessmentView): ReviewDraft | null {
  const d = turn.state.review;
  return d && d.id === view.id && d.round === view.round ? d : null;
}

/**
 * Opens a review: the employee's answers, then the first item to rate. When the rater already started
 * this assessment's review in this round (`/tinjau` or the prompt's button pressed again, also after
 * `/batal`), it resumes at the step they were at with every rating and text they gave: nothing entered is
 * lost by asking again.
 */
function openReview(turn: Turn, id: number): void {
  const view = subjectFor(turn, id);
  if (!view) return;
  const t = tr(turn);
  const kept = keptDraft(turn, view);
  const draft: ReviewDraft = kept ?? { id: view.id, round: view.round, item: 0, ratings: [] };
  turn.state = { ...turn.state, review: draft };
  const reflection = view.reflection ? `\n\n${t('review.reflection', { text: view.reflection })}` : '';
  const g = turn.ctx.gathered;
  // The rating rests on evidence gathered along the way: the period's feedback and recognitions.
  const gathered = g ? `\n\n${t('review.gathered', { count: g.count })}${g.latest.map((x) => `\n${gatheredLine(t, x)}`).join('')}` : '';
  // More than the latest three: a button lists them all.
  const more = g && g.count > g.latest.length ? turn.buttons([[{ label: t('review.btn_gathered_all', { count: g.count }), action: { a: 'gathered_all', id: view.id } }]]) : undefined;
  turn.reply({
    text: `${t('review.overview', { name: view.owner.name, cycle: view.cycle.name, round: view.round })}\n\n${itemLines(t, turn.ctx.locale, view.items).join('\n\n')}${reflection}${gathered}`,
    threadKey: view.threadKey,
    ...(more ? { buttons: more } : {}),
  });
  if (kept) {
    const rated = kept.ratings.filter((r) => r !== undefined && r !== null).length;
    turn.reply({ text: t('review.resumed', { name: view.owner.name, rated, total: view.items.length }), threadKey: view.threadKey });
  }
  askReview(turn, view);
}

/** One feedback or recognition in a review: date, kind and who, then the text (long ones cut). */
function gatheredLine(t: Translate, x: NonNullable<Turn['ctx']['gathered']>['latest'][number]): string {
  return `- ${x.on} ${t(`review.gathered_${x.kind}`, { name: x.from })}: ${cutText(x.text, 120, '…')}`;
}

/** "Show all": every feedback and recognition of the period, for whoever may rate the assessment. */
function gatheredAll(turn: Turn, id: number): void {
  const t = tr(turn);
  const view = turn.ctx.subject;
  const actor = turn.ctx.actor;
  if (!view || view.id !== id || !actor || !mayRate(actor.id, view)) return turn.say(t('auth.not_rater'));
  const g = turn.ctx.gathered ?? { count: 0, latest: [] };
  turn.reply({
    text: [t('review.gathered_all', { name: view.owner.name, cycle: view.cycle.name, count: g.count }), ...g.latest.map((x) => gatheredLine(t, x))].join('\n'),
    threadKey: view.threadKey,
  });
}

function ratingButtons(t: Translate, make: (r: Rating) => Action, suggested?: Rating): ButtonSpec[] {
  return RATING_ORDER.map((r) => ({
    label: suggested === r ? t('btn.rating_suggested', { rating: ratingLabel(t, r) }) : ratingLabel(t, r),
    action: make(r),
    ...(suggested === r ? { style: 'primary' as const } : {}),
  }));
}

/** Asks the question of the review step the draft is at. */
function askReview(turn: Turn, view: AssessmentView): void {
  const t = tr(turn);
  const d = turn.state.review as ReviewDraft;
  const returnRow: ButtonSpec[] = [{ label: t('btn.return_revision'), action: { a: 'return_revision' }, style: 'danger' }];
  if (d.item < view.items.length && (d.hasil === undefined || d.edit)) {
    turn.go('review', 'rate');
    const it = view.items[d.item];
    const given = d.edit ? d.ratings[d.item] : undefined;
    const current = given ? `\n${t('review.current_rating', { rating: ratingLabel(t, given) })}` : '';
    turn.reply({
      text: `${t('review.ask_rate', { n: d.item + 1, total: view.items.length, name: it.name })}${current}`,
      threadKey: view.threadKey,
      buttons: turn.buttons([ratingButtons(t, (r) => ({ a: 'rate', r })), d.edit ? [{ label: t('btn.back_summary'), action: { a: 'back_review_summary' } }] : returnRow]),
    });
    return;
  }
  if (d.hasil === undefined) {
    const s = suggestHasilKerja(view.items.map((it, i) => ({ rating: d.ratings[i], main: it.main })));
    turn.state = { ...turn.state, review: { ...d, suggested: s.rating } };
    turn.go('review', 'hasil');
    const basis =
      s.basis === 'most_above'
        ? t('review.basis_most_above')
        : s.basis === 'main_below_blocks_above'
          ? t('review.basis_main_below')
          : s.basis === 'most_below'
            ? t('review.basis_most_below')
            : t('review.basis_otherwise');
    turn.reply({
      text: t('review.ask_hasil', {
        suggested: ratingLabel(t, s.rating),
        above: s.reasoning.above,
        meets: s.reasoning.meets,
        below: s.reasoning.below,
        total: s.reasoning.total,
        basis,
      }),
      threadKey: view.threadKey,
      buttons: turn.buttons([ratingButtons(t, (r) => ({ a: 'hasil', r }), s.rating)]),
    });
    return;
  }
  if (d.perilaku === undefined) {
    turn.go('review', 'perilaku');
    turn.reply({ text: t('review.ask_perilaku'), threadKey: view.threadKey, buttons: turn.buttons([ratingButtons(t, (r) => ({ a: 'perilaku', r }))]) });
    return;
  }
  if (d.note === undefined) {
    turn.go('review', 'perilaku_note');
    turn.reply({ text: t('review.ask_note'), threadKey: view.threadKey, buttons: turn.buttons([[{ label: t('btn.skip'), action: { a: 'skip_note' } }]]) });
    return;
  }
  // Required feedback is its own question; optional feedback is typed at the summary (no "Lewati" to press).
  if (!d.feedback && anyBelow(d)) {
    turn.go('review', 'feedback');
    turn.reply({ text: t('review.ask_feedback_required'), threadKey: view.threadKey });
    return;
  }
  turn.go('review', 'review_confirm');
  const p = predicateFor(d.hasil, d.perilaku, matrixByVersion(view.cycle.matrixVersion));
  const items = view.items.map((it, i) => t('review.confirm_item', { n: i + 1, name: it.name, rating: d.ratings[i] ? ratingLabel(t, d.ratings[i]) : '-' }));
  const edits: ButtonSpec[] = view.items.map((_it, i) => ({ label: t('btn.edit_item', { n: i + 1 }), action: { a: 'edit_rating', i } }));
  const editRows: ButtonSpec[][] = [];
  for (let i = 0; i < edits.length; i += 4) editRows.push(edits.slice(i, i + 4));
  const hint = d.feedback ? t('review.confirm_feedback_change') : t('review.confirm_feedback_hint');
  turn.reply({
    text: `${t('review.ask_confirm', {
      name: view.owner.name,
      hasil: ratingLabel(t, d.hasil),
      perilaku: ratingLabel(t, d.perilaku),
      predicate: predicateLabel(t, p.predicate),
      feedback: d.feedback || '-',
    })}\n\n${items.join('\n')}\n\n${t('review.confirm_edit_hint')}\n${hint}`,
    threadKey: view.threadKey,
    buttons: turn.buttons([[{ label: t('btn.confirm_review'), action: { a: 'confirm_review' }, style: 'primary' }], ...editRows, returnRow]),
  });
}

/**
 * A rating changed from the summary: back to the summary, unless it changes what was decided on top of the
 * ratings. A different suggestion asks Hasil Kerja again (it was chosen against the old one), and a first
 * "below expectation" asks the feedback it now requires.
 */
function afterRatingChange(view: AssessmentView, d: ReviewDraft): ReviewDraft {
  const s = suggestHasilKerja(view.items.map((it, i) => ({ rating: d.ratings[i], main: it.main })));
  const next: ReviewDraft = { ...d, item: view.items.length, edit: undefined };
  if (s.rating !== d.suggested) next.hasil = undefined;
  return next;
}

function anyBelow(d: ReviewDraft): boolean {
  return d.hasil === 'di_bawah' || d.perilaku === 'di_bawah' || d.ratings.includes('di_bawah');
}

/** A review button. */
function reviewAction(turn: Turn, action: Action): void {
  const d = turn.state.review;
  if (action.a === 'open_review') return openReview(turn, action.id);
  if (!d) return;
  const view = subjectFor(turn, d.id, d.round);
  if (!view) return;
  const t = tr(turn);
  switch (action.a) {
    case 'rate': {
      if (turn.state.step !== 'rate') break;
      const ratings = [...d.ratings];
      ratings[d.item] = action.r;
      turn.state = { ...turn.state, review: d.edit ? afterRatingChange(view, { ...d, ratings }) : { ...d, ratings, item: d.item + 1 } };
      break;
    }
    case 'edit_rating':
      if (turn.state.step !== 'review_confirm' || action.i < 0 || action.i >= view.items.length) break;
      turn.state = { ...turn.state, review: { ...d, item: action.i, edit: true } };
      break;
    case 'back_review_summary':
      if (d.edit) turn.state = { ...turn.state, review: { ...d, item: view.items.length, edit: undefined } };
      break;
    case 'hasil':
      if (turn.state.step !== 'hasil') break;
      turn.state = { ...turn.state, review: { ...d, hasil: action.r } };
      break;
    case 'perilaku':
      if (turn.state.step !== 'perilaku') break;
      turn.state = { ...turn.state, review: { ...d, perilaku: action.r } };
      break;
    case 'skip_note':
      turn.state = { ...turn.state, review: { ...d, note: null } };
      break;
    case 'skip_feedback':
      if (!anyBelow(d)) turn.state = { ...turn.state, review: { ...d, feedback: null } };
      break;
    case 'return_revision':
      turn.go('review', 'return_note');
      turn.reply({ text: t('review.ask_return_note', { name: view.owner.name }), threadKey: view.threadKey });
      return;
    case 'confirm_review':
      if (turn.state.step !== 'review_confirm') break;
      return confirmReview(turn, view, d);
    default:
      break;
  }
  askReview(turn, view);
}

/** Text typed during a review: the note, the feedback, or the return note. */
function reviewText(turn: Turn, text: string): void {
  const d = turn.state.review;
  if (!d) return;
  const view = subjectFor(turn, d.id, d.round);
  if (!view) return;
  const t = tr(turn);
  const step = turn.state.step;
  if (step === 'perilaku_note' || step === 'feedback' || step === 'return_note' || step === 'review_confirm') {
    // Typed at the summary: the optional feedback (typed again, it replaces the one given).
    const v = checkTextLength(step === 'review_confirm' ? 'feedback' : step, text);
    if (!v.ok) {
      turn.reply({ text: v.fault === 'too_short' ? t('input.narrative_too_short', { length: v.length, min: v.min }) : t('input.narrative_too_long', { length: v.length, max: v.max }), threadKey: view.threadKey });
      if (step === 'return_note') {
        turn.reply({ text: t('review.ask_return_note', { name: view.owner.name }), threadKey: view.threadKey });
        return;
      }
      return askReview(turn, view);
    }
    if (step === 'return_note') return returnForRevision(turn, view, d, v.text);
    turn.state = { ...turn.state, review: step === 'perilaku_note' ? { ...d, note: v.text } : { ...d, feedback: v.text } };
    return askReview(turn, view);
  }
  turn.reply({ text: t('common.use_buttons'), threadKey: view.threadKey });
  askReview(turn, view);
}

function returnForRevision(turn: Turn, view: AssessmentView, d: ReviewDraft, note: string): void {
  const t = tr(turn);
  const actor = turn.ctx.actor as PersonView;
  turn.effect({
    kind: 'record_review',
    assessmentId: view.id,
    version: view.version,
    round: view.round,
    reviewerId: actor.id,
    actingKind: actingKindOf(actor.id, view),
    outcome: 'returned',
    itemRatings: {},
    suggested: null,
    hasil: null,
    perilaku: null,
    perilakuNote: null,
    feedback: null,
    returnNote: note,
    predicate: null,
    matrixVersion: null,
  });
  turn.effect({ kind: 'audit', action: 'assessment.returned', subject: `assessment:${view.id}`, data: { round: view.round, by: actor.id } });
  const ot = translator(view.owner.locale);
  turn.effect({
    kind: 'notify',
    employeeId: view.owner.id,
    message: {
      text: ot('result.returned', { rater: actor.name, note }),
      threadKey: view.threadKey,
      buttons: [[{ label: ot('btn.revise'), token: CONTINUE_TOKEN }]],
    },
  });
  // Every review message stays in the review's thread (the prompt's, on Slack), the outcome too.
  turn.reply({ text: t('review.returned_done', { name: view.owner.name }), threadKey: view.threadKey });
  leave(turn, view.id);
}

function confirmReview(turn: Turn, view: AssessmentView, d: ReviewDraft): void {
  const t = tr(turn);
  const actor = turn.ctx.actor as PersonView;
  if (d.hasil === undefined || d.perilaku === undefined || (!d.feedback && anyBelow(d))) return askReview(turn, view);
  const p = predicateFor(d.hasil, d.perilaku, matrixByVersion(view.cycle.matrixVersion));
  const itemRatings: Record<string, Rating> = {};
  view.items.forEach((it, i) => (itemRatings[it.key] = d.ratings[i]));
  turn.effect({
    kind: 'record_review',
    assessmentId: view.id,
    version: view.version,
    round: view.round,
    reviewerId: actor.id,
    actingKind: actingKindOf(actor.id, view),
    outcome: 'rated',
    itemRatings,
    suggested: d.suggested ?? null,
    hasil: d.hasil,
    perilaku: d.perilaku,
    perilakuNote: d.note ?? null,
    feedback: d.feedback ?? null,
    returnNote: null,
    predicate: p.predicate,
    matrixVersion: p.matrixVersion,
  });
  turn.effect({ kind: 'audit', action: 'assessment.reviewed', subject: `assessment:${view.id}`, data: { round: view.round, by: actor.id, predicate: p.predicate, matrixVersion: p.matrixVersion } });
  turn.reply({ text: t('review.done', { name: view.owner.name, predicate: predicateLabel(t, p.predicate) }), threadKey: view.threadKey });
  leave(turn, view.id);
  turn.handOff('result.provisional', { view, hasil: d.hasil, perilaku: d.perilaku, predicate: p.predicate, feedback: d.feedback ?? null });
}

/** `/tinjau`: pending reviews (and coaching plans waiting), one button each. */
function pendingReviewsCommand(turn: Turn): void {
  const t = tr(turn);
  const pending = turn.ctx.pendingReviews ?? [];
  if (!pending.length) {
    turn.say(t('review.none_pending'));
    return;
  }
  const shown = pending.slice(0, 20);
  const line = (p: PendingReviewView, i: number) =>
    p.kind === 'review' ? `${i + 1}. ${p.ownerName} (NIP ${p.ownerNip}), ${p.cycleName}` : `${i + 1}. ${t('review.pending_coaching', { name: p.ownerName, cycle: p.cycleName })}`;
  turn.reply({
    text: [t('review.pending_list', { count: pending.length }), ...shown.map(line)].join('\n'),
    buttons: turn.buttons(
      shown.map((p) => [
        p.kind === 'review'
          ? { label: `${p.ownerName} (${p.cycleName})`, action: { a: 'open_review' as const, id: p.id } }
          : { label: t('btn.coaching_plan', { name: p.ownerName }), action: { a: 'coaching_plan' as const, id: p.id } },
      ]),
    ),
  });
}

/** The review draft kept in the rater's conversation (a resubmission makes a draft of an older round stale). */
const reviewSlice = z.object({
  id: z.number(),
  round: z.number(),
  item: z.number(),
  ratings: z.array(ratingSchema),
  suggested: ratingSchema.optional(),
  hasil: ratingSchema.optional(),
  perilaku: ratingSchema.optional(),
  note: z.string().nullable().optional(),
  feedback: z.string().nullable().optional(),
  /** The rating of `item` is being changed from the summary. */
  edit: z.boolean().optional(),
});

/** Review in progress, kept in the rater's conversation. */
export type ReviewDraft = z.infer<typeof reviewSlice>;

declare module '../state.js' {
  interface FlowSteps {
    review: 'rate' | 'hasil' | 'perilaku' | 'perilaku_note' | 'feedback' | 'review_confirm' | 'return_note';
  }
  interface FlowSlices {
    review?: z.infer<typeof reviewSlice>;
  }
}

const button = { run: (turn: Turn, action: Action) => reviewAction(turn, action) } as const;

export const reviewModule: FlowModule = {
  name: 'review',
  flow: {
    name: 'review',
    steps: ['rate', 'hasil', 'perilaku', 'perilaku_note', 'feedback', 'review_confirm', 'return_note'],
    freeTextSteps: ['perilaku_note', 'feedback', 'return_note', 'review_confirm'],
    needs: (state) => ({ subjectId: state.review?.id ?? null }),
    subjectId: (state) => state.review?.id ?? null,
    ask(turn) {
      if (!turn.ctx.subject || !turn.state.review) return false;
      askReview(turn, turn.ctx.subject);
      return true;
    },
    text: reviewText,
    help: (turn) => tr(turn)('help.review'),
    cancelled(turn) {
      // The draft stays in the state so opening the same review again resumes it (openReview).
      const d = turn.state.review;
      const reviewing = d && turn.ctx.subject?.id === d.id ? turn.ctx.subject : null;
      return reviewing ? tr(turn)('common.cancelled_review_kept', { name: reviewing.owner.name }) : tr(turn)('common.cancelled');
    },
  },
  commands: [
    {
      names: ['tinjau', 'review'],
      needs: { pendingReviews: true },
      run(turn) {
        // A review in progress is resumed where it stands; the list would only lead back to it.
        if (turn.state.flow === 'review' && turn.state.review) {
          openReview(turn, turn.state.review.id);
          if (turn.state.flow !== 'review') pendingReviewsCommand(turn);
        } else pendingReviewsCommand(turn);
      },
    },
  ],
  actions: {
    open_review: { needs: (a) => ({ subjectId: a.id, gathered: true }), run: (turn, a) => openReview(turn, a.id) },
    gathered_all: { needs: (a) => ({ subjectId: a.id, gathered: true, gatheredAll: true }), run: (turn, a) => gatheredAll(turn, a.id) },
    rate: button,
    edit_rating: button,
    back_review_summary: button,
    hasil: button,
    perilaku: button,
    skip_note: button,
    skip_feedback: button,
    confirm_review: button,
    return_revision: button,
  },
  slice: { key: 'review', schema: reviewSlice },
  handOffs: {
    'review.prompt': (turn, { view, rater }) => reviewPrompt(turn, view, rater),
    'review.pending': (turn) => pendingReviewsCommand(turn),
  },
};
