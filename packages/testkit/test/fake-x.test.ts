import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeX } from '../src/fake-x.ts';
import { tcoLink } from '../src/x-render.ts';

// The fake X over plain HTTP, as X's documentation describes each answer: what the adapter's
// reconcile has to cope with is fixed here, not only in the adapter's tests.
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

type XPost = {
  id: string;
  text: string;
  edit_history_tweet_ids: string[];
  created_at?: string;
  entities?: { urls: unknown[] };
  referenced_tweets?: unknown[];
};

async function x<T = { data: XPost }>(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${fake.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as T };
}
const timeline = async (token: string, userId: string, fields = '') => {
  const query = `max_results=100${fields ? `&tweet.fields=${fields}` : ''}`;
  const answer = await x<{ data: XPost[] }>(token, 'GET', `/2/users/${userId}/tweets?${query}`);
  return answer.body.data[0] as XPost;
};

describe('the fake X renders text as X does', () => {
  it('wraps every link in t.co, escapes &<>, and names the links in entities only when asked', async () => {
    const text = 'Ship it & see https://example.com/a?b=1&c=2 or example.org. <3';
    const created = await x('tok-a', 'POST', '/2/tweets', { text });
    expect(created.status).toBe(201);
    const rendered = `Ship it &amp; see ${tcoLink('https://example.com/a?b=1&c=2')} or ${tcoLink('http://example.org')}. &lt;3`;
    expect(created.body.data.text).toBe(rendered);

    const plain = await timeline('tok-a', '1');
    expect(plain).toEqual({
      id: created.body.data.id,
      text: rendered,
      edit_history_tweet_ids: [created.body.data.id],
    });
    const full = await timeline('tok-a', '1', 'entities,created_at');
    expect(full.entities?.urls).toEqual([
      {
        start: 18,
        end: 41,
        url: tcoLink('https://example.com/a?b=1&c=2'),
        expanded_url: 'https://example.com/a?b=1&c=2',
        display_url: 'example.com/a?b=1&c=2',
      },
      {
        start: 45,
        end: 68,
        url: tcoLink('http://example.org'),
        expanded_url: 'http://example.org',
        display_url: 'example.org',
      },
    ]);
    expect([...full.text].slice(18, 41).join('')).toBe(tcoLink('https://example.com/a?b=1&c=2'));
    expect(Date.parse(full.created_at ?? '')).toBeGreaterThan(0);
    expect(fake.postsWithText(text)).toHaveLength(1);
  });

  it('keeps text NFC and refuses the same text again, compared as stored', async () => {
    const created = await x('tok-a', 'POST', '/2/tweets', { text: 'cafe\u0301 time' });
    expect(created.body.data.text).toBe('caf\u00e9 time');
    const again = await x('tok-a', 'POST', '/2/tweets', { text: ' caf\u00e9 time ' });
    expect(again).toMatchObject({
      status: 403,
      body: { detail: 'You are not allowed to create a Tweet with duplicate content.' },
    });
  });

  it("begins a reply with the thread's mentions, and names the parent when asked", async () => {
    const parent = await x('tok-a', 'POST', '/2/tweets', { text: 'a parent' });
    const reply = await x('tok-b', 'POST', '/2/tweets', {
      text: 'a reply & more',
      reply: { in_reply_to_tweet_id: parent.body.data.id },
    });
    expect(reply.body.data.text).toBe('@alice a reply &amp; more');
    const deeper = await x('tok-a', 'POST', '/2/tweets', {
      text: 'deeper',
      reply: { in_reply_to_tweet_id: reply.body.data.id },
    });
    expect(deeper.body.data.text).toBe('@bob @alice deeper');
    const view = await timeline('tok-a', '1', 'referenced_tweets');
    expect(view.referenced_tweets).toEqual([{ type: 'replied_to', id: reply.body.data.id }]);
    expect((await timeline('tok-a', '1')).referenced_tweets).toBeUndefined();
    const orphan = await x('tok-a', 'POST', '/2/tweets', { text: 'x', reply: { in_reply_to_tweet_id: '5' } });
    expect(orphan.status).toBe(403);
  });

  it('answers 402 credits-depleted to everything while credits are used up', async () => {
    fake.creditsDepleted = true;
    try {
      for (const answer of [
        await x<unknown>('tok-a', 'POST', '/2/tweets', { text: 'paid' }),
        await x<unknown>('tok-a', 'GET', '/2/users/1/tweets'),
      ]) {
        expect(answer).toEqual({
          status: 402,
          body: {
            title: 'Payment Required',
            detail: 'credits depleted',
            type: 'https://api.x.com/2/problems/credits-depleted',
            status: 402,
          },
        });
      }
    } finally {
      fake.creditsDepleted = false;
    }
    expect(fake.postsWithText('paid')).toHaveLength(0);
  });

  it('a revoked token gets 401 for everything, as an expired one does, until it is restored', async () => {
    fake.revokeToken('tok-a');
    try {
      for (const answer of [
        await x<unknown>('tok-a', 'GET', '/2/users/me'),
        await x<unknown>('tok-a', 'POST', '/2/tweets', { text: 'revoked' }),
      ]) {
        expect(answer).toEqual({
          status: 401,
          body: { title: 'Unauthorized', detail: 'Unauthorized', type: 'about:blank', status: 401 },
        });
      }
    } finally {
      fake.restoreToken('tok-a');
    }
    expect(fake.postsWithText('revoked')).toHaveLength(0);
    expect((await x<unknown>('tok-a', 'GET', '/2/users/me')).status).toBe(200);
  });
});
