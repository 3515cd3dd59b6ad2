/** Terminal output for the CLI: results on stdout (pipe-friendly), notes and errors on stderr. */
import { userInfo } from 'node:os';

/** Writes a line to stdout. */
export function say(line = ''): void {
  process.stdout.write(line + '\n');
}

/** Writes a line to stderr: progress notes that must not end up in a redirected CSV. */
export function note(line: string): void {
  process.stderr.write(line + '\n');
}

/** A plain text table with aligned columns. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Who is at the keyboard, for the audit log, when --actor is not given. */
export function defaultActor(): string {
  try {
    return userInfo().username || 'cli';
  } catch {
    return 'cli';
  }
}
