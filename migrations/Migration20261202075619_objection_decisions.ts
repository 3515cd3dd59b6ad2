import { Migration } from '@mikro-orm/migrations';

/**
 * Objections (keberatan) get decided: the ratings objected to and the decision's ratings, the rater who
 * rated, the decider (the rater's superior; null = HR), the optional evidence link, the date the decision
 * is due and when HR was told; one objection per assessment.
 */
export class Migration20261202075619_objection_decisions extends Migration {

  override async up(): Promise<void> {
    this.addSql(`drop index "objection_assessment_id_index";`);

    this.addSql(`alter table "objection" add column "evidence_url" text null, add column "rated_by_id" int null, add column "decider_id" int null, add column "original_hasil_kerja" text check ("original_hasil_kerja" in ('di_atas', 'sesuai', 'di_bawah')) null, add column "original_perilaku" text check ("original_perilaku" in ('di_atas', 'sesuai', 'di_bawah')) null, add column "original_predicate" text check ("original_predicate" in ('sangat_baik', 'baik', 'butuh_perbaikan', 'kurang', 'sangat_kurang')) null, add column "due_on" date null, add column "escalated_at" timestamptz null, add column "new_hasil_kerja" text check ("new_hasil_kerja" in ('di_atas', 'sesuai', 'di_bawah')) null, add column "new_perilaku" text check ("new_perilaku" in ('di_atas', 'sesuai', 'di_bawah')) null;`);
    this.addSql(`alter table "objection" add constraint "objection_rated_by_id_foreign" foreign key ("rated_by_id") references "employee" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "objection" add constraint "objection_decider_id_foreign" foreign key ("decider_id") references "employee" ("id") on update cascade on delete set null;`);
    this.addSql(`alter table "objection" add constraint "objection_assessment_id_unique" unique ("assessment_id");`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "objection" drop constraint "objection_rated_by_id_foreign";`);
    this.addSql(`alter table "objection" drop constraint "objection_decider_id_foreign";`);

    this.addSql(`alter table "objection" drop constraint "objection_assessment_id_unique";`);
    this.addSql(`alter table "objection" drop column "evidence_url", drop column "rated_by_id", drop column "decider_id", drop column "original_hasil_kerja", drop column "original_perilaku", drop column "original_predicate", drop column "due_on", drop column "escalated_at", drop column "new_hasil_kerja", drop column "new_perilaku";`);

    this.addSql(`create index "objection_assessment_id_index" on "objection" ("assessment_id");`);
  }

}
