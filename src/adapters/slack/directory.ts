/**
 * What ingress needs to know about Slack people: their profile (email, for linking by email on the first
 * DM) and their DM channel with the bot (for someone using /kinerja in a channel). Both come from
 * the Web API and are cached in memory for a while: a person's email rarely changes, and ingress must stay
 * fast enough to answer Slack within 3 seconds.
 */
import type { WebClient } from '@slack/web-api';
import type { Clock } from '../../clock.js';
import type { IncomingEvent } from '../../contract/index.js';
import type { Logger } from '../../logger.js';

/** How long a users.info answer is reused. */
export const PROFILE_CACHE_TTL_MS = 10 * 60 * 1000;
/** Entries kept at most; the oldest go first. */
export const PROFILE_CACHE_MAX = 10_000;

export type IdentityHints = NonNullable<IncomingEvent['hints']>;

/** Cached look-ups of Slack users. */
export class SlackDirectory {
  private readonly profiles = new Map<string, { hints: IdentityHints; at: number }>();
  private readonly dms = new Map<string, string>();

  constructor(
    private readonly client: WebClient,
    private readonly clock: Clock,
    private readonly logger: Logger,
    private readonly ttlMs: number = PROFILE_CACHE_TTL_MS,
  ) {}

  /** Email, display name and locale of `userId` (users.info); empty hints when Slack does not answer. */
  async hintsFor(userId: string): Promise<IdentityHints> {
    const now = this.clock.now().getTime();
    const cached = this.profiles.get(userId);
    if (cached && now - cached.at <= this.ttlMs) return cached.hints;
    try {
      const res = await this.client.users.info({ user: userId, include_locale: true });
      const user = res.user;
      const hints: IdentityHints = {};
      if (user?.profile?.email) hints.email = user.profile.email;
      const name = user?.profile?.display_name || user?.real_name || user?.name;
      if (name) hints.displayName = name;
      if (user?.locale) hints.locale = user.locale;
      this.profiles.delete(userId);
      this.profiles.set(userId, { hints, at: now });
      if (this.profiles.size > PROFILE_CACHE_MAX) this.profiles.delete(this.profiles.keys().next().value as string);
      return hints;
    } catch (err) {
      // Linking by email is a convenience: without it the person links with a code, so go on without hints.
      this.logger.warn({ err, userId }, 'slack: users.info failed; continuing without the email hint');
      return {};
    }
  }

  /** The DM channel between the bot and `userId` (conversations.open); null when Slack does not answer. */
  async dmChannelOf(userId: string): Promise<string | null> {
    const cached = this.dms.get(userId);
    if (cached) return cached;
    try {
      const res = await this.client.conversations.open({ users: userId });
      const id = res.channel?.id;
      if (!id) return null;
      this.dms.set(userId, id);
      return id;
    } catch (err) {
      this.logger.warn({ err, userId }, 'slack: conversations.open failed; cannot find the DM of this user');
      return null;
    }
  }
}
