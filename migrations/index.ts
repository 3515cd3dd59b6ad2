/** Migrations in the order they apply. Listed explicitly so no file-system globbing is needed at run time. */
import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261201060759_initial } from './Migration20261201060759_initial.js';
import { Migration20261202050725_rules } from './Migration20261202050725_rules.js';
import { Migration20261202060258_platform_names } from './Migration20261202060258_platform_names.js';
import { Migration20261202075619_objection_decisions } from './Migration20261202075619_objection_decisions.js';
import { Migration20261202075912_web_signin } from './Migration20261202075912_web_signin.js';
import { Migration20261202080000_calibration } from './Migration20261202080000_calibration.js';
import { Migration20261202080000_hr_setup } from './Migration20261202080000_hr_setup.js';
import { Migration20261202080000_inbox } from './Migration20261202080000_inbox.js';
import { Migration20261202090000_feedback } from './Migration20261202090000_feedback.js';
import { Migration20261202090100_recognition } from './Migration20261202090100_recognition.js';
import { Migration20261202090200_feedback_request } from './Migration20261202090200_feedback_request.js';
import { Migration20261202111959_feedback_reminders } from './Migration20261202111959_feedback_reminders.js';
import { Migration20261202120000_checkin_two_scores } from './Migration20261202120000_checkin_two_scores.js';
import { Migration20261202120000_installation } from './Migration20261202120000_installation.js';
import { Migration20261202120100_audit_keyed_chain } from './Migration20261202120100_audit_keyed_chain.js';
import { Migration20261202120200_platform_status } from './Migration20261202120200_platform_status.js';
import { Migration20261202150000_assessment_answered } from './Migration20261202150000_assessment_answered.js';
import { Migration20261202160000_reminder_planning } from './Migration20261202160000_reminder_planning.js';
import { Migration20261202170000_sweep_writes } from './Migration20261202170000_sweep_writes.js';
import { Migration20261203000000_audit_sealed_entries } from './Migration20261203000000_audit_sealed_entries.js';
import { Migration20261203040000_outbox_recipient_unindexed } from './Migration20261203040000_outbox_recipient_unindexed.js';

export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261201060759_initial', class: Migration20261201060759_initial },
  { name: 'Migration20261202050725_rules', class: Migration20261202050725_rules },
  { name: 'Migration20261202060258_platform_names', class: Migration20261202060258_platform_names },
  { name: 'Migration20261202075619_objection_decisions', class: Migration20261202075619_objection_decisions },
  { name: 'Migration20261202075912_web_signin', class: Migration20261202075912_web_signin },
  { name: 'Migration20261202080000_calibration', class: Migration20261202080000_calibration },
  { name: 'Migration20261202080000_hr_setup', class: Migration20261202080000_hr_setup },
  { name: 'Migration20261202080000_inbox', class: Migration20261202080000_inbox },
  { name: 'Migration20261202090000_feedback', class: Migration20261202090000_feedback },
  { name: 'Migration20261202090100_recognition', class: Migration20261202090100_recognition },
  { name: 'Migration20261202090200_feedback_request', class: Migration20261202090200_feedback_request },
  { name: 'Migration20261202111959_feedback_reminders', class: Migration20261202111959_feedback_reminders },
  { name: 'Migration20261202120000_checkin_two_scores', class: Migration20261202120000_checkin_two_scores },
  { name: 'Migration20261202120000_installation', class: Migration20261202120000_installation },
  { name: 'Migration20261202120100_audit_keyed_chain', class: Migration20261202120100_audit_keyed_chain },
  { name: 'Migration20261202120200_platform_status', class: Migration20261202120200_platform_status },
  { name: 'Migration20261202150000_assessment_answered', class: Migration20261202150000_assessment_answered },
  { name: 'Migration20261202160000_reminder_planning', class: Migration20261202160000_reminder_planning },
  { name: 'Migration20261202170000_sweep_writes', class: Migration20261202170000_sweep_writes },
  { name: 'Migration20261203000000_audit_sealed_entries', class: Migration20261203000000_audit_sealed_entries },
  { name: 'Migration20261203040000_outbox_recipient_unindexed', class: Migration20261203040000_outbox_recipient_unindexed },
];
