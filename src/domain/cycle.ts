/**
 * The assessment cycle (periode): its kinds, its status life cycle and the sanity of its dates.
 *
 * A cycle moves strictly forward, one step at a time: draft -> open -> reviewing -> closed -> announced.
 * Skipping a step would skip the work that step stands for (employees filling in, supervisors rating),
 * and going back would change results people have already seen.
 */
import { DomainError } from './errors.js';
import { parseCalendarDate } from './dates.js';

/** Where a cycle is in its life. */
export type CycleStatus = 'draft' | 'open' | 'reviewing' | 'closed' | 'announced';

/** Every status, in the order a cycle passes through them. */
export const CYCLE_STATUSES: readonly CycleStatus[] = ['draft', 'open', 'reviewing', 'closed', 'announced'];

/** How long a cycle's period is: monthly, quarterly (Triwulan I-IV), semester or annual (Akhir). */
export type CycleKind = 'bulanan' | 'triwulan' | 'semester' | 'tahunan';

/** Every cycle kind. */
export const CYCLE_KINDS: readonly CycleKind[] = ['bulanan', 'triwulan', 'semester', 'tahunan'];

/** The only legal next status of each status (`null`: the cycle is final). */
export const NEXT_CYCLE_STATUS: Readonly<Record<CycleStatus, CycleStatus | null>> = Object.freeze({
  draft: 'open',
  open: 'reviewing',
  reviewing: 'closed',
  closed: 'announced',
  announced: null,
});

/** Why a status change is refused. */
export type CycleTransitionCode =
  /** The cycle already has the target status. */
  | 'already_in_status'
  /** The target is further ahead than the next status. */
  | 'skips_step'
  /** The target is behind the current status. */
  | 'moves_backward'
  /** The cycle is announced; nothing may change any more. */
  | 'already_announced';

/** The outcome of asking to move a cycle from one status to another. */
export type CycleTransitionResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly code: CycleTransitionCode; readonly reason: string };

/** How a cycle in each status is named in a sentence. */
const SUBJECT: Record<CycleStatus, string> = {
  draft: 'a draft cycle',
  open: 'an open cycle',
  reviewing: 'a cycle under review',
  closed: 'a closed cycle',
  announced: 'an announced cycle',
};

/** What reaching each status is called, as in "must be opened". */
const REACHED: Record<CycleStatus, string> = {
  draft: 'drafted',
  open: 'opened',
  reviewing: 'reviewed',
  closed: 'closed',
  announced: 'announced',
};

/** What going back to each status is called, as in "cannot be reopened". */
const MOVE_BACK: Record<CycleStatus, string> = {
  draft: 'return to draft',
  open: 'be reopened',
  reviewing: 'return to review',
  closed: 'be moved back to closed',
  announced: 'be announced again',
};

/** The cycle's status in words, as in "the cycle is already open". */
const STATUS_WORDS: Record<CycleStatus, string> = {
  draft: 'a draft',
  open: 'open',
  reviewing: 'under review',
  closed: 'closed',
  announced: 'announced',
};

function listInWords(words: readonly string[]): string {
  if (words.length <= 1) return words.join('');
  return `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
}

/**
 * Whether a cycle may move from `from` to `to`, and if not, why in a sentence an HR officer understands
 * (e.g. "a closed cycle cannot be reopened").
 */
export function transitionCycle(from: CycleStatus, to: CycleStatus): CycleTransitionResult {
  if (NEXT_CYCLE_STATUS[from] === to) return { ok: true };
  const fromIndex = CYCLE_STATUSES.indexOf(from);
  const toIndex = CYCLE_STATUSES.indexOf(to);

  if (from === to) {
    return { ok: false, code: 'already_in_status', reason: `the cycle is already ${STATUS_WORDS[from]}` };
  }
  if (from === 'announced') {
    return {
      ok: false,
      code: 'already_announced',
      reason: `an announced cycle cannot ${MOVE_BACK[to]}: its results are already published`,
    };
  }
  if (toIndex < fromIndex) {
    return { ok: false, code: 'moves_backward', reason: `${SUBJECT[from]} cannot ${MOVE_BACK[to]}` };
  }
  // Forward but more than one step: name every step that would be skipped.
  const skipped = CYCLE_STATUSES.slice(fromIndex + 1, toIndex).map((s) => REACHED[s]);
  return {
    ok: false,
    code: 'skips_step',
    reason: `${SUBJECT[from]} must be ${listInWords(skipped)} before it can be ${REACHED[to]}`,
  };
}

/** A refused cycle status change, thrown by {@link assertCycleTransition}. */
export class IllegalCycleTransitionError extends DomainError {
  /** The cycle's current status. */
  readonly from: CycleStatus;
  /** The status that was asked for. */
  readonly to: CycleStatus;
  /** Why the change is refused. */
  declare readonly code: CycleTransitionCode;

  constructor(from: CycleStatus, to: CycleStatus, code: CycleTransitionCode, reason: string) {
    super(code, `cannot move cycle from ${from} to ${to}: ${reason}`);
    this.from = from;
    this.to = to;
  }
}

/**
 * Like {@link transitionCycle}, for code paths where an illegal change is a bug, not user input.
 * @throws IllegalCycleTransitionError when the change is not allowed
 */
export function assertCycleTransition(from: CycleStatus, to: CycleStatus): void {
  const result = transitionCycle(from, to);
  if (!result.ok) throw new IllegalCycleTransitionError(from, to, result.code, result.reason);
}

/** A cycle's dates, as calendar dates `YYYY-MM-DD` in the unit's time zone. */
export interface CycleDates {
  /** First day of the period assessed. */
  readonly periodStart: string;
  /** Last day of the period assessed. */
  readonly periodEnd: string;
  /** Batas pengisian: last day for the employee's self-assessment. */
  readonly selfDeadline: string;
  /** Last day for the supervisor's review. */
  readonly reviewDeadline: string;
}

/** What is wrong with a cycle's dates. */
export type CycleDateProblemCode =
  | 'invalid_date'
  | 'period_end_before_start'
  | 'self_deadline_before_period_start'
  | 'review_deadline_before_self_deadline';

/** One problem with a cycle's dates, naming the field to fix. */
export interface CycleDateProblem {
  readonly field: keyof CycleDates;
  readonly code: CycleDateProblemCode;
  readonly message: string;
}

const FIELD_WORDS: Record<keyof CycleDates, string> = {
  periodStart: 'period start',
  periodEnd: 'period end',
  selfDeadline: 'self-assessment deadline',
  reviewDeadline: 'review deadline',
};

/**
 * Every problem with a cycle's dates (empty when they are consistent): each must be a real date, the
 * period must not end before it starts, the self-assessment deadline must not fall before the period
 * starts, and the review deadline must not fall before the self-assessment deadline (supervisors
 * review what employees submitted). Equal dates are allowed.
 */
export function validateCycleDates(dates: CycleDates): CycleDateProblem[] {
  const problems: CycleDateProblem[] = [];
  const fields = Object.keys(FIELD_WORDS) as (keyof CycleDates)[];
  for (const field of fields) {
    if (parseCalendarDate(dates[field]) === null) {
      problems.push({
        field,
        code: 'invalid_date',
        message: `${FIELD_WORDS[field]} "${dates[field]}" is not a real date; use YYYY-MM-DD`,
      });
    }
  }
  const valid = (field: keyof CycleDates): boolean =>
    !problems.some((p) => p.field === field && p.code === 'invalid_date');
  // ISO dates compare correctly as strings once each is known to be a real YYYY-MM-DD date.
  const check = (
    later: keyof CycleDates,
    earlier: keyof CycleDates,
    code: CycleDateProblemCode,
  ): void => {
    if (valid(later) && valid(earlier) && dates[later] < dates[earlier]) {
      problems.push({
        field: later,
        code,
        message: `${FIELD_WORDS[later]} ${dates[later]} is before ${FIELD_WORDS[earlier]} ${dates[earlier]}`,
      });
    }
  };
  check('periodEnd', 'periodStart', 'period_end_before_start');
  check('selfDeadline', 'periodStart', 'self_deadline_before_period_start');
  check('reviewDeadline', 'selfDeadline', 'review_deadline_before_self_deadline');
  return problems;
}

/**
 * What a cycle's name is called in messages. The messages already name the kind of thing ("Penilaian diri
 * {{cycle}}", "periode {{cycle}}"), so a name that starts with it ("Penilaian Kinerja Triwulan I 2027") is
 * shown without that start ("Triwulan I 2027"): no "penilaian diri Penilaian ...". The stored name stays as HR
 * typed it (exports, the HR page). The one home of this rule: every place that puts a cycle name in a chat
 * message reads it through here.
 */
const KIND_NOUN = /^(?:penilaian(?:\s+kinerja)?(?:\s+diri)?(?:\s+pegawai)?|periode(?:\s+penilaian)?|(?:self|performance)[\s-]+(?:assessment|review))\s+(?=\S)/i;

export function cycleDisplayName(name: string): string {
  const trimmed = name.trim();
  const shown = trimmed.replace(KIND_NOUN, '');
  return shown ? shown.charAt(0).toUpperCase() + shown.slice(1) : trimmed;
}
