/** `kinerja audit verify [--from DATE]`: walks the hash-chained audit log (src/db/audit.ts) and reports the first break. */
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../../config.js';
import { walkAuditChain } from '../../db/audit.js';
import { txOf } from '../../db/sql.js';
import { parseCalendarDate } from '../../domain/index.js';
import { UserFacingError } from '../../setup/problems.js';
import { withDatabase } from '../database.js';
import { say } from '../output.js';

/** `YYYY-MM-DD` (start of that day, WIB) or a full ISO instant. */
function fromDate(value: string): Date {
  if (parseCalendarDate(value)) return new Date(`${value}T00:00:00+07:00`);
  const d = /^\d{4}-\d{2}-\d{2}T/.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError(`"${value}" is not a date as YYYY-MM-DD (or an ISO instant), e.g. 2027-01-01`);
  return d;
}

/** The chain is broken; the CLI exits 1 with the message. */
export class AuditChainBrokenError extends UserFacingError {}

export function registerAuditCommands(program: Command): void {
  program
    .command('audit')
    .description('the tamper-evident audit log')
    .command('verify')
    .description('re-compute every hash of the audit chain in order; print the first broken link, or how many entries verified')
    .addHelpText(
      'after',
      `
Every entry's hash covers its time, actor, action, subject and data and the previous entry's hash, so an edited,
deleted, inserted or re-ordered entry breaks the chain there. Exit code 0: intact; 1: broken (the entry id and
what was expected are printed). Deleting the newest entries leaves a shorter intact chain: compare the count.
Examples:
  kinerja audit verify
  kinerja audit verify --from 2027-01-01`,
    )
    .option('--from <date>', 'start at the first entry on or after this day (WIB); it must follow the entry before it', fromDate)
    .action(async (o: { from?: Date }) => {
      await withDatabase(loadConfig(), async (db) => {
        const walk = await walkAuditChain(txOf(db.em()), { from: o.from });
        if (!walk.broken) {
          const since = o.from ? ` since ${o.from.toISOString()}` : '';
          say(`${walk.verified} entries verified${since}${walk.firstId !== null ? ` (ids ${walk.firstId}..)` : ''}; the chain is intact`);
          return;
        }
        const b = walk.broken;
        const what =
          b.reason === 'hash_mismatch'
            ? `its content does not match its hash (edited): expected hash ${b.expected}, stored ${b.found}`
            : `it does not follow the entry before it (an entry was deleted, inserted or moved): expected prev_hash ${b.expected ?? '(none: first entry)'}, stored ${b.found ?? '(none)'}`;
        throw new AuditChainBrokenError(`audit chain broken at entry ${b.id}: ${what}; ${walk.verified} entries before it verified`);
      });
    });
}
