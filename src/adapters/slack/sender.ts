/**
 * The Slack PlatformSender: renders one outbox message and makes one Web API call per attempt
 * (chat.postMessage, chat.update for a replace, or views.open for a form while its trigger is fresh).
 * The WebClient's own retries are off and rate-limited calls are rejected, so BullMQ owns retrying.
 */
import { WebClient } from '@slack/web-api';
import { DeliveryError, type DeliveryLookups, type DeliveryReceipt, type Destination, type OutgoingMessage, type PlatformSender } from '../../contract/index.js';
import type { Logger } from '../../logger.js';
import { classifySlackError } from './errors.js';
import { slackSdkLogger } from './slack-logger.js';
import { renderMessage, renderModal } from './render.js';
import type { TriggerStore } from './trigger-store.js';

/** Timeout of one Web API call; a hung connection becomes a transient failure instead of a stuck job. */
export const SLACK_CALL_TIMEOUT_MS = 10_000;

/** Slack errors on chat.update meaning "that message cannot be edited": send a new one instead. */
const EDIT_FALLBACK_ERRORS = new Set(['message_not_found', 'cant_update_message', 'edit_window_closed', 'msg_too_long']);

/** Prefix of a platformMessageRef that is an uploaded file (its Slack file id), not a chat message. */
export const FILE_REF_PREFIX = 'file:';

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
    if (message.file) return this.uploadFile(destination, message, lookups);
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
      // Taking buttons away from a message that cannot be edited sends nothing.
      if (message.buttonsRemoved) return { platformMessageRef: ref ?? 'none' };
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

  /**
   * A message with a file: Slack's upload API, three calls that belong together (files.getUploadURLExternal,
   * the bytes POSTed to the URL it gives, files.completeUploadExternal sharing the file into the chat with the
   * text as its comment). A failure in any of them fails the attempt; the retry starts a fresh upload. Slack
   * file messages carry no buttons: `/pantau` sends its buttons in a message of their own.
   */
  private async uploadFile(destination: Destination, message: OutgoingMessage, lookups: DeliveryLookups): Promise<DeliveryReceipt> {
    const file = message.file!;
    const channel = destination.chatId;
    let content;
    try {
      content = await lookups.fileContent(file);
    } catch (err) {
      throw err instanceof DeliveryError ? err : new DeliveryError('transient', `producing ${file.source}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const comment = [message.text, content.caption].filter((x): x is string => !!x && x.trim() !== '').join('\n\n');
    let upload;
    try {
      upload = await this.client.files.getUploadURLExternal({ filename: content.fileName, length: content.bytes.byteLength });
    } catch (err) {
      throw classifySlackError('files.getUploadURLExternal', err);
    }
    if (!upload.upload_url || !upload.file_id) throw new DeliveryError('transient', 'files.getUploadURLExternal answered without an upload URL');
    let posted: Response;
    try {
      posted = await fetch(upload.upload_url, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: content.bytes,
        signal: AbortSignal.timeout(SLACK_CALL_TIMEOUT_MS * 6),
      });
    } catch (err) {
      throw new DeliveryError('transient', `uploading ${content.fileName}: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (!posted.ok) throw new DeliveryError(posted.status >= 500 || posted.status === 429 ? 'transient' : 'permanent', `uploading ${content.fileName}: HTTP ${posted.status}`, undefined, `http_${posted.status}`);
    let threadTs: string | undefined;
    if (message.threadKey && !message.threadRoot) threadTs = (await lookups.threadRootRef(destination, message.threadKey)) ?? undefined;
    try {
      await this.client.files.completeUploadExternal({
        files: [{ id: upload.file_id, title: content.fileName }],
        channel_id: channel,
        ...(comment ? { initial_comment: comment } : {}),
        ...(threadTs ? { thread_ts: threadTs } : {}),
      });
    } catch (err) {
      throw classifySlackError('files.completeUploadExternal', err);
    }
    return { platformMessageRef: `${FILE_REF_PREFIX}${upload.file_id}` };
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
