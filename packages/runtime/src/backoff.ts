export type BackoffPolicy = { baseMs: number; maxMs: number };

/**
 * Exponential delay with a cap and "equal jitter": never less than half the step, so
 * retries spread out without collapsing to zero.
 */
export function backoffDelay(
  retry: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const step = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, retry));
  return Math.round(step / 2 + random() * (step / 2));
}
