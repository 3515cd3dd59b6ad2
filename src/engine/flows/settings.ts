/** Settings and orientation: language, public-announcement opt-out, status. */
import { formatDate, translator } from '../../i18n/index.js';
import { predicateLabel, statusLabel } from '../../i18n/labels.js';
import { objectionStatusLine } from '../objection-view.js';
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

/** `/status`: where my assessment stands, my objection option or decision, and how many reviews wait for me. */
function statusCommand(turn: Turn): void {
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
  // After the announcement: the option to object while its window is open, or the objection's decision.
  const objection = objectionStatusLine(t, turn.ctx.locale, turn.ctx.objection, turn.ctx.now, turn.ctx.capabilities.commandPrefix);
  if (objection) lines.push(objection);
  const pending = (turn.ctx.pendingReviews ?? []).filter((p) => p.kind === 'review');
  lines.push(pending.length ? t('status.reviews_pending', { count: pending.length }) : t('status.reviews_none'));
  turn.say(lines.join('\n'));
}

export const settingsModule: FlowModule = {
  name: 'settings',
  commands: [
    { names: ['status'], needs: { own: true, pendingReviews: true, objection: 'own' }, run: (turn) => statusCommand(turn) },
    { names: ['bahasa', 'language'], run: languageCommand },
    { names: ['pengumuman', 'announcements'], run: (turn) => announcementsCommand(turn) },
  ],
  actions: {
    set_locale: { run: (turn, a) => setLocale(turn, a.l) },
    toggle_optout: { run: (turn) => toggleOptOut(turn) },
  },
};
