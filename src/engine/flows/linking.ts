/**
 * Linking a chat account to an employee: `/start CODE` (Telegram deep link) or `link CODE`. Codes are
 * single use and expire; too many wrong codes lock further tries (domain LINK_LOCKOUT). Slack may supply
 * the user's email: an exact match with one active employee links without a code.
 */
import { DEFAULT_TIMEZONE, afterLinkFailure, isLinkCodeUsable } from '../../domain/index.js';
import { formatDateTime, translator } from '../../i18n/index.js';
import type { StepInput } from '../state.js';
import type { Turn } from '../turn.js';
import type { FlowModule } from './module.js';

/** The code in `/start CODE` or `link CODE`, if the input is a link attempt. */
export function linkCodeIn(input: { kind: string; name?: string; args?: string[]; text?: string }): string | null {
  if (input.kind === 'command' && (input.name === 'start' || input.name === 'link') && input.args?.[0]) return input.args[0].trim();
  if (input.kind === 'text' && input.text) {
    const m = /^\s*(?:link|tautkan)\s+(\S+)\s*$/i.exec(input.text);
    if (m) return m[1];
  }
  return null;
}

/** An unknown chat user: link with the code, by email, or explain how. */
function linkingStep(turn: Turn, hasCode: boolean): void {
  const ctx = turn.ctx;
  const t = translator(ctx.locale);
  const link = ctx.link;
  if (link && !hasCode && link.emailMatch !== null) {
    turn.effect({ kind: 'link', employeeId: link.emailMatch, linkCodeId: null });
    turn.effect({ kind: 'audit', action: 'identity.linked', subject: `employee:${link.emailMatch}`, data: { platform: ctx.platform, by: 'email' } });
    welcome(turn, link.emailMatch);
    return;
  }
  if (!link || !hasCode) {
    turn.say(t('link.how'));
    return;
  }
  if (link.lockedUntil) {
    turn.say(t('link.locked', { until: formatDateTime(ctx.locale, link.lockedUntil, DEFAULT_TIMEZONE) }));
    return;
  }
  const f = link.found;
  if (f && isLinkCodeUsable(f, ctx.now)) {
    turn.effect({ kind: 'link', employeeId: f.employeeId, linkCodeId: f.id });
    turn.effect({ kind: 'audit', action: 'identity.linked', subject: `employee:${f.employeeId}`, data: { platform: ctx.platform, by: 'code', linkCodeId: f.id } });
    welcome(turn, f.employeeId);
    return;
  }
  turn.effect({ kind: 'link_failure' });
  const after = afterLinkFailure(link.recentFailures, ctx.now);
  if (after.lockedUntil) {
    // An unlinked chat user has no zone of their own yet: the default one.
    turn.say(t('link.locked', { until: formatDateTime(ctx.locale, after.lockedUntil, DEFAULT_TIMEZONE) }));
    return;
  }
  const why = f && f.usedAt !== null ? t('link.used') : f && f.expiresAt <= ctx.now ? t('link.expired') : t('link.wrong');
  turn.say(`${why} ${t('link.tries_left', { left: after.triesLeft })}`);
}

/**
 * After linking: greet in the employee's language (the engine set ctx.locale to it) and offer to start. A
 * supervisor with submitted assessments waiting learns of them at once, with a button per review: the
 * prompts sent before they linked never reached them.
 */
function welcome(turn: Turn, employeeId: number): void {
  const t = translator(turn.ctx.locale);
  turn.linkedAs(employeeId);
  turn.reply({
    text: t('link.done'),
    buttons: turn.buttons([[{ label: t('btn.start_assessment'), action: { a: 'start_assessment' }, style: 'primary' }]]),
  });
  if ((turn.ctx.pendingReviews ?? []).length) turn.handOff('review.pending', {});
}

/** The link code in any input, for the linking step and the engine's look-up. */
export function linkCodeOf(input: StepInput): string | null {
  return linkCodeIn(input.kind === 'command' ? input : input.kind === 'text' ? input : { kind: input.kind });
}

export const linkingModule: FlowModule = {
  name: 'linking',
  unlinked: (turn, input) => linkingStep(turn, linkCodeOf(input) !== null),
  commands: [{ names: ['start', 'link'], run: (turn) => alreadyLinked(turn) }],
  claimsText(turn, text) {
    if (linkCodeIn({ kind: 'text', text }) === null) return false;
    alreadyLinked(turn);
    return true;
  },
};

function alreadyLinked(turn: Turn): void {
  turn.say(translator(turn.ctx.locale)('link.already', { name: turn.ctx.actor?.name ?? '' }));
}
