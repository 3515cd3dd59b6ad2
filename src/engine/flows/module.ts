/**
 * What one flow is: a `FlowModule`. The registry (index.ts) asks the modules instead of switching on
 * commands, actions and flows, assembles what to load (`needsFor`) and the one state schema from them, and
 * wires the hand-offs between them. Adding a flow: one module here + locale keys + one line in index.ts.
 */
import type { IncomingFile } from '../../contract/index.js';
import type { HandOffName, HandOffs } from '../handoffs.js';
import type { Action, ConversationState, Flow, SliceSchema, Step, StepInput } from '../state.js';
import type { Turn } from '../turn.js';

/** Which data a step will need, so the shell loads only that. */
export interface StepNeeds {
  own: boolean;
  /** The own assessment with who rates it (submitting needs the rater; answering questions does not). */
  ownRaters: boolean;
  /** Assessment id to load as the subject. */
  subjectId: number | null;
  pendingReviews: boolean;
  /** Check-in id to load for a rating button. */
  checkInId: number | null;
  /** `/lihat NIP` by an HR admin: whose assessment to load. */
  ownerNip: string | null;
  /**
   * The objection case to load (views.ts `ObjectionCase`): of an assessment id, 'own' (the actor's latest
   * announced assessment), or the latest announced one of the employee with this NIP (a decider's `/keberatan NIP`).
   */
  objection: number | 'own' | { nip: string } | null;
  /** The rater's calibration view (units of their people in the latest closed cycle). */
  calibration: boolean;
  /** The actor's latest result (provisional or final). */
  result: boolean;
  /** A unit by its code (`/daftarkan_kanal UNIT`). */
  unitCode: string | null;
  /** `/pantau`: the cycle to monitor and the actor's unit. */
  monitor: boolean;
  /** `/pantau CODE`: the unit asked for. */
  monitorUnit: string | null;
  /** `/umpanbalik`: the people the actor may give supervisor feedback to. */
  feedbackTargets: boolean;
  /** A review: the feedback and recognitions gathered for the subject's owner in its cycle (count and latest three). */
  gathered: boolean;
  /** With `gathered`: all of them, not only the latest three ("show all"). */
  gatheredAll: boolean;
  /** `/riwayat`: the actor's feedback and recognitions, given and received. */
  history: boolean;
  /** `/status`: what the actor received in the open period. */
  received: boolean;
  /** `/mintaumpanbalik`: who rates the actor today. */
  feedbackRater: boolean;
  /** `/apresiasi`: colleagues by a typed name or NIP, or the one chosen by id (with the day's count). */
  recognition: { query: string | null; id: number | null } | null;
}

/** A command: its names (Indonesian first, English aliases after) and what it does. */
export interface FlowCommand {
  names: readonly string[];
  needs?: Partial<StepNeeds> | ((args: string[]) => Partial<StepNeeds>);
  /**
   * Runs in the group or channel it was typed in (`ctx.groupChat`) and answers there with the `group_reply`
   * effect. Other commands typed in a group are answered in the private chat; other events are ignored.
   */
  inGroups?: boolean;
  run(turn: Turn, args: string[]): void;
}

/** How a module handles one button action `A`. */
export interface FlowAction<A extends Action['a'] = Action['a']> {
  /** Only valid while the conversation is in this module's flow; elsewhere the button is stale. */
  inFlow?: boolean;
  /**
   * What to load. An object when it does not depend on the action's fields: the registry then knows it before
   * anything is read (`FlowRegistry.ownRatersActions`).
   */
  needs?: Partial<StepNeeds> | ((action: Extract<Action, { a: A }>) => Partial<StepNeeds>);
  run(turn: Turn, action: Extract<Action, { a: A }>, values: Record<string, string> | undefined): void;
}

export type FlowActions = { [A in Action['a']]?: FlowAction<A> };

/** The conversation flow a module runs (`state.flow`), with its steps. */
export interface FlowSpec {
  name: Exclude<Flow, 'idle'>;
  steps: readonly Step[];
  /** Steps whose question is answered by typing. */
  freeTextSteps?: readonly Step[];
  /** Steps whose question is answered by a file. */
  fileSteps?: readonly Step[];
  /** After the draft idle time, typing first says the draft was kept and asks again (nothing is used). */
  resumesAfterIdle?: boolean;
  /** What the current step needs loaded (the input's own needs come first); `input`: what the person did (a typed search). */
  needs?(state: ConversationState, input: StepInput): Partial<StepNeeds>;
  /** The assessment the current step is about: typed text in its thread answers the step (not dialog). */
  subjectId?(state: ConversationState): number | null;
  /** Asks the current question again; false when it cannot (the subject is gone), then the idle hint is shown. */
  ask(turn: Turn): boolean;
  /** Typed text in this flow. */
  text(turn: Turn, text: string): void;
  /** A file in this flow; absent: "no file expected". */
  file?(turn: Turn, file: IncomingFile): void;
  /** Help for the current step. */
  help(turn: Turn): string;
  /** `/batal` in this flow: what to say (the registry then goes idle). */
  cancelled?(turn: Turn): string;
}

/** One flow: linking, self-assessment, review, result/coaching, dialog, settings, admin... */
export interface FlowModule {
  readonly name: string;
  readonly flow?: FlowSpec;
  readonly commands?: readonly FlowCommand[];
  readonly actions?: FlowActions;
  /** This module's part of the conversation state: its key and zod schema (state.ts assembles them). */
  readonly slice?: { key: string; schema: SliceSchema; dropOnCancel?: boolean };
  /** Hand-offs this module takes over (handoffs.ts names them). */
  readonly handOffs?: { [K in HandOffName]?: (turn: Turn, payload: HandOffs[K]) => void };
  /** Handles every event of a chat user who is not linked yet (one module: linking). */
  unlinked?(turn: Turn, input: StepInput): void;
  /** Typed text it recognises before any flow sees it (a link code by a linked user); true when handled. */
  claimsText?(turn: Turn, text: string): boolean;
  /** Text posted in an assessment's thread that answers no current question (dialog kinerja). */
  threadText?(turn: Turn, text: string): void;
}
