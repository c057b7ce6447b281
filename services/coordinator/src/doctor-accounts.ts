import { heldByAccount, parseAccountHealth } from '@agent-ops/contracts/account-health';
import type { Channel } from '@agent-ops/contracts/channels';
import { channelKeys } from '@agent-ops/contracts/keys';
import type { RedisClient } from '@agent-ops/runtime/redis-connection';
import type { Check } from './doctor.ts';

/** Entries of the `held` hash counted per account; a channel holding more says "at least". */
const HELD_COUNTED = 10_000;

/**
 * One check per account whose login the channel's executors have checked: `ok`, or
 * `needs_reauth` (a failed check: its intents are held until a person runs `ops login`),
 * with the reason, since when, and how many intents wait for it.
 */
export async function accountChecks(redis: RedisClient, prefix: string, channel: Channel): Promise<Check[]> {
  const k = channelKeys(prefix, channel);
  const [records, heldCount] = await Promise.all([redis.hgetall(k.accounts), redis.hlen(k.held)]);
  const held =
    heldCount === 0
      ? new Map<string, number>()
      : heldByAccount(
          (await redis.hscan(k.held, '0', 'COUNT', HELD_COUNTED))[1].filter((_, i) => i % 2 === 1),
        );
  const partial = heldCount > HELD_COUNTED;
  const out: Check[] = [];
  for (const account of Object.keys(records).sort()) {
    const health = parseAccountHealth(records[account]);
    if (!health) continue;
    const waiting = held.get(account) ?? 0;
    const heldText = waiting > 0 ? `; ${partial ? 'at least ' : ''}${waiting} intents held` : '';
    out.push({
      name: `${channel} account ${account}`,
      ok: health.status === 'ok',
      detail:
        health.status === 'ok'
          ? `login ok (checked ${health.checkedAt} by ${health.by})${heldText}`
          : `needs_reauth since ${health.since}: ${health.reason ?? 'login refused'}${heldText}; run ops login for ${account}, its intents then go on by themselves`,
    });
  }
  return out;
}
