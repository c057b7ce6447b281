import { channelKeys } from '@agent-ops/contracts/keys';
import type { FakeX } from '@agent-ops/testkit/fake-x';
import { ExecutorHarness } from '@agent-ops/testkit/in-process';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { deadletters, pendingCount, receipts, xaddIntent } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { XAdapter } from '../src/x-adapter.ts';
import { credentialsMap, post, startFakeX } from './helpers.ts';

const url = inject('redisUrl');
const redis = redisClient(url);
let fake: FakeX;
const harness = new ExecutorHarness(url);

beforeAll(async () => {
  fake = await startFakeX();
});
afterEach(async () => {
  await harness.closeAll();
  fake.clearFaults();
});
afterAll(async () => {
  await fake.stop();
  await redis.quit();
});

function executor(prefix: string, extra: Record<string, unknown> = {}) {
  const adapter = new XAdapter({
    credentials: credentialsMap(),
    apiBaseUrl: fake.url,
    requestTimeoutMs: 2000,
  });
  return harness.start(adapter, { prefix, ...extra });
}

describe('x-executor, in process, against the fake X API', () => {
  it('posts an intent once and appends a receipt with the id and url', async () => {
    const prefix = testPrefix();
    await executor(prefix);
    const id = await xaddIntent(redis, prefix, 'x', post('hello-1', 'hello world 1'));
    const [receipt] = await waitFor(async () => {
      const r = await receipts(redis, prefix, 'x');
      return r.length > 0 ? r : undefined;
    }, 'a receipt');
    const tweet = fake.postsWithText('hello world 1')[0];
    expect(tweet).toBeDefined();
    expect(receipt).toMatchObject({
      idempotencyKey: 'hello-1',
      status: 'succeeded',
      externalId: tweet?.id,
      url: `https://x.com/antifund/status/${tweet?.id}`,
      intentId: id,
      attempts: 1,
      error: null,
    });
    expect(await pendingCount(redis, prefix, 'x')).toBe(0);
  });

  it('a second entry with the same key causes no second post and no second receipt', async () => {
    const prefix = testPrefix();
    await executor(prefix);
    await xaddIntent(redis, prefix, 'x', post('dup-1', 'only once please'));
    await waitFor(async () => (await receipts(redis, prefix, 'x')).length === 1, 'first receipt');
    await xaddIntent(redis, prefix, 'x', post('dup-1', 'only once please'));
    await xaddIntent(redis, prefix, 'x', post('dup-1', 'only once please'));
    await waitFor(
      async () =>
        (await pendingCount(redis, prefix, 'x')) === 0 &&
        (await redis.xlen(channelKeys(prefix, 'x').intents)) === 3,
      'all acknowledged',
    );
    expect(fake.postsWithText('only once please')).toHaveLength(1);
    expect(await receipts(redis, prefix, 'x')).toHaveLength(1);
  });

  it('deadletters an invalid entry with its fields and a reason naming the field', async () => {
    const prefix = testPrefix();
    await executor(prefix);
    const id = await redis.xadd(
      channelKeys(prefix, 'x').intents,
      '*',
      'intent',
      '{"v":1,"idempotencyKey":"has space"}',
      'trace',
      'abc',
    );
    const [dl] = await waitFor(async () => {
      const d = await deadletters(redis, prefix, 'x');
      return d.length > 0 ? d : undefined;
    }, 'a deadletter entry');
    expect(dl).toMatchObject({ intent: '{"v":1,"idempotencyKey":"has space"}', trace: 'abc', intentId: id });
    expect(dl?.reason).toMatch(/idempotencyKey: must be 1 to 200/);
    expect(await pendingCount(redis, prefix, 'x')).toBe(0);
  });

  it('rejects an action of another channel, an unknown account and an expired intent with receipts', async () => {
    const prefix = testPrefix();
    await executor(prefix);
    await xaddIntent(redis, prefix, 'x', {
      v: 1,
      idempotencyKey: 'mail-1',
      action: 'email.send',
      account: 'antifund',
      payload: { from: 'a@b.co', to: ['c@d.co'], subject: 's', text: 't' },
    });
    await xaddIntent(redis, prefix, 'x', post('stranger-1', 'who am i', 'nobody'));
    await xaddIntent(
      redis,
      prefix,
      'x',
      post('late-1', 'too late', 'antifund', { expiresAt: '2020-01-01T00:00:00Z' }),
    );
    const all = await waitFor(async () => {
      const r = await receipts(redis, prefix, 'x');
      return r.length === 3 ? r : undefined;
    }, 'three receipts');
    const byKey = Object.fromEntries(all.map((r) => [r.idempotencyKey, r]));
    expect(byKey['mail-1']).toMatchObject({ status: 'rejected', error: { code: 'wrong_channel' } });
    expect(byKey['stranger-1']).toMatchObject({ status: 'rejected', error: { code: 'unknown_account' } });
    expect(byKey['late-1']).toMatchObject({ status: 'rejected', error: { code: 'expired' } });
    expect(fake.postsWithText('who am i')).toHaveLength(0);
  });

  it('posts with an OAuth 2.0 user token too, and replies and deletes', async () => {
    const prefix = testPrefix();
    await executor(prefix);
    await xaddIntent(redis, prefix, 'x', post('p-1', 'parent post', 'personal'));
    const [parent] = await waitFor(async () => {
      const r = await receipts(redis, prefix, 'x');
      return r.length === 1 ? r : undefined;
    }, 'parent receipt');
    await xaddIntent(redis, prefix, 'x', {
      v: 1,
      idempotencyKey: 'r-1',
      action: 'x.reply',
      account: 'personal',
      payload: { text: 'a reply', inReplyToPostId: parent?.externalId },
    });
    await xaddIntent(redis, prefix, 'x', {
      v: 1,
      idempotencyKey: 'd-1',
      action: 'x.delete',
      account: 'personal',
      payload: { postId: parent?.externalId },
    });
    const all = await waitFor(async () => {
      const r = await receipts(redis, prefix, 'x');
      return r.length === 3 ? r : undefined;
    }, 'reply and delete receipts');
    expect(all.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(fake.tweets.find((t) => t.sourceText === 'a reply')?.inReplyTo).toBe(parent?.externalId);
    expect(fake.postsWithText('parent post')).toHaveLength(0);
  });

  it('an answer dropped after X acted is reconciled from the timeline: one post, succeeded', async () => {
    const prefix = testPrefix();
    await executor(prefix);
    fake.inject({ kind: 'act_then_drop' });
    await xaddIntent(redis, prefix, 'x', post('drop-1', 'dropped answer'));
    const [receipt] = await waitFor(async () => {
      const r = await receipts(redis, prefix, 'x');
      return r.length > 0 ? r : undefined;
    }, 'a receipt');
    expect(fake.postsWithText('dropped answer')).toHaveLength(1);
    expect(receipt).toMatchObject({
      status: 'succeeded',
      externalId: fake.postsWithText('dropped answer')[0]?.id,
    });
    expect(
      fake.postCalls().filter((c) => (c.body as { text: string }).text === 'dropped answer'),
    ).toHaveLength(1);
  });

  it('a 5xx to a post is reconciled; not found, it is retried and posted once', async () => {
    const prefix = testPrefix();
    await executor(prefix);
    fake.inject({ kind: 'status', status: 503 });
    await xaddIntent(redis, prefix, 'x', post('five-1', 'after a 503'));
    const [receipt] = await waitFor(async () => {
      const r = await receipts(redis, prefix, 'x');
      return r.length > 0 ? r : undefined;
    }, 'a receipt');
    expect(receipt).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(fake.postsWithText('after a 503')).toHaveLength(1);
  });

  it('a 400 fails at once with a failed receipt and a deadletter entry, and no secret in either', async () => {
    const prefix = testPrefix();
    await executor(prefix);
    fake.inject({
      kind: 'status',
      status: 400,
      body: {
        title: 'Invalid Request',
        detail: 'secret app-secret-AAAA leaked?',
        type: 'about:blank',
        status: 400,
      },
    });
    await xaddIntent(redis, prefix, 'x', post('bad-1', 'refused'));
    const [receipt] = await waitFor(async () => {
      const r = await receipts(redis, prefix, 'x');
      return r.length > 0 ? r : undefined;
    }, 'a receipt');
    expect(receipt).toMatchObject({ status: 'failed', error: { code: 'http_400', retryable: false } });
    const dl = await deadletters(redis, prefix, 'x');
    expect(dl).toHaveLength(1);
    const everything = JSON.stringify([receipt, dl]);
    expect(everything).not.toContain('app-secret-AAAA');
    expect(everything).toContain('[redacted]');
  });
});

describe('x reconcile when the timeline is longer than it may read', () => {
  it('parks as unknown (never failed, never a second post) when the post may lie beyond the pages read', async () => {
    const prefix = testPrefix();
    const adapter = new XAdapter({
      credentials: credentialsMap(),
      apiBaseUrl: fake.url,
      requestTimeoutMs: 2000,
      reconcilePages: 1,
    });
    await harness.start(adapter, { prefix });
    // X acts, drops the answer, and the account posts 150 times more before anyone can look.
    fake.inject({ kind: 'act_then_drop' });
    fake.onAct = () => {
      fake.onAct = null;
      for (let i = 0; i < 150; i += 1) fake.seedPost('1001', `noise ${prefix} ${i}`);
    };
    await xaddIntent(redis, prefix, 'x', post('buried-1', `buried ${prefix}`));
    const [receipt] = await waitFor(async () => {
      const r = await receipts(redis, prefix, 'x');
      return r.length > 0 ? r : undefined;
    }, 'a receipt');
    expect(receipt).toMatchObject({
      status: 'unknown',
      error: { message: expect.stringMatching(/could not be looked for/) },
    });
    expect(fake.postsWithText(`buried ${prefix}`)).toHaveLength(1);
  });
});
