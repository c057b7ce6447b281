import { parseAccountHealth } from '@agent-ops/contracts/account-health';
import { type Channel, rateLimitGroupsOf } from '@agent-ops/contracts/channels';
import { channelKeys } from '@agent-ops/contracts/keys';
import { type RateLimitConfig, RateLimitState } from '@agent-ops/runtime/rate-limit-state';
import type { Redis } from 'ioredis';
import type { AccountView, ChannelView } from '../views.ts';
import { parseJson, receiptOf } from '../wire.ts';
import { HELD_SCAN, HELD_SHOWN, RECENT_RECEIPTS } from './bounds.ts';

type BreakerJson = { state?: string; since?: string; by?: string };
type Held = { keys: Map<string, string[]>; partial: boolean };

/** One bounded HSCAN page of a channel's `held` hash: the held keys by account. */
async function readHeld(redis: Redis, key: string): Promise<Held> {
  const [cursor, flat] = await redis.hscan(key, '0', 'COUNT', HELD_SCAN);
  const keys = new Map<string, string[]>();
  for (let i = 0; i + 1 < flat.length; i += 2) {
    const account = (parseJson(flat[i + 1]) as { account?: unknown } | null)?.account;
    if (typeof account !== 'string') continue;
    const list = keys.get(account) ?? [];
    list.push(String(flat[i]));
    keys.set(account, list);
  }
  return { keys, partial: cursor !== '0' };
}

/**
 * Per channel and account: the points left in each rate-limit group, the breaker, the login's
 * health and the intents held for it.
 */
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
  private async names(c: ChannelView, known: readonly string[]): Promise<string[]> {
    const names = new Set<string>(known);
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
    login: string | undefined,
    held: Held,
  ): Promise<AccountView> {
    const state = this.state(channel);
    const limits = await Promise.all(
      rateLimitGroupsOf(channel).map(async (group) => {
        const budget = await state.read(account, group);
        return { group, points: budget.points, remaining: budget.remaining, resetInMs: budget.msBeforeNext };
      }),
    );
    const b = parseJson(breaker) as BreakerJson | null;
    const health = parseAccountHealth(login);
    const heldKeys = held.keys.get(account) ?? [];
    return {
      channel,
      account,
      limits,
      breaker: { state: b?.state ?? 'closed', since: b?.since ?? null, by: b?.by ?? null },
      login: health
        ? { status: health.status, reason: health.reason, since: health.since, checkedAt: health.checkedAt }
        : null,
      held: { count: heldKeys.length, keys: heldKeys.slice(0, HELD_SHOWN), partial: held.partial },
    };
  }

  async read(channels: readonly ChannelView[]): Promise<AccountView[]> {
    const out: AccountView[] = [];
    for (const c of channels) {
      const k = channelKeys(this.prefix, c.channel);
      // Both hashes hold one small record per account of the channel.
      const [breakers, logins, held] = await Promise.all([
        this.redis.hgetall(k.breakers),
        this.redis.hgetall(k.accounts),
        readHeld(this.redis, k.held),
      ]);
      const known = [...Object.keys(breakers), ...Object.keys(logins), ...held.keys.keys()];
      for (const account of await this.names(c, known))
        out.push(await this.account(c.channel, account, breakers[account], logins[account], held));
    }
    return out;
  }
}
