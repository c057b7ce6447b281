import type { Channel } from '@agent-ops/contracts/channels';
import type { RecordStore } from '../record-store.ts';
import { SESSION_KEY_META } from './hook-request.ts';

/**
 * The OpenClaw session that submitted an intent, from its `meta.sessionKey`, so the report
 * reaches the conversation that asked. Null when the intent named none or is not on record
 * (an intent appended straight to the stream has no coordinator record).
 */
export async function submittingSession(
  store: RecordStore,
  channel: Channel,
  idempotencyKey: string,
): Promise<string | null> {
  const record = await store.get(channel, idempotencyKey);
  const value = record?.intent?.meta?.[SESSION_KEY_META];
  return typeof value === 'string' && value.length > 0 ? value : null;
}
