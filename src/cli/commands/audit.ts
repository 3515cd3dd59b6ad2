/**
 * `kinerja audit verify [--from DATE] [--checkpoint LINE]`: walks the keyed audit chain (src/db/audit.ts),
 * holds it against every signed checkpoint (src/db/audit-checkpoint.ts) and the copies given, and reports the
 * first break. `kinerja audit checkpoint`: signs a checkpoint now and prints its line.
 */
import { Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../../config.js';
import { currentAuditKey, type AuditChainBreak } from '../../db/audit.js';
import { checkpointLine, parseCheckpointLine, verifyAuditTrail, type AuditCheckpoint, type CheckpointProblem } from '../../db/audit-checkpoint.js';
import { transaction, txOf } from '../../db/sql.js';
import { parseCalendarDate } from '../../domain/index.js';
import { anchorAuditChain } from '../../jobs/audit-checkpoint.js';
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

/** A checkpoint line (from the log or an HR chat message); may be given several times. */
function checkpointCopy(value: string, previous: AuditCheckpoint[] = []): AuditCheckpoint[] {
  const cp = parseCheckpointLine(value);
  if (!cp) throw new InvalidArgumentError(`"${value.slice(0, 80)}" is not a checkpoint line (KA1-<entries>-<id>-<hash>-<time>-<signature>, as in the log or the HR chat message)`);
  return [...previous, cp];
}

/** The chain is broken; the CLI exits 1 with the message. */
export class AuditChainBrokenError extends UserFacingError {}

function describeBreak(b: AuditChainBreak): string {
  switch (b.reason) {
    case 'hash_mismatch':
      return b.developmentKey
        ? `its hash fits the public development key, not AUDIT_KEY (it was written while AUDIT_KEY was unset)`
        : `its content does not match its hash (edited): expected hash ${b.expected}, stored ${b.found} (or it was forged, or signed with another key)`;
    case 'prev_hash_mismatch':
      return `it does not follow the entry before it (an entry was deleted, inserted or moved): expected prev_hash ${b.expected ?? '(none: first entry)'}, stored ${b.found ?? '(none)'}`;
    case 'unkeyed_after_keyed':
      return 'it is hashed without the key (the formula of entries before the keyed chain) but follows keyed entries (forged, or written by an older version)';
    case 'seal_mismatch':
      return `it has no place in the chain and its seal ${b.found ? 'does not fit its content' : 'is missing'} (inserted or edited without AUDIT_KEY; it is never chained)`;
    case 'nonce_reused':
      return `it is a copy of entry ${b.copyOf ?? '?'} (the same nonce and seal): the unique index audit_event_nonce_unique is missing, so the copy was chained as if it were new; restore the index once the copies are dealt with`;
  }
}

function describeCheckpoint(cp: AuditCheckpoint): string {
  return `${cp.id === null ? 'the checkpoint given' : `checkpoint ${cp.id}`} (${cp.reason}, ${cp.at.toISOString()}, ${cp.entries} entries)`;
}

function describeProblem(p: CheckpointProblem): string {
  const cp = describeCheckpoint(p.checkpoint);
  switch (p.kind) {
    case 'checkpoint_forged':
      return `${cp}: its signature does not fit AUDIT_KEY (forged, edited, or signed with another key)`;
    case 'head_mismatch':
      return `${cp}: the chain's entry number ${p.checkpoint.entries} is ${p.found?.lastId ?? '(none)'} with hash ${p.found?.headHash ?? '(none)'}, the checkpoint signed ${p.checkpoint.lastId ?? '(none)'} with hash ${p.checkpoint.headHash ?? '(none)'} (entries deleted, inserted or re-hashed before it)`;
    case 'entries_missing':
      return `${cp}: the chain ends after ${p.found?.entries ?? 0} entries (entry ${p.found?.lastId ?? '(none)'}), the checkpoint signed ${p.checkpoint.entries} (entries deleted from the end)`;
  }
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the tamper-evident audit log');
  audit
    .command('verify')
    .description('re-compute every signature of the audit chain in order and hold it against the signed checkpoints; print the first break, or what verified')
    .addHelpText(
      'after',
      `
Every entry is signed (HMAC with AUDIT_KEY) over its time, actor, action, subject and data and the previous entry's
signature, so an edited, forged, deleted, inserted or re-ordered entry breaks the chain there, and nobody without the
key can re-sign it. Entries written before the keyed chain keep their sha256 hashes and are checked by that formula.
Signed checkpoints (daily and at every cycle close and announce; in the log and in HR's chat) catch entries deleted
from the end: the chain must pass through each and not end before the newest. Give a checkpoint line kept outside the
database with --checkpoint to check against it even if the stored checkpoints were deleted too.
Exit code 0: intact; 1: broken (what and where is printed).
Examples:
  kinerja audit verify
  kinerja audit verify --from 2027-01-01
  kinerja audit verify --checkpoint KA1-1520-1520-3b1f...-1767225600000-9c2e...`,
    )
    .option('--from <date>', 'start at the first entry on or after this day (WIB); it must follow the entry before it', fromDate)
    .option('--checkpoint <line>', 'a checkpoint line kept outside the database (the log, the HR chat message); may be repeated', checkpointCopy)
    .action(async (o: { from?: Date; checkpoint?: AuditCheckpoint[] }) => {
      await withDatabase(loadConfig(), async (db) => {
        const key = currentAuditKey();
        const v = await verifyAuditTrail(txOf(db.em()), { key, from: o.from, copies: o.checkpoint ?? [] });
        const lines: string[] = [];
        if (v.broken) lines.push(`audit chain broken at entry ${v.broken.id}: ${describeBreak(v.broken)}; ${v.verified} entries before it verified`);
        for (const p of v.problems) lines.push(`checkpoint does not hold: ${describeProblem(p)}`);
        if (lines.length) {
          if (key.source === 'development') lines.push('(verified with the public development key: AUDIT_KEY is not set)');
          throw new AuditChainBrokenError(lines.join('\n'));
        }
        const since = o.from ? ` since ${o.from.toISOString()}` : '';
        const ids = v.firstId !== null ? ` (ids ${v.firstId}..${v.end.lastId})` : '';
        const legacy = v.unkeyed ? `, ${v.unkeyed} of them written before the keyed chain (sha256)` : '';
        const waiting = v.waiting ? `; ${v.waiting} newer entries are sealed and wait for their place (the bot chains them within seconds)` : '';
        say(`${v.verified} entries verified${since}${ids}${legacy}; the chain is intact${waiting}`);
        const newest = [...v.matched].sort((a, b) => b.entries - a.entries)[0];
        if (newest) {
          say(`${v.matched.length} checkpoint(s) hold; the newest: ${describeCheckpoint(newest)}, ${v.end.entries - newest.entries} entries after it`);
        } else {
          say('no checkpoint to hold it against yet: entries deleted from the end could not be noticed');
        }
        if (key.source === 'development') say('verified with the public development key: AUDIT_KEY is not set');
      });
    });
  audit
    .command('checkpoint')
    .description('sign a checkpoint of the audit chain now (the daily job and every cycle close and announce do it too); prints its line')
    .action(async () => {
      const config = loadConfig();
      await withDatabase(config, async (db) => {
        const r = await transaction(db.em(), (tx) => anchorAuditChain(tx, { reason: 'daily', now: new Date() }));
        if (r.outcome.kind === 'refused') {
          const b = r.outcome.broken;
          throw new AuditChainBrokenError(b ? `not signed: audit chain broken at entry ${b.id}: ${describeBreak(b)}` : `not signed: ${describeProblem(r.outcome.problem!)}`);
        }
        if (r.outcome.kind === 'empty') {
          say('the audit log has no entries yet: nothing to sign');
          return;
        }
        const cp = r.outcome.checkpoint;
        say(r.outcome.kind === 'signed' ? `checkpoint ${cp.id} signed: ${cp.entries} entries; sent to ${r.outboxIds.length} HR officer(s) (the running workers deliver it)` : `nothing appended since checkpoint ${cp.id}: ${cp.entries} entries`);
        say(checkpointLine(cp));
      });
    });
}
