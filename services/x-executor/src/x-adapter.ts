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
import { createXClient } from './x-client.ts';
import { classifyXError, isDuplicateContent } from './x-errors.ts';
import { secretValuesOf, type XCredentials } from './x-secrets.ts';

export type XAdapterOptions = {
  credentials: Map<string, XCredentials>;
  apiBaseUrl: string;
  /** Per request; keep it well under the lease TTL. */
  requestTimeoutMs?: number;
  /** Pages of the account's timeline that reconcile reads at most. */
  reconcilePages?: number;
};

type Me = { id: string; username: string };
type XIntent = ChannelIntent<'x'>;

/** X allows a few seconds of clock difference; reconcile looks a little earlier than the attempt began. */
const CLOCK_SKEW_MS = 10_000;

function postUrl(username: string, id: string): string {
  return `https://x.com/${username}/status/${id}`;
}

/** X's start_time takes seconds precision: YYYY-MM-DDTHH:mm:ssZ. */
function xTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

export class XAdapter implements ChannelAdapter<'x'> {
  readonly channel = 'x' as const;
  private readonly clients = new Map<string, Promise<TwitterApi>>();
  /** The account's own user, asked once: concurrent first calls share one request. */
  private readonly me = new Map<string, Promise<Me>>();
  private readonly o: Required<XAdapterOptions>;

  constructor(options: XAdapterOptions) {
    // X serves the latest 3,200 posts of a timeline: 32 pages of 100.
    this.o = { requestTimeoutMs: 20_000, reconcilePages: 32, ...options };
  }

  hasAccount(account: string): boolean {
    return this.o.credentials.has(account);
  }

  /** X meters posting (create) and deleting separately. */
  rateLimitGroup(action: ActionOf<'x'>): string {
    return action === 'x.delete' ? 'delete' : 'post';
  }

  secretValues(): readonly string[] {
    return secretValuesOf(this.o.credentials.values());
  }

  private client(account: string): Promise<TwitterApi> {
    let client = this.clients.get(account);
    if (!client) {
      const credentials = this.o.credentials.get(account);
      if (!credentials)
        return Promise.reject(
          new NonRetryableError(`account ${account} has no X credentials`, 'unknown_account'),
        );
      client = createXClient(credentials, this.o.apiBaseUrl, this.o.requestTimeoutMs);
      this.clients.set(account, client);
    }
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
      // X refuses the same text twice: if our earlier attempt posted it, that post is the result.
      const found = await this.reconcile(intent, ctx);
      if (found.outcome === 'done') return found.result;
      if (found.outcome === 'unknown') {
        throw new OutcomeUnknownError(`X says duplicate content; ${found.reason}`, 'duplicate_content');
      }
      throw new NonRetryableError(
        'X refused the text as a duplicate of a post this intent did not make',
        'duplicate_content',
      );
    }
  }

  /**
   * Did an earlier attempt post this text? Reads the account's own posts since the first
   * attempt began. A delete is idempotent, so it is simply done again.
   */
  async reconcile(intent: XIntent, ctx: EffectContext): Promise<ReconcileResult> {
    if (intent.action === 'x.delete') return { outcome: 'not_done' };
    const me = await this.whoAmI(intent.account);
    const text = intent.payload.text.trim();
    try {
      const timeline = await (await this.client(intent.account)).v2.userTimeline(me.id, {
        start_time: xTime(new Date(ctx.startedAt.getTime() - CLOCK_SKEW_MS)),
        max_results: 100,
      });
      for (let page = 0; ; page += 1) {
        const match = timeline.tweets.find((t) => t.text.trim() === text);
        if (match)
          return { outcome: 'done', result: { externalId: match.id, url: postUrl(me.username, match.id) } };
        if (timeline.done) return { outcome: 'not_done' };
        if (page + 1 >= this.o.reconcilePages) break;
        await timeline.fetchNext();
      }
    } catch (err) {
      throw classifyXError(err, true);
    }
    // Not found, but not every post since the attempt was read: that proves nothing.
    return {
      outcome: 'unknown',
      reason: `the account posted more than ${this.o.reconcilePages * 100} times since the attempt began, so its post could not be looked for`,
    };
  }
}
