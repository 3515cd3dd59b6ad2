/**
 * HR admin commands in chat: `/lihat NIP` (`/view NIP`) shows someone's assessment summary (answers, status,
 * predicate) to an employee with the admin role, and records that it was read; `/daftarkan_kanal UNIT` in a
 * group or channel registers it as the unit's announcement channel. Anyone else is refused, and the refusal
 * says who may.
 */
import { commandToken } from '../../contract/index.js';
import { validateNip } from '../../domain/index.js';
import { cutText } from '../../contract/index.js';
import { formatDate, translator } from '../../i18n/index.js';
import { predicateLabel, statusLabel } from '../../i18n/labels.js';
import { itemLines } from '../assessment-view.js';
import type { Turn } from '../turn.js';
import type { FlowModule } from './module.js';

/** The role that may read anyone's assessment. */
export const ADMIN_ROLE = 'admin';

/** The NIP `/lihat` is asked about, normalised, or null when the argument is not a valid NIP. */
function viewedNip(args: string[]): string | null {
  const v = validateNip(args.join(''));
  return v.ok ? v.nip : null;
}

/** `/lihat NIP`: the assessment loaded by the shell into `ctx.subject` (latest cycle), read-only. */
function adminViewCommand(turn: Turn, args: string[]): void {
  const t = translator(turn.ctx.locale);
  const actor = turn.ctx.actor;
  if (!actor || !actor.roles.includes(ADMIN_ROLE)) {
    turn.say(t('admin.not_allowed'));
    return;
  }
  const nip = viewedNip(args);
  if (!nip) {
    turn.say(t('admin.usage'));
    return;
  }
  const view = turn.ctx.subject;
  if (!view || view.owner.nip !== nip) {
    turn.say(t('admin.not_found', { nip }));
    return;
  }
  const loc = turn.ctx.locale;
  const lines = [
    t('admin.head', { name: view.owner.name, nip: view.owner.nip, cycle: view.cycle.name, round: view.round }),
    t('admin.status', { status: statusLabel(t, view.status), deadline: formatDate(loc, view.cycle.selfDeadline) }),
    view.predicate ? t('status.predicate', { predicate: predicateLabel(t, view.predicate) }) : t('admin.no_predicate'),
    '',
    ...itemLines(t, loc, view.items),
  ];
  if (view.reflection) lines.push('', t('review.reflection', { text: view.reflection }));
  if (view.feedback) lines.push('', t('result.feedback', { feedback: view.feedback }));
  turn.effect({ kind: 'audit', action: 'assessment.viewed_by_admin', subject: `assessment:${view.id}`, data: { by: actor.id, nip } });
  turn.say(lines.join('\n'));
}

/** The unit code `/daftarkan_kanal` names (as imported: codes are case-sensitive), or null. */
function namedUnit(args: string[]): string | null {
  const code = args[0]?.trim() ?? '';
  return code === '' || code.length > 64 ? null : code;
}

/**
 * `/daftarkan_kanal UNIT` typed in a Telegram group or `/kinerja daftarkan-kanal UNIT` in a Slack channel
 * with the bot in it: an HR admin makes that chat the unit's announcement channel (audited with the chat id).
 * Every answer goes to the group, where it was asked; in the private chat the command explains itself.
 */
function registerChannelCommand(turn: Turn, args: string[]): void {
  const t = translator(turn.ctx.locale);
  const command = commandToken('daftarkan_kanal');
  const answer = (text: string) => turn.effect({ kind: 'group_reply', message: { text } });
  if (!turn.ctx.groupChat) {
    turn.say(t('channel.only_in_group', { command }));
    return;
  }
  const actor = turn.ctx.actor;
  if (!actor) {
    answer(t('channel.not_linked', { command }));
    return;
  }
  if (!actor.roles.includes(ADMIN_ROLE)) {
    answer(t('channel.not_admin', { command }));
    return;
  }
  const code = namedUnit(args);
  if (!code) {
    answer(t('channel.usage', { command }));
    return;
  }
  const unit = turn.ctx.unit;
  if (!unit || unit.code !== code) {
    answer(t('channel.unknown_unit', { code: cutText(code, 64), command }));
    return;
  }
  turn.effect({ kind: 'register_channel', unitId: unit.id, unitCode: unit.code });
  answer(t('channel.registered', { unit: unit.name, code: unit.code }));
}

export const adminModule: FlowModule = {
  name: 'admin',
  commands: [
    { names: ['lihat', 'view'], needs: (args) => ({ ownerNip: viewedNip(args) }), run: adminViewCommand },
    {
      names: ['daftarkan_kanal', 'daftarkan-kanal', 'register_channel', 'register-channel'],
      inGroups: true,
      needs: (args) => ({ unitCode: namedUnit(args) }),
      run: registerChannelCommand,
    },
  ],
};
