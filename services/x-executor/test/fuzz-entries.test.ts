import { decodeIntentEntry } from '@agent-ops/contracts/codec';
import { channelKeys } from '@agent-ops/contracts/keys';
import { Executor } from '@agent-ops/runtime/executor';
import { createLogger } from '@agent-ops/runtime/logger';
import type { FakeX } from '@agent-ops/testkit/fake-x';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { deadletters, pendingCount, receipts } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { XAdapter } from '../src/x-adapter.ts';
import { credentialsMap, startFakeX } from './helpers.ts';

/** Entries per run: FUZZ_ENTRIES=100000 for the full run; CI runs a few thousand. */
const N = Number(process.env.FUZZ_ENTRIES ?? 3000);
const url = inject('redisUrl');
const redis = redisClient(url);
let fake: FakeX;
beforeAll(async () => {
  fake = await startFakeX();
});
afterAll(async () => {
  await fake.stop();
  await redis.quit();
});

const garbage = fc.oneof(
  fc
    .array(fc.string({ maxLength: 30 }), { minLength: 2, maxLength: 8 })
    .map((a) => (a.length % 2 === 0 ? a : a.slice(1))),
  fc.jsonValue().map((v) => ['intent', JSON.stringify(v)]),
  fc.string({ maxLength: 200 }).map((s) => ['intent', s]),
  fc
    .record({
      key: fc.string({ maxLength: 210 }),
      text: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
      v: fc.constantFrom(1, 2, '1'),
    })
    .map((r) => [
      'intent',
      JSON.stringify({
        v: r.v,
        idempotencyKey: r.key,
        action: 'x.post',
        account: 'antifund',
        payload: { text: r.text },
      }),
    ]),
);

describe('random and malformed stream entries through a running executor', () => {
  it(`${N} entries: no crash, every bad one deadlettered with a reason, every good one carried out once`, async () => {
    const prefix = testPrefix();
    const e = new Executor(
      new XAdapter({ credentials: credentialsMap(), apiBaseUrl: fake.url }),
      {
        channel: 'x',
        prefix,
        redisUrl: url,
        localGateFile: null,
        concurrency: 500,
        defaultRateLimit: { points: 1_000_000, durationSec: 60 },
      },
      createLogger('fuzz', 'silent'),
    );
    await e.start();
    const entries = fc.sample(garbage, { numRuns: N, seed: 42 });
    const good: string[] = [];
    let bad = 0;
    const pipeline = redis.pipeline();
    for (const [i, fields] of entries.entries()) {
      if (i % 10 === 0) {
        const text = `fuzz good ${prefix} ${i}`;
        good.push(text);
        pipeline.xadd(
          channelKeys(prefix, 'x').intents,
          '*',
          'intent',
          JSON.stringify({
            v: 1,
            idempotencyKey: `good-${i}`,
            action: 'x.post',
            account: 'personal',
            payload: { text },
          }),
        );
      }
      if (fields.length === 0) continue;
      // The contract decides what is good; random data that happens to be a valid intent must be carried out.
      const decoded = decodeIntentEntry(fields, { channel: 'x' });
      if (decoded.ok) continue;
      bad += 1;
      pipeline.xadd(channelKeys(prefix, 'x').intents, '*', ...fields);
    }
    await pipeline.exec();
    await waitFor(
      async () =>
        (await redis.xlen(channelKeys(prefix, 'x').deadletter)) >= bad &&
        (await receipts(redis, prefix, 'x')).length >= good.length &&
        (await pendingCount(redis, prefix, 'x')) === 0,
      'every entry settled',
      120_000,
      200,
    );
    expect(e.state).toBe('running');
    const dls = await deadletters(redis, prefix, 'x');
    expect(dls).toHaveLength(bad);
    for (const d of dls) expect(d.reason).toMatch(/^invalid intent: \S+: /);
    for (const text of good) expect(fake.postsWithText(text)).toHaveLength(1);
    const all = await receipts(redis, prefix, 'x');
    expect(all.filter((r) => r.status === 'succeeded')).toHaveLength(good.length);
    await e.close();
  });
});
