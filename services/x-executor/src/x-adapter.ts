import type { ActionOf } from '@agent-ops/contracts/channels';
import { NonRetryableError, OutcomeUnknownError } from '@agent-ops/contracts/errors';
import type { ChannelIntent } from '@agent-ops/contracts/intent';
import { kindOfItem, type XMediaItem } from '@agent-ops/contracts/x-media';
import type {
  ChannelAdapter,
  DerivedEffect,
  EffectContext,
  EffectResult,
  ReconcileResult,
} from '@agent-ops/runtime/adapter';
import type { SendTweetV2Params, TwitterApi } from 'twitter-api-v2';
import { findOwnPost } from './own-posts.ts';
import type { WantedPost } from './post-match.ts';
import { createXClient } from './x-client.ts';
import { classifyXError, isDuplicateContent } from './x-errors.ts';
import { loadMedia } from './x-media-source.ts';
import { uploadMedia, waitUntilProcessed } from './x-media-upload.ts';
import type { XOAuth2Tokens } from './x-oauth2-tokens.ts';
import { mediaMark, type Progress, readProgress } from './x-progress.ts';
import { secretValuesOf, type XCredentials } from './x-secrets.ts';
import { performThread, postedParts, reconcileThread, type ThreadDeps } from './x-thread.ts';

export type XAdapterOptions = {
  /** The accounts' credentials, or how to read them as they are now (`ops login` rewrites the file). */
  credentials: Map<string, XCredentials> | (() => Map<string, XCredentials>);
  apiBaseUrl: string;
  /** Per request; keep it well under the lease TTL. */
  requestTimeoutMs?: number;
  /** Pages of the account's timeline that reconcile reads at most. */
  reconcilePages?: number;
  /**
   * After X refused the text as a duplicate and no post was found: how long to wait before
   * looking once more (a post just made may take a moment to show in the timeline; X does
   * not promise read-after-write) before parking the key for a person.
   */
  duplicateRecheckMs?: number;
  /** The folder media `path`s resolve in (X_MEDIA_DIR); null: media only by https URL. */
  mediaDir?: string | null;
  /** Per fetch of a media URL. */
  mediaFetchTimeoutMs?: number;
  /** How long a video or GIF may stay in X's processing before the post gives up. */
  mediaProcessingMaxMs?: number;
  /** Refreshing OAuth 2.0 logins (`{"oauth2": {...}}` entries), read from the secrets file as it changes. */
  tokens?: XOAuth2Tokens;
};

type Me = { id: string; username: string };
type XIntent = ChannelIntent<'x'>;

/** X allows a few seconds of clock difference; reconcile looks a little earlier than the attempt began. */
const CLOCK_SKEW_MS = 10_000;
/** An upload is reused while it has this long left before X lets it expire; else it is made again. */
const MEDIA_REUSE_MARGIN_MS = 10 * 60_000;

function postUrl(username: string, id: string): string {
  return `https://x.com/${username}/status/${id}`;
}

export class XAdapter implements ChannelAdapter<'x'> {
  readonly channel = 'x' as const;
  /** A client per account, kept while the account's credentials stay what they were. */
  private readonly clients = new Map<string, { of: string; client: Promise<TwitterApi> }>();
  /** The account's own user, asked once: concurrent first calls share one request. */
  private readonly me = new Map<string, Promise<Me>>();
  /** Each account's username once known, for what must be said without asking X. */
  private readonly usernames = new Map<string, string>();
  private readonly o: Required<Omit<XAdapterOptions, 'tokens'>>;
  private readonly tokens: XOAuth2Tokens | null;

  constructor(options: XAdapterOptions) {
    const { tokens, ...rest } = options;
    // X serves the latest 3,200 posts of a timeline: 32 pages of 100.
    this.o = {
      requestTimeoutMs: 20_000,
      reconcilePages: 32,
      duplicateRecheckMs: 2000,
      mediaDir: null,
      mediaFetchTimeoutMs: 60_000,
      mediaProcessingMaxMs: 10 * 60_000,
      ...rest,
    };
    this.tokens = tokens ?? null;
  }

  /** Marks record uploads made and parts posted (x-progress.ts): a retry resumes from them. */
  readonly marksAreProgress = true;

  /** X meters each post: a thread spends a point for each part not yet posted. */
  rateLimitCost(intent: XIntent, previousMarks: readonly string[]): number {
    if (intent.action !== 'x.thread') return 1;
    return Math.max(1, intent.payload.parts.length - readProgress(previousMarks).posted.size);
  }

  /** A thread's parts the marks say are posted; their urls only when the account's name is known here. */
  derivedEffects(intent: XIntent, marks: readonly string[]): readonly DerivedEffect[] {
    if (intent.action !== 'x.thread') return [];
    const username = this.usernames.get(intent.account);
    return postedParts(intent, readProgress(marks), (id) => (username ? postUrl(username, id) : null));
  }

  private credentials(): Map<string, XCredentials> {
    const c = this.o.credentials;
    return typeof c === 'function' ? c() : c;
  }

  hasAccount(account: string): boolean {
    return this.credentials().has(account) || (this.tokens?.has(account) ?? false);
  }

  /** X meters posting (create) and deleting separately. */
  rateLimitGroup(action: ActionOf<'x'>): string {
    return action === 'x.delete' ? 'delete' : 'post';
  }

  accountNames(): readonly string[] {
    return [...new Set([...this.credentials().keys(), ...(this.tokens?.accounts() ?? [])])];
  }

  /**
   * `GET /2/users/me`: the cheapest call that proves the token works (a read, no effect).
   * Asked afresh, not from the cache of `whoAmI`, which only knows the token worked once.
   */
  async checkAccount(account: string): Promise<void> {
    const client = await this.client(account);
    try {
      await client.v2.me();
    } catch (err) {
      throw classifyXError(err, true);
    }
  }

  secretValues(): readonly string[] {
    return [...secretValuesOf(this.credentials().values()), ...(this.tokens?.secretValues() ?? [])];
  }

  private client(account: string): Promise<TwitterApi> {
    // A refreshing login: a client of its current access token, refreshed first when due.
    if (this.tokens?.has(account)) return this.tokens.client(account);
    const credentials = this.credentials().get(account);
    if (!credentials)
      return Promise.reject(
        new NonRetryableError(`account ${account} has no X credentials`, 'unknown_account'),
      );
    const of = JSON.stringify(credentials);
    const cached = this.clients.get(account);
    if (cached?.of === of) return cached.client;
    // New credentials (a login written while running): a new client, and who they belong to is asked again.
    const client = createXClient(credentials, this.o.apiBaseUrl, this.o.requestTimeoutMs);
    this.clients.set(account, { of, client });
    if (cached) this.me.delete(account);
    return client;
  }

  private whoAmI(account: string): Promise<Me> {
    let me = this.me.get(account);
    if (!me) {
      me = this.client(account)
        .then((c) => c.v2.me())
        .then(({ data }) => {
          this.usernames.set(account, data.username);
          return { id: data.id, username: data.username };
        })
        .catch((err: unknown) => {
          // Not cached: the next call asks again.
          this.me.delete(account);
          throw classifyXError(err, true);
        });
      this.me.set(account, me);
    }
    return me;
  }

  async perform(intent: XIntent, ctx: EffectContext): Promise<EffectResult> {
    const client = await this.client(intent.account);
    if (intent.action === 'x.delete') {
      try {
        await client.v2.deleteTweet(intent.payload.postId);
      } catch (err) {
        // Gone already: a delete is idempotent, so an earlier attempt (or a person) did it.
        if ((err as { code?: unknown }).code === 404) return { externalId: intent.payload.postId, url: null };
        throw classifyXError(err, true);
      }
      return { externalId: intent.payload.postId, url: null };
    }
    // Knowing the username first means the receipt's url never waits on a second call.
    const me = await this.whoAmI(intent.account);
    if (intent.action === 'x.thread') return performThread(intent, ctx, this.threadDeps(client, me));
    const progress = readProgress(ctx.previousMarks);
    const mediaIds = await this.mediaFor(client, 1, intent.payload.media, progress, ctx);
    const inReplyTo = intent.action === 'x.reply' ? intent.payload.inReplyToPostId : null;
    const id = await this.postOne(client, intent.payload.text, inReplyTo, mediaIds);
    return { externalId: id, url: postUrl(me.username, id) };
  }

  /** One post call; X's duplicate-content 403 is an unknown outcome (reconcile decides). */
  private async postOne(
    client: TwitterApi,
    text: string,
    inReplyTo: string | null,
    mediaIds: string[],
  ): Promise<string> {
    const params: SendTweetV2Params = { text };
    if (inReplyTo !== null) params.reply = { in_reply_to_tweet_id: inReplyTo };
    if (mediaIds.length > 0) params.media = { media_ids: mediaIds as [string] };
    try {
      const { data } = await client.v2.tweet(params);
      return data.id;
    } catch (err) {
      if (!isDuplicateContent(err)) throw classifyXError(err, false);
      // The 403 proves that *a* post with this text exists, not that this intent made it:
      // only the account's posts can say, so the outcome is unknown and reconcile decides
      // (it sees this error as ctx.cause).
      throw new OutcomeUnknownError(
        'X refused the text as a duplicate of an existing post',
        'duplicate_content',
      );
    }
  }

  /**
   * The media ids of one post (part 1 for a post or reply), uploading each item no mark says
   * is uploaded and still usable, and marking each upload once finished, before any wait, so
   * a crash after it reuses it. Videos and GIFs are then waited for until X has processed them.
   */
  private async mediaFor(
    client: TwitterApi,
    part: number,
    items: readonly XMediaItem[] | undefined,
    progress: Progress,
    ctx: EffectContext,
  ): Promise<string[]> {
    if (!items?.length) return [];
    const ids: string[] = [];
    for (const [i, item] of items.entries()) {
      const known = progress.media.get(`${part}:${i}`);
      if (known && known.expiresAt - Date.now() > MEDIA_REUSE_MARGIN_MS) {
        ids.push(known.mediaId);
        continue;
      }
      const file = await loadMedia(item, {
        mediaDir: this.o.mediaDir,
        fetchTimeoutMs: this.o.mediaFetchTimeoutMs,
      });
      const up = await uploadMedia(client, file, item.alt);
      await ctx.mark(mediaMark(part, i, up.mediaId, up.expiresAt));
      progress.media.set(`${part}:${i}`, up);
      ids.push(up.mediaId);
    }
    for (const [i, item] of items.entries()) {
      if (kindOfItem(item) !== 'image')
        await waitUntilProcessed(client, ids[i] as string, this.o.mediaProcessingMaxMs);
    }
    return ids;
  }

  private threadDeps(client: TwitterApi, me: Me): ThreadDeps {
    return {
      post: (text, inReplyTo, mediaIds) => this.postOne(client, text, inReplyTo, mediaIds),
      media: (part, items, progress, ctx) => this.mediaFor(client, part, items, progress, ctx),
      find: (wanted, ctx) => this.establish(me, client, wanted, ctx),
      url: (id) => postUrl(me.username, id),
    };
  }

  /**
   * Did an earlier attempt post this text? Reads the account's own posts since the first
   * attempt began, in X's rendering of them (post-match.ts). A delete is idempotent, so it
   * is simply done again.
   */
  async reconcile(intent: XIntent, ctx: EffectContext): Promise<ReconcileResult> {
    if (intent.action === 'x.delete') return { outcome: 'not_done' };
    const client = await this.client(intent.account);
    const me = await this.whoAmI(intent.account);
    if (intent.action === 'x.thread') return reconcileThread(intent, ctx, this.threadDeps(client, me));
    const wanted = {
      text: intent.payload.text,
      inReplyTo: intent.action === 'x.reply' ? intent.payload.inReplyToPostId : null,
    };
    return this.establish(me, client, wanted, ctx);
  }

  /** Whether one post was made, looking twice after X's duplicate-content 403. */
  private async establish(
    me: Me,
    client: TwitterApi,
    wanted: WantedPost,
    ctx: EffectContext,
  ): Promise<ReconcileResult> {
    // After X's duplicate-content 403, finding nothing may only mean the post is not visible
    // yet: look once more before saying so, and never answer "not done" (the retry would
    // meet the same 403, round and round until the key failed).
    const refused = ctx.cause?.code === 'duplicate_content';
    const first = await this.lookFor(me, client, wanted, ctx);
    if (first.outcome !== 'not_done' || !refused) return first;
    await new Promise((r) => setTimeout(r, this.o.duplicateRecheckMs));
    const again = await this.lookFor(me, client, wanted, ctx);
    if (again.outcome !== 'not_done') return again;
    // Never `failed`: X holds a post with this text, and it may be this intent's.
    return {
      outcome: 'unknown',
      reason:
        'X refused the text as a duplicate of an existing post, and no post of the account since the attempt began matches it (an older post with the same text, or this one not yet visible)',
    };
  }

  private async lookFor(
    me: Me,
    client: TwitterApi,
    wanted: WantedPost,
    ctx: EffectContext,
  ): Promise<ReconcileResult> {
    const since = new Date(ctx.startedAt.getTime() - CLOCK_SKEW_MS);
    let found: Awaited<ReturnType<typeof findOwnPost>>;
    try {
      found = await findOwnPost(client, me.id, wanted, since, this.o.reconcilePages);
    } catch (err) {
      throw classifyXError(err, true);
    }
    if (found.outcome === 'found') {
      return { outcome: 'done', result: { externalId: found.id, url: postUrl(me.username, found.id) } };
    }
    if (found.outcome === 'absent') return { outcome: 'not_done' };
    // Not found, but not every post since the attempt was read: that proves nothing.
    return {
      outcome: 'unknown',
      reason: `the account posted more than ${found.pages * 100} times since the attempt began, so its post could not be looked for`,
    };
  }
}
