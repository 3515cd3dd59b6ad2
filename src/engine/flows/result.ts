/**
 * The result of a confirmed review and its follow-up (DOMAIN.md "Result timeline", step 1): the owner
 * privately gets the ratings, the feedback and the predikat marked provisional (menunggu penetapan); nothing
 * is public and nothing is final until the cycle is announced (src/jobs/cycle-close.ts). A result that
 * needs coaching (Butuh Perbaikan, Kurang, Sangat Kurang) asks the rater for the coaching plan now: what to
 * improve and the check-in dates, which the announcement schedules with reminders (defaults only when the
 * rater gave none).
 */
import { z } from 'zod';
import { DEFAULT_CHECK_IN_WEEKS, checkInDates, checkTextLength, followUpFor, parseTypedDates, todayIn } from '../../domain/index.js';
import { formatDate, translator, type Translate } from '../../i18n/index.js';
import { predicateLabel, ratingLabel, textLengthFault } from '../../i18n/labels.js';
import type { Turn } from '../turn.js';
import { mayRate } from '../raters.js';
import type { Rating } from '../state.js';
import type { AssessmentView, PersonView } from '../views.js';
import type { FlowModule } from './module.js';

/** Tells the owner the provisional result; coaching asks the rater (the actor, who just confirmed) for the plan. */
function provisionalResult(turn: Turn, view: AssessmentView, hasil: Rating, perilaku: Rating, predicate: string, feedback: string | null): void {
  const owner = view.owner;
  const ot = translator(owner.locale);
  const coaching = followUpFor(predicate) === 'coaching';
  const lines = [
    ot('result.provisional', {
      cycle: view.cycle.name,
      hasil: ratingLabel(ot, hasil),
      perilaku: ratingLabel(ot, perilaku),
      predicate: predicateLabel(ot, predicate),
    }),
    ...(feedback ? [ot('result.feedback', { feedback })] : []),
    coaching ? ot('result.coaching_notice') : ot('result.provisional_note'),
  ];
  // On the employee's side the result starts the dialog with the rater: on Slack the thread hangs under it, on
  // Telegram a reply to it is relayed (the hint says so where replying is possible).
  turn.effect({
    kind: 'notify',
    employeeId: owner.id,
    message: { text: lines.join('\n'), threadKey: view.threadKey, threadRoot: true, threadHint: ot('result.reply_hint', { rater: turn.ctx.actor?.name ?? '' }) },
  });
  if (coaching) {
    turn.effect({ kind: 'follow_up', assessmentId: view.id, followUp: 'coaching', plan: null, checkIns: null });
    startCoachingPlan(turn, view);
  }
}

/** Asks the rater (the actor) for the coaching plan. */
function startCoachingPlan(turn: Turn, view: AssessmentView): void {
  turn.state = { ...turn.state, coaching: { id: view.id } };
  turn.go('coaching', 'plan');
  askCoaching(turn, view);
}

/** The cycle's check-in weeks (DOMAIN.md follow-up defaults: 2 and 4), as people read them. */
function weeksOf(view: AssessmentView): readonly number[] {
  return view.cycle.settings.checkInWeeks ?? DEFAULT_CHECK_IN_WEEKS;
}

function weeksText(t: Translate, view: AssessmentView): string {
  const w = weeksOf(view);
  return w.length > 1 ? t('coaching.weeks_list', { first: w.slice(0, -1).join(', '), last: w[w.length - 1] }) : String(w[0] ?? '');
}

/** The coaching question of the current step. */
function askCoaching(turn: Turn, view: AssessmentView): void {
  const t = translator(turn.ctx.locale);
  if (turn.state.step === 'plan') {
    turn.reply({ text: t('coaching.ask_plan', { name: view.owner.name }), threadKey: view.threadKey });
    return;
  }
  const example = checkInDates({ today: ownerToday(turn, view) }, weeksOf(view)).map((d) => formatDate(turn.ctx.locale, d));
  turn.reply({
    text: t('coaching.ask_checkin', { example: example[0] ?? '', examples: example.join(', '), weeks: weeksText(t, view) }),
    threadKey: view.threadKey,
    buttons: turn.buttons([[{ label: t('btn.checkin_default', { weeks: weeksText(t, view) }), action: { a: 'checkin_default' } }]]),
  });
}

/** Today for the plan: the owner's date (domain today.ts: an assessment's dates are its owner's). */
function ownerToday(turn: Turn, view: AssessmentView): string {
  return todayIn(view.owner.timezone, turn.ctx.now);
}

/** Checks the actor may still write the plan for the subject. */
function coachingSubject(turn: Turn): AssessmentView | null {
  const view = turn.ctx.subject;
  const actor = turn.ctx.actor as PersonView;
  const t = translator(turn.ctx.locale);
  if (!view || view.id !== turn.state.coaching?.id || !mayRate(actor.id, view)) {
    turn.say(t('auth.not_rater'));
    turn.go('idle', 'idle');
    turn.state = { ...turn.state, coaching: undefined };
    return null;
  }
  return view;
}

/**
 * The check-in dates a rater typed: one date (the later ones follow at the cycle's spacing, domain
 * follow-up.ts) or several separated by commas; each from the owner's today on. Null when one does not read.
 */
export function parseCheckInDates(text: string, today: string, weeks: readonly number[]): string[] | null {
  const dates = parseTypedDates(text, today);
  if (!dates || dates.some((d) => d < today)) return null;
  const unique = [...new Set(dates)].sort();
  return unique.length === 1 ? checkInDates({ first: unique[0] }, weeks) : unique;
}

/** Text in the coaching flow: the plan, then the check-in dates. */
function coachingText(turn: Turn, text: string): void {
  const view = coachingSubject(turn);
  if (!view) return;
  const t = translator(turn.ctx.locale);
  if (turn.state.step === 'plan') {
    const checked = checkTextLength('coaching_plan', text);
    if (!checked.ok) {
      turn.reply({ text: textLengthFault(t, checked), threadKey: view.threadKey });
      return askCoaching(turn, view);
    }
    const plan = checked.text;
    turn.state = { ...turn.state, coaching: { id: view.id, plan } };
    turn.go('coaching', 'checkin');
    return askCoaching(turn, view);
  }
  const dates = parseCheckInDates(text, ownerToday(turn, view), weeksOf(view));
  if (!dates) {
    turn.reply({ threadKey: view.threadKey, text: t('input.bad_date', { example: formatDate(turn.ctx.locale, checkInDates({ today: ownerToday(turn, view) }, weeksOf(view))[0] ?? ownerToday(turn, view)) }) });
    return askCoaching(turn, view);
  }
  savePlan(turn, view, dates);
}

/** "Default schedule" button: no dates now; the announcement schedules the defaults. */
function coachingDefaultCheckIn(turn: Turn): void {
  const view = coachingSubject(turn);
  if (!view) return;
  if (turn.state.step !== 'checkin') return askCoaching(turn, view);
  savePlan(turn, view, null);
}

function savePlan(turn: Turn, view: AssessmentView, dates: string[] | null): void {
  const t = translator(turn.ctx.locale);
  const ot = translator(view.owner.locale);
  const plan = turn.state.coaching?.plan ?? '';
  turn.effect({ kind: 'follow_up', assessmentId: view.id, followUp: 'coaching', plan, checkIns: dates ?? [] });
  turn.effect({ kind: 'audit', action: 'coaching.planned', subject: `assessment:${view.id}`, data: { checkIns: dates } });
  const datesFor = (tr: Translate, locale: PersonView['locale']) =>
    dates ? dates.map((d) => formatDate(locale, d)).join(', ') : tr('coaching.default_dates', { weeks: weeksText(tr, view) });
  turn.effect({ kind: 'notify', employeeId: view.owner.id, message: { text: ot('coaching.owner_plan', { plan, dates: datesFor(ot, view.owner.locale) }), threadKey: view.threadKey } });
  turn.reply({ text: t('coaching.saved', { name: view.owner.name, dates: datesFor(t, turn.ctx.locale) }), threadKey: view.threadKey });
  turn.go('idle', 'idle');
  turn.state = { ...turn.state, coaching: undefined };
}

/**
 * The employee rates a coaching session from the follow-up job's message: two statements, one 1-5 score each
 * ("Saya merasa didengar", then "Saya tahu langkah berikutnya"); only their own session, each score once.
 */
function rateCheckIn(turn: Turn, checkInId: number, score: number, statement: 'heard' | 'next'): void {
  const t = translator(turn.ctx.locale);
  const ck = turn.ctx.checkIn;
  if (!ck || ck.id !== checkInId || ck.ownerId !== turn.ctx.actor?.id) {
    turn.say(t('token.foreign'));
    return;
  }
  const given = statement === 'heard' ? ck.employeeRating : ck.employeeRatingNext;
  if (given !== null) {
    turn.say(t('coaching.checkin_already', { heard: ck.employeeRating ?? '-', next: ck.employeeRatingNext ?? '-' }));
    return;
  }
  turn.effect({ kind: 'rate_checkin', checkInId, score, statement });
  if (statement === 'heard' && ck.employeeRatingNext === null) {
    turn.reply({
      text: t('coaching.checkin_ask_next'),
      buttons: turn.buttons([[1, 2, 3, 4, 5].map((n) => ({ label: String(n), action: { a: 'rate_checkin_next' as const, id: checkInId, score: n } }))]),
    });
    return;
  }
  turn.say(t('coaching.checkin_thanks', { heard: statement === 'heard' ? score : (ck.employeeRating ?? '-'), next: statement === 'next' ? score : (ck.employeeRatingNext ?? '-') }));
}

/** The coaching plan being written by the rater: the assessment and, once typed, the plan. */
const coachingSlice = z.object({ id: z.number(), plan: z.string().optional() });

declare module '../state.js' {
  interface FlowSteps {
    coaching: 'plan' | 'checkin';
  }
  interface FlowSlices {
    coaching?: z.infer<typeof coachingSlice>;
  }
}

export const resultModule: FlowModule = {
  name: 'result-coaching',
  flow: {
    name: 'coaching',
    steps: ['plan', 'checkin'],
    freeTextSteps: ['plan', 'checkin'],
    needs: (state) => ({ subjectId: state.coaching?.id ?? null }),
    subjectId: (state) => state.coaching?.id ?? null,
    ask(turn) {
      if (!turn.ctx.subject || !turn.state.coaching) return false;
      askCoaching(turn, turn.ctx.subject);
      return true;
    },
    text: coachingText,
    help: (turn) => translator(turn.ctx.locale)('help.coaching'),
  },
  actions: {
    coaching_plan: {
      needs: (a) => ({ subjectId: a.id }),
      run(turn, a) {
        const { subject, actor } = turn.ctx;
        if (subject && actor && subject.id === a.id && mayRate(actor.id, subject) && subject.status === 'reviewed') startCoachingPlan(turn, subject);
        else turn.say(translator(turn.ctx.locale)('auth.not_rater'));
      },
    },
    checkin_default: { run: (turn) => coachingDefaultCheckIn(turn) },
    rate_checkin: { needs: (a) => ({ checkInId: a.id }), run: (turn, a) => rateCheckIn(turn, a.id, a.score, 'heard') },
    rate_checkin_next: { needs: (a) => ({ checkInId: a.id }), run: (turn, a) => rateCheckIn(turn, a.id, a.score, 'next') },
  },
  slice: { key: 'coaching', schema: coachingSlice, dropOnCancel: true },
  handOffs: {
    'result.provisional': (turn, { view, hasil, perilaku, predicate, feedback }) => provisionalResult(turn, view, hasil, perilaku, predicate, feedback),
    'coaching.plan': (turn, { view }) => startCoachingPlan(turn, view),
  },
};
