/** `kinerja import employees`, `kinerja targets import`, `kinerja holidays import`: thin wrappers over src/setup. */
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { loadConfig } from '../../config.js';
import { importEmployeesFile } from '../../setup/employees.js';
import { importHolidaysFile } from '../../setup/holidays.js';
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

const actorOption = ['--actor <name>', 'who is importing, for the audit log (default: your OS user name)'] as const;

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

The whole file is checked first; if any line is bad nothing is written and every bad line is listed.`,
    )
    .argument('<file>', 'CSV (UTF-8, comma or semicolon) or XLSX file; line 1 is the header')
    .option('--deactivate-missing', 'mark active employees who are not in FILE inactive (use with a full export)')
    .option('--dry-run', 'check the file and show what would change, without writing')
    .option(...actorOption)
    .action(async (file: string, opts: { deactivateMissing?: boolean; dryRun?: boolean; actor?: string }) => {
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
satuan|unit_of_measure. Upserts by (NIP, kode); all or nothing, every bad line listed.`,
    )
    .argument('<file>', 'CSV or XLSX file; line 1 is the header')
    .requiredOption('--cycle <id>', 'the cycle the targets belong to (see kinerja cycle list)', positiveInt)
    .option(...actorOption)
    .action(async (file: string, opts: { cycle: number; actor?: string }) => {
      const cfg = loadConfig();
      await withDatabase(cfg, async (db) => {
        const r = await importTargetsFile(db.em(), file, opts.cycle, { actor: opts.actor ?? defaultActor() });
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
hari_kerja|working_day (optional: ya/tidak). Upserts by date; all or nothing, every bad line listed.`,
    )
    .argument('<file>', 'CSV or XLSX file; line 1 is the header')
    .option(...actorOption)
    .action(async (file: string, opts: { actor?: string }) => {
      const cfg = loadConfig();
      await withDatabase(cfg, async (db) => {
        const r = await importHolidaysFile(db.em(), file, { actor: opts.actor ?? defaultActor() });
        say(`${r.file}: imported ${r.rows} days (${r.created} new, ${r.updated} updated)`);
      });
    });
}
