/** `kinerja cycle create|open|list|show`. */
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../../config.js';
import { CYCLE_KINDS } from '../../domain/cycle.js';
import { createCycle, listCycles, openCycle, showCycle } from '../../setup/cycles.js';
import { withDatabase } from '../database.js';
import { defaultActor, say, table } from '../output.js';
import { positiveInt } from './imports.js';
import { scheduleFeedbackNudges, scheduleSelfAssessmentReminders } from '../../db/reminders.js';
import { txOf } from '../../db/sql.js';
// Close and announce (jobs/cycle-close.js, with the queue code it brings) are loaded by those commands alone.
const cycleClose = () => import('../../jobs/cycle-close.js');
import { UserFacingError } from '../../setup/problems.js';
import { systemClock } from '../../clock.js';

function isoDate(value: string): string {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a date as YYYY-MM-DD, e.g. 2027-03-31`);
  return value;
}

export function registerCycleCommands(program: Command): void {
  const cycle = program.command('cycle').description('performance cycles (periode penilaian)');

  cycle
    .command('create')
    .description('create a draft cycle; its indicators are copied from a template under templates/')
    .requiredOption('--name <name>', 'e.g. "Triwulan I 2027"')
    .requiredOption('--kind <kind>', `one of ${CYCLE_KINDS.join(', ')}`)
    .requiredOption('--period-start <date>', 'first day of the period, YYYY-MM-DD', isoDate)
    .requiredOption('--period-end <date>', 'last day of the period, YYYY-MM-DD', isoDate)
    .requiredOption('--self-deadline <date>', 'last day for self-assessments (batas pengisian), YYYY-MM-DD', isoDate)
    .requiredOption('--review-deadline <date>', 'last day for supervisor reviews, YYYY-MM-DD', isoDate)
    .option('--template <code>', 'indicator template (templates/<code>.json)', 'default')
    .option('--actor <name>', 'who creates it, for the audit log')
    .action(async (o: { name: string; kind: string; periodStart: string; periodEnd: string; selfDeadline: string; reviewDeadline: string; template: string; actor?: string }) => {
      await withDatabase(loadConfig(), async (db) => {
        const r = await createCycle(db.em(), o, { actor: o.actor ?? defaultActor() });
        say(`created cycle ${r.id} "${o.name.trim()}" (draft) with ${r.indicators} indicators from template ${o.template}; open it with: kinerja cycle open ${r.id}`);
      });
    });

  cycle
    .command('open')
    .description('open a draft cycle: one assessment per active employee. Safe to run again (adds only new hires).')
    .argument('<id>', 'cycle id (see kinerja cycle list)', positiveInt)
    .option('--actor <name>', 'who opens it, for the audit log')
    .action(async (id: number, o: { actor?: string }) => {
      const config = loadConfig();
      await withDatabase(config, async (db) => {
        const r = await openCycle(db.em(), id, { actor: o.actor ?? defaultActor() });
        // Reminders are rows planned from each deadline; planning again adds only what is missing.
        const reminders = await scheduleSelfAssessmentReminders(txOf(db.em()), id, { clock: systemClock, config });
        // Supervisors' feedback nudges (FEEDBACK_NUDGE_DAYS): the first check of the period, each check plans the next.
        await scheduleFeedbackNudges(txOf(db.em()), id, { clock: systemClock, config });
        say(
          r.opened
            ? `opened cycle ${id}: ${r.created} assessments created, ${reminders} reminders planned`
            : `cycle ${id} was already open: ${r.created} new assessments, ${r.existing} already there, ${reminders} reminders planned`,
        );
      });
    });

  cycle
    .command('list')
    .description('all cycles, newest first')
    .action(async () => {
      await withDatabase(loadConfig(), async (db) => {
        const cycles = await listCycles(db.em());
        if (cycles.length === 0) {
          say('no cycles yet; create one with: kinerja cycle create --help');
          return;
        }
        say(
          table(
            ['id', 'name', 'kind', 'status', 'period', 'self deadline', 'review deadline', 'assessments'],
            cycles.map((c) => [String(c.id), c.name, c.kind, c.status, `${c.periodStart}..${c.periodEnd}`, c.selfDeadline, c.reviewDeadline, String(c.assessments)]),
          ),
        );
      });
    });

  cycle
    .command('show')
    .description('one cycle: dates, indicators and progress per assessment status')
    .argument('<id>', 'cycle id', positiveInt)
    .action(async (id: number) => {
      await withDatabase(loadConfig(), async (db) => {
        const c = await showCycle(db.em(), id);
        say(`cycle ${c.id}: ${c.name} (${c.kind}, ${c.status})`);
        say(`  period ${c.periodStart} .. ${c.periodEnd}; self-assessment by ${c.selfDeadline}; review by ${c.reviewDeadline}`);
        say(`  template ${c.templateCode}; predicate matrix ${c.matrixVersion}; ${c.targets} employee targets loaded`);
        say('');
        say(table(['indicator', 'kind', 'name', 'target'], c.indicators.map((i) => [i.code, i.kind, `${i.nameId} (${i.nameEn})`, i.target === null ? '' : `${i.target} ${i.unitOfMeasure ?? ''}`.trim()])));
        say('');
        const total = Object.values(c.progress).reduce((a, b) => a + b, 0);
        const pct = (n: number) => (total === 0 ? '-' : `${((n / total) * 100).toFixed(1)}%`);
        say(table(['status', 'assessments', 'share'], [...Object.entries(c.progress).map(([s, n]) => [s, String(n), pct(n)]), ['total', String(total), total ? '100%' : '-']]));
      });
    });

  cycle
    .command('close')
    .description("close a cycle now (normally automatic at the review deadline plus CLOSE_GRACE_HOURS): flags late submissions and starts calibration: each unit's predicates against its distribution curve, violations to HR and the raters")
    .argument('<id>', 'cycle id', positiveInt)
    .option('--actor <name>', 'who closes it, for the audit log')
    .action(async (id: number, o: { actor?: string }) => {
      const config = loadConfig();
      await withDatabase(config, async (db) => {
        const { closeCycle } = await cycleClose();
        const r = await closeCycle(db.em(), id, { clock: systemClock, config, actor: o.actor ?? defaultActor() });
        say(`closed cycle ${id}: ${r.lateFlagged} late submissions flagged, ${r.violations.length} units break their distribution curve, ${r.outboxIds.length} messages queued`);
        for (const v of r.violations) say(`  unit ${v.unitId}: ${v.ruleIds.join(', ')}`);
        if (r.unrated.length) say(`  ${r.unrated.length} units have no organisational rating, so their curve was not checked: ${r.unrated.join(', ')}`);
        if (r.violations.length) say('the raters can revise ratings in chat (/kalibrasi) until you announce; announcing is refused while a unit breaks its curve (or give --override-curve "reason")');
      });
    });

  cycle
    .command('announce')
    .description('announce a closed cycle: each employee gets the final result once, Sangat Baik posted to the unit channel (unless opted out), coaching check-ins on the plan dates. Refused while a unit breaks its distribution curve, unless --override-curve gives the reason.')
    .argument('<id>', 'cycle id', positiveInt)
    .option('--override-curve <reason>', 'announce although units break their distribution curve; the written reason (at least 10 characters) is audited')
    .option('--actor <name>', 'who announces it, for the audit log')
    .action(async (id: number, o: { overrideCurve?: string; actor?: string }) => {
      const config = loadConfig();
      await withDatabase(config, async (db) => {
        const { announceCycle, CurveViolationError } = await cycleClose();
        let r;
        try {
          r = await announceCycle(db.em(), id, { clock: systemClock, config, actor: o.actor ?? defaultActor() }, o.overrideCurve !== undefined ? { overrideCurve: o.overrideCurve } : {});
        } catch (err) {
          // Refusals are the user's to fix: the reason, not a stack trace.
          if (err instanceof Error && (err instanceof CurveViolationError || /cannot be announced|override-curve/.test(err.message))) throw new UserFacingError(err.message);
          throw err;
        }
        say(
          `announced cycle ${id}: ${r.results} final results, ${r.awardsPublic} public awards, ${r.coaching} coaching plans with ${r.checkIns} check-ins, ${r.outboxIds.length} messages queued (the worker delivers them)`,
        );
        if (r.overridden.length) say(`  announced over the distribution curve of units ${r.overridden.join(', ')} (reason audited)`);
      });
    });
}
