/**
 * The read-only look-ups platform adapters need at ingress, answered from the database. The service creates
 * them and hands them to the adapters (the engine contract's `IngressLookups`), so adapters take no ORM.
 */
import { chatOfAccount } from './identity.js';
import type { Orm } from './orm.js';
import { offeredForm, threadKeyOf } from './outbox.js';
import { txOf } from './sql.js';

/** Ingress look-ups over `orm`'s pool; each call is one autocommitted, indexed read. */
export function ingressLookups(orm: Orm) {
  const tx = txOf(orm.em.fork());
  return {
    threadKeyOf: (platform: string, chatId: string, messageRef: string) => threadKeyOf(tx, platform, chatId, messageRef),
    currentChatOf: (platform: string, platformUserId: string) => chatOfAccount(tx, platform, platformUserId),
    offeredForm: <F>(platform: string, chatId: string, formToken: string) => offeredForm<F>(tx, platform, chatId, formToken),
  };
}
