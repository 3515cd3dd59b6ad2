/**
 * Continuous feedback (umpan balik berkelanjutan): a supervisor's feedback to one of their people, stored on
 * the period open when it was given, and the answers in its thread; recognition between colleagues.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { BERAKHLAK_VALUES, FEEDBACK_KINDS } from '../../domain/index.js';
import type { EvidenceRef } from './assessment.js';
import { Cycle } from './cycle.js';
import { Employee } from './organisation.js';

/** Feedback given by the supervisor of record or the acting rater (`actingKind` 'plt' / 'plh'). */
export const Feedback = defineEntity({
  name: 'Feedback',
  tableName: 'feedback',
  properties: {
    id: p.integer().primary().autoincrement(),
    cycle: () => p.manyToOne(Cycle).mapToPk().nullable(),
    giver: () => p.manyToOne(Employee).mapToPk().index(),
    employee: () => p.manyToOne(Employee).mapToPk().index(),
    actingKind: p.string().length(8).nullable(),
    kind: p.enum([...FEEDBACK_KINDS]),
    value: p.enum([...BERAKHLAK_VALUES]).nullable(),
    /** The indicator it is about (an answer's item key: `ind:<id>` or `tgt:<id>`), when linked to one. */
    itemKey: p.string().length(32).nullable(),
    /** The indicator's text as it was when the feedback was given (indicators change between periods). */
    itemTitle: p.text().nullable(),
    text: p.text(),
    /** Evidence (bukti dukung) the supervisor attached: files, photos or links, like an answer's. */
    evidence: p.json<EvidenceRef[]>().default('[]'),
    /** The thread its answers are in (outbox `threadKey`). */
    threadKey: p.string().length(32).unique(),
    platform: p.string().length(16),
    createdAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
  },
});
export type IFeedback = InferEntity<typeof Feedback>;

/** A message in a feedback's thread, by its giver or its employee. */
export const FeedbackReply = defineEntity({
  name: 'FeedbackReply',
  tableName: 'feedback_reply',
  properties: {
    id: p.integer().primary().autoincrement(),
    feedback: () => p.manyToOne(Feedback).mapToPk().index(),
    author: () => p.manyToOne(Employee).mapToPk(),
    platform: p.string().length(16),
    text: p.text(),
    createdAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
  },
});
export type IFeedbackReply = InferEntity<typeof FeedbackReply>;

/** Recognition (apresiasi) between colleagues; HR may hide one (`hiddenAt`, with the reason and who hid it). */
export const Recognition = defineEntity({
  name: 'Recognition',
  tableName: 'recognition',
  properties: {
    id: p.integer().primary().autoincrement(),
    cycle: () => p.manyToOne(Cycle).mapToPk().nullable(),
    sender: () => p.manyToOne(Employee).mapToPk().index(),
    recipient: () => p.manyToOne(Employee).mapToPk().index(),
    value: p.enum([...BERAKHLAK_VALUES]),
    text: p.text(),
    /** True when it was posted to the unit's channel. */
    public: p.boolean().default(false),
    platform: p.string().length(16),
    hiddenAt: p.datetime().nullable(),
    hiddenReason: p.text().nullable(),
    hiddenBy: p.text().nullable(),
    createdAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
  },
});
export type IRecognition = InferEntity<typeof Recognition>;

/** An employee's request for feedback from their rater; answered by the next feedback they are given. */
export const FeedbackRequest = defineEntity({
  name: 'FeedbackRequest',
  tableName: 'feedback_request',
  properties: {
    id: p.integer().primary().autoincrement(),
    employee: () => p.manyToOne(Employee).mapToPk().index(),
    rater: () => p.manyToOne(Employee).mapToPk(),
    topic: p.text().nullable(),
    feedback: () => p.manyToOne(Feedback).mapToPk().nullable(),
    answeredAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
  },
});
export type IFeedbackRequest = InferEntity<typeof FeedbackRequest>;
