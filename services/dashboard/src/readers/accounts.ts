import { type Channel, rateLimitGroupsOf } from '@agent-ops/contracts/channels';
import { channelKeys } from '@agent-ops/contracts/keys';
import { type RateLimitConfig, RateLimitState } from '@agent-ops/runtime/rate-limit-state';
import type { Redis } from 'ioredis';
import type { AccountView, ChannelView } from '../views.ts';
import { parseJson, receiptOf } from '../wire.ts';
import { RECENT_RECEIPTS } from './bounds.ts';

type BreakerJson = { state?: string; since?: string; by?: string };

/** Per channel and account: the points left in each rate-limit group, and the breaker. */
export class AccountsReader {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly config: RateLimitConfig;
  private readonly limits = new Map<Channel, RateLimitState>();

  constructor(redis: Redis, prefix: string, config: RateLimitConfig) {
    this.redis = redis;
    this.prefix = prefix;
    this.config = config;
  }

  private state(channel: Channel): RateLimitState {
    let s = this.limits.get(channel);
    if (!s) {
      s = new RateLimitState(this.redis, channelKeys(this.prefix, channel), this.config);
      this.limits.set(channel, s);
    }
    return s;
  }

  /** The accounts with a breaker, and for an active channel the configured ones and those of recent receipts. */
  private async names(c: ChannelView, breakers: Record<string, string>): Promise<string[]> {
    const names = new Set<string>(Object.keys(breakers));
    if (c.active) {
      for (const name of Object.keys(this.config.accounts)) names.add(name);
      const k = channelKeys(this.prefix, c.channel);
      const recent = await this.redis.xrevrange(k.receipts, '+', '-', 'COUNT', RECENT_RECEIPTS);
      for (const [, fields] of recent) {
        const account = receiptOf(fields)?.account;
        if (account) names.add(account);
      }
    }
    return [...names].sort();
  }

  private async account(
    channel: Channel,
    account: string,
    breaker: string | undefined,
  ): Promise<AccountView> {
    const state = this.state(channel);
    const limits = await Promise.all(
      rateLimitGroupsOf(channel).map(async (group) => {
        const budget = await state.read(account, group);
        return { group, points: budget.points, remaining: budget.remaining, resetInMs: budget.msBeforeNext };
      }),
    );
    const b = parseJson(breaker) as BreakerJson | null;
    return {
      channel,
      account,
      limits,
      breaker: { state: b?.state ?? 'closed', since: b?.since ?? null, by: b?.by ?? null },
    };
  }

  async read(channels: readonly ChannelView[]): Promise<AccountView[]> {
    const out: AccountView[] = [];
    for (const c of channels) {
      const breakers = await this.redis.hgetall(channelKeys(this.prefix, c.channel).breakers);
      for (const account of await this.names(c, breakers))
        out.push(await this.account(c.channel, account, breakers[account]));
    }
    return out;
  }
}
