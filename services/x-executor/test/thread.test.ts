import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { channelKeys } from '@agent-ops/contracts/keys';
import { budgetRedisKey } from '@agent-ops/runtime/rate-limit-keys';
import type { FakeX } from '@agent-ops/testkit/fake-x';
import { ExecutorHarness } from '@agent-ops/testkit/in-process';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { pendingCount, receipts, xaddIntent } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { XAdapter } from '../src/x-adapter.ts';
import { credentialsMap, startFakeX } from './helpers.ts';

const url = inject('redisUrl');
const redis = redisClient(url);
let fake: FakeX;
const harness = new ExecutorHarness(url);
const mediaDir = mkdtempSync(join(tmpdir(), 'x-media-'));
mkdirSync(join(mediaDir, 'launch'));
// The fake does not decode images; distinct bytes let a test tell which file went where.
for (const name of ['a.png', 'b.jpg', 'c.webp'])
  writeFileSync(join(mediaDir, 'launch', name), `image ${name}`);
// More than two chunks of 1 MiB, so that append is called three times.
writeFileSync(join(mediaDir, 'launch', 'clip.mp4'), Buffer.alloc(2 * 1024 * 1024 + 10, 7));

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
    mediaDir,
  });
  return harness.start(adapter, { prefix, ...extra });
}

let n = 0;
function thread(key: string, parts: Array<{ text: string; media?: unknown[] }>) {
  n += 1;
  return {
    v: 1,
    idempotencyKey: key,
    action: 'x.thread',
    account: 'antifund',
    payload: { parts },
    meta: { n },
  };
}

async function settled(prefix: string, count: number) {
  return waitFor(async () => {
    const r = await receipts(redis, prefix, 'x');
    return r.length >= count && (await pendingCount(redis, prefix, 'x')) === 0 ? r : undefined;
  }, `${count} receipts and nothing pending`);
}

const only = (text: string) => {
  const posts = fake.postsWithText(text);
  expect(posts, text).toHaveLength(1);
  return posts[0] as NonNullable<(typeof posts)[number]>;
};

describe('x.thread and media, in process, against the fake X API', () => {
  it('posts the parts in order, each replying to the one before, with their images and alt text; part receipts, then the thread', async () => {
    const prefix = testPrefix();
    await executor(prefix);
    const t = `${prefix} launch`;
    await xaddIntent(
      redis,
      prefix,
      'x',
      thread('launch-thread', [
        {
          text: `${t} 1/3`,
          media: [
            { path: 'launch/a.png', alt: 'the chart' },
            { path: 'launch/b.jpg', alt: 'the team' },
          ],
        },
        { text: `${t} 2/3` },
        { text: `${t} 3/3 https://example.com/post`, media: [{ path: 'launch/c.webp', alt: 'the logo' }] },
      ]),
    );
    const all = await settled(prefix, 4);
    const [p1, p2, p3] = [only(`${t} 1/3`), only(`${t} 2/3`), only(`${t} 3/3 https://example.com/post`)];
    expect([p1.inReplyTo, p2.inReplyTo, p3.inReplyTo]).toEqual([null, p1.id, p2.id]);
    const alts = (ids: string[]) => ids.map((id) => fake.media.uploads.get(id)?.alt);
    const bytes = (ids: string[]) => ids.map((id) => fake.media.uploads.get(id)?.bytes?.toString());
    expect(alts(p1.mediaIds)).toEqual(['the chart', 'the team']);
    expect(bytes(p1.mediaIds)).toEqual(['image a.png', 'image b.jpg']);
    expect(p2.mediaIds).toEqual([]);
    expect(alts(p3.mediaIds)).toEqual(['the logo']);
    expect(all.map((r) => [r.idempotencyKey, r.action, r.status, r.externalId])).toEqual([
      ['launch-thread/part/1', 'x.post', 'succeeded', p1.id],
      ['launch-thread/part/2', 'x.reply', 'succeeded', p2.id],
      ['launch-thread/part/3', 'x.reply', 'succeeded', p3.id],
      ['launch-thread', 'x.thread', 'succeeded', p1.id],
    ]);
    expect(all[3]?.url).toBe(`https://x.com/antifund/status/${p1.id}`);
    // Three uploads, each initialized and finalized once.
    const count = (re: RegExp) =>
      fake.calls.filter((c) => re.test(c.path) && c.answer?.status === 200).length;
    expect(count(/^\/2\/media\/upload\/initialize$/)).toBeGreaterThanOrEqual(3);
    expect(new Set([...p1.mediaIds, ...p3.mediaIds]).size).toBe(3);
    const k = channelKeys(prefix, 'x');
    expect(await redis.hlen(k.armed)).toBe(0);
    expect(await redis.hexists(k.done, 'launch-thread/part/2')).toBe(1);
  });

  it("a thread spends a point of the account's post budget for each part", async () => {
    const prefix = testPrefix();
    await executor(prefix, { defaultRateLimit: { points: 10, durationSec: 900 } });
    const t = `${prefix} budget`;
    await xaddIntent(
      redis,
      prefix,
      'x',
      thread('budget-thread', [{ text: `${t} 1/3` }, { text: `${t} 2/3` }, { text: `${t} 3/3` }]),
    );
    await settled(prefix, 4);
    const spent = await redis.get(budgetRedisKey(channelKeys(prefix, 'x'), 'antifund', 'post'));
    expect(Number(spent)).toBe(3);
  });

  it('a video is uploaded in chunks, waited for while X processes it, then posted', async () => {
    const prefix = testPrefix();
    await executor(prefix);
    const t = `${prefix} video`;
    await xaddIntent(redis, prefix, 'x', {
      v: 1,
      idempotencyKey: 'with-video',
      action: 'x.post',
      account: 'antifund',
      payload: { text: t, media: [{ path: 'launch/clip.mp4' }] },
    });
    const [r] = await settled(prefix, 1);
    const post = only(t);
    expect(r).toMatchObject({ status: 'succeeded', externalId: post.id });
    const media = fake.media.uploads.get(post.mediaIds[0] as string);
    expect(media).toMatchObject({
      state: 'succeeded',
      category: 'tweet_video',
      totalBytes: 2 * 1024 * 1024 + 10,
    });
    const appends = fake.calls.filter((c) => c.path === `/2/media/upload/${media?.id}/append`);
    expect(appends.map((c) => (c.body as { segment_index: string }).segment_index)).toEqual(['0', '1', '2']);
    // The post came only once processing had succeeded (the fake refuses it before).
    expect(fake.calls.some((c) => c.path === '/2/media/upload' && c.method === 'GET')).toBe(true);
  });

  it('a 429 on part 2 holds the thread, which resumes at part 2: part 1 is not posted again, its upload not repeated', async () => {
    const prefix = testPrefix();
    await executor(prefix);
    const t = `${prefix} limited`;
    const inits = () => fake.calls.filter((c) => c.path === '/2/media/upload/initialize').length;
    const before = inits();
    // The first POST /2/tweets (part 1) goes through; the second (part 2) meets the 429.
    let posts = 0;
    fake.onAct = (call) => {
      if (call.path === '/2/tweets' && ++posts === 1) fake.inject({ kind: 'rate_limit', resetInSec: 1 });
    };
    await xaddIntent(
      redis,
      prefix,
      'x',
      thread('limited-thread', [
        { text: `${t} 1/2`, media: [{ path: 'launch/a.png', alt: 'the chart' }] },
        { text: `${t} 2/2`, media: [{ path: 'launch/b.jpg', alt: 'the team' }] },
      ]),
    );
    const all = await settled(prefix, 3);
    fake.onAct = null;
    const [p1, p2] = [only(`${t} 1/2`), only(`${t} 2/2`)];
    expect(p2.inReplyTo).toBe(p1.id);
    expect(inits() - before).toBe(2);
    expect(fake.calls.filter((c) => c.path === '/2/tweets' && c.answer?.status === 429)).not.toHaveLength(0);
    expect(all.at(-1)).toMatchObject({
      idempotencyKey: 'limited-thread',
      status: 'succeeded',
      externalId: p1.id,
    });
  });

  it("an answer lost after X posted part 2 is reconciled from the timeline with part 1's id; part 3 follows", async () => {
    const prefix = testPrefix();
    await executor(prefix);
    const t = `${prefix} dropped`;
    let posts = 0;
    fake.onAct = (call) => {
      if (call.path === '/2/tweets' && ++posts === 1) fake.inject({ kind: 'act_then_drop' });
    };
    await xaddIntent(
      redis,
      prefix,
      'x',
      thread('dropped-thread', [{ text: `${t} 1/3` }, { text: `${t} 2/3 &` }, { text: `${t} 3/3` }]),
    );
    const all = await settled(prefix, 4);
    fake.onAct = null;
    const [p1, p2, p3] = [only(`${t} 1/3`), only(`${t} 2/3 &`), only(`${t} 3/3`)];
    expect([p2.inReplyTo, p3.inReplyTo]).toEqual([p1.id, p2.id]);
    expect(all.map((r) => r.externalId)).toEqual([p1.id, p2.id, p3.id, p1.id]);
  });

  it('X refusing part 2 once part 1 is out parks the thread as unknown with the reason; part 1 keeps its receipt', async () => {
    const prefix = testPrefix();
    await executor(prefix);
    const t = `${prefix} refused`;
    let posts = 0;
    fake.onAct = (call) => {
      if (call.path === '/2/tweets' && ++posts === 1) {
        fake.inject({
          kind: 'status',
          status: 400,
          body: { title: 'Invalid Request', detail: 'text: not allowed' },
        });
      }
    };
    await xaddIntent(
      redis,
      prefix,
      'x',
      thread('refused-thread', [{ text: `${t} 1/3` }, { text: `${t} 2/3` }, { text: `${t} 3/3` }]),
    );
    const all = await settled(prefix, 2);
    fake.onAct = null;
    const p1 = only(`${t} 1/3`);
    expect(fake.postsWithText(`${t} 2/3`)).toHaveLength(0);
    expect(fake.postsWithText(`${t} 3/3`)).toHaveLength(0);
    expect(all[0]).toMatchObject({
      idempotencyKey: 'refused-thread/part/1',
      status: 'succeeded',
      externalId: p1.id,
    });
    expect(all[1]).toMatchObject({
      idempotencyKey: 'refused-thread',
      status: 'unknown',
      error: { code: 'thread_incomplete' },
    });
    expect(all[1]?.error?.message).toMatch(
      new RegExp(
        `part 2 of 3 cannot be posted .*text: not allowed.*1: ${p1.id}.*the rest of the thread is held`,
      ),
    );
  });

  it('retries given up after part 1 is out: the thread is unknown, not failed, and part 1 keeps its receipt', async () => {
    const prefix = testPrefix();
    await executor(prefix, { maxRetries: 1 });
    const t = `${prefix} outage`;
    // Once part 1 is posted, X is down for good: every later post answers 503.
    fake.onAct = (call) => {
      if (call.path === '/2/tweets') fake.outageUntil = Number.POSITIVE_INFINITY;
    };
    await xaddIntent(
      redis,
      prefix,
      'x',
      thread('outage-thread', [{ text: `${t} 1/2` }, { text: `${t} 2/2` }]),
    );
    const all = await settled(prefix, 2);
    fake.onAct = null;
    fake.outageUntil = 0;
    const p1 = only(`${t} 1/2`);
    expect(fake.postsWithText(`${t} 2/2`)).toHaveLength(0);
    expect(all[0]).toMatchObject({
      idempotencyKey: 'outage-thread/part/1',
      status: 'succeeded',
      externalId: p1.id,
    });
    expect(all[0]?.url).toBe(`https://x.com/antifund/status/${p1.id}`);
    expect(all[1]).toMatchObject({ idempotencyKey: 'outage-thread', status: 'unknown' });
    expect(all[1]?.error?.message).toMatch(
      new RegExp(`^gave up after 2 tries.*\\(after 1 of its steps happened: ${p1.id}\\)$`),
    );
  });

  it('a media path outside the folder, or missing, fails the post before anything is posted', async () => {
    const prefix = testPrefix();
    await executor(prefix);
    writeFileSync(join(tmpdir(), 'outside.png'), 'secret');
    const { symlinkSync } = await import('node:fs');
    const link = join(mediaDir, `escape-${prefix}.png`);
    symlinkSync(join(tmpdir(), 'outside.png'), link);
    await xaddIntent(redis, prefix, 'x', {
      v: 1,
      idempotencyKey: 'escape',
      action: 'x.post',
      account: 'antifund',
      payload: { text: `${prefix} escape`, media: [{ path: `escape-${prefix}.png`, alt: 'x' }] },
    });
    const [r] = await settled(prefix, 1);
    expect(r).toMatchObject({ status: 'failed', error: { code: 'media_unavailable' } });
    expect(r?.error?.message).toMatch(/leads outside the media folder/);
    expect(fake.postsWithText(`${prefix} escape`)).toHaveLength(0);
  });
});
