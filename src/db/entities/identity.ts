/** Chat identities (a platform account linked to an employee) and the single-use codes that link them. */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { Employee } from './organisation.js';

/**
 * A platform's registry name (src/platforms.ts). Stored as a short string without a check constraint, so a
 * new platform needs no migration (Migration20261202061500_platform_names dropped the old constraints).
 */
export type Platform = string;
/** Longest registry name a `platform` column holds. */
export const PLATFORM_NAME_MAX = 16;

export const ChatIdentity = defineEntity({
  name: 'ChatIdentity',
  tableName: 'chat_identity',
  uniques: [{ properties: ['platform', 'platformUserId'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    platform: p.string().length(PLATFORM_NAME_MAX),
    platformUserId: p.string().length(128),
    /** The private chat (DM) where the bot talks to this person. */
    chatId: p.string().length(128),
    employee: () => p.manyToOne(Employee).mapToPk().index(),
    linkedAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
  },
});
export type IChatIdentity = InferEntity<typeof ChatIdentity>;

/** Only the SHA-256 of a code is stored: a leaked table cannot be used to link accounts. */
export const LinkCode = defineEntity({
  name: 'LinkCode',
  tableName: 'link_code',
  properties: {
    id: p.integer().primary().autoincrement(),
    employee: () => p.manyToOne(Employee).mapToPk().index(),
    codeHash: p.string().length(64).unique(),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    usedByPlatform: p.string().length(16).nullable(),
    createdAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
  },
});
export type ILinkCode = InferEntity<typeof LinkCode>;

/** Failed link attempts, counted per chat user per hour to lock out code guessing. */
export const LinkFailure = defineEntity({
  name: 'LinkFailure',
  tableName: 'link_failure',
  indexes: [{ properties: ['platform', 'platformUserId', 'at'] }],
  properties: {
    id: p.integer().primary().autoincrement(),
    platform: p.string().length(PLATFORM_NAME_MAX),
    platformUserId: p.string().length(128),
    at: p.datetime(),
  },
});
export type ILinkFailure = InferEntity<typeof LinkFailure>;

/**
 * A one-time sign-in link to the HR web page (`/masuk` in chat): the hash of its secret, valid 10 minutes,
 * used once. Using it starts a browser session whose secret's hash is kept on the same row.
 */
export const WebSignin = defineEntity({
  name: 'WebSignin',
  tableName: 'web_signin',
  properties: {
    id: p.integer().primary().autoincrement(),
    employee: () => p.manyToOne(Employee).mapToPk().index(),
    tokenHash: p.string().length(64).unique(),
    expiresAt: p.datetime(),
    usedAt: p.datetime().nullable(),
    sessionHash: p.string().length(64).unique().nullable(),
    sessionExpiresAt: p.datetime().nullable(),
    createdAt: p.datetime().defaultRaw('current_timestamp').onCreate(() => new Date()),
  },
});
export type IWebSignin = InferEntity<typeof WebSignin>;
