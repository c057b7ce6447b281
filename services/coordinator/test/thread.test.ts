import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { CoordinatorApiError } from '../src/client.ts';
import { World } from './world.ts';

const url = inject('redisUrl');
const worlds: World[] = [];
afterEach(async () => {
  await Promise.all(worlds.splice(0).map((w) => w.stop()));
});

async function world(): Promise<World> {
  const w = new World(url);
  worlds.push(w);
  const media = join(w.dir, 'media');
  mkdirSync(media);
  for (const name of ['chart.png', 'team.jpg']) writeFileSync(join(media, name), `image ${name}`);
  return w.start({}, {}, { X_MEDIA_DIR: media });
}

const thread = (key: string, parts: unknown[], extra: Record<string, unknown> = {}) => ({
  v: 1,
  idempotencyKey: key,
  action: 'x.thread',
  account: 'antifund',
  payload: { parts },
  ...extra,
});

describe('coordinator: an x.thread is one decision', () => {
  it('one approval of a scheduled three-part thread with images posts it in order, once', async () => {
    const w = await world();
    const notBefore = new Date(Date.now() + 1500).toISOString();
    const parts = [
      { text: 'We shipped threads 1/3', media: [{ path: 'chart.png', alt: 'the chart' }] },
      { text: 'Each part replies to the one before 2/3' },
      { text: 'And carries its images 3/3', media: [{ path: 'team.jpg', alt: 'the team' }] },
    ];
    const { record } = await w.producer.submit(thread('threads-launch', parts, { notBefore }));
    expect(record.state).toBe('pending_approval');
    expect((await w.producer.approvals()).records.map((r) => r.idempotencyKey)).toEqual(['threads-launch']);
    await w.operator.approve('threads-launch', 'ship it');
    const done = await waitFor(
      async () => {
        const r = (await w.producer.get('threads-launch')).record;
        return r.state === 'succeeded' ? r : undefined;
      },
      'the thread to succeed',
      30_000,
    );
    const posts = parts.map((p) => {
      const found = w.fake.postsWithText(p.text);
      expect(found, p.text).toHaveLength(1);
      return found[0] as NonNullable<(typeof found)[number]>;
    });
    expect(posts.map((p) => p.inReplyTo)).toEqual([null, posts[0]?.id, posts[1]?.id]);
    expect(posts.map((p) => p.mediaIds.map((id) => w.fake.media.uploads.get(id)?.alt))).toEqual([
      ['the chart'],
      [],
      ['the team'],
    ]);
    expect(Math.min(...posts.map((p) => p.createdAt.getTime()))).toBeGreaterThanOrEqual(
      Date.parse(notBefore),
    );
    expect(done.receipt).toMatchObject({ action: 'x.thread', externalId: posts[0]?.id });
    // The parts' receipts are in the receipts stream; the one record, the decision, is the thread's.
    const { records } = await w.producer.list({ channel: 'x' });
    expect(records.map((r) => r.idempotencyKey)).toEqual(['threads-launch']);
    const keys = (await w.operator.receipts('x')).receipts.map((r) => r.receipt.idempotencyKey);
    expect(keys).toEqual([
      'threads-launch/part/1',
      'threads-launch/part/2',
      'threads-launch/part/3',
      'threads-launch',
    ]);
    // One submission, one approval: the parts are no decisions of their own.
    const actions = w.auditLines().map((a) => `${a.action}:${a.idempotencyKey}`);
    expect(actions).toEqual([
      'submitted:threads-launch',
      'approved:threads-launch',
      'released:threads-launch',
    ]);
  });

  it('refuses a thread whose part is longer than X allows, naming the part', async () => {
    const w = await world();
    const err = await w.producer
      .submit(thread('too-long', [{ text: 'fine' }, { text: 'x'.repeat(281) }]))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CoordinatorApiError);
    expect(err).toMatchObject({
      status: 400,
      message: expect.stringMatching(/^payload\.parts\[1\]\.text: is 281 characters/),
    });
  });
});
