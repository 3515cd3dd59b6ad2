/**
 * The flow registry and the one pure step: `(state, input, context) -> { state', effects }`. The registry
 * asks the flow modules (module.ts) which of them owns a command, a button action, typed text or a file,
 * assembles what to load (`needsFor`) and the one conversation-state schema from them, and runs the named
 * hand-offs between them (handoffs.ts). Cancelling, help, stale buttons and the idle hint are common to all
 * flows and live here. Anything that fits no step gets a hint and the current question again.
 */
import { commandToken } from '../../contract/index.js';
import { firstOpenPosition, hasOpenDraft } from '../assessment-view.js';
import { translator } from '../../i18n/index.js';
import { cutText } from '../../contract/index.js';
import { conversationStateSchema, stateParser, type Action, type ConversationState, type SliceSchema, type StateParser, type Step, type StepInput, type StepResult } from '../state.js';
import { Turn, type HandOffRunner } from '../turn.js';
import type { StepContext } from '../views.js';
import { adminModule } from './admin.js';
import { assessmentModule } from './assessment.js';
import { calibrationModule } from './calibration.js';
import { feedbackModule } from './feedback.js';
import { recognitionModule } from './recognition.js';
import { linkingModule } from './linking.js';
import { objectionModule } from './objection.js';
import { monitorModule } from './monitor.js';
import type { FlowAction, FlowCommand, FlowModule, FlowSpec, StepNeeds } from './module.js';
import { resultModule } from './result.js';
import { reviewModule } from './review.js';
import { settingsModule } from './settings.js';
import { threadModule } from './thread.js';

export { ADMIN_ROLE } from './admin.js';
export type { FlowModule, StepNeeds } from './module.js';

/** Every flow of the bot. A new flow is one module file plus one line here. */
export const FLOW_MODULES: readonly FlowModule[] = [linkingModule, assessmentModule, reviewModule, resultModule, calibrationModule, threadModule, settingsModule, adminModule, objectionModule, monitorModule, feedbackModule, recognitionModule];

/** The registry built from a list of modules. */
export interface FlowRegistry {
  readonly modules: readonly FlowModule[];
  /** One event, in a thread of an assessment (`threadKey`) or not. */
  step(state: ConversationState, input: StepInput, ctx: StepContext, threadKey?: string): StepResult;
  /** Decides what to load for `input` in `state` (pure). */
  needsFor(state: ConversationState, input: StepInput): StepNeeds;
  /** Parses a stored conversation with the one schema assembled from the modules' state slices. */
  parseState: StateParser;
  /**
   * The actions whose (fixed) needs include `ownRaters` (submitting): a press of one reads the raters with
   * the conversation (load.ts `IngressOptions`), saving the submit a second read.
   */
  ownRatersActions: readonly string[];
}

type FlowModuleWithFlow = FlowModule & { flow: FlowSpec };

/** Builds a registry; two modules claiming the same command, action, flow, slice or hand-off is a programming error. */
export function createFlowRegistry(modules: readonly FlowModule[]): FlowRegistry {
  // Help and cancel are about every flow (the functions below are hoisted).
  const COMMON: readonly FlowCommand[] = [
    { names: ['bantuan', 'help'], needs: { own: true }, run: help },
    { names: ['batal', 'cancel'], run: cancel },
  ];
  const common = new Map(COMMON.flatMap((c) => c.names.map((n) => [n, c] as const)));

  const commands = new Map<string, FlowCommand>();
  const actions = new Map<string, { module: FlowModule; spec: FlowAction }>();
  const flows = new Map<string, FlowModuleWithFlow>();
  const slices: Record<string, SliceSchema> = {};
  const handOffs = new Map<string, (turn: Turn, payload: never) => void>();
  const claim = (kind: string, key: string, taken: boolean, module: FlowModule) => {
    if (taken || (kind === 'command' && common.has(key)) || (kind === 'action' && key === 'cancel')) throw new Error(`flow module ${module.name}: ${kind} "${key}" is already taken`);
  };
  for (const m of modules) {
    for (const c of m.commands ?? []) {
      for (const name of c.names) {
        claim('command', name, commands.has(name), m);
        commands.set(name, c);
      }
    }
    for (const [a, spec] of Object.entries(m.actions ?? {})) {
      claim('action', a, actions.has(a), m);
      actions.set(a, { module: m, spec: spec as FlowAction });
    }
    if (m.flow) {
      claim('flow', m.flow.name, flows.has(m.flow.name), m);
      flows.set(m.flow.name, m as FlowModuleWithFlow);
    }
    if (m.slice) {
      claim('state slice', m.slice.key, m.slice.key in slices || BASE_KEYS.has(m.slice.key), m);
      slices[m.slice.key] = m.slice.schema;
    }
    for (const [name, run] of Object.entries(m.handOffs ?? {})) {
      claim('hand-off', name, handOffs.has(name), m);
      handOffs.set(name, run as (turn: Turn, payload: never) => void);
    }
  }
  const linking = modules.find((m) => m.unlinked);
  const thread = modules.find((m) => m.threadText);
  const textClaimers = modules.filter((m) => m.claimsText);
  const cancelDrops = modules.flatMap((m) => (m.slice?.dropOnCancel ? [m.slice.key] : []));
  const parseState = stateParser(
    conversationStateSchema({ flows: [...flows.keys()], steps: [...new Set([...flows.values()].flatMap((m) => m.flow.steps))], slices }),
  );

  const runHandOff: HandOffRunner = (turn, name, payload) => {
    const run = handOffs.get(name);
    if (!run) throw new Error(`no flow module takes the hand-off ${name}`);
    run(turn, payload as never);
  };

  function needsFor(state: ConversationState, input: StepInput): StepNeeds {
    const needs: StepNeeds = { own: false, ownRaters: false, subjectId: null, pendingReviews: false, checkInId: null, ownerNip: null, objection: null, calibration: false, result: false, unitCode: null, monitor: false, monitorUnit: null, feedbackTargets: false, feedbackRater: false, received: false, gathered: false, gatheredAll: false, history: false, recognition: null };
    const add = (n: Partial<StepNeeds> | undefined) => {
      if (!n) return;
      needs.own ||= !!n.own;
      needs.ownRaters ||= !!n.ownRaters;
      needs.pendingReviews ||= !!n.pendingReviews;
      needs.calibration ||= !!n.calibration;
      needs.result ||= !!n.result;
      // The input's own subject (a pressed button) comes before the one of the current step.
      needs.subjectId ??= n.subjectId ?? null;
      needs.checkInId ??= n.checkInId ?? null;
      needs.ownerNip ??= n.ownerNip ?? null;
      needs.objection ??= n.objection ?? null;
      needs.unitCode ??= n.unitCode ?? null;
      needs.monitor ||= !!n.monitor;
      needs.monitorUnit ??= n.monitorUnit ?? null;
      needs.feedbackTargets ||= !!n.feedbackTargets;
      needs.recognition ??= n.recognition ?? null;
      needs.feedbackRater ||= !!n.feedbackRater;
      needs.received ||= !!n.received;
      needs.gathered ||= !!n.gathered;
      needs.gatheredAll ||= !!n.gatheredAll;
      needs.history ||= !!n.history;
    };
    if (input.kind === 'command') {
      const c = common.get(input.name) ?? commands.get(input.name);
      if (c?.needs) add(typeof c.needs === 'function' ? c.needs(input.args) : c.needs);
    } else if (input.kind === 'action') {
      const action = input.action;
      const needsOf = actions.get(action.a)?.spec.needs as Partial<StepNeeds> | ((a: Action) => Partial<StepNeeds>) | undefined;
      add(typeof needsOf === 'function' ? needsOf(action) : needsOf);
    }
    // Idle: the hint tells whether a draft is waiting.
    if (state.flow === 'idle') add({ own: true });
    add(flows.get(state.flow)?.flow.needs?.(state, input));
    return needs;
  }

  /**
   * Text in an assessment's thread answers the current question when that question expects typing and is
   * about the same assessment: on Telegram people reply to the question, on Slack the review questions sit in
   * the prompt's thread. Anything else in a thread is dialog kinerja (relayed to the other party). A command
   * is never a thread message.
   */
  function answersCurrentStep(state: ConversationState, input: StepInput, ctx: StepContext): boolean {
    const spec = flows.get(state.flow)?.flow;
    if (!spec) return false;
    const expects: readonly Step[] = input.kind === 'file' ? (spec.fileSteps ?? []) : (spec.freeTextSteps ?? []);
    if (!expects.includes(state.step)) return false;
    const id = spec.subjectId?.(state) ?? null;
    return id !== null && ctx.subject !== null && ctx.subject.id === id;
  }

  /** Asks the current question again (after a hint or an error). */
  function askCurrent(turn: Turn): void {
    const spec = flows.get(turn.state.flow)?.flow;
    if (spec?.ask(turn)) return;
    const t = translator(turn.ctx.locale);
    turn.say(hasOpenDraft(turn.ctx.own) ? t('common.idle_hint_draft') : t('common.idle_hint'));
  }

  /** Back after the idle time: say the draft was kept and ask the current question, without using the input. */
  function resumed(turn: Turn): void {
    turn.say(translator(turn.ctx.locale)('assess.resumed'));
    askCurrent(turn);
  }

  function cancel(turn: Turn): void {
    const t = translator(turn.ctx.locale);
    const said = flows.get(turn.state.flow)?.flow.cancelled?.(turn) ?? t('common.cancelled');
    turn.go('idle', 'idle');
    // Slices that say so are dropped; the others stay (a review draft resumes when opened again).
    if (cancelDrops.length) turn.state = { ...turn.state, ...Object.fromEntries(cancelDrops.map((k) => [k, undefined])) };
    turn.say(said);
  }

  /** Help that fits where the person is. */
  function help(turn: Turn): void {
    const t = translator(turn.ctx.locale);
    const spec = flows.get(turn.state.flow)?.flow;
    const here = spec ? spec.help(turn) : turn.ctx.own && firstOpenPosition(turn.ctx.own).step !== 'summary' ? t('help.idle_draft') : t('help.idle');
    turn.say(`${here}\n\n${t('help.commands')}`);
  }

  function step(state: ConversationState, input: StepInput, ctx: StepContext, threadKey?: string): StepResult {
    const turn = new Turn(ctx, state, runHandOff);
    const t = translator(ctx.locale);

    // From a group or channel: a command meant for one runs there; any other command is answered in the
    // person's private chat as if sent there (a Slack slash command is private anyway); nothing else is ours.
    if (ctx.groupChat) {
      const c = input.kind === 'command' ? (common.get(input.name) ?? commands.get(input.name)) : undefined;
      if (!c) return turn.finish(state);
      if (c.inGroups && input.kind === 'command') {
        c.run(turn, input.args);
        return turn.finish(state);
      }
      return step(state, input, { ...ctx, groupChat: null }, threadKey);
    }

    if (!ctx.actor) {
      linking?.unlinked?.(turn, input);
      return turn.finish(state);
    }

    if (thread && threadKey && (input.kind === 'text' || (input.kind === 'file' && input.caption)) && !answersCurrentStep(state, input, ctx)) {
      thread.threadText?.(turn, input.kind === 'text' ? input.text : input.caption);
      return turn.finish(state);
    }

    const spec = flows.get(state.flow)?.flow;
    switch (input.kind) {
      case 'command': {
        const c = common.get(input.name) ?? commands.get(input.name);
        if (c) c.run(turn, input.args);
        else {
          turn.say(t('common.unknown_command', { command: typedCommand(cutText(input.name, 32)) }));
          askCurrent(turn);
        }
        break;
      }
      case 'stale_action':
        turn.say(t('token.stale'));
        turn.ackText = t('token.stale');
        askCurrent(turn);
        break;
      case 'foreign_action':
        turn.say(t('token.foreign'));
        turn.ackText = t('token.foreign');
        break;
      case 'action': {
        const a = input.action;
        const owner = actions.get(a.a);
        if (a.a === 'cancel') {
          turn.go('idle', 'idle');
          turn.say(t('common.cancelled'));
        } else if (owner && (!owner.spec.inFlow || owner.module.flow?.name === state.flow)) {
          (owner.spec.run as (turn: Turn, action: typeof a, values?: Record<string, string>) => void)(turn, a, input.values);
        } else {
          turn.say(t('token.stale'));
          askCurrent(turn);
        }
        break;
      }
      case 'file':
        if (spec?.file) {
          if (spec.resumesAfterIdle && ctx.resumedAfterIdle) resumed(turn);
          else spec.file(turn, input.file);
        } else {
          turn.say(t('input.file_not_expected'));
          askCurrent(turn);
        }
        break;
      case 'text': {
        if (textClaimers.some((m) => m.claimsText?.(turn, input.text))) break;
        if (!spec) askCurrent(turn);
        else if (spec.resumesAfterIdle && ctx.resumedAfterIdle) resumed(turn);
        else spec.text(turn, input.text);
        break;
      }
    }
    return turn.finish(state);
  }

  const ownRatersActions = [...actions].filter(([, a]) => typeof a.spec.needs === 'object' && a.spec.needs.ownRaters).map(([name]) => name);
  return { modules, step, needsFor, parseState, ownRatersActions };
}

/** Keys of the shared part of the state, which no slice may take. */
const BASE_KEYS = new Set(['flow', 'step', 'tokens', 'inbox', 'stale', 'prompt', 'pressed']);

/** The bot's registry. */
export const flows: FlowRegistry = createFlowRegistry(FLOW_MODULES);

/** One event through the bot's flows (see `FlowRegistry.step`). */
export const step: FlowRegistry['step'] = (state, input, ctx, threadKey) => flows.step(state, input, ctx, threadKey);

/** What the bot's flows need loaded (see `FlowRegistry.needsFor`). */
export const needsFor: FlowRegistry['needsFor'] = (state, input) => flows.needsFor(state, input);

/** A command the person typed, to name it back: a token spelled for their platform when it can be one. */
function typedCommand(name: string): string {
  return /^[a-z_]+$/.test(name) ? commandToken(name) : `/${name}`;
}
