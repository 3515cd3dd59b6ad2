/** `kinerja export results|monitoring`: the files HR hands on (tunjangan kinerja, the national system). */
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { Command, Option } from 'commander';
import { loadConfig } from '../../config.js';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { ExportLanguage, ExportOptions, ExportOutcome, ReportWriter } from '../../reports/index.js';
import { keepHeapTightForBatch } from '../../setup/batch-memory.js';
import { UserFacingError } from '../../setup/problems.js';
import { withDatabase } from '../database.js';
import { note } from '../output.js';
import { positiveInt } from './imports.js';

type Reports = typeof import('../../reports/index.js');

interface ExportCliOptions {
  cycle: number;
  unit?: string;
  format?: 'csv' | 'xlsx';
  out?: string;
  lang: ExportLanguage;
  by?: 'person' | 'unit';
}

function formatOf(o: ExportCliOptions): 'csv' | 'xlsx' {
  if (o.format) return o.format;
  return o.out?.toLowerCase().endsWith('.xlsx') ? 'xlsx' : 'csv';
}

/**
 * Runs one export to `--out` (written under a temporary name and renamed when complete, so a failed export
 * never leaves a half file that looks whole) or, for CSV, to stdout.
 */
async function runExport(
  o: ExportCliOptions,
  pick: (reports: Reports) => (em: EntityManager, opts: ExportOptions, writer: ReportWriter) => Promise<ExportOutcome>,
): Promise<void> {
  const format = formatOf(o);
  if (format === 'xlsx' && !o.out) throw new UserFacingError('an XLSX file is binary: give the file to write with --out FILE.xlsx');
  const cfg = loadConfig();
  keepHeapTightForBatch(); // a 100,000-row export stays under 300 MB RSS (npm run bench:export)
  // Loaded on use: exceljs and the catalogues would slow every other command's start-up.
  const reports = await import('../../reports/index.js');
  const { translator } = await import('../../i18n/index.js');
  const { CsvReportWriter, XlsxReportWriter, ExportRequestError } = reports;
  const run = pick(reports);
  await withDatabase(cfg, async (db) => {
    const partial = o.out ? `${o.out}.part` : null;
    const out: Writable = partial ? createWriteStream(partial) : process.stdout;
    const writer = format === 'xlsx' ? new XlsxReportWriter(out) : new CsvReportWriter(out);
    const opts: ExportOptions = { cycleId: o.cycle, unitCode: o.unit, t: translator(o.lang), lang: o.lang, now: new Date() };
    try {
      const r = await run(db.em(), opts, writer);
      if (partial && o.out) await rename(partial, o.out);
      note(`exported ${r.rows} row(s) of cycle ${r.cycle.id} "${r.cycle.name}" (${r.cycle.status})${o.out ? ` to ${o.out}` : ''}`);
    } catch (err) {
      if (partial) {
        out.destroy();
        await rm(partial, { force: true });
      }
      if (err instanceof ExportRequestError) throw new UserFacingError(err.message);
      throw err;
    }
  });
}

function common(cmd: Command): Command {
  return cmd
    .requiredOption('--cycle <id>', 'cycle id (see kinerja cycle list)', positiveInt)
    .option('--unit <code>', 'one unit and all its sub-units')
    .addOption(new Option('--format <format>', 'csv (UTF-8 with BOM) or xlsx; default from the --out extension, else csv').choices(['csv', 'xlsx']))
    .option('--out <file>', 'write to this file (required for xlsx); CSV goes to stdout without it')
    .addOption(new Option('--lang <lang>', 'language of the headers and values').choices(['id', 'en']).default('id'));
}

export function registerExportCommands(program: Command): void {
  const exp = program.command('export').description('export results and monitoring (monitoring pengisian) as CSV or XLSX');

  common(
    exp
      .command('results')
      .description('one row per employee: raters, every indicator (target, realisasi, capaian, rating), ratings, predikat, feedback, coaching, objection')
      .addHelpText(
        'after',
        `
The XLSX has a second sheet, the per-unit summary: completion and predikat counts against each unit's curve.
Text that would start a spreadsheet formula (= + - @) is prefixed with ' in both formats.
Examples:
  npx kinerja export results --cycle 3 --out hasil-tw1.xlsx
  npx kinerja export results --cycle 3 --unit DKIS --format csv > hasil-dkis.csv`,
      ),
  ).action(async (o: ExportCliOptions) => runExport(o, (r) => r.exportResults));

  common(
    exp
      .command('monitoring')
      .description('completion per person and per unit: not started, draft, late, submitted, returned, reviewed')
      .addOption(new Option('--by <level>', 'CSV only: one row per person or per unit (the XLSX has both sheets)').choices(['person', 'unit']).default('person')),
  ).action(async (o: ExportCliOptions) => runExport(o, (r) => (em, opts, writer) => r.exportMonitoring(em, { ...opts, by: o.by }, writer)));
}
