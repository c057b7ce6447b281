import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeX } from '../src/fake-x.ts';

// The fake X's chunked media upload over plain HTTP, each limit and state as X documents it
// (fake-x-media.ts names the pages): what the x-executor's upload has to get right.
let fake: FakeX;
beforeAll(async () => {
  fake = await new FakeX({
    users: {
      'tok-a': { id: '1', username: 'alice', name: 'A' },
      'tok-b': { id: '2', username: 'bob', name: 'B' },
    },
  }).start();
});
afterAll(() => fake.stop());

type Answer = {
  status: number;
  body: { data?: Record<string, unknown>; errors?: Array<{ message: string }> };
};
async function call(method: string, path: string, body?: unknown, token = 'tok-a'): Promise<Answer> {
  const form = body instanceof FormData;
  const res = await fetch(`${fake.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(form ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : form ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Answer['body'] };
}
const init = (media_type: string, total_bytes: number, media_category: string) =>
  call('POST', '/2/media/upload/initialize', { media_type, total_bytes, media_category });
function chunk(index: number, bytes: Buffer): FormData {
  const form = new FormData();
  form.set('segment_index', String(index));
  form.set('media', new Blob([new Uint8Array(bytes)]), 'chunk');
  return form;
}
const message = (a: Answer) => a.body.errors?.[0]?.message ?? '';

describe('the fake X media upload', () => {
  it('initialize refuses a wrong category, type or size for the kind', async () => {
    expect(message(await init('image/png', 10, 'tweet_sticker'))).toMatch(/^media_category/);
    expect(message(await init('video/mp4', 10, 'tweet_image'))).toMatch(/^media_type/);
    expect(message(await init('image/png', 5 * 1024 * 1024 + 1, 'tweet_image'))).toMatch(/more than 5242880/);
    const ok = await init('image/png', 10, 'tweet_image');
    expect(ok.status).toBe(200);
    expect(ok.body.data).toMatchObject({ media_key: `3_${ok.body.data?.id}`, expires_after_secs: 86_400 });
  });

  it('an image: chunks in any order, a chunk sent again replaces it, finalize checks the total, alt text set', async () => {
    const id = (await init('image/png', 6, 'tweet_image')).body.data?.id as string;
    expect((await call('POST', `/2/media/upload/${id}/append`, chunk(1, Buffer.from('def')))).status).toBe(
      200,
    );
    expect(message(await call('POST', `/2/media/upload/${id}/finalize`))).toMatch(/without a gap/);
    await call('POST', `/2/media/upload/${id}/append`, chunk(0, Buffer.from('xyz')));
    await call('POST', `/2/media/upload/${id}/append`, chunk(0, Buffer.from('abc')));
    expect(
      message(await call('POST', `/2/media/upload/${id}/append`, chunk(1000, Buffer.from('g')))),
    ).toMatch(/segment_index: must be an integer from 0 to 999/);
    const done = await call('POST', `/2/media/upload/${id}/finalize`);
    expect(done.body.data).toMatchObject({ id, size: 6 });
    expect(done.body.data?.processing_info).toBeUndefined();
    expect(fake.media.uploads.get(id)?.bytes?.toString()).toBe('abcdef');
    expect(message(await call('POST', `/2/media/upload/${id}/finalize`))).toMatch(/finalized already/);
    expect(
      message(
        await call('POST', '/2/media/metadata', { id, metadata: { alt_text: { text: 'a'.repeat(1001) } } }),
      ),
    ).toMatch(/1 to 1000 characters/);
    expect(
      (await call('POST', '/2/media/metadata', { id, metadata: { alt_text: { text: 'abc' } } })).status,
    ).toBe(200);
    expect(fake.media.uploads.get(id)?.alt).toBe('abc');
    // Another user's upload is no upload of theirs.
    expect(
      message(
        await call('POST', '/2/media/metadata', { id, metadata: { alt_text: { text: 'x' } } }, 'tok-b'),
      ),
    ).toMatch(/not an upload of this user/);
  });

  it('a chunk over 5 MB, and more bytes than declared, are refused', async () => {
    const id = (await init('video/mp4', 6 * 1024 * 1024, 'tweet_video')).body.data?.id as string;
    const big = await call(
      'POST',
      `/2/media/upload/${id}/append`,
      chunk(0, Buffer.alloc(5 * 1024 * 1024 + 1)),
    );
    expect(message(big)).toMatch(/a chunk is at most 5242880 bytes/);
    const small = (await init('image/png', 2, 'tweet_image')).body.data?.id as string;
    expect(
      message(await call('POST', `/2/media/upload/${small}/append`, chunk(0, Buffer.from('abc')))),
    ).toMatch(/more bytes than total_bytes/);
  });

  it('a video is processed (pending, in_progress, succeeded) and may be attached only then; no alt text for it', async () => {
    fake.media.processingMs = 400;
    const id = (await init('video/mp4', 3, 'tweet_video')).body.data?.id as string;
    expect(message(await call('GET', `/2/media/upload?command=STATUS&media_id=${id}`))).toMatch(
      /no finalized upload/,
    );
    await call('POST', `/2/media/upload/${id}/append`, chunk(0, Buffer.from('mp4')));
    const done = await call('POST', `/2/media/upload/${id}/finalize`);
    expect(done.body.data?.processing_info).toMatchObject({ state: 'pending', check_after_secs: 1 });
    const early = await call('POST', '/2/tweets', { text: 'too early', media: { media_ids: [id] } });
    expect(early.status).toBe(400);
    expect(message(early)).toMatch(/Your media IDs are invalid/);
    const states = new Set<string>();
    for (;;) {
      const s = await call('GET', `/2/media/upload?command=STATUS&media_id=${id}`);
      const state = (s.body.data?.processing_info as { state: string } | undefined)?.state ?? 'none';
      states.add(state);
      if (state === 'succeeded') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect([...states]).toEqual(['pending', 'in_progress', 'succeeded']);
    expect(
      message(await call('POST', '/2/media/metadata', { id, metadata: { alt_text: { text: 'x' } } })),
    ).toMatch(/alt text is for images and GIFs/);
    const posted = await call('POST', '/2/tweets', { text: 'a clip', media: { media_ids: [id] } });
    expect(posted.status).toBe(201);
    // X's text carries one more t.co link for the media, explained with its media_key.
    expect(posted.body.data?.text).toMatch(/^a clip https:\/\/t\.co\/\w{10}$/);
    const timeline = await call('GET', '/2/users/1/tweets?max_results=5&tweet.fields=entities');
    const first = (timeline.body as unknown as { data: Array<{ entities: { urls: unknown[] } }> }).data[0];
    expect(first?.entities.urls).toEqual([
      expect.objectContaining({
        media_key: `7_${id}`,
        expanded_url: expect.stringMatching(/\/status\/\d+\/video\/1$/),
      }),
    ]);
  });

  it('a failed processing, an expired upload and a mix of video and images are refused on the post', async () => {
    fake.media.processingMs = 0;
    fake.media.failProcessing.add('image/gif');
    const gif = (await init('image/gif', 3, 'tweet_gif')).body.data?.id as string;
    await call('POST', `/2/media/upload/${gif}/append`, chunk(0, Buffer.from('gif')));
    const failed = await call('POST', `/2/media/upload/${gif}/finalize`);
    expect(failed.body.data?.processing_info).toMatchObject({ state: 'failed' });
    fake.media.failProcessing.clear();
    const image = async () => {
      const id = (await init('image/png', 1, 'tweet_image')).body.data?.id as string;
      await call('POST', `/2/media/upload/${id}/append`, chunk(0, Buffer.from('i')));
      await call('POST', `/2/media/upload/${id}/finalize`);
      return id;
    };
    expect(
      message(await call('POST', '/2/tweets', { text: 'failed gif', media: { media_ids: [gif] } })),
    ).toMatch(/invalid/);
    const video = (await init('video/mp4', 1, 'tweet_video')).body.data?.id as string;
    await call('POST', `/2/media/upload/${video}/append`, chunk(0, Buffer.from('v')));
    await call('POST', `/2/media/upload/${video}/finalize`);
    await call('GET', `/2/media/upload?command=STATUS&media_id=${video}`);
    const mixed = await call('POST', '/2/tweets', {
      text: 'mixed',
      media: { media_ids: [video, await image()] },
    });
    expect(message(mixed)).toMatch(/up to 4 images, or 1 video or GIF/);
    const five = await Promise.all([1, 2, 3, 4, 5].map(() => image()));
    expect(message(await call('POST', '/2/tweets', { text: 'five', media: { media_ids: five } }))).toMatch(
      /1 to 4 media ids/,
    );
    const old = await image();
    fake.media.clockOffsetMs = 86_400_000;
    expect(
      message(await call('POST', '/2/tweets', { text: 'expired', media: { media_ids: [old] } })),
    ).toMatch(/invalid/);
    fake.media.clockOffsetMs = 0;
  });
});
