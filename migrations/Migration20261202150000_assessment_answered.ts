import { Migration } from '@mikro-orm/migrations';

/**
 * `assessment.answered`: something of the assessment has been answered (an `answer` row exists). The monitoring
 * counts tell "draft" from "not started" by it (src/domain/completion.ts); asking `exists (... from answer)`
 * per person instead made PostgreSQL hash the whole answer table (every cycle's) on every HR page view.
 *
 * Kept by the database, not by the app: a trigger sets it when a statement inserts the assessment's first
 * answer, whichever code path writes answers (the engine's hot path, its transactional path, a seed). Answers
 * are never deleted, so the fact only ever turns true. The app never writes the column.
 */
export class Migration20261202150000_assessment_answered extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "assessment" add column "answered" boolean not null default false;`);
    this.addSql(`update "assessment" a set "answered" = true where exists (select 1 from "answer" x where x."assessment_id" = a."id");`);
    // Once per statement over the rows it inserted (a bulk insert updates each assessment once); an upsert
    // that only updated existing answers inserts nothing and updates nothing. `not answered`: an assessment
    // already marked is neither rewritten nor locked.
    this.addSql(`create or replace function "assessment_mark_answered"() returns trigger language plpgsql as $$
begin
  update "assessment" a set "answered" = true
    from (select distinct "assessment_id" from "inserted_answer") i
   where a."id" = i."assessment_id" and not a."answered";
  return null;
end $$;`);
    this.addSql(`create trigger "answer_marks_assessment_answered" after insert on "answer"
  referencing new table as "inserted_answer" for each statement execute function "assessment_mark_answered"();`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop trigger if exists "answer_marks_assessment_answered" on "answer";`);
    this.addSql(`drop function if exists "assessment_mark_answered"();`);
    this.addSql(`alter table "assessment" drop column if exists "answered";`);
  }
}
