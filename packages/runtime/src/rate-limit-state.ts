import type { ChannelKeys } from '@agent-ops/contracts/keys';
import type { Cluster, Redis } from 'ioredis';
import type { RateLimit } from './options.ts';
import { budgetRedisKey } from './rate-limit-keys.ts';

/** The rate limits of an executor's config, as far as reading them needs. */
export type RateLimitConfig = {
  defaultRateLimit: RateLimit;
  accounts: Readonly<Record<string, { rateLimits?: Readonly<Record<string, RateLimit>> }>>;
};

export type BudgetState = {
  points: number;
  consumed: number;
  remaining: number;
  /** Until the window resets (or a block ends); 0 when nothing was spent. */
  msBeforeNext: number;
  /** Spent past its points: what `RateLimits.blockUntil` (a 429's reset) leaves behind. */
  blocked: boolean;
};

/** The limit of one budget: the account's for the group, else the account's `*`, else the default. */
export function limitFor(config: RateLimitConfig, account: string, group: string): RateLimit {
  const limits = config.accounts[account]?.rateLimits ?? {};
  return limits[group] ?? limits['*'] ?? config.defaultRateLimit;
}

/**
 * The budgets RateLimits spends, read without spending: GET and PTTL only. rate-limiter-flexible's
 * own `get` wraps them in MULTI, which a read-only Redis user (the dashboard's) may lack.
 */
export class RateLimitState {
  private readonly redis: Redis | Cluster;
  private readonly keys: ChannelKeys;
  private readonly config: RateLimitConfig;

  constructor(redis: Redis | Cluster, keys: ChannelKeys, config: RateLimitConfig) {
    this.redis = redis;
    this.keys = keys;
    this.config = config;
  }

  limitFor(account: string, group: string): RateLimit {
    return limitFor(this.config, account, group);
  }

  async read(account: string, group: string): Promise<BudgetState> {
    const { points } = this.limitFor(account, group);
    const key = budgetRedisKey(this.keys, account, group);
    const [used, pttl] = await Promise.all([this.redis.get(key), this.redis.pttl(key)]);
    const consumed = used === null ? 0 : Number(used);
    return {
      points,
      consumed,
      remaining: Math.max(0, points - consumed),
      msBeforeNext: used === null ? 0 : Math.max(0, pttl),
      blocked: consumed > points,
    };
  }
}
