/**
 * Recent trigger_ids, per DM channel. Slack only lets an app open a modal with the trigger_id of an
 * interaction from the last 3 seconds, and the engine's reply (the one carrying the form) is delivered by the
 * sender a moment after the click. The sender takes the trigger from here; when it is gone or too old (a
 * worker in another process, a slow queue), the form is offered behind a button instead.
 */
import type { Clock } from '../../clock.js';
import { TRIGGER_TTL_MS } from './limits.js';

export class TriggerStore {
  private readonly triggers = new Map<string, { triggerId: string; at: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlMs: number = TRIGGER_TTL_MS,
  ) {}

  /** Remembers the trigger of an interaction that happened in `chatId`. */
  remember(chatId: string, triggerId: string): void {
    this.triggers.set(chatId, { triggerId, at: this.clock.now().getTime() });
    this.prune();
  }

  /** The fresh trigger for `chatId`, used up by this call (a trigger opens one modal); null when none. */
  take(chatId: string): string | null {
    const entry = this.triggers.get(chatId);
    this.triggers.delete(chatId);
    if (!entry || this.clock.now().getTime() - entry.at > this.ttlMs) return null;
    return entry.triggerId;
  }

  /** Drops expired entries so the map stays as small as the number of people clicking right now. */
  private prune(): void {
    const now = this.clock.now().getTime();
    for (const [chat, entry] of this.triggers) if (now - entry.at > this.ttlMs) this.triggers.delete(chat);
  }
}
