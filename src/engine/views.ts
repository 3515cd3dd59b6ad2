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
  /** The check-in a rating button refers to, when loaded. */
  checkIn: CheckInView | null;
  /** For /tinjau and /status. */
  pendingReviews: PendingReviewView[] | null;
  /** For /pantau, when loaded. */
  monitor?: MonitorView | null;
  /** The public address of the HR web page (PUBLIC_URL), for `/masuk`; absent: the page is off. */
  publicUrl?: string;
  /** True when the conversation was idle longer than the draft idle time. */
  resumedAfterIdle: boolean;
  limits: { realisasiMaxMultiple: number; evidenceMaxMb: number };
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
