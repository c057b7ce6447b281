import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json.ts';
import type { Intent } from './intent.ts';

/**
 * The identity of an intent's effect: the same key with the same hash is the same intent
 * submitted again; the same key with another hash is a conflict.
 */
export function contentHash(
  intent: Pick<Intent, 'action' | 'account' | 'payload' | 'notBefore' | 'expiresAt'>,
): string {
  const fields = {
    action: intent.action,
    account: intent.account,
    payload: intent.payload,
    notBefore: intent.notBefore ?? null,
    expiresAt: intent.expiresAt ?? null,
  };
  return createHash('sha256').update(canonicalJson(fields)).digest('hex');
}
