/** Who the HR officers (admin kepegawaian) of a unit are: the one definition jobs and the engine share. */
import { pgArray, type Tx } from './sql.js';

/**
 * HR officers per unit: active employees with the `admin` role in the unit, else in its nearest ancestor that
 * has any (a sub-unit's HR is usually its OPD's kepegawaian).
 */
export async function hrOfficers(tx: Tx, unitIds: number[]): Promise<Map<number, number[]>> {
  const out = new Map<number, number[]>();
  if (unitIds.length === 0) return out;
  const rows = await tx.query<{ unit_id: number; hr_id: number }>(
    `with recursive up as (
        select id as unit_id, id as at_id, parent_id, 0 as depth from unit where id = any($1::int[])
        union all
        select up.unit_id, u.id, u.parent_id, up.depth + 1 from up join unit u on u.id = up.parent_id where up.depth < 20
      ), admins as (
        select up.unit_id, e.id as hr_id, up.depth from up join employee e on e.unit_id = up.at_id and e.active and 'admin' = any(e.roles)
      )
      select unit_id, hr_id from admins a where depth = (select min(depth) from admins b where b.unit_id = a.unit_id) order by unit_id, hr_id`,
    [pgArray(unitIds)],
  );
  for (const r of rows) out.set(r.unit_id, [...(out.get(r.unit_id) ?? []), r.hr_id]);
  return out;
}
