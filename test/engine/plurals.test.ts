/** English plurals through i18next plural keys (issue 13 item 6): "1 self-assessment", "2 self-assessments". */
import { describe, expect, it } from 'vitest';
import { translator } from '../../src/i18n/index.js';

describe('counted words in both languages', () => {
  const en = translator('en');
  const id = translator('id');
  const v = { cycle: 'Triwulan IV 2026', deadline: '15 December 2026' };

  it('English: one self-assessment, two self-assessments (reviewer reminders)', () => {
    expect(en('jobs.reminder.review.before', { ...v, count: 1 })).toContain('1 self-assessment is waiting for your review');
    expect(en('jobs.reminder.review.before', { ...v, count: 2 })).toContain('2 self-assessments are waiting for your review');
    expect(en('jobs.reminder.review.due_today', { ...v, count: 1 })).toContain('1 self-assessment is waiting');
    expect(en('jobs.reminder.review.overdue', { ...v, count: 3 })).toContain('3 self-assessments are still waiting');
  });

  it('English: working days and people rated', () => {
    expect(en('jobs.reminder.self.before', { ...v, count: 1, done: 0, total: 3 })).toContain('due in 1 working day,');
    expect(en('jobs.reminder.self.before', { ...v, count: 3, done: 0, total: 3 })).toContain('due in 3 working days,');
    expect(en('calibration.unit_fits', { unit: 'Dinas Pendidikan', orgRating: 'Good', count: 1 })).toContain('(1 person rated)');
    expect(en('calibration.unit_no_rating', { unit: 'Dinas Pendidikan', count: 4 })).toContain('(4 people rated)');
  });

  it('Indonesian has one form for any count', () => {
    expect(id('jobs.reminder.review.before', { ...v, count: 1 })).toContain('1 penilaian diri');
    expect(id('jobs.reminder.self.before', { ...v, count: 1, done: 0, total: 3 })).toContain('1 hari kerja');
    expect(id('calibration.unit_fits', { unit: 'Dinas Pendidikan', orgRating: 'Baik', count: 1 })).toContain('(1 orang dinilai)');
  });
});
