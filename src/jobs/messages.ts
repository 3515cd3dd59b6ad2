/**
 * Texts the background jobs send (reminders, digests, cycle close and announcements), in Indonesian (the
 * default) and English. The engine owns `locales/`; these keys are kept here until they are merged there, so
 * the jobs never depend on a catalogue that may not have them yet. Placeholders are `{{name}}`, as in i18next.
 */
import type { Locale } from '../db/entities/organisation.js';

export const JOB_MESSAGES = {
  id: {
    'reminder.self.before': 'Pengingat: penilaian diri periode {{cycle}} harus selesai dalam {{days}} hari kerja, paling lambat {{deadline}}. Kemajuan: {{done}} dari {{total}} indikator selesai.',
    'reminder.self.due_today': 'Hari ini batas pengisian penilaian diri periode {{cycle}}: {{deadline}}. Kemajuan: {{done}} dari {{total}} indikator selesai.',
    'reminder.self.overdue': 'Penilaian diri periode {{cycle}} sudah lewat batas ({{deadline}}). Mohon segera diselesaikan. Kemajuan: {{done}} dari {{total}} indikator selesai.',
    'reminder.review.before': 'Pengingat: {{count}} penilaian diri menunggu penilaian Anda (periode {{cycle}}), paling lambat {{deadline}}.',
    'reminder.review.due_today': 'Hari ini batas penilaian periode {{cycle}}: {{deadline}}. {{count}} penilaian diri menunggu penilaian Anda.',
    'reminder.review.overdue': 'Batas penilaian periode {{cycle}} sudah lewat ({{deadline}}). {{count}} penilaian diri masih menunggu penilaian Anda.',
    'reminder.button.continue': 'Lanjutkan penilaian diri',
    'reminder.button.review': 'Buka penilaian',
    'digest.supervisor.self': 'Pegawai Anda yang belum menyelesaikan penilaian diri periode {{cycle}} (batas {{deadline}}):',
    'digest.supervisor.review': 'Penilaian yang belum diselesaikan oleh pejabat penilai di bawah Anda, periode {{cycle}} (batas {{deadline}}):',
    'digest.hr.self': 'Unit {{unit}}: pegawai yang belum menyelesaikan penilaian diri periode {{cycle}} (batas {{deadline}}):',
    'digest.hr.review': 'Unit {{unit}}: penilaian yang belum diselesaikan pejabat penilai, periode {{cycle}} (batas {{deadline}}):',
    'digest.line.self': '- {{name}} (NIP {{nip}}): {{done}} dari {{total}} indikator',
    'digest.line.review': '- {{name}} (NIP {{nip}}) menunggu penilaian dari {{reviewer}}',
    'cycle.closed.violations': 'Periode {{cycle}} ditutup. Sebaran predikat unit {{unit}} (capaian organisasi: {{orgRating}}) tidak sesuai kurva distribusi:',
    'cycle.closed.violation_line': '- {{predicates}}: {{actual}} orang ({{percent}}%), {{op}} {{allowed}} orang',
    'cycle.closed.op.max': 'paling banyak',
    'cycle.closed.op.min': 'paling sedikit',
    'cycle.closed.late': 'Periode {{cycle}} ditutup. {{count}} penilaian diri dikirim terlambat di unit {{unit}}.',
    'announce.award.public': 'Selamat kepada {{name}} ({{position}}) atas predikat kinerja Sangat Baik pada periode {{cycle}}!',
    'announce.award.private': 'Selamat! Predikat kinerja Anda pada periode {{cycle}} adalah Sangat Baik.',
    'announce.result.private': 'Hasil penilaian kinerja periode {{cycle}}: predikat {{predicate}}.',
    'announce.coaching.private': 'Hasil penilaian kinerja periode {{cycle}}: predikat {{predicate}}. Atasan Anda akan mendampingi lewat rencana pembinaan; sesi tindak lanjut dijadwalkan pada {{dates}}.',
    'checkin.reminder.employee': 'Pengingat: sesi tindak lanjut pembinaan dengan {{other}} dijadwalkan hari ini ({{date}}).',
    'checkin.reminder.supervisor': 'Pengingat: sesi tindak lanjut pembinaan dengan {{other}} dijadwalkan hari ini ({{date}}).',
    'checkin.rating.prompt': 'Bagaimana sesi tindak lanjut dengan {{other}} pada {{date}}? Beri nilai 1 (sangat tidak setuju) sampai 5 (sangat setuju): "Saya merasa didengar" dan "Saya tahu langkah selanjutnya".',
  },
  en: {
    'reminder.self.before': 'Reminder: your self-assessment for {{cycle}} is due in {{days}} working days, by {{deadline}}. Progress: {{done}} of {{total}} indicators done.',
    'reminder.self.due_today': 'Today is the self-assessment deadline for {{cycle}}: {{deadline}}. Progress: {{done}} of {{total}} indicators done.',
    'reminder.self.overdue': 'Your self-assessment for {{cycle}} is past its deadline ({{deadline}}). Please finish it now. Progress: {{done}} of {{total}} indicators done.',
    'reminder.review.before': 'Reminder: {{count}} self-assessments are waiting for your review ({{cycle}}), due by {{deadline}}.',
    'reminder.review.due_today': 'Today is the review deadline for {{cycle}}: {{deadline}}. {{count}} self-assessments are waiting for your review.',
    'reminder.review.overdue': 'The review deadline for {{cycle}} has passed ({{deadline}}). {{count}} self-assessments are still waiting for your review.',
    'reminder.button.continue': 'Continue self-assessment',
    'reminder.button.review': 'Open reviews',
    'digest.supervisor.self': 'Your staff who have not finished their self-assessment for {{cycle}} (due {{deadline}}):',
    'digest.supervisor.review': 'Reviews not yet done by raters reporting to you, {{cycle}} (due {{deadline}}):',
    'digest.hr.self': 'Unit {{unit}}: staff who have not finished their self-assessment for {{cycle}} (due {{deadline}}):',
    'digest.hr.review': 'Unit {{unit}}: reviews not yet done by raters, {{cycle}} (due {{deadline}}):',
    'digest.line.self': '- {{name}} (NIP {{nip}}): {{done}} of {{total}} indicators',
    'digest.line.review': '- {{name}} (NIP {{nip}}) waiting for a review by {{reviewer}}',
    'cycle.closed.violations': 'Cycle {{cycle}} is closed. The ratings of unit {{unit}} (organisational result: {{orgRating}}) break the distribution curve:',
    'cycle.closed.violation_line': '- {{predicates}}: {{actual}} people ({{percent}}%), {{op}} {{allowed}} allowed',
    'cycle.closed.op.max': 'at most',
    'cycle.closed.op.min': 'at least',
    'cycle.closed.late': 'Cycle {{cycle}} is closed. {{count}} self-assessments were submitted late in unit {{unit}}.',
    'announce.award.public': 'Congratulations to {{name}} ({{position}}) on an Excellent (Sangat Baik) rating for {{cycle}}!',
    'announce.award.private': 'Congratulations! Your performance rating for {{cycle}} is Excellent (Sangat Baik).',
    'announce.result.private': 'Your performance result for {{cycle}}: {{predicate}}.',
    'announce.coaching.private': 'Your performance result for {{cycle}}: {{predicate}}. Your supervisor will support you with a coaching plan; follow-up sessions are scheduled on {{dates}}.',
    'checkin.reminder.employee': 'Reminder: your coaching follow-up session with {{other}} is scheduled today ({{date}}).',
    'checkin.reminder.supervisor': 'Reminder: your coaching follow-up session with {{other}} is scheduled today ({{date}}).',
    'checkin.rating.prompt': 'How was your follow-up session with {{other}} on {{date}}? Rate 1 (strongly disagree) to 5 (strongly agree): "I felt heard" and "I know what to do next".',
  },
} as const satisfies Record<Locale, Record<string, string>>;

/** A message key the jobs use. */
export type JobMessageKey = keyof (typeof JOB_MESSAGES)['id'];

/** Renders `key` in `locale` (unknown locales fall back to Indonesian), filling `{{placeholders}}`. */
export function jobText(locale: string, key: JobMessageKey, vars: Record<string, string | number> = {}): string {
  const catalogue: Record<JobMessageKey, string> = locale === 'en' ? JOB_MESSAGES.en : JOB_MESSAGES.id;
  return catalogue[key].replace(/\{\{(\w+)\}\}/g, (_m, name: string) => (name in vars ? String(vars[name]) : `{{${name}}}`));
}

/** Predicate names for people, per locale. */
export const PREDICATE_LABELS: Record<Locale, Record<string, string>> = {
  id: { sangat_baik: 'Sangat Baik', baik: 'Baik', butuh_perbaikan: 'Butuh Perbaikan', kurang: 'Kurang', sangat_kurang: 'Sangat Kurang' },
  en: { sangat_baik: 'Excellent', baik: 'Good', butuh_perbaikan: 'Needs Improvement', kurang: 'Poor', sangat_kurang: 'Very Poor' },
};
