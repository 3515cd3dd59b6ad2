/** Slack for the conformance suite: the fake Web API, events posted signed to the app's /slack/events. */
import { FakeSlack, blockAction, interactionForm, messageEvent, postSigned, slashCommand } from '../fake-slack.js';
import type { ConformanceFactory, ConformanceFake, ShownMessage } from './types.js';

const TOKEN = 'xoxb-conformance-token';
const SIGNING_SECRET = 'conformance-signing-secret';
const USER = 'UCONF01';
const DM = 'DCONF01';
/** Characters of one section's mrkdwn, and of the top-level text fallback (Slack's limits). */
const SECTION_MAX = 3000;
const FALLBACK_MAX = 4000;

/**
 * What a person sees of a mrkdwn string: `<...>` sequences are mentions or links (shown as a marker, so a
 * literal `<!channel>` that reached Slack unescaped is caught), `*x*`, `_x_`, `~x~` and `` `x` `` at a word start
 * are formatting (their markers vanish), entities are decoded and zero-width spaces are invisible.
 */
export function showMrkdwn(mrkdwn: string): string {
  return mrkdwn
    .replace(/<([^>]*)>/g, '⟦mention:$1⟧')
    .replace(/(^|[\s(])([*_~`])(?=[^\s\u200B])([^\n]*?\S)\2(?=$|[\s.,!?):;])/g, '$1$3')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\u200B/g, '');
}

interface Block {
  type: string;
  text?: { type: string; text: string };
  elements?: { type: string; text?: string | { text: string }; value?: string }[];
}

export const slackConformance: ConformanceFactory = {
  platform: 'slack',
  async start({ appUrl }): Promise<ConformanceFake> {
    const slack = await new FakeSlack().start();
    slack.users.set(USER, { email: 'uji@example.go.id', name: 'Uji', dm: DM });
    const url = `${appUrl}/slack/events`;
    // The person's messages get their own ts range, apart from the fake's ts for the bot's messages.
    let userTs = 0;
    const nextTs = () => `1767300000.${String(++userTs).padStart(6, '0')}`;
    let last: { json: unknown } | { form: Record<string, string> } | undefined;
    const post = async (body: { json: unknown } | { form: Record<string, string> }) => {
      last = body;
      const res = await postSigned(url, SIGNING_SECRET, body);
      if (res.status !== 200) throw new Error(`the app answered ${res.status}: ${res.text}`);
    };
    const render = (ts: string, args: Record<string, unknown>, edits: number): ShownMessage => {
      const blocks = (args.blocks ?? []) as Block[];
      const text = String(args.text ?? '');
      const fields = [{ name: 'text', shown: showMrkdwn(text), length: text.length, max: FALLBACK_MAX }];
      blocks.forEach((b, i) => {
        if (b.type === 'section' && b.text) fields.push({ name: `blocks[${i}].text`, shown: showMrkdwn(b.text.text), length: b.text.text.length, max: SECTION_MAX });
        if (b.type === 'context')
          for (const e of b.elements ?? []) if (typeof e.text === 'string') fields.push({ name: `blocks[${i}].context`, shown: showMrkdwn(e.text), length: e.text.length, max: SECTION_MAX });
      });
      const buttons = blocks
        .filter((b) => b.type === 'actions')
        .map((b) => (b.elements ?? []).map((e) => ({ label: typeof e.text === 'object' ? e.text.text : String(e.text ?? ''), token: String(e.value ?? '') })));
      const body = fields.slice(1).map((f) => f.shown).join('\n');
      return { ref: ts, fields, body, buttons, edits };
    };
    const self: ConformanceFake = {
      config: { SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_MODE: 'http', SLACK_API_URL: slack.apiUrl },
      unreachableConfig: { SLACK_BOT_TOKEN: TOKEN, SLACK_MODE: 'http', SLACK_API_URL: 'http://127.0.0.1:9/api/' },
      user: { platformUserId: USER, chatId: DM },
      limits: { buttonsPerRow: 25 },
      sendText: (text) => post({ json: messageEvent({ user: USER, channel: DM, text, ts: nextTs() }) }),
      sendCommand: (name, args) => post(slashCommand({ user: USER, channel: DM, text: [name, ...args].join(' ') })),
      async pressButton(ref, label) {
        const shown = self.shown().find((m) => m.ref === ref);
        const button = shown?.buttons.flat().find((b) => b.label === label);
        if (!button) throw new Error(`fake Slack: message ${ref} shows no button "${label}"`);
        await post(interactionForm(blockAction({ user: USER, channel: DM, value: button.token, messageTs: ref })));
      },
      replyTo: (ref, text) => post({ json: messageEvent({ user: USER, channel: DM, text, threadTs: ref, ts: nextTs() }) }),
      async redeliverLast() {
        if (!last) throw new Error('nothing to redeliver');
        const res = await postSigned(url, SIGNING_SECRET, last, { retryNum: 1 });
        if (res.status !== 200) throw new Error(`the app answered ${res.status} to a retry`);
      },
      shown(): ShownMessage[] {
        const out: ShownMessage[] = [];
        for (const call of slack.calls) {
          if (!call.result?.ok) continue;
          if (call.method === 'chat.postMessage' && call.args.channel === DM) out.push(render(String(call.result.ts), call.args, 0));
          if (call.method === 'chat.update' && call.args.channel === DM) {
            const i = out.findIndex((m) => m.ref === call.args.ts);
            if (i >= 0) out[i] = render(out[i].ref, call.args, out[i].edits + 1);
          }
        }
        return out;
      },
      failNext(f) {
        if (f.kind === 'rate_limited') slack.failNext('chat.postMessage', { ratelimited: f.retryAfterSec });
        else if (f.kind === 'forbidden') slack.failNext('chat.postMessage', { error: 'account_inactive' });
        else slack.failNext('chat.postMessage', { status: 503 });
      },
      failNextEdit() {
        slack.failNext('chat.update', { error: 'message_not_found' });
      },
      close: () => slack.stop(),
    };
    return self;
  },
};
