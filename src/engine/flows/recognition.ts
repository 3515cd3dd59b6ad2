/**
 * Recognition between colleagues (apresiasi, DOMAIN.md "Continuous feedback"): `/apresiasi NAME` (Slack
 * `/kinerja apresiasi`) finds a colleague of the same agency by name or NIP, asks for a BerAKHLAK value and
 * a message (10..500 characters), then whether to post it publicly. The recipient gets it privately, their
 * supervisor is told, and it is posted to the recipient's unit channel only when the sender asked and the
 * recipient has not opted out of public announcements. Never anonymous, never to oneself, at most
 * RECOGNITION_PER_DAY a sender's day. HR may hide one (`kinerja recognition hide`, src/setup/recognition.ts).
 */
import { z } from 'zod';
import { commandToken, cutText } from '../../contract/index.js';
import { BERAKHLAK_VALUES, checkTextLength } from '../../domain/index.js';
import { translator, type Translate } from '../../i18n/index.js';
import type { ButtonSpec, Turn } from '../turn.js';
import type { ColleagueView } from '../views.js';
import type { FlowModule } from './module.js';

const recognitionSlice = z.object({
  to: z.number(),
  value: z.enum(BERAKHLAK_VALUES).optional(),
  text: z.string().optional(),
});

declare module '../state.js' {
  interface FlowSteps {
    recognition: 'rc_pick' | 'rc_value' | 'rc_text' | 'rc_public';
  }
  interface FlowSlices {
    recognition?: z.infer<typeof recognitionSlice>;
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
  return commandToken('apresiasi');
}

/** False (and says why) when the sender has used up the day's recognitions. */
function withinLimit(turn: Turn): boolean {
  const r = turn.ctx.recognition;
  if (r && r.sentToday >= r.perDay) {
    turn.say(tr(turn)('recognition.limit', { max: r.perDay }));
    return false;
  }
  return true;
}

function leave(turn: Turn): void {
  turn.go('idle', 'idle');
  turn.state = { ...turn.state, recognition: undefined };
}

/** The colleague chosen: never oneself; then the BerAKHLAK value. */
function chosen(turn: Turn, person: ColleagueView): void {
  const t = tr(turn);
  if (person.id === turn.ctx.actor!.id) {
    leave(turn);
    return turn.say(t('recognition.not_self'));
  }
  turn.state = { ...turn.state, recognition: { to: person.id } };
  turn.go('recognition', 'rc_value');
  askValue(turn, person);
}

function askValue(turn: Turn, person: ColleagueView): void {
  const t = tr(turn);
  const rows: ButtonSpec[][] = BERAKHLAK_VALUES.map((v) => [{ label: t(`berakhlak.${v}`), action: { a: 'rc_value', v } }]);
  turn.reply({ text: t('recognition.ask_value', { name: person.name }), buttons: turn.buttons(rows) });
}

function askPublic(turn: Turn, person: ColleagueView): void {
  const t = tr(turn);
  turn.reply({
    text: t('recognition.ask_public', { name: person.name }),
    buttons: turn.buttons([[{ label: t('recognition.btn_public'), action: { a: 'rc_send', pub: true } }, { label: t('recognition.btn_private'), action: { a: 'rc_send', pub: false } }]]),
  });
}

/** The colleagues found for what was typed: one is chosen, a few become buttons, none or too many said so. */
function found(turn: Turn, query: string): void {
  const t = tr(turn);
  const people = turn.ctx.recognition?.found ?? [];
  turn.go('recognition', 'rc_pick');
  if (people.length === 1) return chosen(turn, people[0]!);
  if (people.length === 0) return turn.say(t('recognition.no_match', { query: cutText(query, 64), cancel: cancelCmd(turn) }));
  if (people.length > 8) return turn.say(t('recognition.too_many'));
  turn.reply({ text: t('recognition.pick'), buttons: turn.buttons(people.map((p) => [{ label: p.name, action: { a: 'rc_to', id: p.id } }])) });
}

function recognitionCommand(turn: Turn, args: string[]): void {
  if (!withinLimit(turn)) return;
  const query = args.join(' ').trim();
  if (!query) {
    turn.go('recognition', 'rc_pick');
    return turn.say(tr(turn)('recognition.ask_name'));
  }
  found(turn, query);
}

/** The colleague being recognised, reloaded each step (`needs`); gone: said and idle. */
function current(turn: Turn): ColleagueView | null {
  const s = turn.state.recognition;
  const person = s ? (turn.ctx.recognition?.found.find((p) => p.id === s.to) ?? null) : null;
  if (!person) {
    leave(turn);
    turn.say(tr(turn)('recognition.gone', { cmd: cmd(turn) }));
  }
  return person;
}

function recognitionText(turn: Turn, text: string): void {
  const t = tr(turn);
  const s = turn.state.recognition;
  const person = current(turn);
  if (!s || !person) return;
  const checked = checkTextLength('recognition', text);
  if (!checked.ok) {
    return turn.say(checked.fault === 'too_short' ? t('recognition.too_short', { length: checked.length, min: checked.min }) : t('input.text_too_long', { length: checked.length, max: checked.max }));
  }
  turn.state = { ...turn.state, recognition: { ...s, text: checked.text } };
  turn.go('recognition', 'rc_public');
  askPublic(turn, person);
}

function send(turn: Turn, asked: boolean): void {
  const t = tr(turn);
  const s = turn.state.recognition;
  const person = current(turn);
  if (!s?.value || !s.text || !person) return;
  if (!withinLimit(turn)) return leave(turn);
  const actor = turn.ctx.actor!;
  // The recipient's opt-out wins over the sender's wish (DOMAIN.md: public only when both allow it).
  const pub = asked && !person.optOutAnnouncements;
  turn.effect({ kind: 'give_recognition', cycleId: turn.ctx.recognition?.cycleId ?? null, senderId: actor.id, recipientId: person.id, value: s.value, text: s.text, public: pub });
  const rt = translator(person.locale);
  turn.effect({ kind: 'notify', employeeId: person.id, message: { text: rt('recognition.received', { name: actor.name, value: rt(`berakhlak.${s.value}`), text: s.text }) } });
  const sup = person.supervisor;
  if (sup && sup.id !== actor.id) {
    const st = translator(sup.locale);
    turn.effect({ kind: 'notify', employeeId: sup.id, message: { text: st('recognition.supervisor_told', { sender: actor.name, name: person.name, value: st(`berakhlak.${s.value}`), text: s.text }) } });
  }
  // The unit channel is read by everyone in the unit: Indonesian, the province's working language.
  const ct = translator('id');
  if (pub) turn.effect({ kind: 'unit_post', unitId: person.unitId, message: { text: ct('recognition.public_post', { sender: actor.name, name: person.name, value: ct(`berakhlak.${s.value}`), text: s.text }) } });
  leave(turn);
  turn.say(pub ? t('recognition.sent_public', { name: person.name }) : asked ? t('recognition.sent_not_public', { name: person.name }) : t('recognition.sent', { name: person.name }));
}

export const recognitionModule: FlowModule = {
  name: 'recognition',
  flow: {
    name: 'recognition',
    steps: ['rc_pick', 'rc_value', 'rc_text', 'rc_public'],
    freeTextSteps: ['rc_pick', 'rc_text'],
    // A name typed at the picker is the search.
    needs: (state, input) => ({ recognition: { query: state.step === 'rc_pick' && input.kind === 'text' ? input.text.trim() || null : null, id: state.recognition?.to ?? null } }),
    ask(turn) {
      if (turn.state.step === 'rc_pick') {
        turn.say(tr(turn)('recognition.ask_name'));
        return true;
      }
      const person = current(turn);
      if (!person) return true;
      if (turn.state.step === 'rc_value') askValue(turn, person);
      else if (turn.state.step === 'rc_text') turn.say(tr(turn)('recognition.ask_text', { name: person.name }));
      else askPublic(turn, person);
      return true;
    },
    text(turn, text) {
      if (turn.state.step === 'rc_pick') return found(turn, text.trim());
      if (turn.state.step === 'rc_text') return recognitionText(turn, text);
      turn.say(tr(turn)('feedback.use_buttons', { cancel: cancelCmd(turn) }));
    },
    help: (turn) => tr(turn)('help.recognition', { cmd: cmd(turn) }),
    cancelled: (turn) => tr(turn)('recognition.cancelled'),
  },
  commands: [{ names: ['apresiasi', 'recognize', 'kudos'], needs: (args) => ({ recognition: { query: args.join(' ').trim() || null, id: null } }), run: recognitionCommand }],
  actions: {
    rc_to: {
      needs: (a) => ({ recognition: { query: null, id: a.id } }),
      run(turn, a) {
        const person = turn.ctx.recognition?.found.find((p) => p.id === a.id);
        if (!person) return turn.say(tr(turn)('recognition.gone', { cmd: cmd(turn) }));
        chosen(turn, person);
      },
    },
    rc_value: {
      inFlow: true,
      run(turn, a) {
        const s = turn.state.recognition;
        const person = current(turn);
        const value = BERAKHLAK_VALUES.find((v) => v === a.v);
        if (!s || !person || !value) return;
        turn.state = { ...turn.state, recognition: { ...s, value } };
        turn.go('recognition', 'rc_text');
        turn.say(tr(turn)('recognition.ask_text', { name: person.name }));
      },
    },
    rc_send: { inFlow: true, run: (turn, a) => send(turn, a.pub) },
  },
  slice: { key: 'recognition', schema: recognitionSlice, dropOnCancel: true },
};
