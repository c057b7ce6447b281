import type { Channel } from '@agent-ops/contracts/channels';
import { decodeReceiptEntry, fieldsToRecord } from '@agent-ops/contracts/codec';
import { channelKeys, EXECUTORS_GROUP } from '@agent-ops/contracts/keys';
import type { Receipt } from '@agent-ops/contracts/receipt';
import type { Cluster, Redis } from 'ioredis';

export async function receipts(redis: Redis | Cluster, prefix: string, channel: Channel): Promise<Receipt[]> {
  const entries = await redis.xrange(channelKeys(prefix, channel).receipts, '-', '+');
  return entries.map(([, fields]) => decodeReceiptEntry(fields));
}

export async function deadletters(
  redis: Redis | Cluster,
  prefix: string,
  channel: Channel,
): Promise<Record<string, string>[]> {
  const entries = await redis.xrange(channelKeys(prefix, channel).deadletter, '-', '+');
  return entries.map(([, fields]) => fieldsToRecord(fields));
}

/** Entries delivered to the group and not yet acknowledged. */
export async function pendingCount(
  redis: Redis | Cluster,
  prefix: string,
  channel: Channel,
): Promise<number> {
  const reply = (await redis.xpending(channelKeys(prefix, channel).intents, EXECUTORS_GROUP)) as [
    number,
    ...unknown[],
  ];
  return Number(reply[0]);
}

export async function xaddIntent(
  redis: Redis | Cluster,
  prefix: string,
  channel: Channel,
  intent: object,
): Promise<string> {
  return (await redis.xadd(
    channelKeys(prefix, channel).intents,
    '*',
    'intent',
    JSON.stringify(intent),
  )) as string;
}
