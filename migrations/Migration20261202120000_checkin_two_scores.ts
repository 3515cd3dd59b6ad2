import { Migration } from '@mikro-orm/migrations';

/**
 * A coaching check-in is rated on two statements, one score each: `employee_rating` stays "I felt heard",
 * `employee_rating_next` is "I know what to do next" (one 1-5 score for two statements said neither).
 */
export class Migration20261202120000_checkin_two_scores extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "check_in" add column "employee_rating_next" smallint null;`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table "check_in" drop column if exists "employee_rating_next";`);
  }
}
