/** `kinerja acting add|end|list|import`: PLT/PLH assignments without SQL (src/setup/acting.ts). */
import { Command, Option } from 'commander';
import { loadConfig } from '../../config.js';
import { addActing, endActing, importActingFile, listActing } from '../../setup/acting.js';
import { withDatabase } from '../database.js';
import { defaultActor, say, table } from '../output.js';
import { actorOption, encodingOption, LIMITS_HELP, positiveInt, readOptions } from './imports.js';

export function registerActingCommands(program: Command): void {
  const acting = program.command('acting').description('PLT/PLH: an acting official rates in place of a vacant or absent supervisor for a date range');

  acting
    .command('add')
    .description('record one assignment; refused when it overlaps another for the same person replaced')
    .addHelpText(
      'after',
      `
The person replaced is named by NIP (--for) or by unit (--unit: the unit's head, the member who supervises
someone and reports outside the unit). Dates are inclusive, YYYY-MM-DD (or DD/MM/YYYY).
Examples:
  kinerja acting add --kind plt --acting 198901012015031001 --for 197805052003121002 --from 2027-01-04 --to 2027-03-31
  kinerja acting add --kind plh --acting 198901012015031001 --unit DISHUB --from 2027-02-01 --to 2027-02-14`,
    )
    .addOption(new Option('--kind <kind>', 'plt (pelaksana tugas) or plh (pelaksana harian)').makeOptionMandatory())
    .requiredOption('--acting <nip>', "the acting official's NIP")
    .option('--for <nip>', "NIP of the person replaced")
    .option('--unit <code>', 'or: the unit whose head is replaced')
    .requiredOption('--from <date>', 'first day')
    .requiredOption('--to <date>', 'last day')
    .option(...actorOption)
    .action(async (o: { kind: string; acting: string; for?: string; unit?: string; from: string; to: string; actor?: string }) => {
      await withDatabase(loadConfig(), async (db) => {
        const r = await addActing(db.em(), { kind: o.kind, actingNip: o.acting, forNip: o.for, unitCode: o.unit, from: o.from, to: o.to }, { actor: o.actor ?? defaultActor() });
        say(`added acting assignment ${r.id}: ${o.kind.toUpperCase()} NIP ${r.actingNip} for NIP ${r.forNip} from ${r.startsOn} to ${r.endsOn}`);
      });
    });

  acting
    .command('end')
    .description('end an assignment early: its last day becomes --on (default today, WIB)')
    .argument('<id>', 'assignment id (see kinerja acting list)', positiveInt)
    .option('--on <date>', 'the new last day, YYYY-MM-DD')
    .option(...actorOption)
    .action(async (id: number, o: { on?: string; actor?: string }) => {
      await withDatabase(loadConfig(), async (db) => {
        const r = await endActing(db.em(), id, o.on, { actor: o.actor ?? defaultActor() });
        say(`acting assignment ${r.id} now ends on ${r.endsOn} (was ${r.previousEnd})`);
      });
    });

  acting
    .command('list')
    .description('assignments, newest first')
    .option('--current', 'only those not over yet')
    .action(async (o: { current?: boolean }) => {
      await withDatabase(loadConfig(), async (db) => {
        const rows = await listActing(db.em(), { current: o.current });
        if (rows.length === 0) {
          say('no acting assignments; add one with: kinerja acting add --help');
          return;
        }
        say(table(['id', 'kind', 'acting', 'for', 'from', 'to'], rows.map((r) => [String(r.id), r.kind.toUpperCase(), `${r.actingNip} ${r.actingName}`, `${r.forNip} ${r.forName}`, r.startsOn, r.endsOn])));
      });
    });

  acting
    .command('import')
    .description('import assignments from FILE (.csv or .xlsx); all or nothing, every bad line listed')
    .addHelpText(
      'after',
      `
Columns (Indonesian or English name; * = required):
  jenis|kind*               plt or plh
  nip_plt|acting_nip*       the acting official's NIP
  nip_diganti|for_nip       NIP of the person replaced, or
  unit_kode|unit_code       the unit whose head is replaced (one of the two)
  mulai|from*               first day (YYYY-MM-DD or DD/MM/YYYY)
  selesai|to*               last day
Lines that overlap a recorded assignment or an earlier line for the same person replaced are refused.
${LIMITS_HELP}`,
    )
    .argument('<file>', 'CSV or XLSX file; line 1 is the header')
    .addOption(encodingOption())
    .option(...actorOption)
    .action(async (file: string, o: { actor?: string; encoding?: string }) => {
      const cfg = loadConfig();
      await withDatabase(cfg, async (db) => {
        const r = await importActingFile(db.em(), file, { actor: o.actor ?? defaultActor(), read: readOptions(cfg, o.encoding) });
        say(`${r.file}: imported ${r.rows} acting assignments`);
      });
    });
}
