import { renderLikeX, storedForm, withMediaLink } from './x-render.ts';

export type FakeXUser = { id: string; username: string; name: string };
export type FakeTweet = {
  id: string;
  /** The text exactly as the client sent it: what tests compare with what they asked to post. */
  sourceText: string;
  /** The text as X keeps it (NFC, trimmed; see x-render.ts); answers render it, links wrapped and escaped. */
  text: string;
  authorId: string;
  createdAt: Date;
  inReplyTo: string | null;
  /** The usernames X puts in front of this reply's text: the replied-to author, then that post's own. */
  replyMentions: string[];
  /** Media attached (`media.media_ids`), in order. */
  mediaIds: string[];
  deleted: boolean;
};
export type Answer = { status: number; body: unknown };

export const problem = (status: number, title: string, detail: string, type = 'about:blank') => ({
  title,
  detail,
  type,
  status,
});

/** Fields a post has only when `tweet.fields` names them (docs.x.com/x-api/fundamentals/data-dictionary: defaults are id, text, edit_history_tweet_ids). */
type TweetFields = ReadonlySet<string>;

/**
 * The posts of the fake X and the endpoints that read and write them, each as the X API v2
 * documentation describes it; FakeX puts authentication, faults and rate limits in front.
 */
export class FakeXPosts {
  readonly tweets: FakeTweet[] = [];
  /**
   * How long a new post stays out of timelines: X does not promise read-after-write, so a
   * post just made may not be listed yet (REAL-APIS.md). The duplicate check sees it at once.
   */
  timelineLagMs = 0;
  private nextId = 1_800_000_000_000_000_000n;
  private readonly users: Record<string, FakeXUser>;
  /** Why the media ids of a new post are refused, or null (FakeXMedia.refuseAttach). */
  private readonly refuseMedia: (user: FakeXUser, ids: unknown) => Answer | null;
  /** The media key and kind of an attached media id. */
  private readonly mediaInfo: (id: string) => { mediaKey: string; video: boolean } | null;

  constructor(
    users: Record<string, FakeXUser>,
    media: {
      refuse: (user: FakeXUser, ids: unknown) => Answer | null;
      info: (id: string) => { mediaKey: string; video: boolean } | null;
    } = { refuse: () => null, info: () => null },
  ) {
    this.users = users;
    this.refuseMedia = media.refuse;
    this.mediaInfo = media.info;
  }

  /** The text and entities X returns for a post: rendered, with its media's link at the end. */
  private render(t: FakeTweet) {
    const first = t.mediaIds[0] ? this.mediaInfo(t.mediaIds[0]) : null;
    const author = Object.values(this.users).find((u) => u.id === t.authorId)?.username ?? 'i';
    const media = first ? { ...first, postUrl: `https://x.com/${author}/status/${t.id}` } : null;
    return withMediaLink(renderLikeX(t.text, t.replyMentions), media);
  }

  seed(authorId: string, text: string): FakeTweet {
    const id = String(this.nextId++);
    const tweet: FakeTweet = {
      id,
      sourceText: text,
      text: storedForm(text),
      authorId,
      createdAt: new Date(),
      inReplyTo: null,
      replyMentions: [],
      mediaIds: [],
      deleted: false,
    };
    this.tweets.push(tweet);
    return tweet;
  }

  /** DELETE /2/tweets/:id: 404 for a post that is gone, 403 for another author's. */
  remove(user: FakeXUser, id: string): Answer {
    const tweet = this.tweets.find((t) => t.id === id && !t.deleted);
    if (!tweet)
      return { status: 404, body: problem(404, 'Not Found Error', `Could not find tweet with id: [${id}].`) };
    if (tweet.authorId !== user.id) {
      return { status: 403, body: problem(403, 'Forbidden', 'You are not authorized to delete this Tweet.') };
    }
    tweet.deleted = true;
    return { status: 200, body: { data: { deleted: true } } };
  }

  /**
   * POST /2/tweets (docs.x.com/x-api/posts/creation-of-a-post). A reply names its parent in
   * `reply.in_reply_to_tweet_id`; X fills in the reply's mentions itself (the parent's author,
   * then the people that post replied to), and refuses a parent that is gone with 403
   * (plhery/node-twitter-api-v2#366).
   */
  create(user: FakeXUser, body: unknown): Answer {
    const b = body as {
      text?: unknown;
      reply?: { in_reply_to_tweet_id?: string };
      media?: { media_ids?: unknown };
    } | null;
    const stored = typeof b?.text === 'string' ? storedForm(b.text) : '';
    if (!b || typeof b.text !== 'string' || stored.length === 0) {
      return {
        status: 400,
        body: {
          errors: [{ message: 'text: must not be empty' }],
          title: 'Invalid Request',
          detail: 'One or more parameters to your request was invalid.',
          type: 'https://api.twitter.com/2/problems/invalid-request',
        },
      };
    }
    const parentId = b.reply?.in_reply_to_tweet_id ?? null;
    const parent = parentId === null ? null : this.tweets.find((t) => t.id === parentId && !t.deleted);
    if (parentId !== null && !parent) {
      return {
        status: 403,
        body: problem(
          403,
          'Forbidden',
          'You attempted to reply to a Tweet that is deleted or not visible to you.',
        ),
      };
    }
    const mediaIds = b.media === undefined ? [] : (b.media.media_ids as string[]);
    if (b.media !== undefined) {
      const refused = this.refuseMedia(user, b.media.media_ids);
      if (refused) return refused;
    }
    // X refuses a post identical to one of the author's recent posts, comparing the text as
    // it keeps it (NFC), not as it renders it.
    if (this.tweets.some((t) => t.authorId === user.id && !t.deleted && t.text === stored)) {
      return {
        status: 403,
        body: problem(403, 'Forbidden', 'You are not allowed to create a Tweet with duplicate content.'),
      };
    }
    const id = String(this.nextId++);
    const tweet: FakeTweet = {
      id,
      sourceText: b.text,
      text: stored,
      authorId: user.id,
      createdAt: new Date(),
      inReplyTo: parentId,
      replyMentions: parent ? this.mentionsFor(parent) : [],
      mediaIds,
      deleted: false,
    };
    this.tweets.push(tweet);
    // The create answer carries the rendered text too (t.co links in the documented example).
    const text = this.render(tweet).text;
    return { status: 201, body: { data: { id, text, edit_history_tweet_ids: [id] } } };
  }

  /** Who a reply to `parent` mentions: its author, then whoever it mentioned as a reply, once each. */
  private mentionsFor(parent: FakeTweet): string[] {
    const author = Object.values(this.users).find((u) => u.id === parent.authorId)?.username;
    return [...new Set([...(author ? [author] : []), ...parent.replyMentions])];
  }

  /** A post as GET endpoints answer it: the default fields, and the others only when asked. */
  private view(t: FakeTweet, fields: TweetFields): Record<string, unknown> {
    const rendered = this.render(t);
    const out: Record<string, unknown> = { id: t.id, text: rendered.text, edit_history_tweet_ids: [t.id] };
    if (fields.has('created_at')) out.created_at = t.createdAt.toISOString();
    if (fields.has('author_id')) out.author_id = t.authorId;
    if (fields.has('entities') && (rendered.urls.length > 0 || rendered.mentions.length > 0)) {
      const entities: Record<string, unknown> = {};
      if (rendered.urls.length > 0) entities.urls = rendered.urls;
      if (rendered.mentions.length > 0) entities.mentions = rendered.mentions;
      out.entities = entities;
    }
    if (fields.has('referenced_tweets') && t.inReplyTo !== null) {
      out.referenced_tweets = [{ type: 'replied_to', id: t.inReplyTo }];
    }
    return out;
  }

  /**
   * GET /2/users/:id/tweets (docs.x.com/x-api/posts/timelines): newest first, `max_results`
   * 5 to 100, `pagination_token` from `meta.next_token`, `start_time` bounding the window.
   */
  timeline(userId: string, q: URLSearchParams): Answer {
    const since = q.get('start_time') ? Date.parse(q.get('start_time') as string) : 0;
    const max = Math.min(100, Math.max(5, Number(q.get('max_results') ?? 10)));
    const offset = Number(q.get('pagination_token') ?? 0);
    const fields: TweetFields = new Set((q.get('tweet.fields') ?? '').split(',').filter(Boolean));
    const noReplies = (q.get('exclude') ?? '').split(',').includes('replies');
    const all = this.tweets
      .filter((t) => t.authorId === userId && !t.deleted && t.createdAt.getTime() >= since)
      .filter((t) => !(noReplies && t.inReplyTo !== null))
      .filter((t) => Date.now() - t.createdAt.getTime() >= this.timelineLagMs)
      .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
    const page = all.slice(offset, offset + max);
    if (page.length === 0) return { status: 200, body: { meta: { result_count: 0 } } };
    const meta: Record<string, unknown> = {
      result_count: page.length,
      newest_id: page[0]?.id,
      oldest_id: page[page.length - 1]?.id,
    };
    if (offset + max < all.length) meta.next_token = String(offset + max);
    return { status: 200, body: { data: page.map((t) => this.view(t, fields)), meta } };
  }
}
