/**
 * What counts as the feedback and recognitions a person gathered in a period (issue 12): supervisor feedback
 * stored on the period, and colleagues' recognitions on it that HR has not hidden. The one definition that
 * `/status`, the results export and the HR page count with.
 */

/**
 * A subquery of the people with feedback or recognitions in cycle `<cycle>` (an SQL expression: a parameter
 * or a column): `employee_id`, `feedback` and `recognitions` (integers).
 */
export function gatheredCountsSql(cycle: string): string {
  return `select g.employee_id, sum(g.feedback)::int as feedback, sum(g.recognitions)::int as recognitions from (
      select f.employee_id, 1 as feedback, 0 as recognitions from feedback f where f.cycle_id = ${cycle}
      union all
      select r.recipient_id, 0, 1 from recognition r where r.cycle_id = ${cycle} and r.hidden_at is null) g
    group by g.employee_id`;
}
