/**
 * Anchoring the audit chain (src/db/audit-checkpoint.ts): a signed checkpoint daily (the maintenance
 * scheduler) and at every cycle close and announce (src/jobs/cycle-close.ts, in the same transaction), logged
 * and sent to every HR officer in chat. Those copies live outside the database: whoever can delete audit
 * rows and checkpoints from it cannot take back a message HR already has, and `kinerja audit verify
 * --checkpoint LINE` holds the chain against it.
 *
 * When the chain does not verify since the last checkpoint, nothing is signed (a checkpoint must never bless
 * tampering): the log gets an error and HR a warning, once a day.
 */
import type { Logger } from '../logger.js';
import { checkpointLine, signAuditCheckpoint, type CheckpointOutcome, type CheckpointReason } from '../db/audit-checkpoint.js';
import { insertOutbox } from '../db/outbox.js';
import { currentChatJoin } from '../db/identity.js';
import type { Tx } from '../db/sql.js';
import { formatDateTime, formatNumber, type Translate } from '../i18n/index.js';
import { timezoneAlias } from '../domain/index.js';
import { jobLocale, jobTranslator } from './messages.js';

/** What anchoring did, and the messages it wrote (to enqueue after commit). */
export interface AnchorResult {
  outcome: CheckpointOutcome;
  outboxIds: number[];
}

/** HR officers (active, `admin` role) with the chat they are reached in. */
async function hrOfficersInChat(tx: Tx): Promise<{ id: number; locale: string; timezone: string; platform: string; chat_id: string }[]> {
  return tx.query(
    `select e.id, e.locale, e.timezone, ci.platform, ci.chat_id from employee e ${currentChatJoin('e.id', 'join')}
      where e.active and 'admin' = any(e.roles) order by e.id`,
  );
}

function reasonLabel(t: Translate, reason: string): string {
  switch (reason) {
    case 'cycle.closed':
      return t('jobs.audit.reason.cycle_closed');
    case 'cycle.announced':
      return t('jobs.audit.reason.cycle_announced');
    default:
      return t('jobs.audit.reason.daily');
  }
}

/** What went wrong, for HR, in the reader's language. */
function problemLabel(t: Translate, outcome: Extract<CheckpointOutcome, { kind: 'refused' }>): string {
  const kind = outcome.broken?.reason ?? outcome.problem?.kind;
  switch (kind) {
    case 'hash_mismatch':
      return t('jobs.audit.problem.hash_mismatch');
    case 'prev_hash_mismatch':
      return t('jobs.audit.problem.prev_hash_mismatch');
    case 'unkeyed_after_keyed':
      return t('jobs.audit.problem.unkeyed_after_keyed');
    case 'checkpoint_forged':
      return t('jobs.audit.problem.checkpoint_forged');
    default:
      return t('jobs.audit.problem.head_mismatch');
  }
}

/**
 * Signs a checkpoint in transaction `tx` (see `signAuditCheckpoint`) and writes the HR messages: the
 * checkpoint line, or a warning when the chain does not verify (one per officer a day).
 */
export async function anchorAuditChain(tx: Tx, opts: { reason: CheckpointReason; now: Date }): Promise<AnchorResult> {
  const outcome = await signAuditCheckpoint(tx, { reason: opts.reason, at: opts.now });
  if (outcome.kind === 'unchanged' || outcome.kind === 'empty') return { outcome, outboxIds: [] };
  const officers = await hrOfficersInChat(tx);
  const drafts = officers.map((o) => {
    const t = jobTranslator(o.locale);
    const zone = timezoneAlias(o.timezone) ?? o.timezone;
    if (outcome.kind === 'signed') {
      const cp = outcome.checkpoint;
      const text = t('jobs.audit.checkpoint', {
        reason: reasonLabel(t, cp.reason),
        entries: formatNumber(jobLocale(o.locale), cp.entries),
        at: `${formatDateTime(jobLocale(o.locale), cp.at, o.timezone)} ${zone}`,
        line: checkpointLine(cp),
      });
      return { platform: o.platform, chatId: o.chat_id, recipient: o.id, payload: { text }, key: `audit-checkpoint:${cp.id}:${o.id}` };
    }
    const id = outcome.broken?.id ?? outcome.problem?.checkpoint.lastId ?? 0;
    const text = t('jobs.audit.broken', { id, problem: problemLabel(t, outcome) });
    return { platform: o.platform, chatId: o.chat_id, recipient: o.id, payload: { text }, key: `audit-broken:${opts.now.toISOString().slice(0, 10)}:${o.id}` };
  });
  const rows = await insertOutbox(tx, drafts, opts.now);
  return { outcome, outboxIds: rows.map((r) => r.id) };
}

/** The log line of an anchoring: the checkpoint (with its line, to keep) at info, a refusal at error. */
export function logAnchor(logger: Logger, outcome: CheckpointOutcome): void {
  if (outcome.kind === 'signed') {
    const cp = outcome.checkpoint;
    logger.info({ auditCheckpoint: { id: cp.id, reason: cp.reason, entries: cp.entries, lastId: cp.lastId, headHash: cp.headHash, line: checkpointLine(cp) } }, 'audit checkpoint signed');
  } else if (outcome.kind === 'refused') {
    logger.error(
      { auditBroken: outcome.broken ? { id: outcome.broken.id, reason: outcome.broken.reason } : null, checkpointProblem: outcome.problem ? { kind: outcome.problem.kind, checkpoint: outcome.problem.checkpoint.id } : null },
      'audit chain does not verify since the last checkpoint: no checkpoint signed; run kinerja audit verify',
    );
  }
}
