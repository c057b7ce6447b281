import {
  type AccountHealth,
  type AccountStatus,
  type HeldIntent,
  parseAccountHealth,
} from '@agent-ops/contracts/account-health';
import type { ChannelKeys } from '@agent-ops/contracts/keys';
import type { Logger } from './logger.ts';
import type { RedisClient } from './redis-connection.ts';
import { defineScripts } from './scripts.ts';

/**
 * What this process knows of its channel's accounts' logins, and where it says what it
 * found: the `accounts` hash (one record per account) and the `held` hash (one entry per
 * intent waiting for its account's login). The processor reads `needsReauth` for every
 * intent, so it answers from memory, refreshed from Redis by the executor every few
 * hundred ms: another replica's finding reaches this one that quickly, and an intent that
 * slips through meanwhile meets the same refusal and is held all the same.
 */
export class AccountHealthBoard {
  private readonly redis: RedisClient;
  private readonly keys: ChannelKeys;
  private readonly consumer: string;
  private readonly log: Logger;
  private readonly known = new Map<string, AccountHealth>();

  constructor(redis: RedisClient, keys: ChannelKeys, consumer: string, log: Logger) {
    this.redis = defineScripts(redis);
    this.keys = keys;
    this.consumer = consumer;
    this.log = log;
  }

  needsReauth(account: string): boolean {
    return this.known.get(account)?.status === 'needs_reauth';
  }

  /** Accounts recorded as needing a person, as last read. */
  accountsNeedingReauth(): string[] {
    return [...this.known].filter(([, h]) => h.status === 'needs_reauth').map(([a]) => a);
  }

  /** Reads every account's record from Redis into memory. */
  async refresh(): Promise<void> {
    const all = await this.redis.hgetall(this.keys.accounts);
    this.known.clear();
    for (const [account, json] of Object.entries(all)) {
      const health = parseAccountHealth(json);
      if (health) this.known.set(account, health);
    }
  }

  /**
   * Records `status` for the account (`since` kept while it stays the same); says whether it
   * changed. `reason` must already be free of secrets: it is shown to people.
   */
  async record(account: string, status: AccountStatus, reason: string | null): Promise<boolean> {
    const now = new Date().toISOString();
    const changed =
      (await this.redis.opsAccountStatus(
        this.keys.accounts,
        account,
        status,
        reason?.slice(0, 2000) ?? '',
        now,
        this.consumer,
      )) === 1;
    const previous = this.known.get(account);
    this.known.set(account, {
      status,
      reason,
      since: changed || !previous ? now : previous.since,
      checkedAt: now,
      by: this.consumer,
    });
    if (changed) {
      const level = status === 'ok' ? 'info' : 'warn';
      this.log[level]({ account, status, reason }, `account ${account}: ${status}`);
    }
    return changed;
  }

  /** Notes that an intent waits for its account's login; the first hold's time is kept. */
  async hold(key: string, account: string): Promise<void> {
    const entry: HeldIntent = { account, since: new Date().toISOString() };
    await this.redis.hsetnx(this.keys.held, key, JSON.stringify(entry));
  }

  /** The intent no longer waits for a login (it went on, or was settled). */
  async unhold(key: string): Promise<void> {
    await this.redis.hdel(this.keys.held, key);
  }
}
