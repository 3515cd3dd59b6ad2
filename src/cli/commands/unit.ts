/** `kinerja unit rating|channel`: a unit's organisational rating per cycle and its announcement channel (src/setup/units.ts). */
import { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { ORG_RATINGS } from '../../domain/index.js';
import { UserFacingError } from '../../setup/problems.js';
import { importUnitRatingsFile, setUnitChannelByCode, setUnitRating } from '../../setup/units.js';
import { withDatabase } from '../database.js';
import { defaultActor, say } from '../output.js';
import { actorOption, encodingOption, LIMITS_HELP, positiveInt, readOptions } from './imports.js';

export function registerUnitCommands(program: Command): void {
  const unit = program.command('unit').description("a unit's settings: organisational rating per cycle, announcement channel").enablePositionalOptions();

  const rating = unit
    .command('rating')
    .enablePositionalOptions()
    .description("set a unit's organisational rating (capaian kinerja organisasi) for a cycle; it fixes the unit's distribution curve")
    .addHelpText(
      'after',
      `
Ratings: ${ORG_RATINGS.join(', ')}. The curve is checked when the cycle closes; ratings can change until it is announced.
Examples:
  kinerja unit rating --cycle 3 --unit DISHUB --rating baik
  kinerja unit rating import capaian-tw1.csv --cycle 3       (many units at once)`,
    )
    .option('--cycle <id>', 'the cycle (see kinerja cycle list)', positiveInt)
    .option('--unit <code>', 'unit code')
    .option('--rating <rating>', ORG_RATINGS.join(' | '))
    .option(...actorOption)
    .action(async (o: { cycle?: number; unit?: string; rating?: string; actor?: string }) => {
      const missing = [o.cycle === undefined && '--cycle <id>', o.unit === undefined && '--unit <code>', o.rating === undefined && '--rating <rating>'].filter(Boolean);
      if (missing.length) throw new UserFacingError(`missing ${missing.join(', ')}; e.g. kinerja unit rating --cycle 3 --unit DISHUB --rating baik`);
      await withDatabase(loadConfig(), async (db) => {
        const r = await setUnitRating(db.em(), { cycleId: o.cycle!, unitCode: o.unit!, rating: o.rating! }, { actor: o.actor ?? defaultActor() });
        say(`unit ${r.unit}, cycle ${o.cycle}: organisational rating ${r.rating}${r.previous && r.previous !== r.rating ? ` (was ${r.previous})` : ''}`);
      });
    });

  rating
    .command('import')
    .description('set the organisational rating of many units for a cycle from FILE (.csv or .xlsx); all or nothing')
    .addHelpText(
      'after',
      `
Columns: unit_kode|unit_code, capaian|rating (${ORG_RATINGS.join(', ')}). Each unit once; every bad line listed.
${LIMITS_HELP}`,
    )
    .argument('<file>', 'CSV or XLSX file; line 1 is the header')
    .requiredOption('--cycle <id>', 'the cycle the ratings are for', positiveInt)
    .addOption(encodingOption())
    .option(...actorOption)
    .action(async (file: string, o: { cycle: number; actor?: string; encoding?: string }) => {
      const cfg = loadConfig();
      await withDatabase(cfg, async (db) => {
        const r = await importUnitRatingsFile(db.em(), file, o.cycle, { actor: o.actor ?? defaultActor(), read: readOptions(cfg, o.encoding) });
        say(`${r.file}: set the organisational rating of ${r.rows} units for cycle ${o.cycle} (${r.changed} changed)`);
      });
    });

  unit
    .command('channel')
    .description("where a unit's public announcements (Sangat Baik awards) go: a Telegram group or a Slack channel with the bot in it")
    .addHelpText(
      'after',
      `
In chat instead: an HR admin sends /daftarkan_kanal UNIT in the Telegram group, or /kinerja daftarkan-kanal UNIT
in the Slack channel (invite the bot first: /invite @Kinerja).
Examples:
  kinerja unit channel --unit DISHUB --telegram -1001234567890
  kinerja unit channel --unit DISHUB --slack C0123ABCD`,
    )
    .requiredOption('--unit <code>', 'unit code')
    .option('--telegram <chat-id>', 'Telegram group chat id (negative)')
    .option('--slack <channel-id>', 'Slack channel id (C... or G...)')
    .option(...actorOption)
    .action(async (o: { unit: string; telegram?: string; slack?: string; actor?: string }) => {
      const chosen = [['telegram', o.telegram], ['slack', o.slack]].filter((x): x is [string, string] => x[1] !== undefined);
      if (chosen.length === 0) throw new UserFacingError('give the channel: --telegram CHAT_ID or --slack CHANNEL_ID');
      await withDatabase(loadConfig(), async (db) => {
        for (const [platform, chatId] of chosen) {
          const r = await setUnitChannelByCode(db.em(), { unitCode: o.unit, platform, chatId }, { actor: o.actor ?? defaultActor() });
          say(`unit ${r.unit}: announcements on ${platform} go to ${chatId.trim()}${r.previous && r.previous !== chatId.trim() ? ` (was ${r.previous})` : ''}`);
        }
      });
    });
}
