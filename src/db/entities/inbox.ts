/**
 * The durable ingress inbox: every platform update is stored here (one short transaction) before the
 * platform is told it arrived, then handled by the engine in per-chat order. A row that cannot be handled
 * yet (database trouble) stays pending and is retried; one that fails for its content is parked.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { PLATFORM_NAME_MAX } from './identity.js';

export const INBOX_STATUSES = ['pending', 'done', 'parked'] as const;
export type InboxStatus = (typeof INBOX_STATUSES)[number];

export const InboxEvent = defineEntity({
  name: 'InboxEvent',
  tableName: 'inbox_event',
  uniques: [{ properties: ['platform', 'eventId'] }],
  indexes: [
    // The consumer's claim scans pending rows oldest first; done rows (the vast majority) are never read.
    { name: 'inbox_event_pending_index', expression: `create index "inbox_event_pending_index" on "inbox_event" ("id") where "status" = 'pending'` },
    // Per-chat order: "is an older row of this chat still pending?" is one probe of this index.
    { name: 'inbox_event_pending_chat_index', expression: `create index "inbox_event_pending_chat_index" on "inbox_event" ("chat_key", "id") where "status" = 'pending'` },
  ],
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    platform: p.string().length(PLATFORM_NAME_MAX),
    /** The platform's id of the update (Telegram update_id, Slack event id): a re-sent update is stored once. */
    eventId: p.string().length(128),
    /** `<platform>:<chat>`: rows of one key are handled one at a time, oldest first. */
    chatKey: p.string().length(200),
    /** What the adapter stored to resolve the update later (see each adapter's inbox handler). */
    payload: p.json<Record<string, unknown>>(),
    receivedAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
    status: p.enum([...INBOX_STATUSES]).default('pending'),
    attempts: p.integer().default(0),
    lastError: p.text().nullable(),
    /** Not handed out before this time: a retry's back-off, or the lease of the consumer handling it. */
    availableAt: p.datetime().defaultRaw('current_timestamp'),
    handledAt: p.datetime().nullable(),
  },
});
export type IInboxEvent = InferEntity<typeof InboxEvent>;
