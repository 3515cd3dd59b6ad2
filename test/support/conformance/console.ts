/** The console for the conformance suite: an in-memory terminal (typed lines in, printed text out). */
import { PassThrough, Writable } from 'node:stream';
import type { ConformanceFactory, ConformanceFake, ShownMessage } from './types.js';

const NIP = '199001012015032099';

export const consoleConformance: ConformanceFactory = {
  platform: 'console',
  async start(): Promise<ConformanceFake> {
    const input = new PassThrough();
    const printed: string[] = [];
    const output = new Writable({
      write(chunk: Buffer, _enc, done) {
        printed.push(chunk.toString('utf8'));
        done();
      },
    });
    const type = async (line: string) => {
      input.write(line + '\n');
    };
    const self: ConformanceFake = {
      config: {},
      terminal: { input, output, startAs: NIP, demo: false, deliverInline: true },
      user: { platformUserId: NIP, chatId: `console:${NIP}` },
      limits: { buttonsPerRow: Number.POSITIVE_INFINITY },
      sendText: type,
      sendCommand: (name, args) => type(['/' + name, ...args].join(' ')),
      async pressButton(ref, label) {
        const shown = self.shown().find((m) => m.ref === ref);
        const n = shown?.buttons.flat().findIndex((b) => b.label === label) ?? -1;
        if (n < 0) throw new Error(`console: message ${ref} shows no choice "${label}"`);
        await type(String(n + 1));
      },
      shown(): ShownMessage[] {
        // Every delivery is one write ending in a newline; the prompt ("name> ") has none.
        return printed
          .filter((w) => w.endsWith('\n'))
          .map((text, i) => ({
            ref: `console-${i + 1}`,
            fields: [{ name: 'printed', shown: text, length: text.length, max: Number.POSITIVE_INFINITY }],
            body: text,
            // A row of choices prints as "  [1] Ya   [2] Tidak"; the token stays inside the adapter.
            buttons: text
              .split('\n')
              .filter((line) => /^\s+\[\d+\] /.test(line))
              .map((line) => line.trim().split(/\s{3}(?=\[\d+\] )/).map((cell) => ({ label: cell.replace(/^\[\d+\] /, ''), token: '' }))),
            edits: 0,
          }));
      },
      async close() {
        input.end();
      },
    };
    return self;
  },
};
