/**
 * The HR web page at `/admin`: read-only monitoring of a cycle (BKN's Monitoring Pengisian and Monitoring
 * Kurva) on the app's one HTTP server. Server-rendered HTML (html.ts escapes every value), no JavaScript,
 * GET only (nothing to forge), `Cache-Control: no-store` and a CSP that allows no script at all.
 *
 * Who gets in: the admin account (HTTP basic auth, ADMIN_USER/ADMIN_PASSWORD, as for bull-board under
 * /admin/queues), or an HR admin with a one-time link from `/masuk` in chat: the link opens a confirmation
 * page (so a link preview fetching it does not use it up), its button uses the link once (audited) and starts
 * a session cookie of 8 hours. A wrong, used or expired link shows nothing but that it is not valid.
 *
 * The numbers come from src/reports: the same counts as `/pantau` and the same files as `kinerja export`.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { Router, type NextFunction, type Request, type Response } from 'express';
import { appendAudit } from '../db/audit.js';
import { undeliveredOutbox } from '../db/outbox.js';
import { transaction, txOf } from '../db/sql.js';
import { COMPLETION_STATES, completionState, type CompletionState } from '../domain/completion.js';
import { breaksCurve } from '../charts/index.js';
import { formatDate, translator, type Locale } from '../i18n/index.js';
import { completionSvg, deadlineText, distributionSvg } from '../reports/chat-files.js';
import { followUps, listCycles, openObjections } from '../reports/hr-lists.js';
import { CsvReportWriter, exportMonitoring, exportResults, ExportRequestError, resolveScope, XlsxReportWriter, type ExportCycle } from '../reports/index.js';
import { forEachAssessmentPage } from '../reports/assessment-rows.js';
import { standingPredicate } from '../reports/results.js';
import { unitCounts } from '../reports/unit-counts.js';
import { html, raw, type SafeHtml } from './html.js';

/** Where the page lives. */
export const HR_PAGE_PATH = '/admin';
/** The cookie of a signed-in HR admin (path /admin only). */
export const SESSION_COOKIE = 'kinerja_hr';
/** How long a session from a sign-in link lasts. */
export const SESSION_HOURS = 8;
/** How to ask for a link, on every platform (a web page does not know which one the reader uses). */
const SIGNIN_COMMANDS = '/masuk (Slack: /kinerja masuk)';
/** People listed per unit table at most (the export has everyone). */
const UNIT_TABLE_MAX = 500;

const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export interface HrPageOptions {
  em: () => EntityManager;
  now: () => Date;
  /** The admin account; unset: only sign-in links let anyone in. */
  adminUser?: string;
  adminPassword?: string;
}

interface Viewer {
  /** `admin` for the admin account, else the employee's NIP. */
  actor: string;
  name: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The reader's language: `?lang=`, else Accept-Language, else Indonesian. */
function localeOf(req: Request): Locale {
  const q = typeof req.query.lang === 'string' ? req.query.lang : '';
  if (q === 'en' || q === 'id') return q;
  const accepted = req.acceptsLanguages('id', 'en');
  return accepted === 'en' ? 'en' : 'id';
}

function cookie(req: Request, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return decodeURIComponent(part.slice(i + 1).trim());
  }
  return null;
}

function secureHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  // The sign-in link carries its secret in the query: never let it leave in a Referer.
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
}

function page(lang: Locale, title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>
body{font-family:"Noto Sans",Arial,sans-serif;margin:0 auto;max-width:1100px;padding:16px;color:#1a1a1a}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;font-size:.9em}th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right}.bad{color:#b71c1c;font-weight:bold}.ok{color:#1b5e20}
nav a,.dl a{margin-right:12px}.tiles{display:flex;gap:12px;flex-wrap:wrap}.tile{border:1px solid #ddd;padding:8px 14px;border-radius:6px}
.tile b{display:block;font-size:1.5em}svg{max-width:100%;height:auto}.muted{color:#666}
</style></head><body>${body}</body></html>`.value;
}

function send(res: Response, status: number, body: string): void {
  secureHeaders(res);
  res.status(status).type('html').send(body);
}

/** Mounts the HR page (and its sign-in) on `router` under /admin. */
export function hrPageRouter(opts: HrPageOptions): Router {
  const router = Router();

  /** The signed-in viewer, or null. */
  async function viewerOf(req: Request): Promise<Viewer | null> {
    const header = req.headers.authorization ?? '';
    const [scheme, encoded] = header.split(' ');
    if (scheme === 'Basic' && encoded && opts.adminUser && opts.adminPassword) {
      const decoded = Buffer.from(encoded, 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      if (i > 0 && same(decoded.slice(0, i), opts.adminUser) && same(decoded.slice(i + 1), opts.adminPassword)) return { actor: 'admin', name: 'admin' };
    }
    const session = cookie(req, SESSION_COOKIE);
    if (!session) return null;
    const rows = await txOf(opts.em()).query<{ nip: string; name: string }>(
      `select e.nip, e.name from web_signin w join employee e on e.id = w.employee_id
        where w.session_hash = $1 and w.session_expires_at > $2 and e.active and 'admin' = any(e.roles)`,
      [sha256(session), opts.now()],
    );
    return rows[0] ? { actor: rows[0].nip, name: rows[0].name } : null;
  }

  function invalidLink(req: Request, res: Response): void {
    const lang = localeOf(req);
    const t = translator(lang);
    send(res, 401, page(lang, t('web.link_invalid_title'), html`<h1>${t('web.link_invalid_title')}</h1><p>${t('web.link_invalid', { cmd: SIGNIN_COMMANDS })}</p>`));
  }

  /** A sign-in link still usable: its row id, or null. */
  async function usableLink(secret: string): Promise<number | null> {
    if (!/^[\w-]{16,64}$/.test(secret)) return null;
    const rows = await txOf(opts.em()).query<{ id: number }>(
      `select w.id from web_signin w join employee e on e.id = w.employee_id
        where w.token_hash = $1 and w.used_at is null and w.expires_at > $2 and e.active and 'admin' = any(e.roles)`,
      [sha256(secret), opts.now()],
    );
    return rows[0]?.id ?? null;
  }

  // The link from chat: a page with one button, so that fetching the link (a chat app's preview) uses nothing.
  router.get(`${HR_PAGE_PATH}/masuk`, async (req, res, next) => {
    try {
      const secret = typeof req.query.t === 'string' ? req.query.t : '';
      if ((await usableLink(secret)) === null) return invalidLink(req, res);
      const lang = localeOf(req);
      const t = translator(lang);
      send(res, 200, page(lang, t('web.title'), html`<h1>${t('web.title')}</h1><p>${t('web.link_confirm')}</p>
<form method="get" action="${HR_PAGE_PATH}/masuk/lanjut"><input type="hidden" name="t" value="${secret}"><input type="hidden" name="lang" value="${lang}"><button type="submit">${t('web.link_continue')}</button></form>`));
    } catch (err) {
      next(err);
    }
  });

  // Using the link: once, audited, then a session cookie and the page.
  router.get(`${HR_PAGE_PATH}/masuk/lanjut`, async (req, res, next) => {
    try {
      const secret = typeof req.query.t === 'string' ? req.query.t : '';
      if (!/^[\w-]{16,64}$/.test(secret)) return invalidLink(req, res);
      const session = randomBytes(24).toString('base64url');
      const now = opts.now();
      const used = await transaction(opts.em(), async (tx) => {
        const rows = await tx.query<{ id: number; nip: string }>(
          `update web_signin w set used_at = $2, session_hash = $3, session_expires_at = $4
             from employee e
            where e.id = w.employee_id and w.token_hash = $1 and w.used_at is null and w.expires_at > $2 and e.active and 'admin' = any(e.roles)
            returning w.id, e.nip`,
          [sha256(secret), now, sha256(session), new Date(now.getTime() + SESSION_HOURS * 3_600_000)],
        );
        if (!rows[0]) return null;
        await appendAudit(tx, { actor: rows[0].nip, action: 'web.signed_in', subject: `web_signin:${rows[0].id}`, data: { ip: req.ip ?? null } }, now);
        return rows[0];
      });
      if (!used) return invalidLink(req, res);
      const secure = req.secure || req.headers['x-forwarded-proto'] === 'https';
      res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${session}; Path=${HR_PAGE_PATH}; HttpOnly; SameSite=Strict; Max-Age=${SESSION_HOURS * 3600}${secure ? '; Secure' : ''}`);
      secureHeaders(res);
      res.redirect(303, `${HR_PAGE_PATH}?lang=${localeOf(req)}`);
    } catch (err) {
      next(err);
    }
  });

  // Everything else under /admin (bull-board under /admin/queues has its own basic auth) needs a viewer.
  async function requireViewer(req: Request, res: Response, next: NextFunction): Promise<void> {
    try {
      const viewer = await viewerOf(req);
      if (!viewer) {
        const lang = localeOf(req);
        const t = translator(lang);
        if (opts.adminUser) res.setHeader('WWW-Authenticate', 'Basic realm="kinerja admin", charset="UTF-8"');
        return send(res, 401, page(lang, t('web.title'), html`<h1>${t('web.title')}</h1><p>${t('web.unauthorised', { cmd: SIGNIN_COMMANDS })}</p>`));
      }
      res.locals.viewer = viewer;
      next();
    } catch (err) {
      next(err);
    }
  }

  router.get(`${HR_PAGE_PATH}/unduh/:file`, requireViewer, async (req, res, next) => {
    try {
      const m = /^(results|monitoring)\.(csv|xlsx)$/.exec(String(req.params.file));
      const cycleId = Number(req.query.cycle);
      if (!m || !Number.isInteger(cycleId)) return void res.status(404).type('text').send('not found');
      const unit = typeof req.query.unit === 'string' && req.query.unit !== '' ? req.query.unit : undefined;
      const lang = localeOf(req);
      const t = translator(lang);
      try {
        await resolveScope(opts.em(), cycleId, unit);
      } catch (err) {
        if (err instanceof ExportRequestError) return void res.status(404).type('text').send(err.message);
        throw err;
      }
      const [, report, format] = m;
      const name = `${report === 'results' ? t('pantau.file_results') : t('pantau.file_monitoring')}-${(unit ?? 'semua').replace(/[^\w-]/g, '_')}-${cycleId}.${format}`;
      secureHeaders(res);
      res.setHeader('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
      res.setHeader('Content-Disposition', `attachment; filename="${name}"`);
      const writer = format === 'csv' ? new CsvReportWriter(res) : new XlsxReportWriter(res);
      const run = report === 'results' ? exportResults : exportMonitoring;
      await run(opts.em(), { cycleId, unitCode: unit, t, lang, now: opts.now() }, writer);
      // In a transaction of its own: the audit chain's lock is held until its COMMIT.
      await transaction(opts.em(), (tx) => appendAudit(tx, { actor: (res.locals.viewer as Viewer).actor, action: 'web.exported', subject: `cycle:${cycleId}`, data: { report, format, unit: unit ?? null } }, opts.now()));
    } catch (err) {
      next(err);
    }
  });

  router.get(HR_PAGE_PATH, requireViewer, async (req, res, next) => {
    try {
      const lang = localeOf(req);
      send(res, 200, await overview(opts, req, lang, res.locals.viewer as Viewer));
    } catch (err) {
      next(err);
    }
  });
  return router;
}

/** The page: cycle, totals, pictures, units, one unit's people, follow-ups, objections, failed deliveries. */
async function overview(opts: HrPageOptions, req: Request, lang: Locale, viewer: Viewer): Promise<string> {
  const t = translator(lang);
  const now = opts.now();
  const cycles = await listCycles(opts.em());
  const wanted = Number(req.query.cycle);
  const cycle: ExportCycle | undefined = cycles.find((c) => c.id === wanted) ?? cycles[0];
  const q = (extra: Record<string, string | number>) => `${HR_PAGE_PATH}?${new URLSearchParams({ lang, ...(cycle ? { cycle: String(cycle.id) } : {}), ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])) })}`;
  const header = html`<nav>${t('web.language')}: <a href="${`${HR_PAGE_PATH}?${new URLSearchParams({ ...(cycle ? { cycle: String(cycle.id) } : {}), lang: 'id' })}`}">Bahasa Indonesia</a><a href="${`${HR_PAGE_PATH}?${new URLSearchParams({ ...(cycle ? { cycle: String(cycle.id) } : {}), lang: 'en' })}`}">English</a>
<span class="muted">${t('web.signed_in_as', { name: viewer.actor === 'admin' ? t('web.admin_user') : viewer.name })}</span></nav>
<h1>${t('web.title')}</h1>`;
  if (!cycle) return page(lang, t('web.title'), html`${header}<p>${t('web.no_cycle')}</p>`);

  const scope = await resolveScope(opts.em(), cycle.id);
  // The page's reads are independent: each runs on its own pooled connection, side by side, so the page takes
  // as long as its slowest read (the per-unit counts at 100,000 people), not the sum of all of them.
  // The pictures are drawn as soon as the counts are in, while the other reads are still running.
  const [{ units, pictures }, coaching, awards, objections, failed] = await Promise.all([
    unitCounts(opts.em(), scope, now).then((counted) => ({ units: counted, pictures: [completionSvg(t, lang, cycle, counted, now), distributionSvg(t, cycle, counted)] })),
    followUps(opts.em(), cycle.id, 'coaching'),
    followUps(opts.em(), cycle.id, 'award'),
    openObjections(opts.em(), cycle.id),
    undeliveredOutbox(txOf(opts.em()), 50),
  ]);
  const sum = (s: CompletionState) => units.reduce((n, u) => n + u.states[s], 0);
  const total = units.reduce((n, u) => n + u.total, 0);
  const submitted = sum('submitted') + sum('returned') + sum('reviewed');
  const dl = (report: string, format: string) => `${HR_PAGE_PATH}/unduh/${report}.${format}?${new URLSearchParams({ cycle: String(cycle.id), lang })}`;

  const cycleNav = html`<p>${t('web.cycle')}: ${cycles.map((c) => (c.id === cycle.id ? html`<b>${c.name}</b> ` : html`<a href="${`${HR_PAGE_PATH}?cycle=${c.id}&lang=${lang}`}">${c.name}</a> `))}</p>
<p>${t('web.status', { status: cycle.status })} · ${t('web.deadlines', { self: formatDate(lang, cycle.selfDeadline), review: formatDate(lang, cycle.reviewDeadline) })} · ${deadlineText(t, lang, cycle, now)}</p>`;
  const tiles = html`<div class="tiles">
<div class="tile" data-testid="total">${t('web.people')}<b>${total}</b></div>
<div class="tile" data-testid="submitted">${t('web.submitted')}<b>${submitted}</b></div>
<div class="tile" data-testid="reviewed">${t('web.reviewed')}<b>${sum('reviewed')}</b></div>
<div class="tile" data-testid="late">${t('web.late')}<b>${sum('late')}</b></div></div>`;
  const downloads = html`<h2>${t('web.downloads')}</h2><p class="dl">
<a href="${dl('results', 'xlsx')}" data-testid="dl-results-xlsx">${t('web.dl_results_xlsx')}</a><a href="${dl('results', 'csv')}" data-testid="dl-results-csv">${t('web.dl_results_csv')}</a>
<a href="${dl('monitoring', 'xlsx')}" data-testid="dl-monitoring-xlsx">${t('web.dl_monitoring_xlsx')}</a><a href="${dl('monitoring', 'csv')}" data-testid="dl-monitoring-csv">${t('web.dl_monitoring_csv')}</a></p>`;
  const charts = html`<h2>${t('web.charts')}</h2>${pictures.map((svg) => raw(svg))}`;
  const unitTable = html`<h2>${t('web.units')}</h2><table data-testid="units"><thead><tr><th>${t('web.unit')}</th><th>${t('web.total')}</th>
${COMPLETION_STATES.map((s) => html`<th>${t(`export.state.${s}`)}</th>`)}<th>${t('web.curve')}</th><th>${t('web.feedback')}</th><th>${t('web.recognitions')}</th></tr></thead><tbody>
${units.map((u) => html`<tr data-unit="${u.code}"><td><a href="${q({ unit: u.code })}">${u.code}</a> ${u.name}</td><td class="n">${u.total}</td>
${COMPLETION_STATES.map((s) => html`<td class="n" data-state="${s}"><a href="${q({ unit: u.code, state: s })}">${u.states[s]}</a></td>`)}
<td>${u.orgRating === null ? html`<span class="muted">${t('web.curve_none')}</span>` : breaksCurve(u) ? html`<span class="bad">${t('web.curve_broken')}</span>` : html`<span class="ok">${t('web.curve_ok')}</span>`}</td>
<td class="n" data-col="feedback">${u.feedback}</td><td class="n" data-col="recognitions">${u.recognitions}</td></tr>`)}
</tbody></table>`;

  const unitCode = typeof req.query.unit === 'string' && req.query.unit !== '' ? req.query.unit : null;
  const stateFilter = typeof req.query.state === 'string' && (COMPLETION_STATES as readonly string[]).includes(req.query.state) ? (req.query.state as CompletionState) : null;
  let unitSection = html``;
  if (unitCode) unitSection = await unitPeople(opts, t, lang, cycle, unitCode, stateFilter, now);

  const more = (shown: number, all: number) => (all > shown ? html`<p class="muted">${t('web.shown_of', { shown, total: all })}</p>` : html``);
  const predicate = (p: string | null) => (p ? t(`predicate.${p}`) : '');
  const followTable = (id: string, list: typeof coaching, withPlan: boolean) =>
    list.rows.length === 0
      ? html`<p data-testid="${id}">${t('web.none')}</p>`
      : html`<table data-testid="${id}"><tr><th>${t('web.nip')}</th><th>${t('web.name')}</th><th>${t('web.unit')}</th><th>${t('web.supervisor')}</th><th>${t('web.predicate')}</th>${withPlan ? html`<th>${t('web.plan')}</th><th>${t('web.check_ins')}</th>` : ''}</tr>
${list.rows.map((r) => html`<tr><td>${r.nip}</td><td>${r.name}</td><td>${r.unitCode}</td><td>${r.supervisor}</td><td>${predicate(r.predicate)}</td>${withPlan ? html`<td>${r.plan}</td><td class="n">${r.rated}/${r.checkIns}</td>` : ''}</tr>`)}</table>${more(list.rows.length, list.total)}`;

  const body = html`${header}${cycleNav}${tiles}${downloads}${charts}${unitTable}${unitSection}
<h2>${t('web.coaching')} (${coaching.total})</h2>${followTable('coaching', coaching, true)}
<h2>${t('web.awards')} (${awards.total})</h2>${followTable('awards', awards, false)}
<h2>${t('web.objections')} (${objections.total})</h2>${objections.rows.length === 0 ? html`<p data-testid="objections">${t('web.none')}</p>` : html`<table data-testid="objections"><tr><th>${t('web.nip')}</th><th>${t('web.name')}</th><th>${t('web.unit')}</th><th>${t('web.predicate')}</th><th>${t('web.reason')}</th><th>${t('web.since')}</th></tr>
${objections.rows.map((o) => html`<tr><td>${o.nip}</td><td>${o.name}</td><td>${o.unitCode}</td><td>${predicate(o.predicate)}</td><td>${o.reason}</td><td>${formatDate(lang, o.createdAt.toISOString().slice(0, 10))}</td></tr>`)}</table>${more(objections.rows.length, objections.total)}`}
<h2>${t('web.failed')} (${failed.length})</h2>${failed.length === 0 ? html`<p data-testid="failed">${t('web.none')}</p>` : html`<table data-testid="failed"><tr><th>${t('web.platform')}</th><th>${t('web.recipient')}</th><th>${t('web.state')}</th><th>${t('web.error')}</th><th>${t('web.since')}</th></tr>
${failed.map((f) => html`<tr><td>${f.platform}</td><td>${f.recipient}</td><td>${f.status}</td><td>${f.lastError}</td><td>${f.createdAt.toISOString().slice(0, 16).replace('T', ' ')}</td></tr>`)}</table>`}`;
  return page(lang, t('web.title'), body);
}

/** One unit's people (with its sub-units), filterable by state (a GET form: works without JavaScript). */
async function unitPeople(opts: HrPageOptions, t: ReturnType<typeof translator>, lang: Locale, cycle: ExportCycle, unitCode: string, state: CompletionState | null, now: Date): Promise<SafeHtml> {
  let scope;
  try {
    scope = await resolveScope(opts.em(), cycle.id, unitCode);
  } catch (err) {
    if (err instanceof ExportRequestError) return html`<p class="bad">${t('web.unknown_unit', { code: unitCode })}</p>`;
    throw err;
  }
  const rows: { nip: string; name: string; position: string; unit: string; state: CompletionState; predicate: string | null; feedback: number; recognitions: number }[] = [];
  let matched = 0;
  await forEachAssessmentPage(opts.em(), scope, { now }, async (page) => {
    for (const r of page) {
      const s = completionState({ status: r.status, answered: r.answered, selfDeadlinePassed: r.self_deadline_passed });
      if (state && s !== state) continue;
      matched++;
      if (rows.length < UNIT_TABLE_MAX) rows.push({ nip: r.nip, name: r.name, position: r.position, unit: r.unit_code, state: s, predicate: standingPredicate(r), feedback: r.feedback_count, recognitions: r.recognition_count });
    }
  });
  return html`<h2 id="unit">${t('web.people_of', { code: unitCode })}</h2>
<form method="get" action="${HR_PAGE_PATH}"><input type="hidden" name="cycle" value="${cycle.id}"><input type="hidden" name="unit" value="${unitCode}"><input type="hidden" name="lang" value="${lang}">
<label>${t('web.filter_state')} <select name="state"><option value="">${t('web.all_states')}</option>${COMPLETION_STATES.map((s) => html`<option value="${s}"${raw(s === state ? ' selected' : '')}>${t(`export.state.${s}`)}</option>`)}</select></label>
<button type="submit">${t('web.show')}</button></form>
<table data-testid="people"><tr><th>${t('web.nip')}</th><th>${t('web.name')}</th><th>${t('web.position')}</th><th>${t('web.unit')}</th><th>${t('web.state')}</th><th>${t('web.predicate')}</th><th>${t('web.feedback')}</th><th>${t('web.recognitions')}</th></tr>
${rows.map((r) => html`<tr data-nip="${r.nip}"><td>${r.nip}</td><td>${r.name}</td><td>${r.position}</td><td>${r.unit}</td><td>${t(`export.state.${r.state}`)}</td><td>${r.predicate ? t(`predicate.${r.predicate}`) : ''}</td><td class="n" data-col="feedback">${r.feedback}</td><td class="n" data-col="recognitions">${r.recognitions}</td></tr>`)}</table>
${matched > rows.length ? html`<p class="muted">${t('web.shown_of', { shown: rows.length, total: matched })}</p>` : ''}`;
}
