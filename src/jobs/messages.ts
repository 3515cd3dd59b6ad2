/**
 * Texts the background jobs send (reminders, digests, cycle close, announcements, check-ins). The words
 * live in `locales/` under `jobs.` and go through the engine's i18next translator, like every other
 * user-visible string; this module only picks the key and passes the variables.
 *
 * Each key is written out literally in its translate call, with an object literal of variables, so the
 * catalogue test (test/engine/i18n.test.ts) sees every key the jobs use and every variable they pass.
 */
import type { Locale } from '../db/entities/organisation.js';
import { formatDate, translator, type Translate } from '../i18n/index.js';
import { orgRatingLabel, predicateLabel, ratingLabel } from '../i18n/labels.js';
import { followUpFor, type Rating } from '../domain/index.js';

/** A person's stored locale as one the catalogues have: English when set, else Indonesian (the default). */
export function jobLocale(locale: string | null | undefined): Locale {
  return locale === 'en' ? 'en' : 'id';
}

/** The translator for a person's stored locale (unknown locales read Indonesian). */
export function jobTranslator(locale: string | null | undefined): Translate {
  return translator(jobLocale(locale));
}

/** A predicate's name for people, the same label the engine shows (e.g. `Baik`, `Good (Baik)`). */
export function predicateName(locale: string | null | undefined, predicate: string): string {
  return predicateLabel(jobTranslator(locale), predicate);
}

/** Where a reminder stands against its deadline. */
export type ReminderMoment = 'before' | 'due_today' | 'overdue';

/** What a self-assessment reminder says: cycle, local deadline, progress, working days left. */
export interface SelfReminderVars {
  cycle: string;
  deadline: string;
  done: number;
  total: number;
  days: number;
}

/** The employee's self-assessment reminder paragraph. */
export function selfReminderText(t: Translate, moment: ReminderMoment, v: SelfReminderVars): string {
  switch (moment) {
    case 'before':
      return t('jobs.reminder.self.before', { cycle: v.cycle, deadline: v.deadline, count: v.days, done: v.done, total: v.total });
    case 'due_today':
      return t('jobs.reminder.self.due_today', { cycle: v.cycle, deadline: v.deadline, done: v.done, total: v.total });
    case 'overdue':
      return t('jobs.reminder.self.overdue', { cycle: v.cycle, deadline: v.deadline, done: v.done, total: v.total });
  }
}

/** What a review reminder says: cycle, local deadline, how many assessments wait for the rater. */
export interface ReviewReminderVars {
  cycle: string;
  deadline: string;
  count: number;
}

/** The rater's review reminder paragraph. */
export function reviewReminderText(t: Translate, moment: ReminderMoment, v: ReviewReminderVars): string {
  switch (moment) {
    case 'before':
      return t('jobs.reminder.review.before', { cycle: v.cycle, deadline: v.deadline, count: v.count });
    case 'due_today':
      return t('jobs.reminder.review.due_today', { cycle: v.cycle, deadline: v.deadline, count: v.count });
    case 'overdue':
      return t('jobs.reminder.review.overdue', { cycle: v.cycle, deadline: v.deadline, count: v.count });
  }
}

/** Label of the button that continues the self-assessment. */
export function continueButtonLabel(t: Translate): string {
  return t('jobs.reminder.button.continue');
}

/** Label of the button that lists the rater's pending reviews. */
export function reviewButtonLabel(t: Translate): string {
  return t('jobs.reminder.button.review');
}

/** Who an escalation digest goes to, and which deadline it is about. */
export type DigestAudience = 'supervisor' | 'hr';
export type DigestTrack = 'self' | 'review';

/** The first line of an escalation digest. */
export function digestHeading(t: Translate, audience: DigestAudience, track: DigestTrack, v: { cycle: string; deadline: string; unit: string }): string {
  if (audience === 'supervisor') {
    return track === 'self' ? t('jobs.digest.supervisor.self', { cycle: v.cycle, deadline: v.deadline }) : t('jobs.digest.supervisor.review', { cycle: v.cycle, deadline: v.deadline });
  }
  return track === 'self'
    ? t('jobs.digest.hr.self', { unit: v.unit, cycle: v.cycle, deadline: v.deadline })
    : t('jobs.digest.hr.review', { unit: v.unit, cycle: v.cycle, deadline: v.deadline });
}

/** A digest line about one late employee and their progress. */
export function digestSelfLine(t: Translate, v: { name: string; nip: string; done: number; total: number }): string {
  return t('jobs.digest.line.self', { name: v.name, nip: v.nip, done: v.done, total: v.total });
}

/** A digest line about one assessment still waiting for its rater. */
export function digestReviewLine(t: Translate, v: { name: string; nip: string; reviewer: string }): string {
  return t('jobs.digest.line.review', { name: v.name, nip: v.nip, reviewer: v.reviewer });
}

/**
 * Check-in reminder for the coached employee or for the supervisor, and the employee's rating prompt.
 * `v.date` is the session's calendar date (`YYYY-MM-DD`), written out in the reader's language.
 */
export function checkInText(locale: string, kind: 'employee' | 'supervisor' | 'rating', v: { other: string; date: string }): string {
  const t = jobTranslator(locale);
  const date = formatDate(jobLocale(locale), v.date);
  switch (kind) {
    case 'employee':
      return t('jobs.checkin.reminder.employee', { other: v.other, date });
    case 'supervisor':
      return t('jobs.checkin.reminder.supervisor', { other: v.other, date });
    case 'rating':
      return t('jobs.checkin.rating.prompt', { other: v.other, date });
  }
}

/** One broken distribution rule, as cycle close reports it. */
export interface ViolationLine {
  /** Predicate codes the rule counts (`sangat_baik`, ...). */
  predicates: readonly string[];
  actual: number;
  percent: number;
  op: 'max' | 'min';
  allowed: number;
}

/** The message to HR and raters when a unit's predicates break its distribution curve (`orgRating`: its code). */
export function violationsText(locale: string, v: { cycle: string; unit: string; orgRating: string; broken: readonly ViolationLine[] }): string {
  const t = jobTranslator(locale);
  const lines = [t('jobs.cycle.closed.violations', { cycle: v.cycle, unit: v.unit, orgRating: orgRatingLabel(t, v.orgRating) })];
  for (const b of v.broken) {
    lines.push(
      t('jobs.cycle.closed.violation_line', {
        predicates: b.predicates.map((p) => predicateName(locale, p)).join(' / '),
        actual: b.actual,
        percent: b.percent,
        op: b.op === 'max' ? t('jobs.cycle.closed.op.max') : t('jobs.cycle.closed.op.min'),
        allowed: b.allowed,
      }),
    );
  }
  return lines.join('\n');
}

/** The hints under a curve message: raters may revise (with the button), HR decides the announcement. */
export function violationsHint(locale: string, audience: 'rater' | 'hr'): string {
  const t = jobTranslator(locale);
  return audience === 'rater' ? t('jobs.cycle.closed.rater_hint') : t('jobs.cycle.closed.hr_hint');
}

/** Label of the button that opens calibration (`/kalibrasi`). */
export function calibrationButtonLabel(locale: string): string {
  const t = jobTranslator(locale);
  return t('jobs.cycle.closed.button');
}

/** To HR at close: units whose organisational rating is not set, so their curve could not be checked. */
export function unratedUnitsText(locale: string, v: { cycle: string; units: readonly string[] }): string {
  const t = jobTranslator(locale);
  return t('jobs.cycle.closed.unrated', { cycle: v.cycle, units: v.units.join(', ') });
}

/** What the final result message carries. */
export interface FinalResultVars {
  cycle: string;
  predicate: string;
  hasil: string | null;
  perilaku: string | null;
  feedback: string | null;
  /** Coaching: the supervisor's plan (null when none was written). */
  plan?: string | null;
  /** Coaching: the check-in dates (`YYYY-MM-DD`). */
  checkInDates?: readonly string[];
}

/**
 * The one private message with the FINAL result (DOMAIN.md "Result timeline", announce): ratings,
 * predikat, feedback, then the follow-up: a congratulation, thanks, or the coaching plan and its dates.
 */
export function finalResultText(locale: string, v: FinalResultVars): string {
  const t = jobTranslator(locale);
  const loc = jobLocale(locale);
  const lines = [
    t('jobs.announce.final', {
      cycle: v.cycle,
      hasil: v.hasil ? ratingLabel(t, v.hasil as Rating) : '-',
      perilaku: v.perilaku ? ratingLabel(t, v.perilaku as Rating) : '-',
      predicate: predicateName(locale, v.predicate),
    }),
  ];
  if (v.feedback) lines.push(t('jobs.announce.feedback', { feedback: v.feedback }));
  const kind = followUpFor(v.predicate);
  if (kind === 'award') lines.push(t('jobs.announce.award.private'));
  else if (kind === 'thanks') lines.push(t('jobs.announce.thanks'));
  else {
    if (v.plan) lines.push(t('jobs.announce.coaching.plan', { plan: v.plan }));
    lines.push(t('jobs.announce.coaching.dates', { dates: (v.checkInDates ?? []).map((d) => formatDate(loc, d)).join(', ') }));
  }
  return lines.join('\n');
}

/**
 * The award post for a unit channel (Indonesian: a channel is shared, so it reads the default), with the
 * person's position when one is recorded.
 */
export function awardAnnouncementText(v: { name: string; position: string | null; cycle: string }): string {
  const t = translator('id');
  const position = v.position?.trim();
  return position ? t('jobs.announce.award.public', { name: v.name, position, cycle: v.cycle }) : t('jobs.announce.award.public_no_position', { name: v.name, cycle: v.cycle });
}

/** What a reminder about an objection's decision says: whose objection, the cycle, the due date. */
export interface ObjectionReminderVars {
  name: string;
  nip: string;
  cycle: string;
  /** The due date, formatted for the reader. */
  date: string;
  /** Who should have decided (HR escalation). */
  decider: string;
  /** The command that opens the objection on the reader's platform (`/keberatan`, `/kinerja keberatan`). */
  command: string;
}

/** The decider's reminder paragraph (before or on the due date). */
export function objectionReminderText(t: Translate, moment: ReminderMoment, v: ObjectionReminderVars): string {
  return moment === 'due_today'
    ? t('jobs.objection.due_today', { name: v.name, nip: v.nip, cycle: v.cycle, date: v.date, command: v.command })
    : t('jobs.objection.before', { name: v.name, nip: v.nip, cycle: v.cycle, date: v.date, command: v.command });
}

/** HR's message: an objection not decided in time, or one HR decides (no superior) that is due. */
export function objectionHrText(t: Translate, escalated: boolean, v: ObjectionReminderVars): string {
  return escalated
    ? t('jobs.objection.escalate_hr', { name: v.name, nip: v.nip, cycle: v.cycle, decider: v.decider, date: v.date, command: v.command })
    : t('jobs.objection.hr_before', { name: v.name, nip: v.nip, cycle: v.cycle, date: v.date, command: v.command });
}

/** The rater's reminder of a request for feedback still unanswered: who asked, when, the topic, how to answer. */
export function feedbackRequestReminderText(t: Translate, v: { name: string; nip: string; date: string; topic: string | null; command: string }): string {
  return v.topic
    ? t('jobs.feedback.request_topic', { name: v.name, date: v.date, topic: v.topic, command: v.command, nip: v.nip })
    : t('jobs.feedback.request', { name: v.name, date: v.date, command: v.command, nip: v.nip });
}

/** A supervisor's feedback nudge: the people they have given no feedback for `days` days, one line each. */
export function feedbackNudgeText(t: Translate, v: { days: number; people: readonly { name: string; nip: string }[]; command: string }): string {
  return [
    t('jobs.feedback.nudge_head', { count: v.days }),
    ...v.people.map((p) => t('jobs.feedback.nudge_line', { name: p.name, nip: p.nip })),
    t('jobs.feedback.nudge_hint', { command: v.command }),
  ].join('\n');
}
