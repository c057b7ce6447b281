import { NonRetryableError, RetryAfterError } from '@agent-ops/contracts/errors';
import type { ChannelIntent } from '@agent-ops/contracts/intent';
import { ExecutorHarness, settledReceipts } from '@agent-ops/testkit/in-process';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { deadletters, xaddIntent } from '@agent-ops/testkit/streams';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import type { ChannelAdapter, DerivedEffect, EffectContext, EffectResult } from '../src/adapter.ts';

// Marks that record progress (marksAreProgress) against marks of a point passed, through a
// whole in-process executor and real Redis: an adapter that makes one step, marks it, and is
// told to come back later; what the next attempt is handed decides whether it starts over.
const url = inject('redisUrl');
const redis = redisClient(url);
const harness = new ExecutorHarness(url);
afterEach(() => harness.closeAll());
afterAll(() => redis.quit());

class StepAdapter implements ChannelAdapter<'x'> {
  readonly channel = 'x' as const;
  readonly marksAreProgress: boolean;
  /** What each attempt was handed as earlier marks. */
  readonly seen: string[][] = [];
  /** Fail for good after the first step, instead of asking to come back. */
  failSecond = false;

  constructor(progress: boolean) {
    this.marksAreProgress = progress;
  }
  hasAccount(): boolean {
    return true;
  }
  rateLimitGroup(): string {
    return 'post';
  }
  secretValues(): readonly string[] {
    return [];
  }
  derivedEffects(intent: ChannelIntent<'x'>, marks: readonly string[]): readonly DerivedEffect[] {
    if (!this.marksAreProgress) return [];
    return marks
      .filter((m) => m.startsWith('step:'))
      .map((m) => ({
        key: `${intent.idempotencyKey}/part/1`,
        action: 'x.post',
        externalId: m.slice(5),
        url: null,
      }));
  }
  async perform(_intent: unknown, ctx: EffectContext): Promise<EffectResult> {
    this.seen.push([...ctx.previousMarks]);
    if (!ctx.previousMarks.includes('step:111')) {
      await ctx.mark('step:111');
      if (this.failSecond) throw new NonRetryableError('X refused the rest', 'refused');
      throw new RetryAfterError('X is busy: come back in a moment', 10, 'rate_limited');
    }
    return { externalId: '222', url: null };
  }
  async reconcile() {
    return { outcome: 'not_done' as const };
  }
}

const intent = (key: string) => ({
  v: 1,
  idempotencyKey: key,
  action: 'x.post',
  account: 'acme',
  payload: { text: key },
});

describe('marks that record progress', () => {
  it('survive a "come back later": the next attempt resumes from them, and the step gets its receipt', async () => {
    const prefix = testPrefix('pm');
    const adapter = new StepAdapter(true);
    await harness.start(adapter, { prefix });
    await xaddIntent(redis, prefix, 'x', intent('k'));
    const all = await settledReceipts(redis, prefix, 'x', 2);
    expect(adapter.seen).toEqual([[], ['step:111']]);
    expect(all.map((x) => [x.idempotencyKey, x.status, x.externalId])).toEqual([
      ['k/part/1', 'succeeded', '111'],
      ['k', 'succeeded', '222'],
    ]);
  });

  it('a failure once a step is out is unknown, not failed, and names the step', async () => {
    const prefix = testPrefix('pm');
    const adapter = new StepAdapter(true);
    adapter.failSecond = true;
    await harness.start(adapter, { prefix });
    await xaddIntent(redis, prefix, 'x', intent('k'));
    const all = await settledReceipts(redis, prefix, 'x', 2);
    expect(all.map((x) => [x.idempotencyKey, x.status])).toEqual([
      ['k/part/1', 'succeeded'],
      ['k', 'unknown'],
    ]);
    expect(all[1]?.error?.message).toMatch(/\(after 1 of its steps happened: 111\)$/);
    // Parked like every unknown, not deadlettered as a failure.
    expect(await deadletters(redis, prefix, 'x')).toEqual([]);
  });

  it('without the flag a retry disarms the attempt: its marks are gone and it starts over', async () => {
    const prefix = testPrefix('pm');
    const adapter = new StepAdapter(false);
    await harness.start(adapter, { prefix, maxRetries: 2 });
    await xaddIntent(redis, prefix, 'x', intent('k'));
    const [r] = await settledReceipts(redis, prefix, 'x', 1);
    expect(adapter.seen).toEqual([[], [], []]);
    expect(r).toMatchObject({ idempotencyKey: 'k', status: 'failed' });
  });
});
