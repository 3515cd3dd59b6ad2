/**
 * Monitoring pengisian: where one employee's assessment stands, in the words HR uses. One state per
 * assessment, so per-unit counts add up to the unit's head count.
 */

/** The states, in the order a monitoring table lists them. */
export const COMPLETION_STATES = ['not_started', 'draft', 'late', 'submitted', 'returned', 'reviewed'] as const;
export type CompletionState = (typeof COMPLETION_STATES)[number];

/** What the state is computed from. */
export interface CompletionInput {
  /** The assessment's stored status (draft, submitted, returned, reviewed, announced). */
  readonly status: string;
  /** Items (indicators and targets) the employee has answered so far. */
  readonly answered: number;
  /** The self-assessment deadline has passed in the employee's own time zone. */
  readonly selfDeadlinePassed: boolean;
}

/**
 * The completion state: reviewed (also once announced), returned for revision, submitted, or, while not yet
 * submitted, late once the deadline has passed, else draft when something is answered, else not started.
 * A submission that came in late is `submitted`; its late flag is a separate column.
 */
export function completionState(input: CompletionInput): CompletionState {
  switch (input.status) {
    case 'reviewed':
    case 'announced':
      return 'reviewed';
    case 'returned':
      return 'returned';
    case 'submitted':
      return 'submitted';
    default:
      if (input.selfDeadlinePassed) return 'late';
      return input.answered > 0 ? 'draft' : 'not_started';
  }
}
