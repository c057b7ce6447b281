import type { TweetV2, TwitterApi } from 'twitter-api-v2';
import { isWantedPost, type WantedPost } from './post-match.ts';

export type Lookup =
  | { outcome: 'found'; id: string }
  /** Every post of the account since `since` was read, and none is the one wanted. */
  | { outcome: 'absent' }
  /** The pages ran out before the window did: not finding it proves nothing. */
  | { outcome: 'beyond'; pages: number };

/**
 * Looks for `wanted` among the account's own posts since `since`, newest first, reading at
 * most `maxPages` pages of 100. It asks for the fields the match needs: `entities` (what
 * each t.co link stands for), `referenced_tweets` (what a reply replies to) and `created_at`.
 */
export async function findOwnPost(
  client: TwitterApi,
  userId: string,
  wanted: WantedPost,
  since: Date,
  maxPages: number,
): Promise<Lookup> {
  const timeline = await client.v2.userTimeline(userId, {
    // X's start_time takes seconds precision: YYYY-MM-DDTHH:mm:ssZ.
    start_time: `${since.toISOString().slice(0, 19)}Z`,
    max_results: 100,
    'tweet.fields': ['entities', 'referenced_tweets', 'created_at'],
  });
  // X's start_time bounds the window already; created_at, where given, is checked as well.
  const inWindow = (t: TweetV2) => !t.created_at || Date.parse(t.created_at) >= since.getTime() - 1000;
  let read = 0;
  for (let page = 1; ; page += 1) {
    // The paginator keeps every page it fetched; only the new ones are looked at.
    const match = timeline.tweets.slice(read).find((t) => inWindow(t) && isWantedPost(t, wanted));
    if (match) return { outcome: 'found', id: match.id };
    read = timeline.tweets.length;
    if (timeline.done) return { outcome: 'absent' };
    if (page >= maxPages) return { outcome: 'beyond', pages: page };
    await timeline.fetchNext();
  }
}
