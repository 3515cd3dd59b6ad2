/**
 * The result (predikat) and its follow-up: both parties see the predikat and feedback; Sangat Baik gets a
 * private congratulation and, unless the employee opted out, an announcement in the unit's channel;
 * Butuh Perbaikan, Kurang and Sangat Kurang get a private coaching notice while the rater is asked for a
 * coaching plan (what to improve, first check-in). Coaching is never announced.
 */
import { DateTime } from 'luxon';
import { z } from 'zod';
import { checkInDates, checkTextLength, todayIn } from '../../domain/index.js';
import { formatDate, translator } from '../../i18n/index.js';
import { predicateLabel } from '../../i18n/labels.js';
import type { Turn } from '../turn.js';
import { mayRate } from '../raters.js';
import type { AssessmentView, PersonView } from '../views.js';
import type { FlowModule } from './module.js';

const COACHING_PREDICATES = new Set(['butuh_perbaikan', 'kurang', 'sangat_kurang']);

/** Tells the owner the result and starts the follow-up. The actor is the rater who just confirmed. */
function announceResult(turn: Turn, view: AssessmentView, predicate: string, feedback: string | null): void {
  const owner = view.owner;
  const ot = translator(owner.locale);
  const label = predicateLabel(ot, predicate);
  const fb = feedback ? ot('result.feedback', { feedback }) : '';
  turn.effect({ kind: 'notify', employeeId: owner.id, message: { text: `${ot('result.owner', { cycle: view.cycle.name, predicate: label })}${fb ? `\n${fb}` : ''}`, threadKey: view.threadKey } });
  if (predicate === 'sangat_baik') {
    turn.effect({ kind: 'follow_up', assessmentId: view.id, followUp: 'award', plan: null, firstCheckIn: null });
    turn.effect({ kind: 'notify', employeeId: owner.id, message: { text: ot('result.congratulations', { name: owner.name }) } });
    if (!owner.optOutAnnouncements) {
      // The channel is shared, so it reads in the default language.
      const ct = translator('id');
      turn.effect({ kind: 'announce', unitId: owner.unitId, message: { text: ct('result.announcement', { name: owner.name, cycle: view.cycle.name }) } });
    }
  } else if (predicate === 'baik') {
    turn.effect({ kind: 'notify', employeeId: owner.id, message: { text: ot('result.thanks') } });
  } else if (COACHING_PREDICATES.has(predicate)) {
    turn.effect({ kind: 'follow_up', assessmentId: view.id, followUp: 'coaching', plan: null, firstCheckIn: null });
    turn.effect({ kind: 'notify', employeeId: owner.id, message: { text: ot('result.coaching_notice') } });
    startCoachingPlan(turn, view);
  }
}

/** Asks the rater (the actor) for the coaching plan. */
function startCoachingPlan(turn: Turn, view: AssessmentView): void {
  turn.state = { ...turn.state, coaching: { id: view.id } };
  turn.go('coaching', 'plan');
  askCoaching(turn, view);
}

/** The coaching question of the current step. */
function askCoaching(turn: Turn, view: AssessmentView): void {
  const t = translator(turn.ctx.locale);
  if (turn.state.step === 'plan') {
    turn.reply({ text: t('coaching.ask_plan', { name: view.owner.name }), threadKey: view.threadKey });
    return;
  }
  const dflt = defaultCheckIn(turn, view);
  turn.reply({
    text: t('coaching.ask_checkin', { example: formatDate(turn.ctx.locale, dflt) }),
    threadKey: view.threadKey,
    buttons: turn.buttons([[{ label: t('btn.checkin_default', { date: formatDate(turn.ctx.locale, dflt) }), action: { a: 'checkin_default' } }]]),
  });
}

/** Today for the plan: the owner's date (domain today.ts: an assessment's dates are its owner's). */
function ownerToday(turn: Turn, view: AssessmentView): string {
  return todayIn(view.owner.timezone, turn.ctx.now);
}

/** The default first check-in (DOMAIN.md follow-up defaults, domain follow-up.ts). */
function defaultCheckIn(turn: Turn, view: AssessmentView): string {
  return checkInDates({ today: ownerToday(turn, view) })[0];
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

/** Reads `31-12-2026`, `31/12/2026` or `2026-12-31`. */
export function parseLocalDate(text: string): string | null {
  const s = text.trim();
  let d = DateTime.fromFormat(s, 'yyyy-MM-dd');
  if (!d.isValid) d = DateTime.fromFormat(s.replace(/\//g, '-'), 'd-M-yyyy');
  return d.isValid ? (d.toISODate() as string) : null;
}

/** Text in the coaching flow: the plan, then the first check-in date. */
function coachingText(turn: Turn, text: string): void {
  const view = coachingSubject(turn);
  if (!view) return;
  const t = translator(turn.ctx.locale);
  if (turn.state.step === 'plan') {
    const checked = checkTextLength('coaching_plan', text);
    if (!checked.ok) {
      turn.say(checked.fault === 'too_short' ? t('input.text_too_short', { length: checked.length, min: checked.min }) : t('input.text_too_long', { length: checked.length, max: checked.max }));
      return askCoaching(turn, view);
    }
    const plan = checked.text;
    turn.state = { ...turn.state, coaching: { id: view.id, plan } };
    turn.go('coaching', 'checkin');
    return askCoaching(turn, view);
  }
  const date = parseLocalDate(text);
  if (!date || date < ownerToday(turn, view)) {
    turn.say(t('input.bad_date'));
    return askCoaching(turn, view);
  }
  savePlan(turn, view, date);
}

/** "Two weeks from now" button. */
function coachingDefaultCheckIn(turn: Turn): void {
  const view = coachingSubject(turn);
  if (!view) return;
  if (turn.state.step !== 'checkin') return askCoaching(turn, view);
  savePlan(turn, view, defaultCheckIn(turn, view));
}

function savePlan(turn: Turn, view: AssessmentView, date: string): void {
  const t = translator(turn.ctx.locale);
  const plan = turn.state.coaching?.plan ?? '';
  turn.effect({ kind: 'follow_up', assessmentId: view.id, followUp: 'coaching', plan, firstCheckIn: date });
  turn.effect({ kind: 'audit', action: 'coaching.planned', subject: `assessment:${view.id}`, data: { firstCheckIn: date } });
  const ot = translator(view.owner.locale);
  turn.effect({ kind: 'notify', employeeId: view.owner.id, message: { text: ot('coaching.owner_plan', { plan, date: formatDate(view.owner.locale, date) }), threadKey: view.threadKey } });
  turn.say(t('coaching.saved', { name: view.owner.name, date: formatDate(turn.ctx.locale, date) }));
  turn.go('idle', 'idle');
  turn.state = { ...turn.state, coaching: undefined };
}

/** The employee rates a coaching session (1-5) from the follow-up job's message; only their own, once. */
function rateCheckIn(turn: Turn, checkInId: number, score: number): void {
  const t = translator(turn.ctx.locale);
  const ck = turn.ctx.checkIn;
  if (!ck || ck.id !== checkInId || ck.ownerId !== turn.ctx.actor?.id) {
    turn.say(t('token.foreign'));
    return;
  }
  if (ck.employeeRating !== null) {
    turn.say(t('coaching.checkin_already', { score: ck.employeeRating }));
    return;
  }
  turn.effect({ kind: 'rate_checkin', checkInId, score });
  turn.say(t('coaching.checkin_thanks', { score }));
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
    rate_checkin: { needs: (a) => ({ checkInId: a.id }), run: (turn, a) => rateCheckIn(turn, a.id, a.score) },
  },
  slice: { key: 'coaching', schema: coachingSlice, dropOnCancel: true },
  handOffs: {
    'result.announce': (turn, { view, predicate, feedback }) => announceResult(turn, view, predicate, feedback),
  },
};
