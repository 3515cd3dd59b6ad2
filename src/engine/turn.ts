/**
 * A small collector a flow step writes into: replies, buttons (each gets a fresh opaque token bound to an
 * action), notifications to others and records to save. `finish` turns it into a plain StepResult.
 */
import type { Button, FormSpec, OutgoingMessage } from '../contract/index.js';
import type { HandOffName, HandOffs } from './handoffs.js';
import type { Action, ConversationState, Effect, StepResult } from './state.js';
import { ownedToken } from './tokens.js';
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

/** Runs a named hand-off (the flow registry supplies it). */
export type HandOffRunner = <K extends HandOffName>(turn: Turn, name: K, payload: HandOffs[K]) => void;

const noHandOffs: HandOffRunner = (_turn, name) => {
  throw new Error(`no flow registry to hand off to: ${name}`);
};

export class Turn {
  readonly effects: Effect[] = [];
  private readonly issued: Record<string, Action> = {};
  private issuedAny = false;
  /** Index of the effect whose message carries this turn's own buttons (the prompt to edit when pressed). */
  private promptEffect: number | null = null;
  /** Employee the buttons are issued to when it is not the actor (just linked). */
  private ownerOverride: number | null = null;
  ackText?: string;
  formErrors?: Record<string, string>;

  constructor(
    readonly ctx: StepContext,
    public state: ConversationState,
    private readonly handOffs: HandOffRunner = noHandOffs,
  ) {}

  /** Hands over to another flow by name (handoffs.ts): the registry calls the module that offers it. */
  handOff<K extends HandOffName>(name: K, payload: HandOffs[K]): void {
    this.handOffs(this, name, payload);
  }

  /** The employee this conversation's buttons belong to: the actor, or who they just linked as. */
  get owner(): number | null {
    return this.ownerOverride ?? this.ctx.actor?.id ?? null;
  }

  /** Sets the owner of this turn's buttons when the chat user is linked in this very turn. */
  linkedAs(employeeId: number): void {
    this.ownerOverride = employeeId;
  }

  /** Buttons for the presser (this conversation), one row each unless grouped. */
  buttons(rows: ButtonSpec[][]): Button[][] {
    this.issuedAny = true;
    return rows.map((row) =>
      row.map((b) => {
        const token = ownedToken(this.owner, this.ctx.newToken());
        this.issued[token] = b.action;
        return { label: b.label, token, ...(b.style ? { style: b.style } : {}) };
      }),
    );
  }

  /** A token for a form (no button): the form's submission comes back as an action with this token. */
  formToken(action: Action): string {
    this.issuedAny = true;
    const token = ownedToken(this.owner, this.ctx.newToken());
    this.issued[token] = action;
    return token;
  }

  /**
   * Keeps `token` valid after this turn (a form shown again with errors still carries it), while the other
   * buttons of the step are replaced as usual.
   */
  keep(token: string, action: Action): void {
    this.issuedAny = true;
    this.issued[token] = action;
  }

  /** Builds a form spec around a fresh token. */
  form(action: Action, spec: Omit<FormSpec, 'token'>): FormSpec {
    return { token: this.formToken(action), ...spec };
  }

  /** Buttons for employee `ownerId`: the returned grants go with the notify effect into their inbox. */
  grantButtons(ownerId: number, rows: ButtonSpec[][]): { buttons: Button[][]; grants: Record<string, Action> } {
    const grants: Record<string, Action> = {};
    const buttons = rows.map((row) =>
      row.map((b) => {
        const token = ownedToken(ownerId, this.ctx.newToken());
        grants[token] = b.action;
        return { label: b.label, token, ...(b.style ? { style: b.style } : {}) };
      }),
    );
    return { buttons, grants };
  }

  reply(message: OutgoingMessage): void {
    if (message.buttons?.some((row) => row.some((b) => Object.hasOwn(this.issued, b.token)))) this.promptEffect = this.effects.length;
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
      // Owner-prefixed tokens need no memory to be recognised as stale (tokens.ts); older ones still do.
      const retired = Object.keys(previous.tokens).filter((k) => !k.includes('.'));
      const prompt = this.promptEffect !== null && this.ctx.eventKey ? `${this.ctx.eventKey}:${this.promptEffect}` : undefined;
      state = { ...state, tokens: { ...this.issued }, stale: [...retired, ...previous.stale].slice(0, STALE_MEMORY), prompt };
      if (prompt === undefined) delete state.prompt;
    }
    const inboxKeys = Object.keys(state.inbox);
    if (inboxKeys.length > INBOX_MEMORY) {
      const keep = inboxKeys.slice(inboxKeys.length - INBOX_MEMORY);
      state = { ...state, inbox: Object.fromEntries(keep.map((k) => [k, state.inbox[k]])) };
    }
    return { state, effects: this.effects, ...(this.ackText ? { ackText: this.ackText } : {}), ...(this.formErrors ? { formErrors: this.formErrors } : {}) };
  }
}
