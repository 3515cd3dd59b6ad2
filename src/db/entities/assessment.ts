/**
 * One employee's assessment in one cycle and everything hanging off it: answers per indicator, BerAKHLAK
 * behaviour notes, the supervisor's reviews (one per round), the dialog kinerja thread, follow-ups
 * (award or coaching with check-ins) and objections.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Cycle, EmployeeTarget, Indicator } from './cycle.js';
import { Employee } from './organisation.js';

export const ASSESSMENT_STATUSES = ['draft', 'submitted', 'returned', 'reviewed', 'announced'] as const;
export type AssessmentStatus = (typeof ASSESSMENT_STATUSES)[number];
export const RATINGS = ['di_atas', 'sesuai', 'di_bawah'] as const;
export const PREDICATES = ['sangat_baik', 'baik', 'butuh_perbaikan', 'kurang', 'sangat_kurang'] as const;

/** A piece of bukti dukung: a platform file reference or a link. */
export interface EvidenceRef {
  kind: 'file' | 'photo' | 'link';
  platform?: string;
  fileId?: string;
  name?: string;
  size?: number;
  mimeType?: string;
  url?: string;
}

export const Assessment = defineEntity({
  name: 'Assessment',
  tableName: 'assessment',
  uniques: [{ properties: ['employee', 'cycle'] }],
  indexes: [{ properties: ['cycle', 'status'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    employee: () => p.manyToOne(Employee).mapToPk(),
    cycle: () => p.manyToOne(Cycle).mapToPk(),
    status: p.enum([...ASSESSMENT_STATUSES]).default('draft'),
    /** 1 for the first submission; +1 each time the supervisor returns it for revision. */
    round: p.integer().default(1),
    /** Opaque key that ties chat threads (Telegram replies, Slack thread_ts) to this assessment. */
    threadKey: p.string().length(32).unique(),
    reflection: p.text().nullable(),
    submittedAt: p.datetime().nullable(),
    reviewedAt: p.datetime().nullable(),
    late: p.boolean().default(false),
    /**
     * Something has been answered (an answer row exists). Kept by a database trigger on `answer` (migration
     * assessment_answered); the app never writes it, the monitoring counts read it.
     */
    answered: p.boolean().default(false),
    hasilKerja: p.enum([...RATINGS]).nullable(),
    perilaku: p.enum([...RATINGS]).nullable(),
    predicate: p.enum([...PREDICATES]).nullable(),
    matrixVersion: p.string().length(64).nullable(),
    version: p.integer().version(),
    createdAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
    updatedAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type IAssessment = InferEntity<typeof Assessment>;

/** The employee's answer for one item: `itemKey` is `ind:<indicator id>` or `tgt:<employee target id>`. */
export const Answer = defineEntity({
  name: 'Answer',
  tableName: 'answer',
  uniques: [{ properties: ['assessment', 'itemKey'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    assessment: () => p.manyToOne(Assessment).mapToPk(),
    itemKey: p.string().length(32),
    indicator: () => p.manyToOne(Indicator).mapToPk().nullable(),
    target: () => p.manyToOne(EmployeeTarget).mapToPk().nullable(),
    realisasi: p.decimal('number').precision(16).scale(4).nullable(),
    narrative: p.text().nullable(),
    evidence: p.json<EvidenceRef[]>().default('[]'),
    evidenceSkipped: p.boolean().default(false),
    supervisorRating: p.enum([...RATINGS]).nullable(),
    updatedAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()).onUpdate(() => new Date()),
  },
});
export type IAnswer = InferEntity<typeof Answer>;

export const BERAKHLAK_VALUES = [
  'berorientasi_pelayanan',
  'akuntabel',
  'kompeten',
  'harmonis',
  'loyal',
  'adaptif',
  'kolaboratif',
] as const;

/** Self reflection and/or supervisor note on one BerAKHLAK core value. */
export const BehaviourRating = defineEntity({
  name: 'BehaviourRating',
  tableName: 'behaviour_rating',
  uniques: [{ properties: ['assessment', 'value'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    assessment: () => p.manyToOne(Assessment).mapToPk(),
    value: p.enum([...BERAKHLAK_VALUES]),
    selfNote: p.text().nullable(),
    supervisorRating: p.enum([...RATINGS]).nullable(),
    supervisorNote: p.text().nullable(),
  },
});
export type IBehaviourRating = InferEntity<typeof BehaviourRating>;

export const REVIEW_OUTCOMES = ['rated', 'returned'] as const;

/** One review round by the rater (supervisor of record or PLT/PLH): ratings + feedback, or a return note. */
export const Review = defineEntity({
  name: 'Review',
  tableName: 'review',
  uniques: [{ properties: ['assessment', 'round'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    assessment: () => p.manyToOne(Assessment).mapToPk(),
    round: p.integer(),
    reviewer: () => p.manyToOne(Employee).mapToPk().index(),
    actingKind: p.string().length(8).nullable(),
    outcome: p.enum([...REVIEW_OUTCOMES]),
    indicatorRatings: p.json<Record<string, string>>().default('{}'),
    suggestedHasilKerja: p.enum([...RATINGS]).nullable(),
    hasilKerja: p.enum([...RATINGS]).nullable(),
    perilaku: p.enum([...RATINGS]).nullable(),
    perilakuNote: p.text().nullable(),
    feedback: p.text().nullable(),
    returnNote: p.text().nullable(),
    predicate: p.enum([...PREDICATES]).nullable(),
    matrixVersion: p.string().length(64).nullable(),
    createdAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
  },
});
export type IReview = InferEntity<typeof Review>;

/** A rating revised by its rater during calibration (closed cycle, before announce), with the reason. */
export const RatingRevision = defineEntity({
  name: 'RatingRevision',
  tableName: 'rating_revision',
  properties: {
    id: p.integer().primary().autoincrement(),
    assessment: () => p.manyToOne(Assessment).mapToPk().index(),
    reviser: () => p.manyToOne(Employee).mapToPk(),
    oldHasilKerja: p.enum([...RATINGS]).nullable(),
    oldPerilaku: p.enum([...RATINGS]).nullable(),
    oldPredicate: p.enum([...PREDICATES]).nullable(),
    hasilKerja: p.enum([...RATINGS]),
    perilaku: p.enum([...RATINGS]),
    predicate: p.enum([...PREDICATES]),
    reason: p.text(),
    createdAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
  },
});
export type IRatingRevision = InferEntity<typeof RatingRevision>;

/** A message of the dialog kinerja, stored on the assessment and relayed to the other party. */
export const ThreadMessage = defineEntity({
  name: 'ThreadMessage',
  tableName: 'thread_message',
  properties: {
    id: p.integer().primary().autoincrement(),
    assessment: () => p.manyToOne(Assessment).mapToPk().index(),
    author: () => p.manyToOne(Employee).mapToPk(),
    platform: p.string().length(16),
    text: p.text(),
    createdAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
  },
});
export type IThreadMessage = InferEntity<typeof ThreadMessage>;

export const FOLLOW_UP_KINDS = ['award', 'coaching'] as const;

export const FollowUp = defineEntity({
  name: 'FollowUp',
  tableName: 'follow_up',
  properties: {
    id: p.integer().primary().autoincrement(),
    assessment: () => p.manyToOne(Assessment).mapToPk().unique(),
    kind: p.enum([...FOLLOW_UP_KINDS]),
    plan: p.text().nullable(),
    firstCheckIn: p.date().nullable(),
    status: p.string().length(16).default('open'),
    createdAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
  },
});
export type IFollowUp = InferEntity<typeof FollowUp>;

/** A coaching check-in and, afterwards, the employee's 1-5 rating of the session. */
export const CheckIn = defineEntity({
  name: 'CheckIn',
  tableName: 'check_in',
  properties: {
    id: p.integer().primary().autoincrement(),
    followUp: () => p.manyToOne(FollowUp).mapToPk().index(),
    dueOn: p.date(),
    doneAt: p.datetime().nullable(),
    /** "Saya merasa didengar" (1-5). */
    employeeRating: p.smallint().nullable(),
    /** "Saya tahu langkah berikutnya" (1-5), the second statement. */
    employeeRatingNext: p.smallint().nullable(),
    note: p.text().nullable(),
  },
});
export type ICheckIn = InferEntity<typeof CheckIn>;

export const OBJECTION_STATUSES = ['open', 'decided'] as const;
export const OBJECTION_DECISIONS = ['upheld', 'changed'] as const;

/**
 * An objection (keberatan) to an announced result: one per assessment. It keeps the ratings objected to
 * (`original*`) and the decision (`new*`, the same as the originals when upheld); a changed decision also
 * replaces the assessment's ratings and predikat. `decider` is the rater's superior when it was filed
 * (null: HR decides); `dueOn` the decider's date it should be decided by, after which HR is told.
 */
export const Objection = defineEntity({
  name: 'Objection',
  tableName: 'objection',
  properties: {
    id: p.integer().primary().autoincrement(),
    assessment: () => p.manyToOne(Assessment).mapToPk().unique(),
    reason: p.text(),
    evidenceUrl: p.text().nullable(),
    status: p.string().length(16).default('open'),
    /** The rater whose rating is objected to (the latest rated review's reviewer). */
    ratedBy: () => p.manyToOne(Employee).mapToPk().nullable(),
    decider: () => p.manyToOne(Employee).mapToPk().nullable(),
    originalHasilKerja: p.enum([...RATINGS]).nullable(),
    originalPerilaku: p.enum([...RATINGS]).nullable(),
    originalPredicate: p.enum([...PREDICATES]).nullable(),
    dueOn: p.date().nullable(),
    escalatedAt: p.datetime().nullable(),
    decidedBy: () => p.manyToOne(Employee).mapToPk().nullable(),
    decision: p.string().length(16).nullable(),
    newHasilKerja: p.enum([...RATINGS]).nullable(),
    newPerilaku: p.enum([...RATINGS]).nullable(),
    newPredicate: p.enum([...PREDICATES]).nullable(),
    decisionReason: p.text().nullable(),
    createdAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
    decidedAt: p.datetime().nullable(),
  },
});
export type IObjection = InferEntity<typeof Objection>;
