import type { ChannelKeys } from '@agent-ops/contracts/keys';

/**
 * Where one rate-limit budget lives. rate-limiter-flexible stores a budget under
 * `${keyPrefix}:${key}`; the writer (RateLimits) and the read-only view (RateLimitState)
 * both name keys here, so a reader never rebuilds the limiter's layout on its own.
 */

/** The limiter's keyPrefix for a channel: under the channel's hash tag, so every budget shares its slot. */
export function budgetKeyPrefix(keys: ChannelKeys): string {
  return keys.rateLimit;
}

/** The limiter key of one budget: one per account and rate-limit group. */
export function budgetKey(account: string, group: string): string {
  return `${account}:${group}`;
}

/** The Redis key holding a budget's consumed points, as RateLimiterRedis.getKey names it. */
export function budgetRedisKey(keys: ChannelKeys, account: string, group: string): string {
  return `${budgetKeyPrefix(keys)}:${budgetKey(account, group)}`;
}
