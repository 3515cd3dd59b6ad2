/**
 * Demo data for the embedded default: one agency of 20 people in a supervisor tree (src/demo/employees.csv),
 * a monthly cycle open with deadlines relative to today, and a console chat identity for everyone so
 * `/as NIP` can switch between them without linking. Each unit gets an organisational rating and a console
 * announcement channel, so closing and announcing the cycle show the curve check and the award post.
 * Seeding is skipped when the database has employees.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { zoneFor } from '../domain/index.js';
import { importEmployees } from '../setup/employees.js';
import { readTable } from '../setup/table-file.js';
import { createCycle, openCycle } from '../setup/cycles.js';
import { scheduleFeedbackNudges, scheduleSelfAssessmentReminders } from '../db/reminders.js';
import { txOf } from '../db/sql.js';
import { consoleChannelId, consoleChatId } from '../adapters/console/ingress.js';

const DEMO_CSV = fileURLToPath(new URL('./employees.csv', import.meta.url));

/** The person the console starts as (a staff member), and their supervisor, for the README walkthrough. */
export const DEMO_EMPLOYEE_NIP = '199002142015031008';
export const DEMO_SUPERVISOR_NIP = '198304052008012004';

/** The demo units' organisational rating (capaian kinerja organisasi): Baik asks for at least one Butuh Perbaikan or Kurang. */
export const DEMO_ORG_RATING = 'baik';

export interface DemoSeedResult {
  seeded: boolean;
  cycleId?: number;
  employees: number;
}

export async function seedDemo(em: EntityManager, opts: { clock: Clock; config: Config }): Promise<DemoSeedResult> {
  const conn = txOf(em);
  const [{ n }] = await conn.query<{ n: string }>('select count(*)::text as n from employee');
  if (Number(n) > 0) return { seeded: false, employees: Number(n) };

  const table = await readTable('employees.csv', await readFile(DEMO_CSV));
  const imported = await importEmployees(em, table, { actor: 'demo', clock: opts.clock });

  const today = DateTime.fromJSDate(opts.clock.now(), { zone: zoneFor(opts.config.DEFAULT_TIMEZONE) }).startOf('day');
  const monthId = today.setLocale('id').toFormat('LLLL yyyy');
  const cycle = await createCycle(
    em,
    {
      // The kind is named by the messages ("Penilaian diri {{cycle}}"): the name does not repeat it.
      name: `Bulanan ${monthId} (demo)`,
      kind: 'bulanan',
      periodStart: today.startOf('month').toISODate()!,
      periodEnd: today.endOf('month').toISODate()!,
      selfDeadline: today.plus({ days: 7 }).toISODate()!,
      reviewDeadline: today.plus({ days: 14 }).toISODate()!,
    },
    { actor: 'demo', clock: opts.clock },
  );
  await openCycle(em, cycle.id, { clock: opts.clock, actor: 'demo' });
  // Every unit has an organisational rating (so closing checks the distribution curve) and an announcement
  // channel on the console (award posts print under `--- channel #CODE ---`).
  await conn.query(`update unit set org_rating = $1, announce_channels = jsonb_build_object('console', $2 || code)`, [DEMO_ORG_RATING, consoleChannelId('')]);
  await scheduleSelfAssessmentReminders(txOf(em), cycle.id, { clock: opts.clock, config: opts.config });
  await scheduleFeedbackNudges(txOf(em), cycle.id, { clock: opts.clock, config: opts.config });
  await conn.query(
    `insert into chat_identity (platform, platform_user_id, chat_id, employee_id, linked_at)
     select 'console', nip, $1 || nip, id, now() from employee
     on conflict (platform, platform_user_id) do nothing`,
    [consoleChatId('')],
  );
  return { seeded: true, cycleId: cycle.id, employees: imported.created + imported.updated };
}
