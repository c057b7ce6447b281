import type { Channel } from './channels.ts';

export const DEFAULT_PREFIX = 'ops';
export const EXECUTORS_GROUP = 'executors';
/** The coordinator's consumer group on each receipts stream (the state projection). */
export const COORDINATOR_GROUP = 'coordinator';
const PREFIX_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function assertPrefix(prefix: string): string {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new TypeError(
      `OPS_PREFIX: must be 1 to 64 characters of A-Z a-z 0-9 _ - (got ${JSON.stringify(prefix)})`,
    );
  }
  return prefix;
}

/**
 * Every key of a channel carries the channel as a Redis Cluster hash tag, so one
 * script can touch all of them in one slot.
 */
export function channelKeys(prefix: string, channel: Channel) {
  const base = `${assertPrefix(prefix)}:{${channel}}`;
  return {
    intents: `${base}:intents`,
    receipts: `${base}:receipts`,
    deadletter: `${base}:deadletter`,
    /** Hash: `global` and `channel` fields, each `1` (open) or `0` (closed), plus their records. */
    gate: `${base}:gate`,
    /** Hash: idempotency key -> JSON of the terminal outcome (status, receipt entry id). */
    done: `${base}:done`,
    /** Hash: idempotency key -> JSON of the lease (owner, token, expiresAt). */
    leases: `${base}:leases`,
    /** Hash: idempotency key -> JSON of an attempt that started an effect and has not committed. */
    armed: `${base}:armed`,
    /** Hash: idempotency key -> attempts so far. */
    attempts: `${base}:attempts`,
    /** Hash: account -> JSON of the breaker state, for the dashboard. */
    breakers: `${base}:breakers`,
    /**
     * Hash: account -> JSON of its login's health (account-health.ts: `ok` or `needs_reauth`,
     * reason, since, checkedAt, by), written by the executors, read by `ops doctor` and the
     * dashboard. Never a secret.
     */
    accounts: `${base}:accounts`,
    /** Hash: idempotency key -> JSON {account, since} of each intent held for its account's login. */
    held: `${base}:held`,
    /**
     * Hash: consumer name -> JSON {at (ms), host, pid} of each live executor, renewed every few
     * seconds: a consumer group lists a consumer only once it has read an entry (Redis 7.0), so
     * an idle channel's executors would otherwise look absent.
     */
    consumers: `${base}:consumers`,
    /** Key prefix of rate-limiter-flexible's counters. */
    rateLimit: `${base}:rl`,
    /** BullMQ prefix of this channel's delayed re-appends and the coordinator's schedules. */
    bullPrefix: `${base}:bull`,
    /**
     * Stream of the coordinator's reports to the agent's gateway that were never delivered
     * (refused for good, or out of time); field `report`, JSON. The dashboard shows them.
     */
    hookUndelivered: `${base}:hook:undelivered`,
    /** Hash: idempotency key -> JSON of the coordinator's IntentRecord. */
    records: `${base}:records`,
    /** Sorted set of the keys in one state, scored by the time they entered it. */
    byState: (state: string) => `${base}:state:${state}`,
  } as const;
}
export type ChannelKeys = ReturnType<typeof channelKeys>;

export function globalKeys(prefix: string) {
  const base = assertPrefix(prefix);
  return {
    /** The global gate record, for display; every channel's gate hash carries the state begin reads. */
    gate: `${base}:gate`,
    /** Stream of every decision (who, when, why); mirrored to a JSONL file on the coordinator's disk. */
    audit: `${base}:audit`,
    /** Hash: stream -> last entry id written by the coordinator's scheduled export. */
    backupCursors: `${base}:backup:cursors`,
    /** BullMQ's keys for the scheduled export, under a hash tag of their own. */
    backupBullPrefix: `${base}:{backup}:bull`,
  } as const;
}
