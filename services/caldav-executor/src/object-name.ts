import { createHash } from 'node:crypto';

/**
 * The UID and resource name of a `caldav.create` intent's event, from its idempotency key: the
 * same intent always PUTs to the same URL, so `If-None-Match: *` turns a repeated create into a
 * 412 instead of a second event, and reconcile knows where to look.
 */
export function uidFor(idempotencyKey: string): string {
  return `agent-ops-${createHash('sha256').update(`agent-ops/caldav/${idempotencyKey}`).digest('hex').slice(0, 40)}`;
}

export function objectNameFor(idempotencyKey: string): string {
  return `${uidFor(idempotencyKey)}.ics`;
}
