import { describe, expect, it } from 'vitest';
import { parseIntentJson } from '../src/codec.ts';
import { ReceiptSchema, threadPartKey } from '../src/receipt.ts';

const intent = (action: string, payload: unknown) =>
  JSON.stringify({ v: 1, idempotencyKey: 'launch-thread', action, account: 'antifund', payload });
const reasonOf = (json: string) => {
  const parsed = parseIntentJson(json);
  return parsed.ok ? null : parsed.reason;
};

describe('x.thread and media in the contract', () => {
  it('a thread of 2 to 25 parts, each with text and optional media, passes', () => {
    const parts = [
      { text: 'one', media: [{ path: 'launch/a.png', alt: 'the launch chart' }] },
      { text: 'two', media: [{ url: 'https://cdn.example.com/clip.mp4' }] },
    ];
    expect(reasonOf(intent('x.thread', { parts }))).toBeNull();
    expect(reasonOf(intent('x.thread', { parts: [{ text: 'alone' }] }))).toMatch(
      /^invalid intent: payload\.parts/,
    );
    expect(
      reasonOf(intent('x.thread', { parts: [{ text: 'same' }, { text: 'other' }, { text: ' same ' }] })),
    ).toBe(
      'invalid intent: payload.parts[2].text: is the text of part 1; X refuses a post that repeats a recent one',
    );
    const many = Array.from({ length: 26 }, (_, i) => ({ text: `part ${i}` }));
    expect(reasonOf(intent('x.thread', { parts: many }))).toMatch(/payload\.parts/);
  });

  it('refuses each bad media reference with the field named', () => {
    const post = (media: unknown) => reasonOf(intent('x.post', { text: 'hi', media }));
    expect(post([{ path: '../etc/passwd.png', alt: 'x' }])).toMatch(
      /payload\.media\[0\]\.path: must be a relative path/,
    );
    expect(post([{ path: '/abs/a.png', alt: 'x' }])).toMatch(/payload\.media\[0\]\.path/);
    expect(post([{ url: 'http://example.com/a.png', alt: 'x' }])).toMatch(
      /payload\.media\[0\]\.url: must be an https URL/,
    );
    expect(post([{ path: 'a.png' }])).toMatch(/payload\.media\[0\]\.alt: is required for an image/);
    expect(post([{ path: 'a.exe', alt: 'x' }])).toMatch(/payload\.media\[0\]\.path: must end in one of/);
    expect(post([{ path: 'a.png', url: 'https://example.com/a.png', alt: 'x' }])).toMatch(
      /exactly one of path or url/,
    );
    expect(post([{ path: 'a.mp4', alt: 'x' }])).toMatch(/alt: X takes alt text for images and GIFs only/);
    // A URL that does not parse is named, never thrown on.
    expect(
      post([
        { url: 'not a url', alt: 'x' },
        { path: 'a.png', alt: 'x' },
      ]),
    ).toBe('invalid intent: payload.media[0].url: must be an https URL');
    expect(post([{ path: 'a.png', alt: '' }])).toMatch(
      /payload\.media\[0\]\.alt: must be 1 to 1000 characters/,
    );
    expect(post([{ path: 'a.png', alt: 'a'.repeat(1001) }])).toMatch(/payload\.media\[0\]\.alt/);
  });

  it('up to 4 images, or exactly 1 video or GIF', () => {
    const img = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `i${i}.jpg`, alt: 'an image' }));
    expect(reasonOf(intent('x.post', { text: 'hi', media: img(4) }))).toBeNull();
    expect(reasonOf(intent('x.post', { text: 'hi', media: img(5) }))).toMatch(/payload\.media/);
    expect(reasonOf(intent('x.post', { text: 'hi', media: [...img(1), { path: 'v.mp4' }] }))).toMatch(
      /payload\.media: a post takes up to 4 images, or exactly 1 video or GIF/,
    );
    expect(reasonOf(intent('x.post', { text: 'hi', media: [{ path: 'g.gif', alt: 'a loop' }] }))).toBeNull();
  });

  it("a part's receipt carries the thread's key and /part/<n>", () => {
    const receipt = {
      v: 1,
      idempotencyKey: threadPartKey('launch-thread', 2),
      action: 'x.reply',
      account: 'antifund',
      status: 'succeeded',
      externalId: '1',
      url: null,
      attempts: 1,
      executor: 'e',
      intentId: '1-0',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:00.000Z',
      error: null,
    };
    expect(ReceiptSchema.safeParse(receipt).success).toBe(true);
    expect(ReceiptSchema.safeParse({ ...receipt, idempotencyKey: 'a/b' }).success).toBe(false);
  });
});
