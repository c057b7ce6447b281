import {
  isNeedsReauth,
  isNonRetryable,
  isRetryAfter,
  isValidationError,
  RetryAfterError,
} from '@agent-ops/contracts/errors';
import type { ChannelKeys } from '@agent-ops/contracts/keys';
import type { Cluster, Redis } from 'ioredis';
import CircuitBreaker from 'opossum';
import type { Logger } from './logger.ts';
import type { ExecutorOptions } from './options.ts';

export type BreakerState = 'closed' | 'open' | 'halfOpen';

/**
 * Errors that say nothing about the API's health: the request's own fault, a rate limit, or
 * an account out of paid credits (X's 402), a refused login (the account waits for a
 * person, not for the API): the API answered, and opening the breaker would
 * only turn the long wait into a retry every reset timeout.
 */
function isHealthNeutral(err: unknown): boolean {
  if (isNonRetryable(err) || isValidationError(err) || isNeedsReauth(err)) return true;
  return isRetryAfter(err) && (err.code === 'rate_limited' || err.code === 'payment_required');
}

/**
 * One opossum breaker per account of the channel. Its state is written to Redis for the
 * dashboard; an open breaker turns a call into "not done, retry after the reset timeout".
 */
export class Breakers {
  private readonly breakers = new Map<string, CircuitBreaker<[() => Promise<unknown>], unknown>>();
  private readonly redis: Redis | Cluster;
  private readonly keys: ChannelKeys;
  private readonly options: ExecutorOptions['breaker'];
  private readonly consumer: string;
  private readonly log: Logger;
  private readonly onState: (account: string, state: BreakerState) => void;

  constructor(
    redis: Redis | Cluster,
    keys: ChannelKeys,
    options: ExecutorOptions,
    log: Logger,
    onState: (account: string, state: BreakerState) => void = () => {},
  ) {
    this.onState = onState;
    this.redis = redis;
    this.keys = keys;
    this.options = options.breaker;
    this.consumer = options.consumer;
    this.log = log;
  }

  private breaker(account: string) {
    let breaker = this.breakers.get(account);
    if (breaker) return breaker;
    const o = this.options;
    breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
      // Timeouts belong to the adapters: opossum's would not cancel the call, only hide its outcome.
      timeout: false,
      errorThresholdPercentage: o.errorThresholdPercentage,
      resetTimeout: o.resetTimeoutMs,
      volumeThreshold: o.volumeThreshold,
      rollingCountTimeout: o.rollingCountTimeoutMs,
      errorFilter: isHealthNeutral,
      name: `${this.keys.breakers}:${account}`,
    });
    breaker.on('open', () => void this.publish(account, 'open'));
    breaker.on('halfOpen', () => void this.publish(account, 'halfOpen'));
    breaker.on('close', () => void this.publish(account, 'closed'));
    this.breakers.set(account, breaker);
    return breaker;
  }

  private async publish(account: string, state: BreakerState): Promise<void> {
    this.log.warn({ account, breaker: state }, `breaker ${state}`);
    this.onState(account, state);
    try {
      const record = { state, since: new Date().toISOString(), by: this.consumer };
      await this.redis.hset(this.keys.breakers, account, JSON.stringify(record));
    } catch (err) {
      this.log.error({ err, account }, 'could not publish breaker state');
    }
  }

  async fire<T>(account: string, call: () => Promise<T>): Promise<T> {
    try {
      return (await this.breaker(account).fire(call)) as T;
    } catch (err) {
      if ((err as { code?: string }).code === 'EOPENBREAKER') {
        throw new RetryAfterError(
          `circuit breaker for ${account} is open`,
          this.options.resetTimeoutMs,
          'breaker_open',
        );
      }
      throw err;
    }
  }

  state(account: string): BreakerState {
    const b = this.breakers.get(account);
    if (!b) return 'closed';
    return b.opened ? 'open' : b.halfOpen ? 'halfOpen' : 'closed';
  }

  shutdown(): void {
    for (const b of this.breakers.values()) b.shutdown();
    this.breakers.clear();
  }
}
