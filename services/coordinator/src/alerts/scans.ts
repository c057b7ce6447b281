import { parseAccountHealth } from '@agent-ops/contracts/account-health';
import { CHANNELS, type Channel } from '@agent-ops/contracts/channels';
import { channelKeys, EXECUTORS_GROUP } from '@agent-ops/contracts/keys';
import type { CoordinatorContext } from '../context.ts';
import type { AlertEvent } from './alert-events.ts';
import type { AlertKeys } from './alert-keys.ts';
import type { AlertsConfig } from './alerts-config.ts';
import { approvalEvents } from './approval-scan.ts';
import { deadletterEvent } from './deadletter-events.ts';
import { breakerEvent, needsReauthEvent, noConsumerEvent } from './health-events.ts';

const DEADLETTER_BATCH = 200;

function flat(reply: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = reply[i + 1];
  return out;
}

export async function scanApprovals(ctx: CoordinatorContext, config: AlertsConfig, now: number) {
  const pending = await ctx.store.list({ state: 'pending_approval', limit: 500 });
  return approvalEvents(config, pending, now);
}

/**
 * New deadletter entries since the channel's cursor. The first look only places the cursor at
 * the end: alerting begins with what comes after, not with the stream's history. The caller
 * moves the cursor once the events are queued (`advance`), so a crash repeats, never skips.
 */
export async function scanDeadletter(
  ctx: CoordinatorContext,
  keys: AlertKeys,
  channel: Channel,
): Promise<{ events: AlertEvent[]; advance: () => Promise<unknown> }> {
  const stream = channelKeys(ctx.config.prefix, channel).deadletter;
  const cursor = await ctx.redis.hget(keys.deadletterCursors, channel);
  if (cursor === null) {
    const last = await ctx.redis.xrevrange(stream, '+', '-', 'COUNT', 1);
    const at = last[0]?.[0] ?? '0-0';
    return { events: [], advance: () => ctx.redis.hsetnx(keys.deadletterCursors, channel, at) };
  }
  const entries = await ctx.redis.xrange(stream, `(${cursor}`, '+', 'COUNT', DEADLETTER_BATCH);
  const events = entries
    .map(([id, fields]) => deadletterEvent(channel, id, fields))
    .filter((e) => e !== null);
  const lastId = entries.at(-1)?.[0];
  return {
    events,
    advance: async () => (lastId ? ctx.redis.hset(keys.deadletterCursors, channel, lastId) : undefined),
  };
}

type BreakerRecord = { state?: string; since?: string };

/**
 * Breakers that have not closed for `breakerOpenMinutes`. When each was first seen open is kept
 * in Redis (from the executor's own `since`), so every look, and a restarted coordinator, names
 * the same event; a closed breaker forgets it.
 */
export async function scanBreakers(
  ctx: CoordinatorContext,
  config: AlertsConfig,
  keys: AlertKeys,
  now: number,
) {
  const out: AlertEvent[] = [];
  for (const channel of CHANNELS) {
    const all = await ctx.redis.hgetall(channelKeys(ctx.config.prefix, channel).breakers);
    for (const [account, json] of Object.entries(all)) {
      let b: BreakerRecord;
      try {
        b = JSON.parse(json) as BreakerRecord;
      } catch {
        continue;
      }
      const field = `${channel}|${account}`;
      if (b.state === 'closed' || !b.state) {
        await ctx.redis.hdel(keys.breakersOpen, field);
        continue;
      }
      const since = Date.parse(b.since ?? '') || now;
      await ctx.redis.hsetnx(keys.breakersOpen, field, String(since));
      const first = Number(await ctx.redis.hget(keys.breakersOpen, field));
      const e = breakerEvent(channel, account, first, now, config.breakerOpenMinutes * 60_000);
      if (e) out.push(e);
    }
  }
  return out;
}

/** Accounts the executors found `needs_reauth` (their intents are held): at once, once per lapse. */
export async function scanLogins(ctx: Pick<CoordinatorContext, 'redis' | 'config'>): Promise<AlertEvent[]> {
  const out: AlertEvent[] = [];
  for (const channel of CHANNELS) {
    const all = await ctx.redis.hgetall(channelKeys(ctx.config.prefix, channel).accounts);
    for (const [account, json] of Object.entries(all)) {
      const health = parseAccountHealth(json);
      if (health?.status !== 'needs_reauth') continue;
      out.push(needsReauthEvent(channel, account, Date.parse(health.since), health.reason));
    }
  }
  return out;
}

/**
 * Channels whose executors group has had no live consumer for `noConsumerMinutes`. A channel
 * without the group has never had an executor (not deployed here) and is left alone. The
 * outage's start is kept in Redis so that every look names the same event.
 */
export async function scanConsumers(
  ctx: CoordinatorContext,
  config: AlertsConfig,
  keys: AlertKeys,
  now: number,
) {
  const out: AlertEvent[] = [];
  const liveMs = config.noConsumerMinutes * 60_000;
  for (const channel of CHANNELS) {
    const intents = channelKeys(ctx.config.prefix, channel).intents;
    const groups = (await ctx.redis.call('XINFO', 'GROUPS', intents).catch(() => [])) as unknown[];
    if (!groups.some((g) => flat(g).name === EXECUTORS_GROUP)) continue;
    const consumers = (await ctx.redis.call('XINFO', 'CONSUMERS', intents, EXECUTORS_GROUP)) as unknown[];
    const idles = consumers.map((c) => Number(flat(c).idle)).filter((n) => Number.isFinite(n));
    const freshest = idles.length ? Math.min(...idles) : Number.POSITIVE_INFINITY;
    if (freshest < liveMs) {
      await ctx.redis.hdel(keys.outages, channel);
      continue;
    }
    const lastSeen = Number.isFinite(freshest) ? now - freshest : now;
    await ctx.redis.hsetnx(keys.outages, channel, String(lastSeen));
    const since = Number(await ctx.redis.hget(keys.outages, channel));
    if (now - since >= liveMs) out.push(noConsumerEvent(channel, since));
  }
  return out;
}
