import type { Channel } from '@agent-ops/contracts/channels';
import { fieldsToRecord } from '@agent-ops/contracts/codec';
import { type AlertEvent, isAlertKey } from './alert-events.ts';

function parse(json: string | undefined): Record<string, unknown> | null {
  if (!json) return null;
  try {
    const v = JSON.parse(json) as unknown;
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * A deadletter entry as an event. The entry a `failed` receipt brings with it gets that
 * failure's id (key and stream entry), so the two are alerted once; an invalid entry or a
 * second effect is an event of its own, named by its deadletter entry.
 */
export function deadletterEvent(channel: Channel, id: string, fields: string[]): AlertEvent | null {
  const f = fieldsToRecord(fields);
  const intent = parse(f['original.intent'] ?? f.intent);
  const error = parse(f.error);
  const key = typeof intent?.idempotencyKey === 'string' ? intent.idempotencyKey : null;
  if (isAlertKey(key)) return null;
  const code = typeof error?.code === 'string' ? error.code : '';
  const account = typeof intent?.account === 'string' ? intent.account : null;
  const reason = (f.reason ?? '').slice(0, 300);
  if (key && f.intentId && code !== 'invalid' && code !== 'second_effect') {
    const action = typeof intent?.action === 'string' ? intent.action : 'an intent';
    return {
      id: `failed.${channel}.${key}.${f.intentId}`,
      kind: 'failed',
      channel,
      key,
      account,
      summary: `${action} for ${account ?? '?'} (${key}) failed: ${reason}`,
      link: null,
    };
  }
  return {
    id: `deadletter.${channel}.${id}`,
    kind: 'deadletter',
    channel,
    key,
    account,
    summary: `${channel}: an entry went to the deadletter stream${key ? ` (${key})` : ''}: ${reason}`,
    link: null,
  };
}
