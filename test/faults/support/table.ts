/** The fault suite's summary table, printed once at the end (and kept in data/faults/table.txt). */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface FaultRow {
  fault: string;
  updatesIn: number;
  processed: number;
  lost: number;
  duplicated: number;
  messagesOut: number;
  delivered: number;
  dead: number;
  /** Seconds from the fault's end until everything was handled. */
  recoveredS: number;
}

const HEAD = ['fault', 'updates in', 'processed', 'lost', 'duplicated', 'messages out', 'delivered', 'dead', 'recovered in s'];

export function formatFaultTable(rows: readonly FaultRow[]): string {
  const cells = rows.map((r) => [r.fault, r.updatesIn, r.processed, r.lost, r.duplicated, r.messagesOut, r.delivered, r.dead, r.recoveredS.toFixed(1)].map(String));
  const widths = HEAD.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join(' | ')} |`;
  return [line(HEAD), `|${widths.map((w, i) => (i === 0 ? ':' : '') + '-'.repeat(w + 1) + (i === 0 ? '' : ':')).join('|')}|`, ...cells.map(line)].join('\n');
}

export function printFaultTable(rows: readonly FaultRow[]): void {
  if (!rows.length) return;
  const text = formatFaultTable(rows);
  process.stdout.write(`\n${text}\n\n`);
  const dir = join(process.cwd(), 'data', 'faults');
  mkdirSync(dir, { recursive: true });
  appendFileSync(join(dir, 'table.txt'), `${new Date().toISOString()}\n${text}\n\n`);
}
