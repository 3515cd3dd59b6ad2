/**
 * Monitoring in chat and the HR web page's sign-in:
 * - `/pantau [UNIT]` (`/monitor`; Slack `/kinerja pantau`): a supervisor sees their own unit (with its
 *   sub-units), an HR admin every unit or the one named. The answer is a line saying what is shown, the two
 *   pictures (completion per unit, predikat distribution against the curve), each with its numbers in words,
 *   and buttons for the export files. The pictures and files are produced when delivered (contract
 *   `OutgoingFile`): the engine decides who may see what, the reports draw it.
 * - `/masuk` (`/signin`): an HR admin gets a one-time link to the HR web page (10 minutes, single use); only
 *   the link's hash is stored, and issuing it is audited.
 */
import { commandToken } from '../../contract/index.js';
import { createHash } from 'node:crypto';
import { translator } from '../../i18n/index.js';
import type { Turn } from '../turn.js';
import type { MonitorView } from '../views.js';
import { ADMIN_ROLE } from './admin.js';
import type { FlowModule } from './module.js';

/** How long a sign-in link to the HR page is valid. */
export const SIGNIN_LINK_MINUTES = 10;

/** The path of the HR web page's sign-in (src/http/hr-page.ts serves it). */
export const SIGNIN_PATH = '/admin/masuk';

/** What the person may monitor: every unit (an HR admin), their own unit, or nothing. */
function monitorScope(turn: Turn, view: MonitorView): 'all' | 'own' | null {
  const actor = turn.ctx.actor;
  if (!actor) return null;
  if (actor.roles.includes(ADMIN_ROLE)) return 'all';
  return view.supervises ? 'own' : null;
}

function pantauCommand(turn: Turn, args: string[]): void {
  const t = translator(turn.ctx.locale);
  const view = turn.ctx.monitor;
  const cmd = commandToken('pantau');
  const scope = view ? monitorScope(turn, view) : null;
  if (!view || !scope) return turn.say(t('pantau.not_allowed', { cmd, status: commandToken('status') }));
  if (!view.cycle) return turn.say(t('pantau.no_cycle'));
  const asked = args[0]?.trim();
  let unit: { code: string; name: string } | null;
  if (scope === 'own') {
    if (asked && asked.toUpperCase() !== view.ownUnit.code.toUpperCase()) return turn.say(t('pantau.unit_not_yours', { code: view.ownUnit.code, cmd }));
    unit = view.ownUnit;
  } else if (asked) {
    if (!view.askedUnit) return turn.say(t('pantau.unit_unknown', { code: asked, cmd }));
    unit = view.askedUnit;
  } else unit = null;
  const lang = turn.ctx.locale;
  const params = { cycle: view.cycle.id, unit: unit?.code ?? null, lang };
  const scopeText = unit ? t('pantau.scope_unit', { code: unit.code, name: unit.name }) : t('pantau.scope_all');
  turn.say(t('pantau.head', { cycle: view.cycle.name, scope: scopeText }));
  turn.reply({ text: t('pantau.completion_title', { cycle: view.cycle.name }), file: { kind: 'image', source: 'pantau-completion', params } });
  turn.reply({ text: t('pantau.distribution_title', { cycle: view.cycle.name }), file: { kind: 'image', source: 'pantau-distribution', params } });
  const action = (r: 'results' | 'monitoring') => ({ a: 'pantau_export' as const, r, c: view.cycle!.id, u: unit?.code ?? null });
  turn.reply({
    text: t('pantau.export_offer'),
    buttons: turn.buttons([[{ label: t('pantau.btn_results'), action: action('results') }], [{ label: t('pantau.btn_monitoring'), action: action('monitoring') }]]),
  });
  turn.effect({ kind: 'audit', action: 'monitor.viewed', subject: `cycle:${view.cycle.id}`, data: { by: turn.ctx.actor!.id, unit: unit?.code ?? null } });
}

/** A pressed export button: checked again (roles and units change), then the file is sent. */
function exportAction(turn: Turn, action: { r: 'results' | 'monitoring'; c: number; u: string | null }): void {
  const t = translator(turn.ctx.locale);
  const view = turn.ctx.monitor;
  const scope = view ? monitorScope(turn, view) : null;
  const allowed = scope === 'all' || (scope === 'own' && action.u !== null && action.u === view!.ownUnit.code);
  if (!allowed) return turn.say(t('pantau.export_not_allowed'));
  const source = action.r === 'results' ? 'export-results' : 'export-monitoring';
  const scopeText = action.u ? t('pantau.scope_unit', { code: action.u, name: action.u === view!.ownUnit.code ? view!.ownUnit.name : action.u }) : t('pantau.scope_all');
  turn.reply({
    text: t('pantau.export_caption', { cycle: view!.cycle?.name ?? String(action.c), scope: scopeText }),
    file: { kind: 'document', source, params: { cycle: action.c, unit: action.u, lang: turn.ctx.locale } },
  });
  turn.effect({ kind: 'audit', action: 'monitor.exported', subject: `cycle:${action.c}`, data: { by: turn.ctx.actor!.id, unit: action.u, report: action.r } });
}

/** `/masuk`: a one-time sign-in link to the HR web page, for HR admins. */
function signinCommand(turn: Turn): void {
  const t = translator(turn.ctx.locale);
  const actor = turn.ctx.actor;
  const cmd = commandToken('masuk');
  if (!actor || !actor.roles.includes(ADMIN_ROLE)) return turn.say(t('pantau.signin_not_allowed', { cmd }));
  const base = turn.ctx.publicUrl;
  if (!base) return turn.say(t('pantau.signin_off'));
  // Two random tokens: 192 bits. Only the hash is stored, so a database reader cannot sign in.
  const secret = `${turn.ctx.newToken()}${turn.ctx.newToken()}`;
  const tokenHash = createHash('sha256').update(secret).digest('hex');
  const expiresAt = new Date(turn.ctx.now.getTime() + SIGNIN_LINK_MINUTES * 60_000);
  turn.effect({ kind: 'web_signin', employeeId: actor.id, tokenHash, expiresAt: expiresAt.toISOString() });
  turn.effect({ kind: 'audit', action: 'web.signin_link_issued', subject: `employee:${actor.id}`, data: { by: actor.id, expiresAt: expiresAt.toISOString() } });
  const url = `${base.replace(/\/+$/, '')}${SIGNIN_PATH}?t=${encodeURIComponent(secret)}&lang=${turn.ctx.locale}`;
  turn.say(t('pantau.signin_link', { minutes: SIGNIN_LINK_MINUTES, url }));
}

export const monitorModule: FlowModule = {
  name: 'monitor',
  commands: [
    { names: ['pantau', 'monitor'], needs: (args) => ({ monitor: true, monitorUnit: args[0]?.trim() || null }), run: pantauCommand },
    { names: ['masuk', 'signin'], run: signinCommand },
  ],
  actions: {
    pantau_export: { needs: () => ({ monitor: true }), run: (turn, action) => exportAction(turn, action) },
  },
};
