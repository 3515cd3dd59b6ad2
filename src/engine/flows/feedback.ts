/**
 * Continuous feedback (umpan balik berkelanjutan, DOMAIN.md):
 * - `/umpanbalik [name or NIP]` (`/feedback`; Slack `/kinerja umpanbalik`): a supervisor of record or the
 *   acting rater (SQL `rater_of`, db/feedback-targets.ts) picks one of their people (buttons for up to 8, else
 *   a typed name), the kind (apresiasi / saran perbaikan), optionally one of the person's indicators or a
 *   BerAKHLAK value, and writes it; evidence (files, photos, https links) may be sent before the text. It is
 *   delivered privately to the employee as the root of its own thread, stored on the open period, audited.
 * - Answers in that thread (either party) are relayed to the other party (thread.ts calls `relayFeedbackReply`).
 * Anyone who supervises nobody gets a clear refusal.
 * - `/mintaumpanbalik [topic]` (`/requestfeedback`): an employee asks whoever rates them today; the rater gets a
 *   button that starts `/umpanbalik` for them; the next feedback they are given answers the request.
 */
import { z } from 'zod';
import { commandToken, cutText, type IncomingFile } from '../../contract/index.js';
import type { EvidenceRef } from '../../db/entities/assessment.js';
import { BERAKHLAK_VALUES, FEEDBACK_KINDS, TEXT_BOUNDS, checkTextLength, parseEvidenceLink, type FeedbackKind } from '../../domain/index.js';
import { translator, type Translate } from '../../i18n/index.js';
import { acknowledgeRelay, relayedMessage, relayText } from '../relay.js';
import { fileEvidence, fileSizeMb } from '../evidence.js';
import type { ButtonSpec, Turn } from '../turn.js';
import type { FeedbackTarget } from '../views.js';
import type { FlowModule } from './module.js';

/** Up to this many people the picker shows buttons; with more, the supervisor types a name (issue 12). */
export const FEEDBACK_PICKER_BUTTONS = 8;

/** Evidence items one feedback may carry: enough for a report and two photos, not an archive. */
export const FEEDBACK_EVIDENCE_MAX = 5;

/** An indicator's name on its button: long IKI texts are cut (a platform's button shows about this much). */
const ITEM_LABEL_MAX = 60;

const evidenceSchema = z.object({
  kind: z.enum(['file', 'photo', 'link']),
  platform: z.string().optional(),
  fileId: z.string().optional(),
  name: z.string().optional(),
  size: z.number().optional(),
  mimeType: z.string().optional(),
  url: z.string().optional(),
});

const feedbackSlice = z.object({
  to: z.number(),
  kind: z.enum(FEEDBACK_KINDS).optional(),
  value: z.enum(BERAKHLAK_VALUES).nullable().optional(),
  /** The indicator named instead of a value: its key and its text in the employee's language. */
  item: z.object({ key: z.string(), title: z.string() }).nullable().optional(),
  evidence: z.array(evidenceSchema).optional(),
});

declare module '../state.js' {
  interface FlowSteps {
    feedback: 'fb_pick' | 'fb_kind' | 'fb_value' | 'fb_text';
  }
  interface FlowSlices {
    feedback?: z.infer<typeof feedbackSlice>;
  }
}

function tr(turn: Turn): Translate {
  return translator(turn.ctx.locale);
}

/** The cancel command, as a token delivery spells for the reader's platform (Slack: `/kinerja batal`). */
function cancelCmd(turn: Turn): string {
  return commandToken(turn.ctx.locale === 'en' ? 'cancel' : 'batal');
}

/** This flow's command, as a token delivery spells for the reader's platform. */
function cmd(_turn: Turn): string {
  return commandToken('umpanbalik');
}

/** The people found for a typed name (part of it, any case) or an exact NIP. */
function matching(targets: readonly FeedbackTarget[], query: string): FeedbackTarget[] {
  const q = query.trim().toLowerCase();
  return targets.filter((p) => p.nip === q || p.name.toLowerCase().includes(q));
}

function targetOf(turn: Turn, id: number): FeedbackTarget | null {
  return turn.ctx.feedbackTargets?.targets.find((p) => p.id === id) ?? null;
}

/** The picker: buttons for the people given (at most 8). */
function pickButtons(turn: Turn, people: readonly FeedbackTarget[]): void {
  const t = tr(turn);
  turn.go('feedback', 'fb_pick');
  turn.reply({
    text: t('feedback.pick'),
    buttons: turn.buttons(people.map((p) => [{ label: p.actingKind ? `${p.name} (${p.actingKind.toUpperCase()})` : p.name, action: { a: 'fb_to', id: p.id } }])),
  });
}

/** A typed name or NIP: one match is chosen, several shown as buttons, none said so. */
function search(turn: Turn, query: string): void {
  const t = tr(turn);
  const found = matching(turn.ctx.feedbackTargets?.targets ?? [], query);
  if (found.length === 1) return chosen(turn, found[0]!);
  if (found.length === 0 || found.length > FEEDBACK_PICKER_BUTTONS) {
    turn.go('feedback', 'fb_pick');
    return turn.say(found.length === 0 ? t('feedback.no_match', { query: cutText(query.trim(), 64), cancel: cancelCmd(turn) }) : t('feedback.too_many', { count: found.length }));
  }
  pickButtons(turn, found);
}

function feedbackCommand(turn: Turn, args: string[]): void {
  const t = tr(turn);
  const targets = turn.ctx.feedbackTargets?.targets ?? [];
  if (!targets.length) return turn.say(t('feedback.not_supervisor', { cmd: cmd(turn) }));
  const query = args.join(' ').trim();
  if (query) return search(turn, query);
  if (targets.length === 1) return chosen(turn, targets[0]!);
  if (targets.length <= FEEDBACK_PICKER_BUTTONS) return pickButtons(turn, targets);
  turn.go('feedback', 'fb_pick');
  turn.say(t('feedback.type_name', { count: targets.length }));
}

function chosen(turn: Turn, person: FeedbackTarget): void {
  turn.state = { ...turn.state, feedback: { to: person.id } };
  turn.go('feedback', 'fb_kind');
  askKind(turn, person);
}

function askKind(turn: Turn, person: FeedbackTarget): void {
  const t = tr(turn);
  turn.reply({
    text: t('feedback.ask_kind', { name: person.name }),
    buttons: turn.buttons([[{ label: t('feedback.kind_apresiasi'), action: { a: 'fb_kind', k: 'apresiasi' } }, { label: t('feedback.kind_saran'), action: { a: 'fb_kind', k: 'saran' } }]]),
  });
}

/** The indicator's name for a reader of `locale`. */
function itemTitle(item: FeedbackTarget['items'][number], locale: 'id' | 'en'): string {
  return locale === 'en' ? item.nameEn : item.nameId;
}

/** What to link the feedback to: one of the person's indicators, a BerAKHLAK value, or nothing. */
function askValue(turn: Turn, person: FeedbackTarget): void {
  const t = tr(turn);
  const rows: ButtonSpec[][] = person.items.map((item) => [{ label: cutText(itemTitle(item, turn.ctx.locale), ITEM_LABEL_MAX, '…'), action: { a: 'fb_item', k: item.key } }]);
  rows.push(...BERAKHLAK_VALUES.map((v): ButtonSpec[] => [{ label: t(`berakhlak.${v}`), action: { a: 'fb_value', v } }]));
  rows.push([{ label: t('feedback.btn_no_value'), action: { a: 'fb_value', v: null } }]);
  turn.reply({ text: t('feedback.ask_value', { name: person.name }), buttons: turn.buttons(rows) });
}

function askText(turn: Turn, person: FeedbackTarget): void {
  turn.say(tr(turn)('feedback.ask_text', { name: person.name }));
}

/** Evidence sent while writing: kept in the slice until the text sends the feedback. */
function addEvidence(turn: Turn, ref: EvidenceRef): void {
  const t = tr(turn);
  const s = turn.state.feedback;
  if (!s) return;
  const evidence = [...(s.evidence ?? [])];
  if (evidence.length >= FEEDBACK_EVIDENCE_MAX) return turn.say(t('feedback.evidence_full', { max: FEEDBACK_EVIDENCE_MAX }));
  evidence.push(ref);
  turn.state = { ...turn.state, feedback: { ...s, evidence } };
  turn.say(t('feedback.evidence_saved', { count: evidence.length }));
}

/** A file or photo while writing the feedback: evidence (the size limit of self-assessment evidence applies). */
function feedbackFile(turn: Turn, file: IncomingFile): void {
  const t = tr(turn);
  if (turn.state.step !== 'fb_text') return turn.say(t('feedback.file_not_expected', { cancel: cancelCmd(turn) }));
  if (!currentTarget(turn)) return;
  const maxBytes = turn.ctx.limits.evidenceMaxMb * 1024 * 1024;
  if (file.size !== undefined && file.size > maxBytes) {
    return turn.say(t('feedback.file_too_large', { mb: turn.ctx.limits.evidenceMaxMb, size: fileSizeMb(turn.ctx.locale, file.size) }));
  }
  addEvidence(turn, fileEvidence(file, turn.ctx.platform));
}

/**
 * A message that is one address with a scheme and nothing else (`https://...`, `javascript:...`): meant as
 * evidence, never as the feedback's text (which has words); only http(s) is then accepted.
 */
function looksLikeLink(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\S+$/i.test(text.trim());
}

/** The person of the feedback being written, still one the actor may give feedback to; else refused and idle. */
function currentTarget(turn: Turn): FeedbackTarget | null {
  const s = turn.state.feedback;
  const person = s ? targetOf(turn, s.to) : null;
  if (!person) {
    turn.go('idle', 'idle');
    turn.state = { ...turn.state, feedback: undefined };
    turn.say(tr(turn)('feedback.not_your_person', { cmd: cmd(turn) }));
  }
  return person;
}

/** What the employee reads: the kind, the indicator or value when given, the text, the evidence, and how to answer. */
function deliveredText(locale: 'id' | 'en', v: { giver: string; kind: FeedbackKind; value: string | null; item: string | null; text: string; evidence: readonly EvidenceRef[] }): string {
  const t = translator(locale);
  const head = t(v.kind === 'apresiasi' ? 'feedback.received_apresiasi' : 'feedback.received_saran', { name: v.giver });
  const value = v.item ? `\n${t('feedback.item_line', { item: v.item })}` : v.value ? `\n${t('feedback.value_line', { value: t(`berakhlak.${v.value}`) })}` : '';
  const evidence = v.evidence.length
    ? `\n\n${[t('feedback.evidence_head'), ...v.evidence.map((e) => (e.kind === 'link' ? `- ${e.url}` : e.kind === 'photo' ? t('feedback.evidence_photo', { name: e.name ?? '' }).trimEnd() : t('feedback.evidence_file', { name: e.name ?? '' }).trimEnd()))].join('\n')}`
    : '';
  return `${head}${value}\n\n${v.text}${evidence}\n\n${t('feedback.answer')}`;
}

function feedbackText(turn: Turn, text: string): void {
  const t = tr(turn);
  const person = currentTarget(turn);
  const s = turn.state.feedback;
  if (!person || !s?.kind) return;
  if (looksLikeLink(text)) {
    const link = parseEvidenceLink(text);
    if (!link.ok) return turn.say(t('feedback.link_scheme'));
    return addEvidence(turn, { kind: 'link', url: link.url });
  }
  const checked = checkTextLength('supervisor_feedback', text);
  if (!checked.ok) {
    return turn.say(checked.fault === 'too_short' ? t('feedback.too_short', { length: checked.length, min: checked.min }) : t('input.text_too_long', { length: checked.length, max: checked.max }));
  }
  const actor = turn.ctx.actor!;
  const threadKey = `fb${turn.ctx.newToken()}`.slice(0, 32);
  const value = s.value ?? null;
  const found = s.item ? person.items.find((i) => i.key === s.item!.key) : undefined;
  const evidence = s.evidence ?? [];
  turn.effect({
    kind: 'give_feedback',
    cycleId: turn.ctx.feedbackTargets?.cycleId ?? null,
    giverId: actor.id,
    employeeId: person.id,
    actingKind: person.actingKind,
    feedbackKind: s.kind,
    value,
    item: s.item ?? null,
    evidence,
    text: checked.text,
    threadKey,
  });
  // The root of the feedback's thread: a reply to it (Telegram) or in its thread (Slack) is the employee's answer.
  turn.effect({
    kind: 'notify',
    employeeId: person.id,
    message: { text: deliveredText(person.locale, { giver: actor.name, kind: s.kind, value, item: found ? itemTitle(found, person.locale) : (s.item?.title ?? null), text: checked.text, evidence }), threadKey, threadRoot: true },
  });
  turn.go('idle', 'idle');
  turn.state = { ...turn.state, feedback: undefined };
  turn.reply({ text: t('feedback.sent', { name: person.name }), threadKey, threadRoot: true });
}

/** Text in a feedback's thread: relayed to the other party of the feedback, stored on it. */
export function relayFeedbackReply(turn: Turn, text: string): void {
  const t = tr(turn);
  const fb = turn.ctx.feedbackThread;
  const actor = turn.ctx.actor;
  if (!fb || !actor || (actor.id !== fb.giver.id && actor.id !== fb.employee.id)) return turn.say(t('feedback.thread_not_allowed'));
  const body = relayText(turn, text, fb.threadKey);
  if (body === null) return;
  const other = actor.id === fb.giver.id ? fb.employee : fb.giver;
  turn.effect({ kind: 'feedback_reply', feedbackId: fb.id, authorId: actor.id, text: body });
  turn.effect({ kind: 'notify', employeeId: other.id, message: relayedMessage(other.locale, actor.name, body, fb.threadKey) });
  acknowledgeRelay(turn, fb.threadKey, other.name);
}

/** `/mintaumpanbalik [topic]`: the employee asks whoever rates them today; the rater gets a button to answer. */
function requestCommand(turn: Turn, args: string[]): void {
  const t = tr(turn);
  const actor = turn.ctx.actor!;
  const rater = turn.ctx.feedbackRater;
  if (!rater) return turn.say(t('feedback_request.no_rater'));
  let topic: string | null = null;
  if (args.join(' ').trim()) {
    const checked = checkTextLength('feedback_topic', args.join(' '));
    if (!checked.ok) return turn.say(t('input.text_too_long', { length: checked.length, max: TEXT_BOUNDS.feedback_topic.max }));
    topic = checked.text;
  }
  turn.effect({ kind: 'request_feedback', employeeId: actor.id, raterId: rater.id, topic });
  const rt = translator(rater.locale);
  const { buttons, grants } = turn.grantButtons(rater.id, [[{ label: rt('feedback_request.btn_answer'), action: { a: 'fb_to', id: actor.id }, style: 'primary' }]]);
  const text = topic ? rt('feedback_request.prompt_topic', { name: actor.name, topic }) : rt('feedback_request.prompt', { name: actor.name });
  turn.effect({ kind: 'notify', employeeId: rater.id, message: { text, buttons }, grants });
  turn.say(t('feedback_request.sent', { name: rater.name }));
}

/** `/riwayat`: the latest feedback and recognitions given and received, with dates. */
function historyCommand(turn: Turn): void {
  const t = tr(turn);
  const rows = turn.ctx.history ?? [];
  if (!rows.length) return turn.say(t('history.none'));
  const line = (r: (typeof rows)[number]) => `- ${r.on} ${t(`history.${r.dir}_${r.kind}`, { name: r.other })}: ${cutText(r.text, 120, '…')}`;
  turn.say([t('history.head'), ...rows.map(line)].join('\n'));
}

export const feedbackModule: FlowModule = {
  name: 'feedback',
  flow: {
    name: 'feedback',
    steps: ['fb_pick', 'fb_kind', 'fb_value', 'fb_text'],
    freeTextSteps: ['fb_pick', 'fb_text'],
    fileSteps: ['fb_text'],
    needs: () => ({ feedbackTargets: true }),
    ask(turn) {
      const step = turn.state.step;
      if (step === 'fb_pick') {
        turn.say(tr(turn)('feedback.type_name', { count: turn.ctx.feedbackTargets?.targets.length ?? 0 }));
        return true;
      }
      const person = currentTarget(turn);
      if (!person) return true;
      if (step === 'fb_kind') askKind(turn, person);
      else if (step === 'fb_value') askValue(turn, person);
      else askText(turn, person);
      return true;
    },
    text(turn, text) {
      if (turn.state.step === 'fb_pick') return search(turn, text);
      if (turn.state.step === 'fb_text') return feedbackText(turn, text);
      turn.say(tr(turn)('feedback.use_buttons', { cancel: cancelCmd(turn) }));
    },
    file: feedbackFile,
    help: (turn) => tr(turn)('help.feedback', { cmd: cmd(turn) }),
    cancelled: (turn) => tr(turn)('feedback.cancelled'),
  },
  commands: [
    { names: ['umpanbalik', 'feedback'], needs: { feedbackTargets: true }, run: feedbackCommand },
    { names: ['mintaumpanbalik', 'requestfeedback'], needs: { feedbackRater: true }, run: requestCommand },
    { names: ['riwayat', 'history'], needs: { history: true }, run: historyCommand },
  ],
  actions: {
    fb_to: {
      needs: () => ({ feedbackTargets: true }),
      run(turn, a) {
        const person = targetOf(turn, a.id);
        if (!person) return turn.say(tr(turn)('feedback.not_your_person', { cmd: cmd(turn) }));
        chosen(turn, person);
      },
    },
    fb_kind: {
      inFlow: true,
      run(turn, a) {
        const s = turn.state.feedback;
        const person = s ? currentTarget(turn) : null;
        if (!s || !person) return;
        turn.state = { ...turn.state, feedback: { ...s, kind: a.k } };
        turn.go('feedback', 'fb_value');
        askValue(turn, person);
      },
    },
    fb_value: {
      inFlow: true,
      run(turn, a) {
        const s = turn.state.feedback;
        const person = s ? currentTarget(turn) : null;
        if (!s || !person) return;
        const value = BERAKHLAK_VALUES.find((v) => v === a.v) ?? null;
        turn.state = { ...turn.state, feedback: { ...s, value, item: null } };
        turn.go('feedback', 'fb_text');
        askText(turn, person);
      },
    },
    fb_item: {
      inFlow: true,
      run(turn, a) {
        const s = turn.state.feedback;
        const person = s ? currentTarget(turn) : null;
        if (!s || !person) return;
        // The indicator is one of this person's in the open period, or the button is stale: ask again.
        const item = person.items.find((i) => i.key === a.k);
        if (!item) return askValue(turn, person);
        turn.state = { ...turn.state, feedback: { ...s, value: null, item: { key: item.key, title: itemTitle(item, person.locale) } } };
        turn.go('feedback', 'fb_text');
        askText(turn, person);
      },
    },
  },
  slice: { key: 'feedback', schema: feedbackSlice, dropOnCancel: true },
};
