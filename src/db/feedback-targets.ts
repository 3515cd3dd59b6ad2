/**
 * Who a person may give supervisor feedback to (DOMAIN.md "Continuous feedback"): the one definition that
 * `/umpanbalik` (engine load.ts) and the feedback nudge (reminder sweep) share.
 */

/**
 * A subquery of the active people rater `$<rater>` may give supervisor feedback to at instant `$<at>`:
 * those whose supervisor of record they are, or whose rater today they are (SQL `rater_of`: an acting PLT or
 * PLH). Columns: `id`, `name`, `nip`, `acting_kind` (null for the supervisor of record, else 'plt' / 'plh').
 *
 * The `in (...)` pre-filter keeps `rater_of` to the supervisor's people and those of whoever the rater acts
 * for, so the statement never walks every employee. It is one `in` over the rater and the people they act
 * for, not `supervisor_id = rater or supervisor_id in (...)`: with the `or` PostgreSQL cannot use the
 * supervisor index and scans every employee per rater (the sweep's 300 nudge checks of a 100,000-person
 * organisation took 200 s).
 * @param rater SQL expression of the rater's employee id (a parameter like `$1`, or a column)
 * @param at SQL expression of the instant (a parameter like `$2`)
 */
export function feedbackTargetsSql(rater: string, at: string): string {
  // `rater_of` only for people of someone else (the rater acts for their supervisor): for the rater's own
  // people the answer is known. The subquery's filter on the outer row becomes a one-time filter, so the
  // function's three lookups run for those few rows only (`offset 0` keeps PostgreSQL from flattening it into a
  // join filter that would run them for every row): 0.73 s -> 0.44 s for the sweep's 300 nudge checks of
  // 99,700 people.
  return `select e.id, e.name, e.nip, case when e.supervisor_id = ${rater} then null else ro.acting_kind end as acting_kind
      from employee e left join lateral (select * from rater_of(e.id, ${at}) where e.supervisor_id <> ${rater} offset 0) ro on true
     where e.active and e.id <> ${rater}
       and e.supervisor_id in (select (${rater})::int union all select aa.for_employee_id from acting_assignment aa where aa.acting_employee_id = ${rater})
       and (e.supervisor_id = ${rater} or ro.rater_id = ${rater})`;
}
