/**
 * Self-assessment (penilaian diri): per item realisasi -> narrative -> evidence, then a summary with capaian %
 * per item where the optional BerAKHLAK reflection is typed and "Kirim" submits (the summary is the last
 * look, so there is no second "are you sure"). "Ubah n" changes one thing of item n and comes back to the
 * summary. Answers are saved as they are given, so the position is always recomputed from what is stored: a
 * restart, `/batal` or a week away resumes at the first unanswered step.
 */
import { z } from 'zod';
import { TEXT_BOUNDS, checkTextLength, isLate, parseEvidenceLink, parseRealisasi, validateNarrative } from '../../domain/index.js';
import type { EditField } from '../state.js';
import type { EvidenceRef } from '../../db/entities/assessment.js';
import { editable, firstOpenPosition, itemLines } from '../assessment-view.js';
import { cutText, type IncomingFile } from '../../contract/index.js';
import { formatDate, formatNumber, translator, type Translate } from '../../i18n/index.js';
import { statusLabel } from '../../i18n/labels.js';
import type { Action, Step } from '../state.js';
import { fileEvidence, fileSizeMb } from '../evidence.js';
import type { Turn } from '../turn.js';
import type { AssessmentView } from '../views.js';
import type { FlowModule } from './module.js';

function t(turn: Turn): Translate {
  return translator(turn.ctx.locale);
}

/** `/penilaian`, the reminder button, "start": intro, then the first unanswered question. */
function startAssessment(turn: Turn): void {
  const view = turn.ctx.own;
  const tr = t(turn);
  if (!view) {
    turn.say(tr('assess.none'));
    turn.go('idle', 'idle');
    return;
  }
  if (!editable(view)) {
    turn.say(tr('assess.locked', { status: statusLabel(tr, view.status), cycle: view.cycle.name }));
    turn.go('idle', 'idle');
    return;
  }
  const pos = firstOpenPosition(view);
  const intro = tr('assess.intro', {
    cycle: view.cycle.name,
    deadline: formatDate(turn.ctx.locale, view.cycle.selfDeadline),
    count: view.items.length,
  });
  turn.say(view.status === 'returned' && view.returnNote ? `${intro}\n\n${tr('assess.returned_note', { note: view.returnNote })}` : intro);
  ask(turn, view, pos.step, pos.item, false);
}

/** Asks the question of `step` for item `item` and records the position. */
function ask(turn: Turn, view: AssessmentView, step: Step, item: number, editing: boolean): void {
  const tr = t(turn);
  const loc = turn.ctx.locale;
  turn.go('assess', step);
  turn.state = { ...turn.state, assess: { id: view.id, item, editing } };
  const it = view.items[item];
  const head = it ? tr('assess.item_head', { n: item + 1, total: view.items.length, name: it.name }) : '';
  switch (step) {
    case 'realisasi': {
      const target = it.target === null ? tr('assess.no_target') : `${formatNumber(loc, it.target)} ${it.unitOfMeasure ?? ''}`.trim();
      const current = editing && it.realisasi !== null ? `\n${tr('assess.current_value', { value: formatNumber(loc, it.realisasi) })}` : '';
      turn.reply({ text: `${head}\n${tr('assess.ask_realisasi', { target })}${current}`, threadKey: view.threadKey });
      if (turn.ctx.capabilities.modalForms) offerItemForm(turn, view, item, target);
      return;
    }
    case 'narrative':
      turn.reply({ text: `${head}\n${tr('assess.ask_narrative', { min: TEXT_BOUNDS.narrative.min, max: TEXT_BOUNDS.narrative.max })}`, threadKey: view.threadKey });
      return;
    case 'evidence':
      turn.reply({
        text: `${head}\n${tr(editing ? 'assess.ask_evidence_more' : 'assess.ask_evidence', { mb: turn.ctx.limits.evidenceMaxMb })}`,
        threadKey: view.threadKey,
        buttons: turn.buttons([[editing ? { label: tr('btn.back_summary'), action: { a: 'back_summary' } } : { label: tr('btn.skip'), action: { a: 'skip_evidence' } }]]),
      });
      return;
    case 'edit_pick': {
      const current = itemLines(tr, loc, view.items)[item] ?? '';
      turn.reply({
        text: `${tr('assess.ask_edit_pick', { n: item + 1 })}\n\n${current}`,
        threadKey: view.threadKey,
        buttons: turn.buttons([
          EDIT_FIELDS.map((f) => ({ label: tr(`btn.edit_${f}`), action: { a: 'edit_field' as const, f } })),
          [{ label: tr('btn.back_summary'), action: { a: 'back_summary' } }],
        ]),
      });
      return;
    }
    case 'reflection':
    case 'summary':
    case 'confirm':
      // 'reflection' and 'confirm' are steps of older stored conversations: the reflection is typed at the
      // summary, and the summary is the confirmation.
      turn.go('assess', 'summary');
      turn.reply(summaryMessage(turn, view));
      return;
    default:
      return;
  }
}

/** Field ids of the item form (Slack modal block ids). */
export const ITEM_FORM_FIELDS = { realisasi: 'realisasi', narrative: 'narasi' } as const;

/**
 * Where forms open as modals (Slack): realisasi and narrative belong together, so they are also offered as
 * one modal. It is a separate message because the Slack sender opens a form directly as a modal when the click that led here is fresh:
 * the question itself must stay in the chat, where the typed path keeps working.
 */
function offerItemForm(turn: Turn, view: AssessmentView, item: number, target: string): void {
  const tr = t(turn);
  const it = view.items[item];
  const form = turn.form(
    { a: 'item_form', i: item },
    {
      title: tr('assess.form_title', { n: item + 1 }),
      submitLabel: tr('btn.save_form'),
      fields: [
        { id: ITEM_FORM_FIELDS.realisasi, label: tr('assess.form_realisasi', { target }), hint: it.name, ...(it.realisasi !== null ? { initial: formatNumber(turn.ctx.locale, it.realisasi) } : {}) },
        { id: ITEM_FORM_FIELDS.narrative, label: tr('assess.form_narrative', { min: TEXT_BOUNDS.narrative.min, max: TEXT_BOUNDS.narrative.max }), multiline: true, ...(it.narrative !== null ? { initial: it.narrative } : {}) },
      ],
    },
  );
  turn.reply({ text: tr('assess.form_offer', { n: item + 1 }), threadKey: view.threadKey, form });
}

/**
 * The item form was submitted: each field is checked with the same domain rules as typed answers. What is
 * valid is saved; what is not comes back as inline errors while the modal stays open with everything typed
 * (the step and its form token stay as they are, so the corrected form can be submitted again).
 */
function assessmentForm(turn: Turn, item: number, values: Record<string, string> | undefined): void {
  const view = currentView(turn);
  if (!view) return;
  const tr = t(turn);
  const loc = turn.ctx.locale;
  const it = view.items[item];
  if (!it || !values || turn.state.step !== 'realisasi' || turn.state.assess?.item !== item) {
    turn.say(tr('token.stale'));
    return ask(turn, view, turn.state.step, turn.state.assess?.item ?? 0, turn.state.assess?.editing ?? false);
  }
  const errors: Record<string, string> = {};
  const patch: { realisasi?: number; narrative?: string } = {};
  const maxMultiple = view.cycle.settings.maxRealisasiMultiple ?? turn.ctx.limits.realisasiMaxMultiple;
  const rawReal = values[ITEM_FORM_FIELDS.realisasi] ?? '';
  const r = parseRealisasi(rawReal, { target: it.target ?? 0, maxMultiple });
  if (r.ok) patch.realisasi = r.value;
  else errors[ITEM_FORM_FIELDS.realisasi] = realisasiFault(tr, loc, r, rawReal, maxMultiple);
  const n = validateNarrative(values[ITEM_FORM_FIELDS.narrative] ?? '');
  if (n.ok) patch.narrative = n.text;
  else errors[ITEM_FORM_FIELDS.narrative] = n.fault === 'too_short' ? tr('input.narrative_too_short', { length: n.length, min: n.min }) : tr('input.narrative_too_long', { length: n.length, max: n.max });
  if (patch.realisasi !== undefined || patch.narrative !== undefined) turn.effect({ kind: 'save_answer', ...itemRef(view, item), patch });
  if (Object.keys(errors).length) {
    turn.formErrors = errors;
    return;
  }
  it.realisasi = patch.realisasi ?? it.realisasi;
  it.narrative = patch.narrative ?? it.narrative;
  advance(turn, view);
}

/** Why a typed realisasi was refused, in the person's language. */
function realisasiFault(tr: Translate, loc: 'id' | 'en', r: { fault: string; limit?: number | null }, text: string, maxMultiple: number): string {
  return r.fault === 'negative'
    ? tr('input.realisasi_negative')
    : r.fault === 'too_large'
      ? tr('input.realisasi_too_large', { limit: formatNumber(loc, r.limit ?? 0), multiple: formatNumber(loc, maxMultiple) })
      : r.fault === 'empty'
        ? tr('input.realisasi_empty')
        : tr('input.realisasi_not_number', { text: cutText(text.trim(), 40) });
}

function summaryMessage(turn: Turn, view: AssessmentView) {
  const tr = t(turn);
  const lines = itemLines(tr, turn.ctx.locale, view.items);
  const edits = view.items.map((_it, i): { label: string; action: Action } => ({ label: tr('btn.edit_item', { n: i + 1 }), action: { a: 'edit_item', i } }));
  const rows: { label: string; action: Action; style?: 'primary' }[][] = [];
  for (let i = 0; i < edits.length; i += 4) rows.push(edits.slice(i, i + 4));
  rows.push([{ label: tr('btn.save_leave'), action: { a: 'save_leave' } }, { label: tr('btn.submit'), action: { a: 'submit' }, style: 'primary' }]);
  const reflection = view.reflection ? `\n\n${tr('assess.summary_reflection', { text: view.reflection })}` : '';
  const hints = `${tr(view.reflection ? 'assess.summary_reflection_change' : 'assess.summary_reflection_hint')}\n${tr('assess.summary_submit_hint')}`;
  return {
    text: `${tr('assess.summary_head', { cycle: view.cycle.name })}\n\n${lines.join('\n\n')}${reflection}\n\n${hints}`,
    threadKey: view.threadKey,
    buttons: turn.buttons(rows),
  };
}

/** The own assessment the conversation is on, or null after telling the person why not. */
function currentView(turn: Turn): AssessmentView | null {
  const view = turn.ctx.own;
  if (!view || turn.state.assess?.id !== view.id || !editable(view)) {
    startAssessment(turn);
    return null;
  }
  return view;
}

/** After an answer: the next open question, or the summary when one thing was changed from it. */
function advance(turn: Turn, view: AssessmentView): void {
  // One thing changed from the summary ("Ubah n"): back to the summary, nothing else is asked again.
  if (turn.state.assess?.editing) return ask(turn, view, 'summary', 0, false);
  const pos = firstOpenPosition(view);
  ask(turn, view, pos.step, pos.item, false);
}

function itemRef(view: AssessmentView, i: number) {
  const it = view.items[i];
  return { assessmentId: view.id, itemKey: it.key, indicatorId: it.indicatorId, targetId: it.targetId };
}

/** Typed text while in the self-assessment. */
function assessmentText(turn: Turn, text: string): void {
  const view = currentView(turn);
  if (!view) return;
  const tr = t(turn);
  const loc = turn.ctx.locale;
  const step = turn.state.step;
  const i = turn.state.assess?.item ?? 0;
  const it = view.items[i];
  if (step === 'realisasi' && it) {
    const maxMultiple = view.cycle.settings.maxRealisasiMultiple ?? turn.ctx.limits.realisasiMaxMultiple;
    const r = parseRealisasi(text, { target: it.target ?? 0, maxMultiple });
    if (!r.ok) {
      turn.say(realisasiFault(tr, loc, r, text, maxMultiple));
      return ask(turn, view, step, i, turn.state.assess?.editing ?? false);
    }
    turn.effect({ kind: 'save_answer', ...itemRef(view, i), patch: { realisasi: r.value } });
    it.realisasi = r.value;
    return advance(turn, view);
  }
  if (step === 'narrative' && it) {
    const v = validateNarrative(text);
    if (!v.ok) {
      turn.say(v.fault === 'too_short' ? tr('input.narrative_too_short', { length: v.length, min: v.min }) : tr('input.narrative_too_long', { length: v.length, max: v.max }));
      return ask(turn, view, step, i, turn.state.assess?.editing ?? false);
    }
    turn.effect({ kind: 'save_answer', ...itemRef(view, i), patch: { narrative: v.text } });
    it.narrative = v.text;
    return advance(turn, view);
  }
  if (step === 'evidence' && it) {
    const link = parseEvidenceLink(text);
    if (!link.ok) {
      turn.say(link.fault === 'unsupported_scheme' ? tr('input.link_scheme') : tr('input.link_invalid', { mb: turn.ctx.limits.evidenceMaxMb }));
      return ask(turn, view, step, i, turn.state.assess?.editing ?? false);
    }
    return saveEvidence(turn, view, i, { kind: 'link', url: link.url });
  }
  if (step === 'edit_pick' && it) return editByTyping(turn, view, i, text);
  if (step === 'reflection' || step === 'summary' || step === 'confirm') {
    // Text at the summary is the optional reflection (typed again, it replaces the one given).
    const checked = checkTextLength('reflection', text);
    if (!checked.ok) {
      turn.say(tr('input.reflection_length', { max: TEXT_BOUNDS.reflection.max }));
      return ask(turn, view, 'summary', 0, false);
    }
    const trimmed = checked.text;
    turn.effect({ kind: 'save_reflection', assessmentId: view.id, text: trimmed });
    view.reflection = trimmed;
    turn.say(tr('assess.reflection_saved'));
    return ask(turn, view, 'summary', 0, false);
  }
  turn.say(tr('common.use_buttons'));
  ask(turn, view, step, i, false);
}

/** The fields "Ubah n" offers, in button order. */
const EDIT_FIELDS: readonly EditField[] = ['realisasi', 'narrative', 'evidence'];

/**
 * Typed right after "Ubah n", without picking a field: what it is says which field it changes. A number is
 * the realisasi, a link is more evidence, anything else is the narrative (so changing one thing costs one
 * message). Each is checked by the same rule as when its question is asked.
 */
function editByTyping(turn: Turn, view: AssessmentView, i: number, text: string): void {
  const maxMultiple = view.cycle.settings.maxRealisasiMultiple ?? turn.ctx.limits.realisasiMaxMultiple;
  const asNumber = parseRealisasi(text, { target: view.items[i].target ?? 0, maxMultiple });
  const field: EditField = asNumber.ok || asNumber.fault === 'negative' || asNumber.fault === 'too_large' ? 'realisasi' : parseEvidenceLink(text).ok || /^\S+:\/\/\S+$/.test(text.trim()) ? 'evidence' : 'narrative';
  turn.state = { ...turn.state, assess: { id: view.id, item: i, editing: true } };
  turn.go('assess', field);
  assessmentText(turn, text);
}

function saveEvidence(turn: Turn, view: AssessmentView, i: number, ref: EvidenceRef): void {
  const it = view.items[i];
  const evidence = [...it.evidence, ref];
  turn.effect({ kind: 'save_answer', ...itemRef(view, i), patch: { evidence, evidenceSkipped: false } });
  it.evidence = evidence;
  turn.say(translator(turn.ctx.locale)('assess.evidence_saved'));
  advance(turn, view);
}

/** A file or photo sent while in the self-assessment: evidence, if that is the question. */
function assessmentFile(turn: Turn, file: IncomingFile): void {
  const view = currentView(turn);
  if (!view) return;
  const tr = t(turn);
  const i = turn.state.assess?.item ?? 0;
  // A file right after "Ubah n" can only be more evidence.
  if (turn.state.step === 'edit_pick') turn.go('assess', 'evidence');
  if (turn.state.step !== 'evidence') {
    turn.say(tr('input.file_not_expected'));
    return ask(turn, view, turn.state.step, i, turn.state.assess?.editing ?? false);
  }
  const maxBytes = turn.ctx.limits.evidenceMaxMb * 1024 * 1024;
  if (file.size !== undefined && file.size > maxBytes) {
    turn.say(tr('input.file_too_large', { mb: turn.ctx.limits.evidenceMaxMb, size: fileSizeMb(turn.ctx.locale, file.size) }));
    return ask(turn, view, 'evidence', i, turn.state.assess?.editing ?? false);
  }
  saveEvidence(turn, view, i, fileEvidence(file, turn.ctx.platform));
}

/** A button of the self-assessment. */
function assessmentAction(turn: Turn, action: Action): void {
  const view = currentView(turn);
  if (!view) return;
  const tr = t(turn);
  const i = turn.state.assess?.item ?? 0;
  switch (action.a) {
    case 'skip_evidence': {
      if (turn.state.step !== 'evidence') return ask(turn, view, turn.state.step, i, turn.state.assess?.editing ?? false);
      turn.effect({ kind: 'save_answer', ...itemRef(view, i), patch: { evidenceSkipped: true } });
      view.items[i].evidenceSkipped = true;
      return advance(turn, view);
    }
    case 'skip_reflection':
      turn.effect({ kind: 'save_reflection', assessmentId: view.id, text: '' });
      view.reflection = '';
      return ask(turn, view, 'summary', 0, false);
    case 'edit_item':
      if (action.i < 0 || action.i >= view.items.length) return ask(turn, view, 'summary', 0, false);
      return ask(turn, view, 'edit_pick', action.i, true);
    case 'edit_field':
      if (turn.state.step !== 'edit_pick' || !EDIT_FIELDS.includes(action.f)) return ask(turn, view, turn.state.step, i, turn.state.assess?.editing ?? false);
      return ask(turn, view, action.f, i, true);
    case 'save_leave':
      turn.go('idle', 'idle');
      turn.say(tr('assess.saved_leave', { deadline: formatDate(turn.ctx.locale, view.cycle.selfDeadline) }));
      return;
    // The summary is the last look: "Kirim" submits ("Ya, kirim" of an older confirm message too).
    case 'submit':
    case 'confirm_submit':
      return submit(turn, view);
    case 'back_summary':
      return ask(turn, view, 'summary', 0, false);
    default:
      return ask(turn, view, turn.state.step, i, false);
  }
}

function submit(turn: Turn, view: AssessmentView): void {
  const tr = t(turn);
  const pos = firstOpenPosition(view);
  if (pos.step !== 'summary') return ask(turn, view, pos.step, pos.item, false);
  // The deadline is a date in the owner's own zone (DOMAIN.md); the submission is stored at ctx.now.
  const late = isLate(turn.ctx.now, view.cycle.selfDeadline, view.owner.timezone);
  turn.effect({ kind: 'submit', assessmentId: view.id, version: view.version, late });
  turn.effect({ kind: 'audit', action: 'assessment.submitted', subject: `assessment:${view.id}`, data: { round: view.round, late } });
  turn.go('idle', 'idle');
  turn.state = { ...turn.state, assess: undefined };
  const rater = view.promptRater;
  turn.say(rater ? tr('assess.submitted', { rater: rater.name }) : tr('assess.submitted_no_rater'));
  if (rater) turn.handOff('review.prompt', { view, rater });
}

/** The self-assessment's part of the state: assessment id, item index, and whether one thing of the item is changed from the summary. */
const assessSlice = z.object({ id: z.number(), item: z.number(), editing: z.boolean() });

declare module '../state.js' {
  interface FlowSteps {
    assess: 'realisasi' | 'narrative' | 'evidence' | 'reflection' | 'edit_pick' | 'summary' | 'confirm';
  }
  interface FlowSlices {
    assess?: z.infer<typeof assessSlice>;
  }
}

const inFlow = { inFlow: true, run: (turn: Turn, action: Action) => assessmentAction(turn, action) } as const;

/** Help for the self-assessment step the person is at. */
function assessHelp(turn: Turn): string {
  const tr = t(turn);
  switch (turn.state.step) {
    case 'realisasi':
      return tr('help.realisasi');
    case 'narrative':
      return tr('help.narrative');
    case 'evidence':
      return tr('help.evidence', { mb: turn.ctx.limits.evidenceMaxMb });
    case 'reflection':
      return tr('help.reflection');
    case 'edit_pick':
      return tr('help.edit_pick');
    default:
      return tr('help.summary');
  }
}

export const assessmentModule: FlowModule = {
  name: 'self-assessment',
  flow: {
    name: 'assess',
    steps: ['realisasi', 'narrative', 'evidence', 'reflection', 'edit_pick', 'summary', 'confirm'],
    freeTextSteps: ['realisasi', 'narrative', 'evidence', 'reflection', 'edit_pick', 'summary', 'confirm'],
    fileSteps: ['evidence', 'edit_pick'],
    resumesAfterIdle: true,
    needs: () => ({ own: true }),
    subjectId: (state) => state.assess?.id ?? null,
    ask(turn) {
      const own = turn.ctx.own;
      const s = turn.state.assess;
      if (!own || !s || s.id !== own.id) return false;
      ask(turn, own, turn.state.step, s.item, s.editing);
      return true;
    },
    text: assessmentText,
    file: assessmentFile,
    help: assessHelp,
    cancelled: (turn) => t(turn)('common.cancelled_draft_kept'),
  },
  commands: [{ names: ['penilaian', 'assess'], needs: { own: true }, run: (turn) => startAssessment(turn) }],
  actions: {
    start_assessment: { needs: () => ({ own: true }), run: (turn) => startAssessment(turn) },
    item_form: { run: (turn, a, values) => assessmentForm(turn, a.i, values) },
    skip_evidence: inFlow,
    skip_reflection: inFlow,
    edit_item: inFlow,
    edit_field: inFlow,
    save_leave: inFlow,
    submit: { ...inFlow, needs: { own: true, ownRaters: true } },
    back_summary: inFlow,
    confirm_submit: { ...inFlow, needs: { own: true, ownRaters: true } },
  },
  slice: { key: 'assess', schema: assessSlice, dropOnCancel: true },
};
