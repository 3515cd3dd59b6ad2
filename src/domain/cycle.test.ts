import { describe, expect, it } from 'vitest';
import {
  CYCLE_STATUSES,
  IllegalCycleTransitionError,
  assertCycleTransition,
  cycleDisplayName,
  transitionCycle,
  validateCycleDates,
  type CycleDates,
  type CycleStatus,
  type CycleTransitionCode,
} from './cycle.js';

const LEGAL: [CycleStatus, CycleStatus][] = [
  ['draft', 'open'],
  ['open', 'reviewing'],
  ['reviewing', 'closed'],
  ['closed', 'announced'],
];

const isLegal = (from: CycleStatus, to: CycleStatus): boolean => LEGAL.some(([f, t]) => f === from && t === to);

const ILLEGAL: [CycleStatus, CycleStatus, CycleTransitionCode, string][] = [
  ['draft', 'draft', 'already_in_status', 'the cycle is already a draft'],
  ['draft', 'reviewing', 'skips_step', 'a draft cycle must be opened before it can be reviewed'],
  ['draft', 'closed', 'skips_step', 'a draft cycle must be opened and reviewed before it can be closed'],
  ['draft', 'announced', 'skips_step', 'a draft cycle must be opened, reviewed and closed before it can be announced'],
  ['open', 'draft', 'moves_backward', 'an open cycle cannot return to draft'],
  ['open', 'open', 'already_in_status', 'the cycle is already open'],
  ['open', 'closed', 'skips_step', 'an open cycle must be reviewed before it can be closed'],
  ['open', 'announced', 'skips_step', 'an open cycle must be reviewed and closed before it can be announced'],
  ['reviewing', 'draft', 'moves_backward', 'a cycle under review cannot return to draft'],
  ['reviewing', 'open', 'moves_backward', 'a cycle under review cannot be reopened'],
  ['reviewing', 'reviewing', 'already_in_status', 'the cycle is already under review'],
  ['reviewing', 'announced', 'skips_step', 'a cycle under review must be closed before it can be announced'],
  ['closed', 'draft', 'moves_backward', 'a closed cycle cannot return to draft'],
  ['closed', 'open', 'moves_backward', 'a closed cycle cannot be reopened'],
  ['closed', 'reviewing', 'moves_backward', 'a closed cycle cannot return to review'],
  ['closed', 'closed', 'already_in_status', 'the cycle is already closed'],
  ['announced', 'draft', 'already_announced', 'an announced cycle cannot return to draft: its results are already published'],
  ['announced', 'open', 'already_announced', 'an announced cycle cannot be reopened: its results are already published'],
  ['announced', 'reviewing', 'already_announced', 'an announced cycle cannot return to review: its results are already published'],
  ['announced', 'closed', 'already_announced', 'an announced cycle cannot be moved back to closed: its results are already published'],
  ['announced', 'announced', 'already_in_status', 'the cycle is already announced'],
];

describe('transitionCycle', () => {
  it.each(LEGAL)('%s -> %s is allowed', (from, to) => {
    expect(transitionCycle(from, to)).toEqual({ ok: true });
    expect(() => assertCycleTransition(from, to)).not.toThrow();
  });

  it.each(ILLEGAL)('%s -> %s is refused (%s): "%s"', (from, to, code, reason) => {
    expect(transitionCycle(from, to)).toEqual({ ok: false, code, reason });
  });

  it('the tables cover all 25 pairs: 4 legal, 21 illegal', () => {
    const pairs = CYCLE_STATUSES.flatMap((from) => CYCLE_STATUSES.map((to) => [from, to] as const));
    expect(pairs).toHaveLength(25);
    for (const [from, to] of pairs) {
      const listed = ILLEGAL.some(([f, t]) => f === from && t === to);
      expect(listed, `${from} -> ${to}`).toBe(!isLegal(from, to));
    }
  });

  it('assertCycleTransition throws an error carrying from, to and code', () => {
    let caught: unknown;
    try {
      assertCycleTransition('closed', 'open');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(IllegalCycleTransitionError);
    const error = caught as IllegalCycleTransitionError;
    expect(error).toMatchObject({ from: 'closed', to: 'open', code: 'moves_backward', name: 'IllegalCycleTransitionError' });
    expect(error.message).toBe('cannot move cycle from closed to open: a closed cycle cannot be reopened');
  });
});

describe('validateCycleDates', () => {
  const good: CycleDates = {
    periodStart: '2025-01-01',
    periodEnd: '2025-03-31',
    selfDeadline: '2025-04-08',
    reviewDeadline: '2025-04-15',
  };

  const cases: [name: string, change: Partial<CycleDates>, problems: [field: keyof CycleDates, code: string][]][] = [
    ['consistent dates', {}, []],
    ['all on the same day', { periodEnd: '2025-01-01', selfDeadline: '2025-01-01', reviewDeadline: '2025-01-01' }, []],
    ['self deadline inside the period (mid-period check-in)', { selfDeadline: '2025-02-15' }, []],
    ['period ends before it starts', { periodEnd: '2024-12-31' }, [['periodEnd', 'period_end_before_start']]],
    ['self deadline before the period starts', { selfDeadline: '2024-12-31', reviewDeadline: '2025-01-05' }, [['selfDeadline', 'self_deadline_before_period_start']]],
    ['review deadline before self deadline', { reviewDeadline: '2025-04-07' }, [['reviewDeadline', 'review_deadline_before_self_deadline']]],
    ['not a real date', { periodEnd: '2025-02-30' }, [['periodEnd', 'invalid_date']]],
    ['not ISO', { selfDeadline: '08/04/2025' }, [['selfDeadline', 'invalid_date']]],
    ['empty', { reviewDeadline: '' }, [['reviewDeadline', 'invalid_date']]],
    [
      'several problems at once',
      { periodEnd: '2024-12-01', selfDeadline: '2024-11-30', reviewDeadline: '2024-11-01' },
      [
        ['periodEnd', 'period_end_before_start'],
        ['selfDeadline', 'self_deadline_before_period_start'],
        ['reviewDeadline', 'review_deadline_before_self_deadline'],
      ],
    ],
  ];

  it.each(cases)('%s', (_name, change, expected) => {
    const problems = validateCycleDates({ ...good, ...change });
    expect(problems.map((p) => [p.field, p.code])).toEqual(expected);
    for (const problem of problems) expect(problem.message.length).toBeGreaterThan(10);
  });

  it('names both dates in the message', () => {
    expect(validateCycleDates({ ...good, reviewDeadline: '2025-04-07' })[0].message).toBe(
      'review deadline 2025-04-07 is before self-assessment deadline 2025-04-08',
    );
  });
});

describe('cycleDisplayName', () => {
  it.each([
    ['Penilaian Bulanan Desember 2026 (demo)', 'Bulanan Desember 2026 (demo)'],
    ['Penilaian Kinerja Triwulan I 2027', 'Triwulan I 2027'],
    ['penilaian diri semester I 2027', 'Semester I 2027'],
    ['Periode Penilaian Tahunan 2026', 'Tahunan 2026'],
    ['Performance review Q1 2027', 'Q1 2027'],
    ['Triwulan IV 2026', 'Triwulan IV 2026'],
    ['Penilaian', 'Penilaian'],
    ['  Bulanan Desember 2026  ', 'Bulanan Desember 2026'],
  ])('%s -> %s', (name, shown) => {
    expect(cycleDisplayName(name)).toBe(shown);
  });
});
