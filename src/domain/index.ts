/**
 * The domain rules of kinerja-bot: pure functions and data, no I/O and no clock ("now" is always a
 * parameter). Everything other folders need from `src/domain` is exported here.
 */
export { DomainError, InvalidCalendarDateError } from './errors.js';
export { parseCalendarDate, parseTypedDate, parseTypedDates, toCalendarDate, calendarDateToUtc, type CalendarDate } from './dates.js';
export { roundToOneDecimal } from './rounding.js';
export {
  RATINGS,
  PREDICATES,
  PREDICATE_MATRIX_V1,
  CURRENT_PREDICATE_MATRIX,
  PREDICATE_MATRICES,
  UnknownMatrixVersionError,
  NoIndicatorRatingsError,
  matrixByVersion,
  predicateFor,
  suggestHasilKerja,
  capaianPercent,
  type Rating,
  type Predicate,
  type PredicateMatrix,
  type PredicateResult,
  type IndicatorRating,
  type HasilKerjaBasis,
  type HasilKerjaReasoning,
  type HasilKerjaSuggestion,
} from './ratings.js';
export {
  ORG_RATINGS,
  DEFAULT_CURVE,
  UnknownOrgRatingError,
  allowedCountFor,
  checkDistribution,
  type OrgRating,
  type CurveOp,
  type CurveLimit,
  type CurveRule,
  type DistributionCurve,
  type DistributionViolation,
} from './distribution.js';
export {
  CYCLE_STATUSES,
  CYCLE_KINDS,
  NEXT_CYCLE_STATUS,
  IllegalCycleTransitionError,
  transitionCycle,
  assertCycleTransition,
  validateCycleDates,
  type CycleStatus,
  type CycleKind,
  type CycleTransitionCode,
  type CycleTransitionResult,
  type CycleDates,
  type CycleDateProblem,
  type CycleDateProblemCode,
  cycleDisplayName,
} from './cycle.js';
export {
  NIP_FAULTS,
  NIP_LENGTH,
  MIN_APPOINTMENT_AGE_YEARS,
  MIN_BIRTH_YEAR,
  validateNip,
  type NipFault,
  type NipGender,
  type ValidNip,
  type InvalidNip,
  type NipValidation,
  type ValidateNipOptions,
} from './nip.js';
export {
  WorkingCalendar,
  DEFAULT_WEEKEND_DAYS,
  NoWorkingDayError,
  InvalidWeekendDayError,
  nationalHolidaysFromLibrary,
  mergeHolidayEntries,
  buildCalendar,
  type HolidayEntry,
  type HolidayKind,
  type HolidaySource,
  type WorkingCalendarConfig,
} from './calendar.js';
export {
  TIMEZONE_ALIASES,
  DEFAULT_TIMEZONE,
  resolveTimezone,
  timezoneAlias,
  type IndonesianZoneAlias,
  type TimezoneFault,
  type TimezoneResolution,
} from './timezones.js';
export {
  DEFAULT_WORKING_HOURS,
  DEFAULT_SEND_AT,
  DEFAULT_OFFSETS_WORKING_DAYS,
  DEFAULT_OVERDUE_POLICY,
  InvalidReminderSettingError,
  planReminders,
  remindersFrom,
  nextWorkingSlot,
  capPerDay,
  nudgeDay,
  feedbackRequestReminderDay,
  NUDGE_QUIET_WORKING_DAYS,
  type WorkingHours,
  type OverduePolicy,
  type ReminderAudience,
  type ReminderKind,
  type PlannedReminder,
  type ReminderPlan,
  type ReminderPlanInput,
} from './reminder-plan.js';
export {
  DEFAULT_NARRATIVE_LIMITS,
  parseRealisasi,
  validateNarrative,
  parseEvidenceLink,
  type RealisasiFault,
  type RealisasiLimits,
  type RealisasiParse,
  type NarrativeFault,
  type NarrativeLimits,
  type NarrativeValidation,
  type EvidenceLinkFault,
  type EvidenceLinkParse,
} from './input.js';
export { todayIn, isLate, zoneFor, UnknownTimezoneError } from './today.js';
export {
  LINK_LOCKOUT,
  linkFailureLookback,
  linkLockedUntil,
  recentLinkFailures,
  afterLinkFailure,
  isLinkCodeUsable,
  type LinkCodeState,
} from './linking.js';
export { BERAKHLAK_VALUES, FEEDBACK_KINDS, type BerakhlakValue, type FeedbackKind } from './feedback.js';
export { TEXT_BOUNDS, checkTextLength, textLength, type TextKind, type TextLengthCheck } from './text.js';
export {
  DEFAULT_OBJECTION_WINDOW_DAYS,
  DEFAULT_OBJECTION_DECISION_DAYS,
  objectionLastDay,
  objectionWindow,
  objectionDecisionDue,
  type ObjectionDecision,
  type ObjectionWindow,
} from './objection.js';
export { DEFAULT_CHECK_IN_WEEKS, checkInDates, followUpFor, type CheckInStart, type FollowUpKind } from './follow-up.js';
export {
  actingRaterFor,
  actingConflicts,
  unitHeads,
  type ActingKind,
  type ActingAssignmentFact,
  type RatedEmployee,
  type ChosenRater,
  type ActingConflict,
  type NewActingAssignment,
  type UnitMember,
} from './acting.js';
export { FORMULA_TRIGGERS, neutraliseFormula, csvField, safeCsvText } from './spreadsheet-safe.js';
export { COMPLETION_STATES, completionState, type CompletionState, type CompletionInput } from './completion.js';
