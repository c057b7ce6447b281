import { channelKeys } from '@agent-ops/contracts/keys';
import { FakeWebhook } from '@agent-ops/testkit/fake-webhook';
import { ExecutorHarness, settledReceipts } from '@agent-ops/testkit/in-process';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { deadletters, pendingCount, receipts, xaddIntent } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { WebhookAdapter } from '../src/webhook-adapter.ts';
import type { Endpoint } from '../src/webhook-secrets.ts';

const url = inject('redisUrl');
const redis = redisClient(url);
const SECRET = 'hmac-secret-0123456789';
let fake: FakeWebhook;
const harness = new ExecutorHarness(url);

beforeAll(async () => {
  fake = await new FakeWebhook({ '/hooks/deploy': SECRET }).start();
});
afterEach(async () => {
  await harness.closeAll();
  fake.clearFaults();
});
afterAll(async () => {
  await fake.stop();
  await redis.quit();
});

function endpoint(path: string, extra: Partial<Endpoint> = {}): Endpoint {
  return {
    url: `${fake.url}${path}`,
    method: 'POST',
    headers: {},
    on409: 'done',
    on422: 'failed',
    timeoutMs: 2000,
    ...extra,
  };
}

async function start(prefix: string) {
  const endpoints = new Map([
    [
      'acme',
      new Map<string, Endpoint>([
        ['deploy', endpoint('/hooks/deploy', { hmacSecret: SECRET })],
        ['strict', endpoint('/hooks/strict?token=tok_9f8e7d6c5b4a', { on409: 'failed' })],
      ]),
    ],
  ]);
  return harness.start(new WebhookAdapter(endpoints), {
    prefix,
    leaseTtlMs: 2000,
    backoff: { baseMs: 50, maxMs: 100 },
  });
}

const call = (key: string, endpointName: string, body: unknown = { ref: 'main' }) => ({
  v: 1,
  idempotencyKey: key,
  action: 'webhook.call',
  account: 'acme',
  payload: { endpoint: endpointName, body },
});

function receiptsOf(prefix: string, n: number) {
  return settledReceipts(redis, prefix, 'webhook', n);
}

describe('webhook-executor', () => {
  it('calls the named endpoint with the Idempotency-Key and a valid HMAC signature', async () => {
    const prefix = testPrefix();
    await start(prefix);
    await xaddIntent(redis, prefix, 'webhook', call(`deploy-${prefix}`, 'deploy', { ref: 'v1.2.3' }));
    const [receipt] = await receiptsOf(prefix, 1);
    const hit = fake.calls.find((c) => c.idempotencyKey === `deploy-${prefix}`);
    expect(hit).toMatchObject({
      path: '/hooks/deploy',
      body: { ref: 'v1.2.3' },
      signatureValid: true,
      acted: true,
    });
    expect(receipt).toMatchObject({ status: 'succeeded', externalId: expect.stringMatching(/^dep_\d+$/) });
  });

  it('never calls a URL from an intent: a url field is deadlettered, an unknown endpoint rejected', async () => {
    const prefix = testPrefix();
    await start(prefix);
    const before = fake.calls.length;
    await redis.xadd(
      channelKeys(prefix, 'webhook').intents,
      '*',
      'intent',
      JSON.stringify({
        ...call('evil-1', 'deploy'),
        payload: { endpoint: 'deploy', url: 'http://169.254.169.254/' },
      }),
    );
    await xaddIntent(redis, prefix, 'webhook', call('evil-2', 'prod-db-wipe'));
    const [receipt] = await receiptsOf(prefix, 1);
    expect(receipt).toMatchObject({
      idempotencyKey: 'evil-2',
      status: 'rejected',
      error: { code: 'unknown_endpoint' },
    });
    const [dl] = await deadletters(redis, prefix, 'webhook');
    expect(dl?.reason).toMatch(/payload: unknown field url/);
    expect(fake.calls.length).toBe(before);
  });

  it('a 409 is done by default and a refusal where configured; the URL token never reaches a receipt', async () => {
    const prefix = testPrefix();
    await start(prefix);
    fake.inject({ kind: 'status', status: 409 });
    await xaddIntent(redis, prefix, 'webhook', call(`c-${prefix}`, 'deploy'));
    await receiptsOf(prefix, 1);
    fake.inject({ kind: 'status', status: 409 });
    await xaddIntent(redis, prefix, 'webhook', call(`s-${prefix}`, 'strict'));
    const all = await receiptsOf(prefix, 2);
    const byKey = Object.fromEntries(all.map((r) => [r.idempotencyKey, r]));
    expect(byKey[`c-${prefix}`]?.status).toBe('succeeded');
    expect(byKey[`s-${prefix}`]).toMatchObject({ status: 'failed', error: { code: 'http_409' } });
    const stored = JSON.stringify([all, await deadletters(redis, prefix, 'webhook')]);
    expect(stored).not.toContain('tok_9f8e7d6c5b4a');
  });

  it('a 429 with Retry-After waits that long, then calls once more with the same key', async () => {
    const prefix = testPrefix();
    await start(prefix);
    fake.inject({ kind: 'status', status: 429, retryAfterSec: 1 });
    await xaddIntent(redis, prefix, 'webhook', call(`ra-${prefix}`, 'deploy'));
    const [receipt] = await receiptsOf(prefix, 1);
    const hits = fake.calls.filter((c) => c.idempotencyKey === `ra-${prefix}`);
    expect(hits).toHaveLength(2);
    expect((hits[1]?.at ?? 0) - (hits[0]?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    expect(receipt?.status).toBe('succeeded');
  });
});
