/**
 * Reading an objection case as the conversation shows it: whether the owner may still object, and the
 * `/status` line about it. Shared by the objection flow and the status view, so it lives below both.
 */
import { objectionWindow, type ObjectionWindow } from '../domain/index.js';
import { commandToken, OBJECTION_COMMAND } from '../contract/index.js';
import { formatDate, type Translate } from '../i18n/index.js';
import { predicateLabel } from '../i18n/labels.js';
import type { Locale } from './state.js';
import type { ObjectionCase } from './views.js';

/** The objection window of the case's owner at `now` (their dates; the cycle's window or the configured one). */
export function windowOf(c: ObjectionCase, now: Date): ObjectionWindow {
  return objectionWindow(c.announcedAt, c.windowDays, c.assessment.owner.timezone, now);
}

/** The command that files an objection, spelled on delivery as the reader types it (`/keberatan`, `/kinerja keberatan`). */
export function objectionCommand(): string {
  return commandToken(OBJECTION_COMMAND);
}

/**
 * The `/status` line about objecting, for the case's owner: the decision when there is one, the pending
 * objection, or the option to object while the window is open; nothing once the window closed unused.
 */
export function objectionStatusLine(t: Translate, locale: Locale, c: ObjectionCase | null | undefined, now: Date): string | null {
  if (!c) return null;
  const o = c.objection;
  if (o?.status === 'decided') {
    const predicate = predicateLabel(t, o.decided.predicate ?? c.assessment.predicate ?? '');
    return o.decision === 'changed'
      ? t('objection.status_changed', { predicate, reason: o.decisionReason ?? '-' })
      : t('objection.status_upheld', { predicate, reason: o.decisionReason ?? '-' });
  }
  if (o) return t('objection.status_open', { date: o.dueOn ? formatDate(locale, o.dueOn) : '-' });
  const w = windowOf(c, now);
  if (!w.open) return null;
  return t('objection.status_option', { cycle: c.assessment.cycle.name, command: objectionCommand(), date: formatDate(locale, w.lastDay) });
}
