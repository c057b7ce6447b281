import { channelKeys } from '@agent-ops/contracts/keys';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RateLimitState } from '../src/rate-limit-state.ts';
import { RateLimits } from '../src/rate-limits.ts';

const redis = redisClient(inject('redisUrl'));
afterAll(() => redis.quit());

const config = {
  defaultRateLimit: { points: 5, durationSec: 60 },
  accounts: {
    antifund: { requireApproval: false, rateLimits: { post: { points: 3, durationSec: 900 } } },
    wild: { requireApproval: false, rateLimits: { '*': { points: 2, durationSec: 30 } } },
  },
};

function pair() {
  const keys = channelKeys(testPrefix('rls'), 'x');
  return { limits: new RateLimits(redis, keys, config), state: new RateLimitState(redis, keys, config) };
}

describe('RateLimitState: the budgets RateLimits spends, read without spending', () => {
  it('resolves limits as the limiter does: the group, then the account wildcard, then the default', () => {
    const { limits, state } = pair();
    for (const [account, group] of [
      ['antifund', 'post'],
      ['antifund', 'delete'],
      ['wild', 'post'],
      ['nobody', 'send'],
    ] as const) {
      expect(state.limitFor(account, group)).toEqual(limits.limitFor(account, group));
    }
  });

  it('reads what take spent, and reading spends nothing', async () => {
    const { limits, state } = pair();
    expect(await state.read('antifund', 'post')).toEqual({
      points: 3,
      consumed: 0,
      remaining: 3,
      msBeforeNext: 0,
      blocked: false,
    });
    await limits.take('antifund', 'post');
    await limits.take('antifund', 'post');
    const read = await state.read('antifund', 'post');
    expect(read).toMatchObject({ points: 3, consumed: 2, remaining: 1, blocked: false });
    expect(read.msBeforeNext).toBeGreaterThan(890_000);
    expect(await state.read('antifund', 'post')).toMatchObject({ consumed: 2 });
    expect(await limits.take('antifund', 'post')).toEqual({ ok: true });
    expect(await state.read('antifund', 'delete')).toMatchObject({ points: 5, consumed: 0 });
  });

  it('sees a block (a 429 reset) as blocked, until the reset', async () => {
    const { limits, state } = pair();
    const until = Date.now() + 20_000;
    await limits.blockUntil('wild', 'post', until);
    const read = await state.read('wild', 'post');
    expect(read).toMatchObject({ points: 2, remaining: 0, blocked: true });
    expect(read.msBeforeNext).toBeGreaterThan(15_000);
    expect(read.msBeforeNext).toBeLessThanOrEqual(20_000);
    expect((await limits.take('wild', 'post')).ok).toBe(false);
  });
});
