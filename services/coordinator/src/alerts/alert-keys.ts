import { assertPrefix } from '@agent-ops/contracts/keys';

/**
 * The coordinator's alert bookkeeping, under a hash tag of its own so its scripts stay in one
 * Cluster slot. Nothing here is read by an executor or the dashboard.
 */
export function alertKeys(prefix: string) {
  const base = `${assertPrefix(prefix)}:{alerts}`;
  return {
    /** Sorted set of `<destination>|<event id>` already queued, scored by when: an event is queued once. */
    seen: `${base}:seen`,
    /** List of event JSON waiting for the destination's next digest. */
    pending: (destination: string) => `${base}:pending:${destination}`,
    /** The events a flush took and has not yet turned into an intent (survives a crash mid-flush). */
    batch: (destination: string) => `${base}:batch:${destination}`,
    /** Hash: channel -> the last deadletter entry id looked at. */
    deadletterCursors: `${base}:deadletter-cursors`,
    /** Hash: `<channel>|<account>` -> since when (epoch ms) its breaker has not been closed. */
    breakersOpen: `${base}:breakers-open`,
    /** Hash: channel -> since when (epoch ms) it has had no live consumer. */
    outages: `${base}:outages`,
    bullPrefix: `${base}:bull`,
  } as const;
}
export type AlertKeys = ReturnType<typeof alertKeys>;
