/** `kinerja import employees`, `kinerja targets import`, `kinerja holidays import`: thin wrappers over src/setup. */
import { Command, InvalidArgumentError, Option } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig, type Config } from '../../config.js';
import { importEmployeesFile } from '../../setup/employees.js';
import { importHolidaysFile } from '../../setup/holidays.js';
import { normaliseEncoding } from '../../setup/encoding.js';
import { keepHeapTightForBatch } from '../../setup/batch-memory.js';
import type { ReadTableOptions } from '../../setup/table-file.js';
import { importTargetsFile } from '../../setup/targets.js';
import { withDatabase } from '../database.js';
import { defaultActor, say } from '../output.js';

/** Parses a positive whole number option, e.g. a cycle id. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive whole number`);
  return n;
}

/** A progress bar on a terminal only: piped output (CI, cron, a log file) stays clean. */
function progressBar(): { update(done: number, total: number): void; stop(): void } {
  if (!process.stdout.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar({ format: 'importing [{bar}] {value}/{total} employees', hideCursor: true }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(done, total) {
      if (!started) {
        bar.start(total, done);
        started = true;
      } else bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

export const actorOption = ['--actor <name>', 'who is importing, for the audit log (default: your OS user name)'] as const;

/** A CSV that is not UTF-8 is refused, naming its first bad line; this reads it in the encoding it was saved in. */
export function encodingOption(): Option {
  return new Option('--encoding <name>', 'encoding of a CSV file saved as plain "CSV" on Windows: windows-1252 (default utf-8, with or without BOM)').argParser((v) => {
    try {
      return normaliseEncoding(v);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  });
}

/** How every import reads its file: the encoding asked for, the configured limits. */
export function readOptions(cfg: Config, encoding: string | undefined): ReadTableOptions {
  keepHeapTightForBatch();
  return { encoding, maxMb: cfg.IMPORT_MAX_MB, maxRows: cfg.IMPORT_MAX_ROWS };
}

export const LIMITS_HELP = `
Files: CSV in UTF-8 (with or without BOM; --encoding windows-1252 for a plain Windows "CSV") or XLSX (first
sheet). At most IMPORT_MAX_MB megabytes and IMPORT_MAX_ROWS rows. Names, positions and units starting with
= + - or @ are refused (a spreadsheet would run them as formulas).`;

export function registerImportCommands(program: Command): void {
  const imp = program.command('import').description('load HR data from CSV or XLSX files');
  imp
    .command('employees')
    .description('import or update employees and units from FILE (.csv or .xlsx), upserting by NIP')
    .addHelpText(
      'after',
      `
Columns (header on line 1; Indonesian or English name, any case; * = required):
  nip*                          18-digit NIP
  nama|name*                    full name
  email                         for link-code letters
  jabatan|position              position title
  jenis_jabatan|position_kind*  jpt, administrator, pengawas, pelaksana, fungsional
  unit_kode|unit_code*          unit code, e.g. BKD-1
  unit_nama|unit_name*          unit name (may be empty for a unit already known)
  unit_induk|parent_unit_code   parent unit code
  atasan_nip|supervisor_nip     direct supervisor's NIP (empty for the top)
  peran|roles                   pegawai, admin (comma separated; default pegawai)
  zona_waktu|timezone           WIB, WITA, WIT or an IANA name (default WIB)
  bahasa|locale                 id or en (default id)

The whole file is checked first; if any line is bad nothing is written and every bad line is listed.
${LIMITS_HELP}`,
    )
    .argument('<file>', 'CSV (UTF-8, comma or semicolon) or XLSX file; line 1 is the header')
    .option('--deactivate-missing', 'mark active employees who are not in FILE inactive (use with a full export)')
    .option('--dry-run', 'check the file and show what would change, without writing')
    .addOption(encodingOption())
    .option(...actorOption)
    .action(async (file: string, opts: { deactivateMissing?: boolean; dryRun?: boolean; actor?: string; encoding?: string }) => {
      const cfg = loadConfig();
      await withDatabase(cfg, async (db) => {
        const bar = progressBar();
        const started = Date.now();
        try {
          const r = await importEmployeesFile(db.em(), file, {
            actor: opts.actor ?? defaultActor(),
            deactivateMissing: opts.deactivateMissing,
            dryRun: opts.dryRun,
            defaultTimezone: cfg.DEFAULT_TIMEZONE,
            read: readOptions(cfg, opts.encoding),
            onProgress: (done, total) => bar.update(done, total),
          });
          bar.stop();
          const verb = r.dryRun ? 'dry run, nothing written; would import' : 'imported';
          say(
            `${r.file}: ${verb} ${r.rows} employees (${r.created} new, ${r.updated} updated, ${r.deactivated} deactivated); ` +
              `units: ${r.unitsCreated} new, ${r.unitsUpdated} updated (${((Date.now() - started) / 1000).toFixed(1)} s)`,
          );
        } finally {
          bar.stop();
        }
      });
    });

  program
    .command('targets')
    .description('per-employee targets (RHK/IKI) of a cycle')
    .command('import')
    .description('import RHK utama/tambahan with IKI, target and unit of measure for one cycle from FILE (.csv or .xlsx)')
    .addHelpText(
      'after',
      `
Columns (all required): nip, kode|code, jenis_rhk|rhk_kind (utama, tambahan), rhk, iki, target (e.g. 12 or 12,5),
satuan|unit_of_measure. Upserts by (NIP, kode); all or nothing, every bad line listed.
${LIMITS_HELP}`,
    )
    .argument('<file>', 'CSV or XLSX file; line 1 is the header')
    .requiredOption('--cycle <id>', 'the cycle the targets belong to (see kinerja cycle list)', positiveInt)
    .addOption(encodingOption())
    .option(...actorOption)
    .action(async (file: string, opts: { cycle: number; actor?: string; encoding?: string }) => {
      const cfg = loadConfig();
      await withDatabase(cfg, async (db) => {
        const r = await importTargetsFile(db.em(), file, opts.cycle, { actor: opts.actor ?? defaultActor(), read: readOptions(cfg, opts.encoding) });
        say(`${r.file}: imported ${r.rows} targets for ${r.employees} employees in cycle ${opts.cycle} (${r.created} new, ${r.updated} updated)`);
      });
    });

  program
    .command('holidays')
    .description('the working-day calendar HR loads from the official decree')
    .command('import')
    .description('import holidays from FILE (.csv or .xlsx); they override the built-in national holidays')
    .addHelpText(
      'after',
      `
Columns: tanggal|date (YYYY-MM-DD or DD/MM/YYYY), nama|name, jenis|kind (nasional, cuti_bersama, daerah),
hari_kerja|working_day (optional: ya/tidak). Upserts by date; all or nothing, every bad line listed.
${LIMITS_HELP}`,
    )
    .argument('<file>', 'CSV or XLSX file; line 1 is the header')
    .addOption(encodingOption())
    .option(...actorOption)
    .action(async (file: string, opts: { actor?: string; encoding?: string }) => {
      const cfg = loadConfig();
      await withDatabase(cfg, async (db) => {
        const r = await importHolidaysFile(db.em(), file, { actor: opts.actor ?? defaultActor(), read: readOptions(cfg, opts.encoding) });
        say(`${r.file}: imported ${r.rows} days (${r.created} new, ${r.updated} updated)`);
      });
    });
}
