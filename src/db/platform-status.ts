/** Reads and writes `platform_status`: how each platform's start went, for `kinerja status` (another process). */
import type { PlatformStartState } from './entities/platform-status.js';
import type { Tx } from './sql.js';

/** One platform's start, as last reported. */
export interface PlatformStartReport {
  platform: string;
  state: PlatformStartState;
  variable: string | null;
  reason: string | null;
  updatedAt: Date;
}

/** Records where a platform's start stands (the newest report wins). */
export async function reportPlatformStart(tx: Tx, r: Omit<PlatformStartReport, 'updatedAt'>, at: Date): Promise<void> {
  await tx.exec(
    `insert into platform_status (platform, state, variable, reason, updated_at) values ($1, $2, $3, $4, $5)
       on conflict (platform) do update set state = excluded.state, variable = excluded.variable, reason = excluded.reason, updated_at = excluded.updated_at`,
    [r.platform, r.state, r.variable, r.reason, at],
  );
}

/** Every platform's last report, by name. */
export async function platformStarts(tx: Tx): Promise<PlatformStartReport[]> {
  const rows = await tx.query<{ platform: string; state: PlatformStartState; variable: string | null; reason: string | null; updated_at: Date }>(
    'select platform, state, variable, reason, updated_at from platform_status order by platform',
  );
  return rows.map((r) => ({ platform: r.platform, state: r.state, variable: r.variable, reason: r.reason, updatedAt: new Date(r.updated_at) }));
}
