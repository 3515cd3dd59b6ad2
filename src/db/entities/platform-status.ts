/**
 * How each chat platform's start went, as the bot processes last reported it: `kinerja status` runs in another
 * process and reads it here. A permanent failure (a refused token) is kept with the variable to fix and the
 * platform's own reason until a process starts that platform again.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { PLATFORM_NAME_MAX } from './identity.js';

export const PLATFORM_STATES = ['ready', 'retrying', 'stopped'] as const;
export type PlatformStartState = (typeof PLATFORM_STATES)[number];

export const PlatformStatus = defineEntity({
  name: 'PlatformStatus',
  tableName: 'platform_status',
  properties: {
    platform: p.string().length(PLATFORM_NAME_MAX).primary(),
    state: p.enum([...PLATFORM_STATES]),
    /** With `stopped`: the environment variable to fix. */
    variable: p.string().length(64).nullable(),
    /** The platform's reason (never a token), or the last transient failure while retrying. */
    reason: p.text().nullable(),
    updatedAt: p.datetime(),
  },
});
export type IPlatformStatus = InferEntity<typeof PlatformStatus>;
