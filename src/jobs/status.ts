/**
 * Operations view for `kinerja status`: queue depths, deliveries that failed or died (with the platform's
 * reason, so HR can act: "bot was blocked by the user" means asking the person to unblock the bot), and how
 * far each unit is in the running cycles.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { outboxCounts, undeliveredOutbox } from '../db/outbox.js';
import { txOf } from '../db/sql.js';
import type { JobQueue } from './backend.js';
import { inboxSummary } from '../db/inbox.js';
import { platformStarts, type PlatformStartReport } from '../db/platform-status.js';

/** Depth of one queue. */
export interface QueueDepth {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
}

/** An outbox row that will not be delivered without help. */
export interface UndeliveredMessage {
  id: number;
  platform: string;
  chatId: string;
  recipient: string | null;
  status: 'failed' | 'dead';
  reason: string;
  attempts: number;
  createdAt: string;
}

/** Progress of one unit in one cycle. */
export interface UnitProgress {
  unitId: number;
  unit: string;
  total: number;
  submitted: number;
  reviewed: number;
  late: number;
}

export interface CycleProgress {
  id: number;
  name: string;
  status: string;
  units: UnitProgress[];
}

export interface SystemStatus {
  queues: QueueDepth[];
  outbox: { pending: number; sent: number; failed: number; dead: number };
  undelivered: UndeliveredMessage[];
  /** Platform updates stored at ingress: waiting, handled, and parked (failed for their content, with the reason). */
  inbox: { pending: number; done: number; parked: number; oldestPendingSeconds: number | null; parkedRows: { id: number; platform: string; eventId: string; reason: string }[] };
  cycles: CycleProgress[];
  /** How each platform's start went, as the bot processes last reported it. */
  platforms: PlatformStartReport[];
}

/** Reads the status; `queues` may be empty when the queue backend is not reachable from here. */
export async function collectStatus(em: EntityManager, queues: readonly JobQueue<unknown>[], opts: { undeliveredLimit?: number } = {}): Promise<SystemStatus> {
  const depths: QueueDepth[] = [];
  for (const q of queues) {
    const c = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
    depths.push({
      name: q.name,
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
      completed: c.completed ?? 0,
    });
  }
  const tx = txOf(em);
  const outbox = await outboxCounts(tx);
  const undelivered = await undeliveredOutbox(tx, opts.undeliveredLimit ?? 20);
  const progress = await tx.query<{ cycle_id: number; cycle: string; status: string; unit_id: number; unit: string; total: string; submitted: string; reviewed: string; late: string }>(
    `select c.id as cycle_id, c.name as cycle, c.status, u.id as unit_id, u.name as unit, count(*) as total,
            count(*) filter (where a.status in ('submitted', 'returned', 'reviewed', 'announced') and a.submitted_at is not null) as submitted,
            count(*) filter (where a.status in ('reviewed', 'announced')) as reviewed,
            count(*) filter (where a.late) as late
       from cycle c join assessment a on a.cycle_id = c.id join employee e on e.id = a.employee_id join unit u on u.id = e.unit_id
      where c.status in ('open', 'reviewing', 'closed')
      group by c.id, c.name, c.status, u.id, u.name order by c.id, u.name`,
  );
  const inbox = await inboxSummary(txOf(em));
  const cycles = new Map<number, CycleProgress>();
  for (const r of progress) {
    const cycle = cycles.get(r.cycle_id) ?? { id: r.cycle_id, name: r.cycle, status: r.status, units: [] };
    cycle.units.push({ unitId: r.unit_id, unit: r.unit, total: Number(r.total), submitted: Number(r.submitted), reviewed: Number(r.reviewed), late: Number(r.late) });
    cycles.set(r.cycle_id, cycle);
  }
  return {
    queues: depths,
    outbox,
    undelivered: undelivered.map((r) => ({
      id: r.id,
      platform: r.platform,
      chatId: r.chatId,
      recipient: r.recipient,
      status: r.status,
      reason: r.lastError ?? '(no reason recorded)',
      attempts: r.attempts,
      createdAt: r.createdAt.toISOString(),
    })),
    cycles: [...cycles.values()],
    platforms: await platformStarts(tx),
    inbox: {
      ...inbox.counts,
      oldestPendingSeconds: inbox.oldestPendingSeconds,
      parkedRows: inbox.parked.map((p) => ({ id: p.id, platform: p.platform, eventId: p.eventId, reason: p.reason ?? '(no reason recorded)' })),
    },
  };
}

const pct = (n: number, of: number) => (of === 0 ? '-' : `${Math.round((n / of) * 100)}%`);

/** The status as plain text for the terminal. */
export function formatStatus(s: SystemStatus): string {
  const lines: string[] = [];
  if (s.platforms.length > 0) {
    lines.push('Platforms (as the bot last reported)');
    for (const p of s.platforms) {
      const since = `since ${p.updatedAt.toISOString()}`;
      if (p.state === 'stopped') lines.push(`  ${p.platform.padEnd(10)} STOPPED: ${p.reason ?? '(no reason recorded)'}; fix ${p.variable ?? 'its configuration'} and restart (${since})`);
      else if (p.state === 'retrying') lines.push(`  ${p.platform.padEnd(10)} not started yet, retrying: ${p.reason ?? ''} (${since})`);
      else lines.push(`  ${p.platform.padEnd(10)} ready (${since})`);
    }
    lines.push('');
  }
  lines.push('Queues');
  if (s.queues.length === 0) lines.push('  (queue backend not reachable)');
  for (const q of s.queues) lines.push(`  ${q.name.padEnd(18)} waiting ${q.waiting}  active ${q.active}  delayed ${q.delayed}  failed ${q.failed}`);
  const oldest = s.inbox.oldestPendingSeconds !== null ? ` (oldest ${s.inbox.oldestPendingSeconds} s)` : '';
  lines.push('', `Inbox: ${s.inbox.pending} pending${oldest}, ${s.inbox.done} handled, ${s.inbox.parked} parked`);
  if (s.inbox.parkedRows.length > 0) {
    lines.push('  Parked updates (newest first; the person was sent the error reply)');
    for (const p of s.inbox.parkedRows) lines.push(`  #${p.id} ${p.platform} update ${p.eventId}: ${p.reason}`);
  }
  lines.push(`Outbox: ${s.outbox.pending} pending, ${s.outbox.sent} sent, ${s.outbox.failed} failed, ${s.outbox.dead} dead`);
  if (s.undelivered.length > 0) {
    lines.push('', 'Not delivered (newest first)');
    for (const u of s.undelivered) {
      lines.push(`  #${u.id} ${u.status.padEnd(6)} ${u.platform} ${u.recipient ?? u.chatId}: ${u.reason} (${u.attempts} attempts)`);
    }
  }
  for (const c of s.cycles) {
    lines.push('', `Cycle ${c.id} "${c.name}" (${c.status})`);
    for (const u of c.units) {
      lines.push(`  ${u.unit.padEnd(28)} ${String(u.submitted).padStart(5)}/${u.total} submitted (${pct(u.submitted, u.total)})  ${u.reviewed} reviewed  ${u.late} late`);
    }
  }
  return lines.join('\n');
}
