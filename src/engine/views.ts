/**
 * Read-only snapshots of what a step needs from the database, loaded by the shell before the step runs.
 * Flows see only these, so they stay pure and testable.
 */
import type { EvidenceRef } from '../db/entities/assessment.js';
import type { CycleSettings } from '../db/entities/cycle.js';
import type { PlatformCapabilities } from './capabilities.js';
import type { Locale, Rating } from './state.js';

/** A person as the conversation needs them. */
export interface PersonView {
  id: number;
  name: string;
  nip: string;
  locale: Locale;
  unitId: number;
  supervisorId: number | null;
  roles: string[];
  optOutAnnouncements: boolean;
  timezone: string;
}

/** One item of a self-assessment: a cycle indicator (`ind:<id>`) or an employee target (`tgt:<id>`). */
export interface ItemView {
  key: string;
  indicatorId: number | null;
  targetId: number | null;
  name: string;
  unitOfMeasure: string | null;
  target: number | null;
  /** True for a main (utama) RHK: a main result below expectation blocks "above" for Hasil Kerja. */
  main: boolean;
  realisasi: number | null;
  narrative: string | null;
  evidence: EvidenceRef[];
  evidenceSkipped: boolean;
  supervisorRating: Rating | null;
}

/** Someone who may rate an assessment on the day: the supervisor of record or an acting PLT/PLH. */
export interface RaterView {
  id: number;
  /** null for the supervisor of record, else 'plt' or 'plh'. */
  actingKind: string | null;
}

/** An assessment with its cycle, owner, raters and items. */
export interface AssessmentView {
  id: number;
  version: number;
  status: 'draft' | 'submitted' | 'returned' | 'reviewed' | 'announced';
  round: number;
  threadKey: string;
  /** null = not answered yet; '' = skipped. */
  reflection: string | null;
  hasilKerja: Rating | null;
  perilaku: Rating | null;
  predicate: string | null;
  cycle: { id: number; name: string; selfDeadline: string; status: string; matrixVersion: string; settings: CycleSettings };
  owner: PersonView;
  /** Who may rate today, the one who gets the prompt first. */
  raters: RaterView[];
  /** The person the review prompt goes to: the acting official when there is one, else the supervisor. */
  promptRater: PersonView | null;
  items: ItemView[];
  /** The note of the latest return for revision, if the assessment is back with its owner. */
  returnNote: string | null;
  /** Feedback of the rated review, once reviewed. */
  feedback: string | null;
}

/** An assessment waiting for this rater: to be reviewed, or reviewed and waiting for a coaching plan. */
export interface PendingReviewView {
  kind: 'review' | 'coaching';
  id: number;
  ownerName: string;
  ownerNip: string;
  cycleName: string;
}

/** A coaching check-in, for the employee's rating of the session. */
export interface CheckInView {
  id: number;
  /** The employee the coaching is for: the only one who may rate it. */
  ownerId: number;
  employeeRating: number | null;
  /** The score of the second statement ("I know what to do next"). */
  employeeRatingNext: number | null;
}

/** An objection (keberatan) as filed and, once decided, the decision. */
export interface ObjectionRecord {
  id: number;
  status: 'open' | 'decided';
  reason: string;
  evidenceUrl: string | null;
  ratedById: number | null;
  /** The decider named when it was filed (the rater's superior); null: HR decides. */
  deciderId: number | null;
  original: { hasil: Rating | null; perilaku: Rating | null; predicate: string | null };
  /** The date the decision is due (the decider's date). */
  dueOn: string | null;
  escalated: boolean;
  decision: 'upheld' | 'changed' | null;
  decided: { hasil: Rating | null; perilaku: Rating | null; predicate: string | null };
  decisionReason: string | null;
  decidedById: number | null;
}

/**
 * Everything about objecting to one announced assessment: the assessment, when it was announced and the
 * window the cycle gives, who rated it and who decides an objection today, and the objection if any.
 */
export interface ObjectionCase {
  assessment: AssessmentView;
  /** When the cycle's results were announced; null while they are not. */
  announcedAt: Date | null;
  /** Days after the announcement an objection may be filed (the cycle's setting, else the configuration's). */
  windowDays: number;
  /** The rater whose rating stands (latest rated review). */
  ratedBy: PersonView | null;
  /**
   * The rater's superior today (atasan pejabat penilai: SQL `rater_of` of the rater, so an acting PLT/PLH
   * for the rater's own supervisor counts); null when there is none and HR decides.
   */
  superior: PersonView | null;
  /** Who may decide the objection now: the superior today, the rater's supervisor of record, the named decider; HR when none or escalated. */
  mayDecide: number[];
  /** HR officers of the owner's unit (admin role; nearest parent unit that has one). */
  hr: PersonView[];
  objection: ObjectionRecord | null;
}

/** A unit of the calibration view: its organisational rating and the predicates given in it. */
export interface CalibrationUnitView {
  unitId: number;
  unitName: string;
  /** null: HR has not set the unit's organisational rating, so the curve cannot be checked. */
  orgRating: string | null;
  predicates: string[];
}

/** A rated assessment the rater may revise while the cycle is closed. */
export interface RevisableView {
  id: number;
  ownerName: string;
  ownerNip: string;
  predicate: string;
}

/** Calibration for a rater: the latest closed (or announced) cycle they rated in, per unit of their people. */
export interface CalibrationView {
  cycleId: number;
  cycleName: string;
  /** 'closed' while calibrating, 'announced' once results are final. */
  cycleStatus: string;
  /** HR's reason when the cycle was announced over a broken curve. */
  curveOverride: string | null;
  units: CalibrationUnitView[];
  /** The rater's rated people in that cycle (revisable only while it is closed). */
  revisable: RevisableView[];
}

/** The person's latest rated assessment: provisional until its cycle is announced, then final. */
export interface ResultView {
  assessmentId: number;
  cycleName: string;
  /** True once announced (assessment status `announced`). */
  final: boolean;
  hasilKerja: Rating | null;
  perilaku: Rating | null;
  predicate: string;
  feedback: string | null;
  /** When the cycle was announced (the objection window counts from it). */
  announcedAt: Date | null;
  /** The coaching plan and its check-ins, for a result that needs coaching. */
  coaching: { plan: string | null; checkIns: { date: string; rating: number | null; next: number | null }[] } | null;
}

/** A link code found for the code the user typed. */
export interface LinkCodeView {
  id: number;
  employeeId: number;
  expiresAt: Date;
  usedAt: Date | null;
  employeeActive: boolean;
}

/** What `/pantau` looks at: the cycle to monitor, the actor's unit, whether they supervise anyone. */
export interface MonitorView {
  /** The latest cycle that is not a draft; null before the first one opens. */
  cycle: { id: number; name: string } | null;
  ownUnit: { code: string; name: string };
  /** True when someone active has the actor as supervisor of record. */
  supervises: boolean;
  /** The unit `/pantau CODE` named, when it exists. */
  askedUnit: { code: string; name: string } | null;
}

/** One person a supervisor (or acting rater) may give feedback to today. */
export interface FeedbackTarget {
  id: number;
  name: string;
  nip: string;
  locale: Locale;
  /** null: the actor is the supervisor of record; else 'plt' or 'plh'. */
  actingKind: string | null;
  /** Their Hasil Kerja indicators in the open period (own RHK/IKI targets first), which feedback may name. */
  items: { key: string; nameId: string; nameEn: string }[];
}

/** `/umpanbalik`: the people the actor may give supervisor feedback to, and the open period it is stored on. */
export interface FeedbackTargetsView {
  targets: FeedbackTarget[];
  /** The open cycle (period) the feedback belongs to; null between periods (it is stored without one). */
  cycleId: number | null;
}

/** A feedback's thread: the two people who may write in it. */
export interface FeedbackThreadView {
  id: number;
  threadKey: string;
  giver: { id: number; name: string; locale: Locale };
  employee: { id: number; name: string; locale: Locale };
}

/** A colleague found for `/apresiasi`: same agency (the actor's top-level unit), with their supervisor of record. */
export interface ColleagueView {
  id: number;
  name: string;
  nip: string;
  locale: Locale;
  unitId: number;
  optOutAnnouncements: boolean;
  supervisor: { id: number; locale: Locale } | null;
}

/** `/apresiasi`: how many the actor sent today (their calendar day), the limit, and the colleagues found. */
export interface RecognitionView {
  sentToday: number;
  perDay: number;
  /** The colleagues matching the typed name or NIP (at most 9), or the one chosen. */
  found: ColleagueView[];
  cycleId: number | null;
}

/** Everything a step may look at. */
export interface StepContext {
  now: Date;
  /** The chat platform of the event: recorded (audit, evidence), never branched on; see `capabilities`. */
  platform: string;
  /** What the platform can do (capabilities.ts): flows branch on these, not on the platform's name. */
  capabilities: PlatformCapabilities;
  /** The linked person, or null for an unknown chat user. */
  actor: PersonView | null;
  /** Language for replies. */
  locale: Locale;
  /** The actor's assessment in the open cycle, when one exists and was loaded. */
  own: AssessmentView | null;
  /** Another assessment the step works on (review, coaching), when loaded. */
  subject: AssessmentView | null;
  /** The group or channel the event was sent in (`IncomingEvent.groupChatId`), or null in the private chat. */
  groupChat?: string | null;
  /** The unit a command named (`/daftarkan_kanal UNIT`), when loaded and found. */
  unit?: { id: number; code: string; name: string } | null;
  /** The check-in a rating button refers to, when loaded. */
  checkIn: CheckInView | null;
  /** The objection case a step is about (`/keberatan`, `/status`, a decision), when loaded. */
  objection?: ObjectionCase | null;
  /** For /tinjau and /status. */
  pendingReviews: PendingReviewView[] | null;
  /** For /kalibrasi and a supervisor's /status, when loaded. */
  calibration?: CalibrationView | null;
  /** For /status: the actor's latest result, when loaded. */
  result?: ResultView | null;
  /** For /pantau, when loaded. */
  monitor?: MonitorView | null;
  /** For /umpanbalik, when loaded. */
  feedbackTargets?: FeedbackTargetsView | null;
  /** For /mintaumpanbalik: who rates the actor today (acting PLT/PLH or supervisor), null when no one; when loaded. */
  feedbackRater?: { id: number; name: string; locale: Locale } | null;
  /** For a review: the supervisor feedback and recognitions (not hidden) the subject's owner got in its cycle; when loaded. */
  gathered?: { count: number; latest: { kind: 'apresiasi' | 'saran' | 'rekan'; from: string; text: string; on: string }[] } | null;
  /** For /riwayat: the actor's latest feedback and recognitions, given and received (hidden left out); when loaded. */
  history?: { dir: 'given' | 'received'; kind: 'apresiasi' | 'saran' | 'rekan'; other: string; on: string; text: string }[] | null;
  /** For /status: supervisor feedback and recognitions (not hidden) the actor received in the open period; when loaded. */
  received?: { feedback: number; recognitions: number } | null;
  /** For /apresiasi, when loaded. */
  recognition?: RecognitionView | null;
  /** The feedback whose thread the event was sent in, when it is one. */
  feedbackThread?: FeedbackThreadView | null;
  /**
   * The text was typed outside any thread right after a relayed dialog message, so it is taken as the answer
   * in that message's thread (the person is told so).
   */
  impliedThread?: boolean;
  /** The public address of the HR web page (PUBLIC_URL), for `/masuk`; absent: the page is off. */
  publicUrl?: string;
  /** True when the conversation was idle longer than the draft idle time. */
  resumedAfterIdle: boolean;
  limits: { realisasiMaxMultiple: number; evidenceMaxMb: number; objectionDecisionDays?: number };
  /** Linking: the code the user typed and what was found for it. */
  link?: { code: string; found: LinkCodeView | null; recentFailures: number; lockedUntil: Date | null; emailMatch: number | null };
  /**
   * Prefix of the outbox dedupe keys this event writes (`<platform>:<event id>`); the message produced by
   * effect number i gets `<prefix>:<i>`. Absent in pure tests: then no prompt is recorded for editing.
   */
  eventKey?: string;
  /** A fresh opaque token for a button. Injected so tests can make tokens predictable. */
  newToken(): string;
  /** A short id to quote when something went wrong. */
  newErrorId(): string;
}
