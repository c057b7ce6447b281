import type { ChannelKeys } from '@agent-ops/contracts/keys';
import type { Cluster, Redis } from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { ExecutorOptions, RateLimit } from './options.ts';
import { budgetKey, budgetKeyPrefix } from './rate-limit-keys.ts';

export type TakeResult = { ok: true } | { ok: false; msBeforeNext: number };

/**
 * Central limits in Redis, shared by every replica: one budget per account and
 * rate-limit group (the channel's family of actions), under the channel's hash tag.
 */
export class RateLimits {
  private readonly limiters = new Map<string, RateLimiterRedis>();
  private readonly redis: Redis | Cluster;
  private readonly keyPrefix: string;
  private readonly options: Pick<ExecutorOptions, 'accounts' | 'defaultRateLimit'>;

  constructor(
    redis: Redis | Cluster,
    keys: ChannelKeys,
    options: Pick<ExecutorOptions, 'accounts' | 'defaultRateLimit'>,
  ) {
    this.redis = redis;
    this.keyPrefix = budgetKeyPrefix(keys);
    this.options = options;
    // Every RateLimiterRedis defines its Lua command (`rlflxIncr`) on the client when it is
    // made. An ioredis pipeline copies the client's commands when it is created, so a limiter
    // made lazily inside a turn whose auto-pipeline already exists (a cold start on a backlog:
    // begin/ack queued, then the first take) calls a command that pipeline lacks, and ioredis
    // then dies on the mismatched results. Making one limiter here defines the command before
    // any command is sent; later limiters redefine the same script, which pipelines then have.
    this.limiter('', '*');
  }

  limitFor(account: string, group: string): RateLimit {
    const limits = this.options.accounts[account]?.rateLimits ?? {};
    return limits[group] ?? limits['*'] ?? this.options.defaultRateLimit;
  }

  private limiter(account: string, group: string): RateLimiterRedis {
    const { points, durationSec } = this.limitFor(account, group);
    const id = `${points}/${durationSec}`;
    let limiter = this.limiters.get(id);
    if (!limiter) {
      // Fail closed: with Redis unreachable the limiter rejects, and no call goes out unmetered.
      limiter = new RateLimiterRedis({
        storeClient: this.redis,
        keyPrefix: this.keyPrefix,
        points,
        duration: durationSec,
        rejectIfRedisNotReady: true,
      });
      this.limiters.set(id, limiter);
    }
    return limiter;
  }

  /**
   * Takes `points` (one per call the effect makes: a thread's parts); when the budget is spent,
   * says how long until there is room. A cost above the whole budget is taken as the whole
   * budget, so that a thread longer than it still goes out once a window is empty (X's own
   * 429 paces the rest). Throws when Redis fails.
   */
  async take(account: string, group: string, points = 1): Promise<TakeResult> {
    const cost = Math.max(1, Math.min(points, this.limitFor(account, group).points));
    try {
      await this.limiter(account, group).consume(budgetKey(account, group), cost);
      return { ok: true };
    } catch (err) {
      if (err instanceof RateLimiterRes) return { ok: false, msBeforeNext: Math.max(1, err.msBeforeNext) };
      throw err;
    }
  }

  /** Spends the whole budget until `untilMs` (epoch ms) for every replica: what a 429 with a reset says. */
  async blockUntil(account: string, group: string, untilMs: number): Promise<void> {
    const limiter = this.limiter(account, group);
    const key = budgetKey(account, group);
    const seconds = Math.ceil((untilMs - Date.now()) / 1000);
    if (seconds <= 0) return;
    await limiter.block(key, seconds);
    // block() counts in whole seconds; the API's reset is exact, so the block ends exactly then.
    await this.redis.pexpireat(limiter.getKey(key), Math.round(untilMs));
  }

  /** Points left and ms until the window resets, for the dashboard. */
  async peek(account: string, group: string): Promise<{ remaining: number; msBeforeNext: number }> {
    const { points } = this.limitFor(account, group);
    const res = await this.limiter(account, group).get(budgetKey(account, group));
    if (!res) return { remaining: points, msBeforeNext: 0 };
    return { remaining: Math.max(0, points - res.consumedPoints), msBeforeNext: res.msBeforeNext };
  }
}
