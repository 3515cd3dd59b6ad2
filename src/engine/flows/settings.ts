/** Settings and orientation: language, public-announcement opt-out, status. */
import { formatDate, translator } from '../../i18n/index.js';
import { predicateLabel, ratingLabel, statusLabel } from '../../i18n/labels.js';
import { calibrationLines } from '../calibration-view.js';
import { objectionStatusLine } from '../objection-view.js';
import type { ResultView } from '../views.js';
import type { Locale } from '../state.js';
import type { Turn } from '../turn.js';
import type { FlowModule } from './module.js';

/** `/bahasa [id|en]`: with an argument sets it, otherwise offers both. */
function languageCommand(turn: Turn, args: string[]): void {
  const t = translator(turn.ctx.locale);
  const arg = (args[0] ?? '').toLowerCase();
  const wanted: Locale | null = arg.startsWith('id') || arg === 'indonesia' ? 'id' : arg.startsWith('en') ? 'en' : null;
  if (wanted) return setLocale(turn, wanted);
  turn.reply({
    text: t('settings.ask_language'),
    buttons: turn.buttons([[{ label: 'Bahasa Indonesia', action: { a: 'set_locale', l: 'id' } }, { label: 'English', action: { a: 'set_locale', l: 'en' } }]]),
  });
}

function setLocale(turn: Turn, locale: Locale): void {
  const actor = turn.ctx.actor;
  if (!actor) return;
  turn.effect({ kind: 'set_locale', employeeId: actor.id, locale });
  // Later replies in this turn already use the new language.
  turn.ctx.locale = locale;
  turn.say(translator(locale)('settings.language_set'));
}

/** `/pengumuman`: shows the announcement setting with a toggle. */
function announcementsCommand(turn: Turn): void {
  const actor = turn.ctx.actor;
  if (!actor) return;
  const t = translator(turn.ctx.locale);
  turn.reply({
    text: actor.optOutAnnouncements ? t('settings.optout_on') : t('settings.optout_off'),
    buttons: turn.buttons([[{ label: actor.optOutAnnouncements ? t('btn.optin') : t('btn.optout'), action: { a: 'toggle_optout' } }]]),
  });
}

function toggleOptOut(turn: Turn): void {
  const actor = turn.ctx.actor;
  if (!actor) return;
  const t = translator(turn.ctx.locale);
  const optOut = !actor.optOutAnnouncements;
  turn.effect({ kind: 'set_opt_out', employeeId: actor.id, optOut });
  turn.say(optOut ? t('settings.optout_on') : t('settings.optout_off'));
}

/**
 * `/status`: the latest of the result timeline for the person (DOMAIN.md "Result timeline"): their open
 * self-assessment, their latest result (provisional until announced, then final, with feedback and the
 * coaching plan and check-ins, and the objection option or decision), the reviews waiting for them, and for a rater the calibration state of
 * their people's units.
 */
function statusCommand(turn: Turn): void {
  const t = translator(turn.ctx.locale);
  const own = turn.ctx.own;
  const result = turn.ctx.result ?? null;
  const lines: string[] = [];
  if (own) {
    const answered = own.items.filter((i) => i.realisasi !== null && i.narrative !== null).length;
    lines.push(
      t('status.own', {
        cycle: own.cycle.name,
        status: statusLabel(t, own.status),
        answered,
        total: own.items.length,
        deadline: formatDate(turn.ctx.locale, own.cycle.selfDeadline),
      }),
    );
  }
  if (result) lines.push(...resultLines(turn, result));
  if (!own && !result) lines.push(t('assess.none'));
  const received = turn.ctx.received;
  if (received) lines.push(t('status.received', { feedback: received.feedback, recognitions: received.recognitions }));
  const pending = (turn.ctx.pendingReviews ?? []).filter((p) => p.kind === 'review');
  lines.push(pending.length ? t('status.reviews_pending', { count: pending.length }) : t('status.reviews_none'));
  const calibration = turn.ctx.calibration;
  if (calibration) lines.push('', ...calibrationLines(t, calibration));
  turn.say(lines.join('\n'));
}

/** The result block of /status. */
function resultLines(turn: Turn, r: ResultView): string[] {
  const t = translator(turn.ctx.locale);
  const loc = turn.ctx.locale;
  const predicate = predicateLabel(t, r.predicate);
  const hasil = r.hasilKerja ? ratingLabel(t, r.hasilKerja) : '-';
  const perilaku = r.perilaku ? ratingLabel(t, r.perilaku) : '-';
  const lines = [
    r.final
      ? t('status.result_final', { cycle: r.cycleName, predicate, hasil, perilaku })
      : t('status.result_provisional', { cycle: r.cycleName, predicate, hasil, perilaku }),
  ];
  if (r.feedback) lines.push(t('result.feedback', { feedback: r.feedback }));
  if (r.coaching) {
    if (r.coaching.plan) lines.push(t('status.coaching_plan', { plan: r.coaching.plan }));
    const dates = r.coaching.checkIns.map((c) => (c.rating === null ? formatDate(loc, c.date) : t('status.checkin_rated', { date: formatDate(loc, c.date), heard: c.rating, next: c.next ?? '-' })));
    lines.push(dates.length ? t('status.checkins', { dates: dates.join(', ') }) : t('status.checkins_pending'));
  }
  lines.push(...objectionLines(turn, r));
  return lines;
}

/** The objection (keberatan) line of a final result: how to object while the window is open, then the decision. */
function objectionLines(turn: Turn, result: ResultView): string[] {
  if (!result.final) return [];
  const line = objectionStatusLine(translator(turn.ctx.locale), turn.ctx.locale, turn.ctx.objection, turn.ctx.now);
  return line ? [line] : [];
}

export const settingsModule: FlowModule = {
  name: 'settings',
  commands: [
    { names: ['status'], needs: { own: true, pendingReviews: true, result: true, calibration: true, objection: 'own', received: true }, run: (turn) => statusCommand(turn) },
    { names: ['bahasa', 'language'], run: languageCommand },
    { names: ['pengumuman', 'announcements'], run: (turn) => announcementsCommand(turn) },
  ],
  actions: {
    set_locale: { run: (turn, a) => setLocale(turn, a.l) },
    toggle_optout: { run: (turn) => toggleOptOut(turn) },
  },
};
