import type { Channel } from '@agent-ops/contracts/channels';
import type { Receipt } from '@agent-ops/contracts/receipt';
import { type AlertEvent, isAlertKey } from './alert-events.ts';

function errorText(r: Receipt): string {
  return r.error ? `: ${r.error.code}: ${r.error.message.slice(0, 200)}` : '';
}

/**
 * A parked `unknown` or a `failed` receipt as an event. Its id is the key and the stream entry
 * the receipt is for, which the failed intent's deadletter entry also carries: a failure and
 * its deadletter entry are one event. Alerts' own receipts are left out, so a destination that
 * fails never alerts about itself in a loop.
 */
export function receiptEvent(channel: Channel, r: Receipt): AlertEvent | null {
  if (isAlertKey(r.idempotencyKey)) return null;
  if (r.status !== 'unknown' && r.status !== 'failed') return null;
  const what = `${r.action} for ${r.account} (${r.idempotencyKey})`;
  return {
    id: `${r.status}.${channel}.${r.idempotencyKey}.${r.intentId}`,
    kind: r.status,
    channel,
    key: r.idempotencyKey,
    account: r.account,
    summary:
      r.status === 'unknown'
        ? `${what} may or may not have happened; check, then resolve it on the dashboard${errorText(r)}`
        : `${what} failed${errorText(r)}`,
    link: null,
  };
}
