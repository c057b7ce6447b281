import { isRetryAfter } from '@agent-ops/contracts/errors';
import { type IntentOf, IntentSchema } from '@agent-ops/contracts/intent';
import { channelKeys } from '@agent-ops/contracts/keys';
import { PAYMENT_RETRY_MS } from '@agent-ops/runtime/http-outcome';
import { createLogger } from '@agent-ops/runtime/logger';
import type { FakeX } from '@agent-ops/testkit/fake-x';
import { ExecutorHarness, settledReceipts } from '@agent-ops/testkit/in-process';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { receipts, xaddIntent } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { XAdapter } from '../src/x-adapter.ts';
import { credentialsMap, post, startFakeX } from './helpers.ts';

// How the x-executor settles outcomes the way the real X allows (issue 13): its reconcile
// reads X's rendering, a duplicate-content 403 it cannot explain parks the key, and a 402
// waits for credits instead of failing.
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
  fake.timelineLagMs = 0;
  fake.creditsDepleted = false;
});
afterAll(async () => {
  await fake.stop();
  await redis.quit();
});

const adapter = (duplicateRecheckMs = 300) =>
  new XAdapter({
    credentials: credentialsMap(),
    apiBaseUrl: fake.url,
    requestTimeoutMs: 2000,
    duplicateRecheckMs,
  });

describe('x-executor settles what X returns in its own rendering', () => {
  it('a reply whose answer was dropped is found behind its mention, t.co link and escapes', async () => {
    const prefix = testPrefix();
    await harness.start(adapter(), { prefix });
    const parent = fake.seedPost('1002', `parent ${prefix}`);
    const text = `thanks & <3 https://example.com/r?a=1&b=2 ${prefix}`;
    fake.inject({ kind: 'act_then_drop' });
    await xaddIntent(redis, prefix, 'x', {
      v: 1,
      idempotencyKey: 'reply-drop',
      action: 'x.reply',
      account: 'antifund',
      payload: { text, inReplyToPostId: parent.id },
    });
    const [receipt] = await settledReceipts(redis, prefix, 'x', 1);
    const [made] = fake.postsWithText(text);
    expect(receipt).toMatchObject({ status: 'succeeded', externalId: made?.id, attempts: 1 });
    expect(fake.postCalls().filter((c) => (c.body as { text: string }).text === text)).toHaveLength(1);
  });

  it('a post not yet in the timeline: the retry meets the duplicate 403, and a second look finds it', async () => {
    const prefix = testPrefix();
    // The first look (right after the drop) comes within the lag; the second look after the
    // 403 comes after it.
    await harness.start(adapter(2000), { prefix });
    fake.timelineLagMs = 1500;
    fake.inject({ kind: 'act_then_drop' });
    const text = `slow to show & https://example.com/${prefix}`;
    await xaddIntent(redis, prefix, 'x', post('lagging', text));
    const [receipt] = await settledReceipts(redis, prefix, 'x', 1);
    expect(receipt).toMatchObject({ status: 'succeeded', externalId: fake.postsWithText(text)[0]?.id });
    expect(fake.postsWithText(text)).toHaveLength(1);
    const sent = fake.postCalls().filter((c) => (c.body as { text: string }).text === text);
    expect(sent.map((c) => c.answer?.status ?? 'dropped')).toEqual(['dropped', 403]);
  });

  it('a duplicate-content 403 for which no post of the attempt can be found is parked, never failed', async () => {
    const prefix = testPrefix();
    await harness.start(adapter(), { prefix });
    // The same text, posted a while ago some other way: X refuses it, and it is not this intent's.
    const text = `said before & https://example.com/${prefix}`;
    const older = fake.seedPost('1001', text);
    older.createdAt = new Date(Date.now() - 3_600_000);
    await xaddIntent(redis, prefix, 'x', post('dup-elsewhere', text));
    const [receipt] = await settledReceipts(redis, prefix, 'x', 1);
    expect(receipt).toMatchObject({
      status: 'unknown',
      externalId: null,
      error: { code: 'duplicate_content', message: expect.stringMatching(/refused the text as a duplicate/) },
    });
    const refused = fake.postCalls().filter((c) => (c.body as { text: string }).text === text);
    expect(refused.map((c) => c.answer?.status)).toEqual([403]);
    expect(fake.postsWithText(text)).toEqual([older]);
    expect(await redis.xlen(channelKeys(prefix, 'x').deadletter)).toBe(0);
  });

  it('402 credits depleted: not done, no receipt, the key comes back after a long wait', async () => {
    const prefix = testPrefix();
    await harness.start(adapter(), { prefix });
    fake.creditsDepleted = true;
    const before = fake.calls.length;
    await xaddIntent(redis, prefix, 'x', post('no-credits', `pay first ${prefix}`));
    const k = channelKeys(prefix, 'x');
    const queue = new Queue('later', { connection: { url }, prefix: k.bullPrefix });
    try {
      const [job] = await waitFor(async () => {
        const delayed = await queue.getDelayed();
        return delayed.length > 0 ? delayed : undefined;
      }, 'the key deferred');
      expect(job?.opts.delay).toBeGreaterThan(PAYMENT_RETRY_MS - 60_000);
    } finally {
      await queue.close();
    }
    expect(fake.calls.slice(before).some((c) => c.answer?.status === 402)).toBe(true);
    expect(await receipts(redis, prefix, 'x')).toHaveLength(0);
    expect(await redis.hlen(k.armed)).toBe(0);
  });

  it('perform classifies 402 as "try later", with the long wait', async () => {
    fake.creditsDepleted = true;
    const a = adapter();
    const intent = IntentSchema.parse(post('k', 'paid for?')) as IntentOf<'x.post'>;
    const ctx = {
      attempt: 1,
      startedAt: new Date(),
      previousMarks: [],
      mark: async () => {},
      cause: null,
      log: createLogger('test', 'silent'),
    };
    const err = await a.perform(intent, ctx).catch((e: unknown) => e);
    expect(isRetryAfter(err) && err.code === 'payment_required' && err.retryAfterMs).toBe(PAYMENT_RETRY_MS);
  });
});
