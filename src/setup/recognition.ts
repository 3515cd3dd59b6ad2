/**
 * HR hides a recognition (apresiasi) that should not stand (`kinerja recognition hide ID --reason`): it is
 * kept, marked hidden with the reason and who hid it, the change audited, and its sender told why.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { systemClock, type Clock } from '../clock.js';
import { checkTextLength, todayIn } from '../domain/index.js';
import { appendAudit, textDigest } from '../db/audit.js';
import { currentChatOf } from '../db/identity.js';
import { insertOutbox } from '../db/outbox.js';
import { txOf } from '../db/sql.js';
import type { Locale } from '../db/entities/organisation.js';
import { translator } from '../i18n/index.js';
import { UserFacingError } from './problems.js';

/** A recognition could not be hidden; the message says why. */
export class RecognitionHideError extends UserFacingError {}

/** Hides recognition `id` with `reason` (10..2000 characters); the sender is told in their language. */
export async function hideRecognition(em: EntityManager, input: { id: number; reason: string }, opts: { actor: string; clock?: Clock }): Promise<{ id: number; sender: string; recipient: string }> {
  const checked = checkTextLength('recognition_hide_reason', input.reason);
  if (!checked.ok) throw new RecognitionHideError(`--reason must be 10 to 2000 characters (it has ${checked.length})`);
  return em.transactional(async (t) => {
    const tx = txOf(t);
    const now = (opts.clock ?? systemClock).now();
    const rows = await tx.query<{ id: number; sender_id: number; sender: string; sender_locale: Locale; recipient: string; created_at: Date; hidden_at: Date | null; tz: string }>(
      `select r.id, r.sender_id, s.name as sender, s.locale as sender_locale, e.name as recipient, r.created_at, r.hidden_at, s.timezone as tz
         from recognition r join employee s on s.id = r.sender_id join employee e on e.id = r.recipient_id where r.id = $1 for update of r`,
      [input.id],
    );
    const r = rows[0];
    if (!r) throw new RecognitionHideError(`there is no recognition ${input.id}`);
    if (r.hidden_at) throw new RecognitionHideError(`recognition ${input.id} is already hidden`);
    await tx.exec(`update recognition set hidden_at = $2, hidden_reason = $3, hidden_by = $4 where id = $1`, [r.id, now, checked.text, opts.actor]);
    await appendAudit(tx, { actor: opts.actor, action: 'recognition.hidden', subject: `recognition:${r.id}`, data: { senderId: r.sender_id, reasonSha256: textDigest(checked.text), via: 'cli' } }, now);
    const to = await currentChatOf(tx, r.sender_id);
    if (to) {
      const t = translator(r.sender_locale);
      const text = t('recognition.hidden', { name: r.recipient, date: todayIn(r.tz, new Date(r.created_at)), reason: checked.text });
      await insertOutbox(tx, [{ platform: to.platform, chatId: to.chatId, recipient: r.sender_id, payload: { text }, key: `recognition:hidden:${r.id}` }], now);
    }
    return { id: r.id, sender: r.sender, recipient: r.recipient };
  });
}
