import { Migration } from '@mikro-orm/migrations';

/**
 * Rules that must also run set-based in SQL, each defined once here with a twin in src/domain:
 * - `rater_of(employee_id, at)`: who rates the employee at instant `at` (domain `actingRaterFor`,
 *   src/domain/acting.ts states the rule). A set-returning LANGUAGE sql STABLE function so PostgreSQL
 *   inlines it into the calling query (`cross join lateral rater_of(e.id, $1)`), as fast as the join it
 *   replaces.
 * - `is_late(done_at, deadline, zone)`: a deadline is a calendar date in the employee's zone (domain
 *   `isLate`, src/domain/today.ts). A single expression, also inlined.
 */
export class Migration20261202050725_rules extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create or replace function "rater_of"(p_employee_id int, p_at timestamptz)
returns table ("rater_id" int, "acting_kind" text)
language sql stable as $$
  select coalesce(acting.acting_employee_id, sup.id), acting.kind
    from employee e
    left join lateral (
      select aa.acting_employee_id, aa.kind
        from acting_assignment aa join employee ae on ae.id = aa.acting_employee_id
       where aa.for_employee_id = e.supervisor_id and ae.active and aa.acting_employee_id <> e.id
         and (p_at at time zone e.timezone)::date between aa.starts_on and aa.ends_on
       order by aa.starts_on desc, aa.id desc
       limit 1) acting on true
    left join employee sup on sup.id = e.supervisor_id and sup.active
   where e.id = p_employee_id and coalesce(acting.acting_employee_id, sup.id) is not null
$$;`);
    this.addSql(`create or replace function "is_late"(p_done_at timestamptz, p_deadline date, p_zone text)
returns boolean
language sql stable as $$ select (p_done_at at time zone p_zone)::date > p_deadline $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop function if exists "is_late"(timestamptz, date, text);`);
    this.addSql(`drop function if exists "rater_of"(int, timestamptz);`);
  }
}
