/**
 * The Slack PlatformSender: renders one outbox message and makes one Web API call per attempt
 * (chat.postMessage, chat.update for a replace, or views.open for a form while its trigger is fresh).
 * The WebClient's own retries are off and rate-limited calls are rejected, so BullMQ owns retrying.
 */
import { WebClient } from '@slack/web-api';
import type { DeliveryLookups, DeliveryReceipt, Destination, OutgoingMessage, PlatformSender } from '../../contract/index.js';
import type { Logger } from '../../logger.js';
import { classifySlackError } from './errors.js';
import { slackSdkLogger } from './slack-logger.js';
import { renderMessage, renderModal } from './render.js';
import type { TriggerStore } from './trigger-store.js';

/** Timeout of one Web API call; a hung connection becomes a transient failure instead of a stuck job. */
export const SLACK_CALL_TIMEOUT_MS = 10_000;

/** Slack errors on chat.update meaning "that message cannot be edited": send a new one instead. */
const EDIT_FALLBACK_ERRORS = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed', 'msg_too_long']);

/** Prefix of a platformMessageRef that is a modal (views.open), not a chat message. */
export const VIEW_REF_PREFIX = 'view:';

/** A WebClient for delivery: no hidden retries, 429s thrown at once. */
export function createDeliveryClient(opts: { token: string; apiUrl: string; timeoutMs?: number; logger?: Logger }): WebClient {
  return new WebClient(opts.token, {
    slackApiUrl: opts.apiUrl,
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: opts.timeoutMs ?? SLACK_CALL_TIMEOUT_MS,
    ...(opts.logger ? { logger: slackSdkLogger(opts.logger, 'web-api') } : {}),
  });
}

export interface SlackSenderOptions {
  client: WebClient;
  /** Fresh trigger_ids from ingress in this process; without one a form is offered behind a button. */
  triggers?: TriggerStore;
  logger?: Logger;
}

/** Delivers OutgoingMessages to Slack. */
export class SlackSender implements PlatformSender {
  readonly platform = 'slack' as const;
  private readonly client: WebClient;
  private readonly triggers?: TriggerStore;
  private readonly logger?: Logger;

  constructor(opts: SlackSenderOptions) {
    this.client = opts.client;
    this.triggers = opts.triggers;
    this.logger = opts.logger;
  }

  async deliver(destination: Destination, message: OutgoingMessage, lookups: DeliveryLookups): Promise<DeliveryReceipt> {
    const channel = destination.chatId;
    if (message.form) {
      const trigger = this.triggers?.take(channel);
      if (trigger) {
        const opened = await this.openModal(trigger, message, channel);
        if (opened) return opened;
      }
    }
    const rendered = renderMessage(message, { openForm: Boolean(message.form) });

    if (message.replaceOutboxId !== undefined) {
      const ref = await lookups.messageRefOf(message.replaceOutboxId);
      if (ref && !ref.startsWith(VIEW_REF_PREFIX)) {
        try {
          await this.client.chat.update({ channel, ts: ref, text: rendered.text, blocks: rendered.blocks });
          return { platformMessageRef: ref };
        } catch (err) {
          const failure = classifySlackError('chat.update', err);
          if (!failure.platformCode || !EDIT_FALLBACK_ERRORS.has(failure.platformCode)) throw failure;
          this.logger?.info({ channel, code: failure.platformCode }, 'slack: message cannot be edited; sending a new one');
        }
      }
    }

    let threadTs: string | undefined;
    if (message.threadKey && !message.threadRoot) threadTs = (await lookups.threadRootRef(destination, message.threadKey)) ?? undefined;
    try {
      const res = await this.client.chat.postMessage({
        channel,
        text: rendered.text,
        blocks: rendered.blocks,
        ...(threadTs ? { thread_ts: threadTs } : {}),
        unfurl_links: false,
      });
      if (!res.ts) throw new Error('chat.postMessage answered ok without a ts');
      return { platformMessageRef: res.ts };
    } catch (err) {
      throw classifySlackError('chat.postMessage', err);
    }
  }

  /** views.open with a fresh trigger; null when Slack says the trigger expired (fall back to a button). */
  private async openModal(triggerId: string, message: OutgoingMessage, channel: string): Promise<DeliveryReceipt | null> {
    try {
      const res = await this.client.views.open({ trigger_id: triggerId, view: renderModal(message.form!, channel) });
      return { platformMessageRef: VIEW_REF_PREFIX + (res.view?.id ?? triggerId) };
    } catch (err) {
      const failure = classifySlackError('views.open', err);
      if (failure.kind !== 'permanent') throw failure;
      this.logger?.info({ channel, code: failure.platformCode }, 'slack: could not open the form as a modal; offering it behind a button');
      return null;
    }
  }
}
