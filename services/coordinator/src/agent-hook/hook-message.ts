import type { Receipt } from '@agent-ops/contracts/receipt';

/**
 * Error codes of an outcome that was in doubt: the request may have taken effect (no answer
 * in time, a connection lost after sending, a 5xx to a call that is not idempotent, the API
 * saying the content exists already, a reconcile that could not ask). A `failed` receipt
 * carries one when an executor gave up retrying after such an attempt, whose reconcile found
 * nothing then; X does not promise read-after-write, so the effect may still be there.
 */
const IN_DOUBT_CODES = new Set([
  'timeout',
  'connection_dropped',
  'outcome_unknown',
  'duplicate_content',
  'reconcile_failed',
  'second_effect',
]);

/**
 * Whether the effect of a receipt that did not succeed may exist all the same: always for
 * `unknown`; for `failed`, when its last error was an in-doubt one. A retryable error (a
 * RetryAfterError: the API said it had not acted) is not in doubt, whatever its code.
 */
export function effectMayExist(r: Receipt): boolean {
  if (r.status === 'unknown') return true;
  if (r.status !== 'failed' || !r.error || r.error.retryable) return false;
  return IN_DOUBT_CODES.has(r.error.code) || /^http_5\d\d$/.test(r.error.code);
}

/**
 * What the agent is told to do about a receipt. It never suggests submitting again when the
 * effect may exist: a new idempotencyKey would make the runtime carry it out a second time.
 */
function advice(r: Receipt): string {
  if (r.status === 'unknown') {
    return ' It may or may not have happened; do not submit it again, under this or a new idempotencyKey. A person resolves parked intents.';
  }
  if (effectMayExist(r)) {
    return ' It may have happened all the same: its last attempt was in doubt. Do not submit it again, under this or a new idempotencyKey, until a person has checked.';
  }
  if (r.status === 'failed' || r.status === 'rejected') {
    return ' It did not happen. Submitting again needs a new idempotencyKey.';
  }
  return '';
}

/** The text the agent reads: what happened, where to look, and what it must not do. */
export function hookMessage(r: Receipt): string {
  const what = `agent-ops: ${r.action} for ${r.account} (idempotencyKey ${r.idempotencyKey}) ${r.status}`;
  const detail = r.url ?? (r.error ? `${r.error.code}: ${r.error.message}` : (r.externalId ?? ''));
  return `${what}${detail ? `: ${detail}` : ''}.${advice(r)}`;
}
