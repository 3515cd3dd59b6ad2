/**
 * Button tokens shared by everyone, written by the jobs (reminders, check-ins) without touching anyone's
 * conversation and understood by the engine. They are part of the contract between the two.
 */

/**
 * The token reminder messages carry: "continue my self-assessment". It is the same for everyone because
 * the worker writes reminders without touching conversations; pressing it only ever opens the presser's
 * own assessment, so it cannot act for anyone else.
 */
export const CONTINUE_ASSESSMENT_TOKEN = 'continue-assessment';

/** The token of "open my pending reviews" in reminders to raters: same as `/tinjau`. */
export const OPEN_REVIEWS_TOKEN = 'open-reviews';

/**
 * The token of "open calibration" on the close job's curve message to raters: same as `/kalibrasi` (it only
 * ever shows the presser's own people).
 */
export const OPEN_CALIBRATION_TOKEN = 'open-calibration';

/**
 * Prefix of a coaching check-in rating button sent by the follow-up job: `checkin-rating:<check-in id>:<1-5>`.
 * The engine accepts it only from the employee whose check-in it is.
 */
export const CHECKIN_RATING_TOKEN_PREFIX = 'checkin-rating';

/**
 * The command that files (`/keberatan`) or, with a NIP, opens for its decider (`/keberatan NIP`) an
 * objection: the engine's objection flow owns it, and the jobs' reminders name it in the reader's spelling
 * (the platform's `commandPrefix` before it).
 */
export const OBJECTION_COMMAND = 'keberatan';
