import { type BackoffPolicy, backoffDelay } from '@agent-ops/runtime/backoff';

/** When a report is retried: capped exponential backoff, for as long as `maxAgeMs` allows. */
export type HookRetryPolicy = BackoffPolicy & { maxAgeMs: number };

/**
 * The wait before the next attempt of a report first queued `ageMs` ago, after `failures`
 * failed attempts. Never past the report's deadline, so the last attempt falls on it (the
 * processor gives up only after an attempt at or beyond the deadline has failed too). A
 * gateway's Retry-After is honoured when it asks for longer.
 */
export function nextHookDelay(
  failures: number,
  ageMs: number,
  policy: HookRetryPolicy,
  retryAfterMs = 0,
  random: () => number = Math.random,
): number {
  const left = policy.maxAgeMs - ageMs;
  const wanted = Math.max(backoffDelay(failures - 1, policy, random), retryAfterMs);
  return Math.max(1, Math.min(wanted, left));
}

/**
 * The times (ms after queuing) at which a report is attempted while the gateway keeps
 * failing, until `untilMs`: what an operator can expect from an outage of that length.
 */
export function hookAttemptTimes(
  policy: HookRetryPolicy,
  untilMs: number,
  random: () => number = Math.random,
): number[] {
  const times = [0];
  let at = 0;
  while (at < Math.min(untilMs, policy.maxAgeMs)) {
    at += nextHookDelay(times.length, at, policy, 0, random);
    times.push(at);
  }
  return times;
}
