import { Migration } from '@mikro-orm/migrations';

/**
 * Calibration between close and announce (DOMAIN.md "Result timeline"): a rater may revise a rating with a
 * reason while the cycle is closed; each revision keeps the ratings before and after. A cycle announced
 * over a broken distribution curve keeps HR's written reason.
 */
export class Migration20261202080000_calibration extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table "rating_revision" ("id" serial primary key, "assessment_id" int not null, "reviser_id" int not null,
      "old_hasil_kerja" text check ("old_hasil_kerja" in ('di_atas', 'sesuai', 'di_bawah')) null,
      "old_perilaku" text check ("old_perilaku" in ('di_atas', 'sesuai', 'di_bawah')) null,
      "old_predicate" text check ("old_predicate" in ('sangat_baik', 'baik', 'butuh_perbaikan', 'kurang', 'sangat_kurang')) null,
      "hasil_kerja" text check ("hasil_kerja" in ('di_atas', 'sesuai', 'di_bawah')) not null,
      "perilaku" text check ("perilaku" in ('di_atas', 'sesuai', 'di_bawah')) not null,
      "predicate" text check ("predicate" in ('sangat_baik', 'baik', 'butuh_perbaikan', 'kurang', 'sangat_kurang')) not null,
      "reason" text not null, "created_at" timestamptz not null default current_timestamp);`);
    this.addSql(`create index "rating_revision_assessment_id_index" on "rating_revision" ("assessment_id");`);
    this.addSql(`alter table "rating_revision" add constraint "rating_revision_assessment_id_foreign" foreign key ("assessment_id") references "assessment" ("id") on update cascade;`);
    this.addSql(`alter table "rating_revision" add constraint "rating_revision_reviser_id_foreign" foreign key ("reviser_id") references "employee" ("id") on update cascade;`);
    this.addSql(`alter table "cycle" add column "curve_override" text null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "cycle" drop column if exists "curve_override";`);
    this.addSql(`drop table if exists "rating_revision" cascade;`);
  }
}
