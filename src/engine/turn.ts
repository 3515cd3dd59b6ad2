/**
 * A small collector a flow step writes into: replies, buttons (each gets a fresh opaque token bound to an
 * action), notifications to others and records to save. `finish` turns it into a plain StepResult.
 */
import type { Button, OutgoingMessage } from './contract.js';
import type { Action, ConversationState, Effect, StepResult } from './state.js';
import type { StepContext } from './views.js';

/** How many retired tokens are remembered to tell "stale" from "not yours". */
const STALE_MEMORY = 12;
/** Notification buttons kept per person; the oldest go first. */
const INBOX_MEMORY = 60;

/** A button before it has a token. */
export interface ButtonSpec {
  label: string;
  action: Action;
  style?: 'primary' | 'danger';
}

export class Turn {
  readonly effects: Effect[] = [];
  private readonly issued: Record<string, Action> = {};
  private issuedAny = false;
  ackText?: string;

  constructor(
    readonly ctx: StepContext,
    public state: ConversationState,
  ) {}

  /** Buttons for the presser (this conversation), one row each unless grouped. */
  buttons(rows: ButtonSpec[][]): Button[][] {
    this.issuedAny = true;
    return rows.map((row) =>
      row.map((b) => {
        const token = this.ctx.newToken();
        this.issued[token] = b.action;
        return { label: b.label, token, ...(b.style ? { style: b.style } : {}) };
      }),
    );
  }

  /** Buttons for someone else: the returned grants go with the notify effect into their inbox. */
  grantButtons(rows: ButtonSpec[][]): { buttons: Button[][]; grants: Record<string, Action> } {
    const grants: Record<string, Action> = {};
    const buttons = rows.map((row) =>
      row.map((b) => {
        const token = this.ctx.newToken();
        grants[token] = b.action;
        return { label: b.label, token, ...(b.style ? { style: b.style } : {}) };
      }),
    );
    return { buttons, grants };
  }

  reply(message: OutgoingMessage): void {
    this.effects.push({ kind: 'reply', message });
  }

  /** A plain text reply. */
  say(text: string): void {
    this.reply({ text });
  }

  effect(e: Effect): void {
    this.effects.push(e);
  }

  /** Moves to another flow/step. */
  go(flow: ConversationState['flow'], step: ConversationState['step']): void {
    this.state = { ...this.state, flow, step };
  }

  /** The step result: tokens are replaced when new buttons were issued or the step changed. */
  finish(previous: ConversationState): StepResult {
    let state = this.state;
    const stepChanged = state.flow !== previous.flow || state.step !== previous.step;
    if (this.issuedAny || stepChanged) {
      const retired = Object.keys(previous.tokens);
      state = { ...state, tokens: { ...this.issued }, stale: [...retired, ...previous.stale].slice(0, STALE_MEMORY) };
    }
    const inboxKeys = Object.keys(state.inbox);
    if (inboxKeys.length > INBOX_MEMORY) {
      const keep = inboxKeys.slice(inboxKeys.length - INBOX_MEMORY);
      state = { ...state, inbox: Object.fromEntries(keep.map((k) => [k, state.inbox[k]])) };
    }
    return { state, effects: this.effects, ...(this.ackText ? { ackText: this.ackText } : {}) };
  }
}
