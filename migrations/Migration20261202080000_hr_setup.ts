import { Migration } from '@mikro-orm/migrations';

/**
 * HR set-up without SQL (issue 10, item 4):
 * - `unit_rating`: the unit's organisational rating (capaian kinerja organisasi) per cycle, set with
 *   `kinerja unit rating` or its CSV import. `unit.org_rating` stays as the unit's standing rating for cycles
 *   that have none of their own.
 * - `org_rating_of(unit_id, cycle_id)`: the one reading of that rule (the cycle's rating, else the standing
 *   one); the curve check at close and the exports call it.
 * - `unit.review_channels` goes: reviews are personal and stay in direct messages; nothing ever read it.
 */
export class Migration20261202080000_hr_setup extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "unit_rating" ("cycle_id" int not null, "unit_id" int not null, "rating" text check ("rating" in ('istimewa', 'baik', 'butuh_perbaikan', 'kurang', 'sangat_kurang')) not null, "set_by" varchar(128) not null, "set_at" timestamptz not null default current_timestamp, constraint "unit_rating_pkey" primary key ("cycle_id", "unit_id"));`);
    this.addSql(`create index "unit_rating_unit_id_index" on "unit_rating" ("unit_id");`);
    this.addSql(`alter table "unit_rating" add constraint "unit_rating_cycle_id_foreign" foreign key ("cycle_id") references "cycle" ("id") on update cascade;`);
    this.addSql(`alter table "unit_rating" add constraint "unit_rating_unit_id_foreign" foreign key ("unit_id") references "unit" ("id") on update cascade;`);
    this.addSql(`create or replace function "org_rating_of"(p_unit_id int, p_cycle_id int)
returns text
language sql stable as $$
  select coalesce((select ur.rating from unit_rating ur where ur.unit_id = p_unit_id and ur.cycle_id = p_cycle_id),
                  (select u.org_rating from unit u where u.id = p_unit_id))
$$;`);
    this.addSql(`alter table "unit" drop column "review_channels";`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "unit" add column "review_channels" jsonb not null default '{}';`);
    this.addSql(`drop function if exists "org_rating_of"(int, int);`);
    this.addSql(`drop table if exists "unit_rating" cascade;`);
  }
}
