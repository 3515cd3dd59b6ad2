/** `kinerja recognition hide ID --reason TEXT`: HR hides a recognition (src/setup/recognition.ts); audited, the sender told. */
import { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { hideRecognition } from '../../setup/recognition.js';
import { withDatabase } from '../database.js';
import { defaultActor, say } from '../output.js';
import { actorOption, positiveInt } from './imports.js';

export function registerRecognitionCommands(program: Command): void {
  const recognition = program.command('recognition').description('recognitions between colleagues (/apresiasi)').enablePositionalOptions();
  recognition
    .command('hide')
    .description('hide a recognition that should not stand; it is kept, audited, and its sender is told the reason')
    .addHelpText('after', `\nExample:\n  kinerja recognition hide 42 --reason "Berisi data pribadi pegawai lain."`)
    .argument('<id>', 'the recognition id (audit log `recognition.given`, or the recognition table)', positiveInt)
    .requiredOption('--reason <text>', 'why (10 to 2000 characters); the sender reads it')
    .option(...actorOption)
    .action(async (id: number, o: { reason: string; actor?: string }) => {
      await withDatabase(loadConfig(), async (db) => {
        const r = await hideRecognition(db.em(), { id, reason: o.reason }, { actor: o.actor ?? defaultActor() });
        say(`recognition ${r.id} (${r.sender} -> ${r.recipient}) hidden; ${r.sender} is told`);
      });
    });
}
