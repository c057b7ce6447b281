import type { Channel } from '@agent-ops/contracts/channels';

/** What a person can be told about. */
export const EVENT_KINDS = [
  'approval_waiting',
  'approval_lapsing',
  'unknown',
  'failed',
  'deadletter',
  'breaker_open',
  'no_consumer',
  'needs_reauth',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/**
 * One event, as it waits in a destination's digest. `id` comes from the event itself (the key
 * and the receipt's entry, the deadletter entry, the breaker's `since`), never from when it was
 * noticed, so noticing it again after a restart or a replay finds it already alerted.
 */
export type AlertEvent = {
  id: string;
  kind: EventKind;
  channel: Channel | null;
  key: string | null;
  account: string | null;
  /** One line a person reads, e.g. `x.post for antifund waits for approval: "We launch..."`. */
  summary: string;
  /** Where to act (the signed approval link), when there is such a place. */
  link: string | null;
};

/** Idempotency keys of the coordinator's own alerts: events about them are never alerted (no loop). */
export const ALERT_KEY_PREFIX = 'alert.';

export function isAlertKey(key: string | null | undefined): boolean {
  return typeof key === 'string' && key.startsWith(ALERT_KEY_PREFIX);
}

/** A short quote of what a person recognises an intent by. */
export function quote(text: string | null | undefined, max = 80): string {
  if (!text) return '';
  const flat = text.replace(/\s+/g, ' ').trim();
  return ` "${flat.length > max ? `${flat.slice(0, max - 1)}…` : flat}"`;
}
