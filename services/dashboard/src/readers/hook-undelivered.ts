import { CHANNELS, type Channel } from '@agent-ops/contracts/channels';
import { channelKeys } from '@agent-ops/contracts/keys';
import type { Redis } from 'ioredis';
import { asString } from '../to-views.ts';
import type { HookUndeliveredView, Listed } from '../views.ts';
import { entryTime, flatToObject, parseJson } from '../wire.ts';
import { HOOK_UNDELIVERED_PER_CHANNEL, LIST_LIMIT } from './bounds.ts';

function view(channel: Channel, id: string, fields: string[]): HookUndeliveredView {
  // Written by the coordinator's agent hook; read defensively all the same.
  const r = (parseJson(asString(flatToObject(fields).report)) ?? {}) as Record<string, unknown>;
  return {
    channel,
    id,
    at: entryTime(id),
    key: asString(r.idempotencyKey),
    action: asString(r.action),
    account: asString(r.account),
    status: asString(r.status),
    reason: asString(r.reason) ?? '(no reason recorded)',
    attempts: typeof r.attempts === 'number' ? r.attempts : null,
  };
}

/**
 * The coordinator's reports to the agent's gateway that it gave up on, newest first: the
 * agent never heard of these receipts, so a person should (and fix the hook's config).
 */
export async function readHookUndelivered(
  redis: Redis,
  prefix: string,
): Promise<Listed<HookUndeliveredView>> {
  const items: HookUndeliveredView[] = [];
  let total = 0;
  await Promise.all(
    CHANNELS.map(async (channel) => {
      const key = channelKeys(prefix, channel).hookUndelivered;
      const [length, entries] = await Promise.all([
        redis.xlen(key),
        redis.xrevrange(key, '+', '-', 'COUNT', HOOK_UNDELIVERED_PER_CHANNEL),
      ]);
      total += length;
      items.push(...entries.map(([id, fields]) => view(channel, id, fields)));
    }),
  );
  items.sort((a, b) => b.at - a.at);
  return { items: items.slice(0, LIST_LIMIT), total };
}
