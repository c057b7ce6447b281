import type { Channel } from '@agent-ops/contracts/channels';
import { channelKeys, EXECUTORS_GROUP } from '@agent-ops/contracts/keys';
import { delayedReappendsKey } from '@agent-ops/runtime/later';
import type { Redis } from 'ioredis';
import { gateView } from '../to-views.ts';
import type { ChannelView } from '../views.ts';
import { flatToObject, gateRecordOf, parseJson } from '../wire.ts';
import { LEASES_SHOWN } from './bounds.ts';

type LeaseJson = { owner?: string; since?: number; expiresAt?: number; intentId?: string };

async function group(redis: Redis, intents: string): Promise<Pick<ChannelView, 'group' | 'consumers'>> {
  const groups = ((await redis.call('XINFO', 'GROUPS', intents)) as unknown[]).map(flatToObject);
  const g = groups.find((x) => x.name === EXECUTORS_GROUP);
  if (!g) return { group: null, consumers: [] };
  const list = (await redis.call('XINFO', 'CONSUMERS', intents, EXECUTORS_GROUP)) as unknown[];
  return {
    group: {
      lag: g.lag === null || g.lag === undefined ? null : Number(g.lag),
      pending: Number(g.pending ?? 0),
      lastDeliveredId: String(g['last-delivered-id'] ?? ''),
    },
    consumers: list.map(flatToObject).map((c) => ({
      name: String(c.name),
      pending: Number(c.pending ?? 0),
      idleMs: Number(c.idle ?? 0),
      inactiveMs: c.inactive === undefined || Number(c.inactive) < 0 ? null : Number(c.inactive),
    })),
  };
}

/** The oldest leases first, from one HSCAN page: a channel with thousands in flight costs what 50 cost. */
async function leases(redis: Redis, key: string, now: number): Promise<ChannelView['leases']> {
  const out: ChannelView['leases'] = [];
  const [, flat] = await redis.hscan(key, '0', 'COUNT', LEASES_SHOWN * 2);
  for (let i = 0; i + 1 < flat.length && out.length < LEASES_SHOWN; i += 2) {
    const l = parseJson(flat[i + 1]) as LeaseJson | null;
    out.push({
      key: String(flat[i]),
      owner: String(l?.owner ?? ''),
      ageMs: l?.since ? Math.max(0, now - Number(l.since)) : 0,
      expiresInMs: l?.expiresAt ? Number(l.expiresAt) - now : 0,
      intentId: String(l?.intentId ?? ''),
    });
  }
  return out.sort((a, b) => b.ageMs - a.ageMs);
}

/** A channel's streams, consumer group, consumers, leases in flight and gate. */
export async function readChannel(
  redis: Redis,
  prefix: string,
  channel: Channel,
  now: number,
): Promise<{ view: ChannelView; hasActivity: boolean }> {
  const k = channelKeys(prefix, channel);
  const [gate, info, receiptsLength, deadletterLength, leasesTotal, waitingRetries] = await Promise.all([
    redis.hmget(k.gate, 'channel', 'channel:record'),
    redis.call('XINFO', 'STREAM', k.intents).catch(() => null),
    redis.xlen(k.receipts),
    redis.xlen(k.deadletter),
    redis.hlen(k.leases),
    redis.zcard(delayedReappendsKey(k)),
  ]);
  const stream = flatToObject(info);
  const [consumerGroup, inFlight] = await Promise.all([
    info ? group(redis, k.intents) : { group: null, consumers: [] },
    leasesTotal > 0 ? leases(redis, k.leases, now) : [],
  ]);
  const view: ChannelView = {
    channel,
    active: Boolean(info) || receiptsLength > 0 || deadletterLength > 0,
    length: Number(stream.length ?? 0),
    entriesAdded: stream['entries-added'] === undefined ? null : Number(stream['entries-added']),
    receiptsLength,
    deadletterLength,
    gate: gateView(gate[0], gateRecordOf(gate[1])),
    ...consumerGroup,
    leases: inFlight,
    leasesTotal,
    waitingRetries,
  };
  return { view, hasActivity: Boolean(info) || receiptsLength > 0 };
}
