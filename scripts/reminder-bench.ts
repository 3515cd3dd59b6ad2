/** What `npm run bench:reminders` (scripts/bench-reminders.ts) and scripts/sweep-repeat.ts share about its database. */

/** The instant the benchmark sweeps at (the cycle opened on 1 March; the reminders of its first days are due). */
export const BENCH_SWEEP_AT = '2025-03-05T02:00:00Z';

/** The reminder rows as they were before the benchmark's sweeps: with `--keep` the table stays for sweep-repeat.ts. */
export const KEPT_REMINDERS_TABLE = 'bench_reminder_copy';
