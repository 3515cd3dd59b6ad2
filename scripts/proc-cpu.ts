/**
 * CPU time of local processes from Linux /proc, for the benchmarks' "where does the time go" figures (the
 * PostgreSQL backends serving a phase run on this machine). Null wherever /proc cannot be read: another OS,
 * a remote server, a process already gone.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU fields (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** The fields of /proc/<pid>/stat after the command name (which may itself hold spaces or parentheses). */
function statOf(pid: number | string): { command: string; fields: string[] } | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  const close = stat.lastIndexOf(')');
  return { command: stat.slice(stat.indexOf('(') + 1, close), fields: stat.slice(close + 2).split(' ') };
}

/** Seconds of CPU (user + system) process `pid` has used; with `children`, also what its exited children used. */
export function processCpuSeconds(pid: number | string, opts: { children?: boolean } = {}): number | null {
  const stat = statOf(pid);
  if (!stat) return null;
  const f = stat.fields;
  // utime, stime; cutime, cstime (children waited for: a server's exited backends, counted by the postmaster).
  const ticks = Number(f[11]) + Number(f[12]) + (opts.children ? Number(f[13]) + Number(f[14]) : 0);
  return ticks / TICKS_PER_SECOND;
}

/**
 * Seconds of CPU every process of this machine whose name starts with `name` has used, its exited children
 * included: with nothing else running, a phase's share of a local server's work. Null when none is seen.
 */
export function cpuSecondsOfProcessesNamed(name: string): number | null {
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return null;
  }
  let total = 0;
  let seen = 0;
  for (const pid of pids) {
    const stat = statOf(pid);
    if (!stat?.command.startsWith(name)) continue;
    total += processCpuSeconds(pid, { children: true }) ?? 0;
    seen++;
  }
  return seen > 0 ? total : null;
}
