/**
 * The reliability tables: conversation state (optimistic locking), processed platform events
 * (idempotent ingress), the transactional outbox, reminders and the append-only audit log.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Assessment } from './assessment.js';
import { Cycle } from './cycle.js';
import { FeedbackRequest } from './feedback.js';
import { PLATFORM_NAME_MAX } from './identity.js';
import { Employee } from './organisation.js';

/** One chat user's conversation: which flow and step, the flow's serialisable state, live button tokens. */
export const Conversation = defineEntity({
  name: 'Conversation',
  tableName: 'conversation',
  uniques: [{ properties: ['platform', 'platformUserId'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    platform: p.string().length(PLATFORM_NAME_MAX),
    platformUserId: p.string().length(128),
    employee: () => p.manyToOne(Employee).mapToPk().nullable().index(),
    flow: p.string().length(32).default('idle'),
    step: p.string().length(64).default('idle'),
    state: p.json<Record<string, unknown>>().default('{}'),
    version: p.integer().version(),
    lastActivityAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
    expiresAt: p.datetime().nullable(),
  },
});
export type IConversation = InferEntity<typeof Conversation>;

export const ProcessedEvent = defineEntity({
  name: 'ProcessedEvent',
  tableName: 'processed_event',
  uniques: [{ properties: ['platform', 'eventId'] }],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    platform: p.string().length(16),
    eventId: p.string().length(128),
    processedAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
  },
});
export type IProcessedEvent = InferEntity<typeof ProcessedEvent>;

export const OUTBOX_STATUSES = ['pending', 'sent', 'failed', 'dead'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** A message to send, written in the same transaction as the state change that caused it. */
export const OutboxMessage = defineEntity({
  name: 'OutboxMessage',
  tableName: 'outbox_message',
  indexes: [
    // Rows not sent, by status (the relay's pending rows, HR's failed and dead ones): marking a row sent adds no
    // entry (migration outbox_unsent_index).
    {
      name: 'outbox_message_unsent_created_at_index',
      expression: `create index "outbox_message_unsent_created_at_index" on "outbox_message" ("status", "created_at") where "status" <> 'sent'`,
    },
    { properties: ['platform', 'chatId', 'id'] },
    // The delivery worker's per-chat order check (an older row of the same chat still pending?) reads only
    // pending rows, so it stays one short index probe however long a chat's history grows.
    {
      name: 'outbox_message_pending_chat_index',
      expression: `create index "outbox_message_pending_chat_index" on "outbox_message" ("platform", "chat_id", "id") where "status" = 'pending'`,
    },
  ],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    platform: p.string().length(16),
    chatId: p.string().length(128),
    // No foreign-key constraint: its per-row trigger was a third of the reminder sweep's outbox insert; every
    // writer takes the recipient from an employee row it just read (migration sweep_writes). No index: nothing
    // looks rows up by recipient (migration outbox_recipient_unindexed).
    recipient: () => p.manyToOne(Employee).mapToPk().nullable().createForeignKeyConstraint(false),
    payload: p.json<Record<string, unknown>>(),
    dedupeKey: p.string().length(200).unique(),
    status: p.enum([...OUTBOX_STATUSES]).default('pending'),
    attempts: p.integer().default(0),
    lastError: p.text().nullable(),
    platformMessageRef: p.string().length(128).nullable(),
    createdAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
    /** Set by `kinerja outbox retry`: the give-up time (DELIVERY_GIVE_UP_HOURS) counts from here, not from createdAt. */
    retryFrom: p.datetime().nullable(),
    sentAt: p.datetime().nullable(),
  },
});
export type IOutboxMessage = InferEntity<typeof OutboxMessage>;

export const REMINDER_STATUSES = ['pending', 'sent', 'cancelled', 'skipped'] as const;

export const Reminder = defineEntity({
  name: 'Reminder',
  tableName: 'reminder',
  // The sweep's claim order (due_at, id) is the index's, so a batch reads only its own rows; pending rows only,
  // so settling a row adds no entry and the index stays the size of what is still to send (migration sweep_writes).
  indexes: [
    {
      name: 'reminder_pending_due_at_id_index',
      expression: `create index "reminder_pending_due_at_id_index" on "reminder" ("due_at", "id") where "status" = 'pending'`,
    },
    // A person's due rows without reading the others (migration reminder_recipient_due).
    { name: 'reminder_recipient_id_due_at_index', properties: ['recipient', 'dueAt'] },
  ],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    // No foreign-key constraints on reminder rows: a cycle's opening writes 700,000 of them and the per-row
    // triggers were most of its time; every writer takes the ids from rows it just read (migration reminder_planning).
    assessment: () => p.manyToOne(Assessment).mapToPk().nullable().index().createForeignKeyConstraint(false),
    /** The period of a reminder without an assessment (a feedback nudge: `fbnudge`). */
    cycle: () => p.manyToOne(Cycle).mapToPk().nullable().createForeignKeyConstraint(false),
    /** The request for feedback a `fbreq` reminder is about. */
    feedbackRequest: () => p.manyToOne(FeedbackRequest).mapToPk().nullable().createForeignKeyConstraint(false),
    recipient: () => p.manyToOne(Employee).mapToPk().createForeignKeyConstraint(false),
    audience: p.string().length(16),
    kind: p.string().length(32),
    dueAt: p.datetime(),
    localDate: p.date(),
    status: p.enum([...REMINDER_STATUSES]).default('pending'),
    createdAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
    sentAt: p.datetime().nullable(),
  },
});
export type IReminder = InferEntity<typeof Reminder>;

/**
 * Append-only; each row carries the hash of the previous one so tampering shows. The engine's entries are
 * written sealed and get their place and hash from the chainer right after (src/db/audit.ts): only those three
 * columns are ever filled in later, once.
 */
export const AuditEvent = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_event',
  indexes: [
    { name: 'audit_event_pos_unique', expression: `create unique index "audit_event_pos_unique" on "audit_event" ("pos")` },
    { name: 'audit_event_nonce_unique', expression: `create unique index "audit_event_nonce_unique" on "audit_event" ("nonce") where "nonce" is not null` },
    { name: 'audit_event_unchained_index', expression: `create index "audit_event_unchained_index" on "audit_event" ("id") where "pos" is null` },
  ],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    at: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
    actor: p.string().length(128),
    action: p.string().length(64),
    subject: p.string().length(128),
    data: p.json<Record<string, unknown>>().default('{}'),
    prevHash: p.string().length(64).nullable(),
    /** Null while a sealed entry waits for the chainer. */
    hash: p.string().length(64).nullable(),
    /** The entry's place in the chain (the walk's order): its id when it was chained on insert, else given by the chainer. */
    pos: p.bigint('number').nullable(),
    /** A sealed entry's nonce (unique: a copy cannot be chained twice) and its HMAC over nonce and body. */
    nonce: p.string().length(32).nullable(),
    seal: p.string().length(64).nullable(),
    /**
     * How `hash` was made (src/db/audit.ts): 1 = sha256 (entries written before the keyed chain, marked so by the
     * migration that introduced the key), 2 = HMAC-SHA256 with AUDIT_KEY.
     */
    chain: p.smallint().default(2),
  },
});
export type IAuditEvent = InferEntity<typeof AuditEvent>;

/**
 * A signed checkpoint of the audit chain: how many entries it had and the hash of the newest one, with an
 * HMAC (AUDIT_KEY) over both. Written daily and at every cycle close and announce, logged and sent to HR in
 * chat, so entries deleted from the end, or a chain forged and re-hashed, no longer match a checkpoint.
 */
export const AuditCheckpoint = defineEntity({
  name: 'AuditCheckpoint',
  tableName: 'audit_checkpoint',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    at: p.datetime(),
    /** Entries in the chain when it was signed. */
    entries: p.bigint('number'),
    /** The newest entry's id and hash (null with no entries). */
    lastId: p.bigint('number').nullable(),
    headHash: p.string().length(64).nullable(),
    /** Why it was written: `daily`, `cycle.closed`, `cycle.announced`. */
    reason: p.string().length(32),
    mac: p.string().length(64),
  },
});
export type IAuditCheckpoint = InferEntity<typeof AuditCheckpoint>;
