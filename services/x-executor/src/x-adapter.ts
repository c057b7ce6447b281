import type { ActionOf } from '@agent-ops/contracts/channels';
import { NonRetryableError, OutcomeUnknownError } from '@agent-ops/contracts/errors';
import type { ChannelIntent } from '@agent-ops/contracts/intent';
import type {
  ChannelAdapter,
  EffectContext,
  EffectResult,
  ReconcileResult,
} from '@agent-ops/runtime/adapter';
import type { TwitterApi } from 'twitter-api-v2';
import { findOwnPost } from './own-posts.ts';
import { createXClient } from './x-client.ts';
import { classifyXError, isDuplicateContent } from './x-errors.ts';
import type { XOAuth2Tokens } from './x-oauth2-tokens.ts';
import { secretValuesOf, type XCredentials } from './x-secrets.ts';

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
  /** Refreshing OAuth 2.0 logins (`{"oauth2": {...}}` entries), read from the secrets file as it changes. */
  tokens?: XOAuth2Tokens;
};

type Me = { id: string; username: string };
type XIntent = ChannelIntent<'x'>;

/** X allows a few seconds of clock difference; reconcile looks a little earlier than the attempt began. */
const CLOCK_SKEW_MS = 10_000;

function postUrl(username: string, id: string): string {
  return `https://x.com/${username}/status/${id}`;
}

export class XAdapter implements ChannelAdapter<'x'> {
  readonly channel = 'x' as const;
  /** A client per account, kept while the account's credentials stay what they were. */
  private readonly clients = new Map<string, { of: string; client: Promise<TwitterApi> }>();
  /** The account's own user, asked once: concurrent first calls share one request. */
  private readonly me = new Map<string, Promise<Me>>();
  private readonly o: Required<Omit<XAdapterOptions, 'tokens'>>;
  private readonly tokens: XOAuth2Tokens | null;

  constructor(options: XAdapterOptions) {
    const { tokens, ...rest } = options;
    // X serves the latest 3,200 posts of a timeline: 32 pages of 100.
    this.o = { requestTimeoutMs: 20_000, reconcilePages: 32, duplicateRecheckMs: 2000, ...rest };
    this.tokens = tokens ?? null;
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
        .then(({ data }) => ({ id: data.id, username: data.username }))
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
    try {
      const { data } =
        intent.action === 'x.reply'
          ? await client.v2.reply(intent.payload.text, intent.payload.inReplyToPostId)
          : await client.v2.tweet({ text: intent.payload.text });
      return { externalId: data.id, url: postUrl(me.username, data.id) };
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
   * Did an earlier attempt post this text? Reads the account's own posts since the first
   * attempt began, in X's rendering of them (post-match.ts). A delete is idempotent, so it
   * is simply done again.
   */
  async reconcile(intent: XIntent, ctx: EffectContext): Promise<ReconcileResult> {
    if (intent.action === 'x.delete') return { outcome: 'not_done' };
    // After X's duplicate-content 403, finding nothing may only mean the post is not visible
    // yet: look once more before saying so, and never answer "not done" (the retry would
    // meet the same 403, round and round until the key failed).
    const refused = ctx.cause?.code === 'duplicate_content';
    const first = await this.lookFor(intent, ctx);
    if (first.outcome !== 'not_done' || !refused) return first;
    await new Promise((r) => setTimeout(r, this.o.duplicateRecheckMs));
    const again = await this.lookFor(intent, ctx);
    if (again.outcome !== 'not_done') return again;
    // Never `failed`: X holds a post with this text, and it may be this intent's.
    return {
      outcome: 'unknown',
      reason:
        'X refused the text as a duplicate of an existing post, and no post of the account since the attempt began matches it (an older post with the same text, or this one not yet visible)',
    };
  }

  private async lookFor(
    intent: Exclude<XIntent, { action: 'x.delete' }>,
    ctx: EffectContext,
  ): Promise<ReconcileResult> {
    const me = await this.whoAmI(intent.account);
    const wanted = {
      text: intent.payload.text,
      inReplyTo: intent.action === 'x.reply' ? intent.payload.inReplyToPostId : null,
    };
    const since = new Date(ctx.startedAt.getTime() - CLOCK_SKEW_MS);
    let found: Awaited<ReturnType<typeof findOwnPost>>;
    try {
      found = await findOwnPost(
        await this.client(intent.account),
        me.id,
        wanted,
        since,
        this.o.reconcilePages,
      );
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
