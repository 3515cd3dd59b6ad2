/** Settings and orientation: language, public-announcement opt-out, status, help, pending reviews. */
import { formatDate, translator, type Translate } from '../i18n.js';
import { predicateLabel, statusLabel } from '../labels.js';
import type { Locale } from '../state.js';
import type { Turn } from '../turn.js';
import type { PendingReviewView } from '../views.js';
import { firstOpenPosition } from './assessment.js';

/** `/bahasa [id|en]`: with an argument sets it, otherwise offers both. */
export function languageCommand(turn: Turn, args: string[]): void {
  const t = translator(turn.ctx.locale);
  const arg = (args[0] ?? '').toLowerCase();
  const wanted: Locale | null = arg.startsWith('id') || arg === 'indonesia' ? 'id' : arg.startsWith('en') ? 'en' : null;
  if (wanted) return setLocale(turn, wanted);
  turn.reply({
    text: t('settings.ask_language'),
    buttons: turn.buttons([[{ label: 'Bahasa Indonesia', action: { a: 'set_locale', l: 'id' } }, { label: 'English', action: { a: 'set_locale', l: 'en' } }]]),
  });
}

export function setLocale(turn: Turn, locale: Locale): void {
  const actor = turn.ctx.actor;
  if (!actor) return;
  turn.effect({ kind: 'set_locale', employeeId: actor.id, locale });
  // Later replies in this turn already use the new language.
  turn.ctx.locale = locale;
  turn.say(translator(locale)('settings.language_set'));
}

/** `/pengumuman`: shows the announcement setting with a toggle. */
export function announcementsCommand(turn: Turn): void {
  const actor = turn.ctx.actor;
  if (!actor) return;
  const t = translator(turn.ctx.locale);
  turn.reply({
    text: actor.optOutAnnouncements ? t('settings.optout_on') : t('settings.optout_off'),
    buttons: turn.buttons([[{ label: actor.optOutAnnouncements ? t('btn.optin') : t('btn.optout'), action: { a: 'toggle_optout' } }]]),
  });
}

export function toggleOptOut(turn: Turn): void {
  const actor = turn.ctx.actor;
  if (!actor) return;
  const t = translator(turn.ctx.locale);
  const optOut = !actor.optOutAnnouncements;
  turn.effect({ kind: 'set_opt_out', employeeId: actor.id, optOut });
  turn.say(optOut ? t('settings.optout_on') : t('settings.optout_off'));
}

/** `/status`: where my assessment stands and how many reviews wait for me. */
export function statusCommand(turn: Turn): void {
  const t = translator(turn.ctx.locale);
  const own = turn.ctx.own;
  const lines: string[] = [];
  if (!own) lines.push(t('assess.none'));
  else {
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
    if (own.predicate) lines.push(t('status.predicate', { predicate: predicateLabel(t, own.predicate) }));
  }
  const pending = (turn.ctx.pendingReviews ?? []).filter((p) => p.kind === 'review');
  lines.push(pending.length ? t('status.reviews_pending', { count: pending.length }) : t('status.reviews_none'));
  turn.say(lines.join('\n'));
}

/** `/tinjau`: pending reviews, one button each. */
export function pendingReviewsCommand(turn: Turn): void {
  const t = translator(turn.ctx.locale);
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

/** Help that fits where the person is. */
export function helpText(t: Translate, turn: Turn): string {
  const s = turn.state;
  let step: string;
  if (s.flow === 'assess') {
    step =
      s.step === 'realisasi'
        ? t('help.realisasi')
        : s.step === 'narrative'
          ? t('help.narrative')
          : s.step === 'evidence'
            ? t('help.evidence', { mb: turn.ctx.limits.evidenceMaxMb })
            : s.step === 'reflection'
              ? t('help.reflection')
              : t('help.summary');
  } else if (s.flow === 'review') step = t('help.review');
  else if (s.flow === 'coaching') step = t('help.coaching');
  else step = turn.ctx.own && firstOpenPosition(turn.ctx.own).step !== 'summary' ? t('help.idle_draft') : t('help.idle');
  return `${step}\n\n${t('help.commands')}`;
}
