import { Executor } from '@agent-ops/runtime/executor';
import { createLogger } from '@agent-ops/runtime/logger';
import type { FakeX } from '@agent-ops/testkit/fake-x';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { receipts, xaddIntent } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { XAdapter } from '../src/x-adapter.ts';
import { credentialsMap, post, startFakeX } from './helpers.ts';

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

const metric = (text: string, name: string) =>
  Number(new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);

describe('executor metrics and health', () => {
  it('serves /metrics, /healthz and /readyz, counting receipts, latency, rate limiting and the stream', async () => {
    const prefix = testPrefix();
    const e = new Executor(
      new XAdapter({ credentials: credentialsMap(), apiBaseUrl: fake.url }),
      {
        channel: 'x',
        prefix,
        redisUrl: url,
        localGateFile: null,
        metricsPort: 0,
        accounts: { antifund: { rateLimits: { post: { points: 1, durationSec: 1 } } } },
      },
      createLogger('test', 'silent'),
    );
    await e.start();
    const base = e.metricsUrl as string;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    // Every series exists at 0 before its first event: "0", not "no data".
    const before = await (await fetch(`${base}/metrics`)).text();
    for (const status of ['succeeded', 'failed', 'rejected', 'unknown'])
      expect(metric(before, `ops_receipts_total{channel="x",status="${status}"}`)).toBe(0);
    for (const reason of ['not_sent', 'not_done', 'in_doubt'])
      expect(metric(before, `ops_retries_total{channel="x",reason="${reason}"}`)).toBe(0);
    for (const account of ['antifund', 'personal']) {
      expect(metric(before, `ops_rate_limited_total{channel="x",account="${account}"}`)).toBe(0);
      expect(metric(before, `ops_breaker_state{channel="x",account="${account}"}`)).toBe(0);
    }
    await xaddIntent(redis, prefix, 'x', post('m-1', 'metrics one'));
    await xaddIntent(redis, prefix, 'x', post('m-2', 'metrics two'));
    await waitFor(async () => (await receipts(redis, prefix, 'x')).length === 2, 'two receipts');
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(metric(text, 'ops_receipts_total{channel="x",status="succeeded"}')).toBe(2);
    expect(metric(text, 'ops_xadd_to_receipt_seconds_count{channel="x"}')).toBe(2);
    expect(metric(text, 'ops_rate_limited_total{channel="x",account="antifund"}')).toBeGreaterThanOrEqual(1);
    expect(metric(text, 'ops_stream_length{channel="x"}')).toBeGreaterThanOrEqual(2);
    expect(metric(text, 'ops_group_pending{channel="x"}')).toBe(0);
    expect(metric(text, 'ops_effects_in_flight{channel="x"}')).toBe(0);
    await e.close();
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
  });
});
