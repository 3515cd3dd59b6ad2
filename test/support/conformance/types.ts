/**
 * What each platform supplies to the shared conformance suite (test/conformance/platform.test.ts): a fake of
 * the platform at its HTTP boundary (or an in-memory terminal) and the person's side of the chat on it.
 * Nothing here knows the engine; the suite builds the real adapter from the registry module.
 */
import type { PlatformConfig, TerminalSession } from '../../../src/contract/index.js';

/** One message in the person's chat, as the platform shows it. */
export interface ShownMessage {
  /** The platform's id of the message (what the sender returned as platformMessageRef, or a part of it). */
  ref: string;
  /**
   * Every field of the message the platform parses for markup, decoded as the person sees it (Telegram: the
   * HTML text; Slack: the top-level `text` and each mrkdwn section; console: the printed text).
   */
  fields: { name: string; shown: string; length: number; max: number }[];
  /** The message as the person reads it in the chat (Slack: its blocks, not the notification fallback). */
  body: string;
  /** The message's buttons as the person sees them, with the token the platform echoes when pressed. */
  buttons: { label: string; token: string }[][];
  /** Times the message was edited. */
  edits: number;
}

/** A platform failure the fake plays for the next delivery call. */
export type FakeFailure = { kind: 'rate_limited'; retryAfterSec: number } | { kind: 'forbidden' } | { kind: 'server_error' };

/** A fake platform plus the person using it. */
export interface ConformanceFake {
  /** The configuration that points the platform module at this fake. */
  config: PlatformConfig;
  /** For terminal platforms: the in-memory terminal. */
  terminal?: Omit<TerminalSession, 'describe'>;
  /** The person's platform user id and their private chat with the bot. */
  user: { platformUserId: string; chatId: string };
  /** Buttons per row the platform allows, and the longest text one message field may carry. */
  limits: { buttonsPerRow: number };
  /** The person types text. */
  sendText(text: string): Promise<void>;
  /** The person types a command with arguments (as the platform's command prefix wants it). */
  sendCommand(name: string, args: string[]): Promise<void>;
  /** The person presses the button labelled `label` of the shown message `ref`. */
  pressButton(ref: string, label: string): Promise<void>;
  /** The person replies to (or in the thread of) the bot's message `ref`; only with capability `threads`. */
  replyTo?(ref: string, text: string): Promise<void>;
  /** The platform delivers the last event again (a retry); only with capability `redelivery`. */
  redeliverLast?(): Promise<void>;
  /** The person's chat, oldest first. */
  shown(): ShownMessage[];
  /** Makes the next delivery call fail; only for failures the capabilities say the platform has. */
  failNext?(failure: FakeFailure): void;
  /** The configuration pointing the platform at an address where nothing listens (a network failure). */
  unreachableConfig?: PlatformConfig;
  /** Makes the next edit fail as "message can no longer be edited"; only with capability `editMessages`. */
  failNextEdit?(): void;
  close(): Promise<void>;
}

/** What a factory gets: where the app's HTTP server listens (for webhooks). */
export interface FakeContext {
  appUrl: string;
}

/** A platform's contribution to the suite. */
export interface ConformanceFactory {
  /** The registry name of the platform module it fakes. */
  platform: string;
  start(ctx: FakeContext): Promise<ConformanceFake>;
}
