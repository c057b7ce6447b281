import type { Channel } from '@agent-ops/contracts/channels';
import type { IntentState } from '@agent-ops/contracts/intent-record';
import { channelKeys } from '@agent-ops/contracts/keys';
import type { Redis } from 'ioredis';
import { asString, errorText } from '../to-views.ts';
import type { ChannelView, DeadletterView, Listed } from '../views.ts';
import { deadletterOf, entryTime, parseJson, recordOf } from '../wire.ts';
import { DEADLETTER_PER_CHANNEL, LIST_LIMIT } from './bounds.ts';

const RAW_SHOWN_CHARS = 2000;

function deadletterView(channel: Channel, id: string, fields: string[]): DeadletterView {
  const entry = deadletterOf(fields);
  // A deadlettered intent need not parse: show the fields it has, else its raw text.
  const intent = parseJson(entry.intentJson) as Record<string, unknown> | null;
  return {
    channel,
    id,
    at: entryTime(id),
    reason: entry.reason,
    error: errorText(entry.error),
    key: asString(intent?.idempotencyKey),
    action: asString(intent?.action),
    account: asString(intent?.account),
    payload: intent?.payload ?? null,
    raw: intent ? null : (entry.intentJson?.slice(0, RAW_SHOWN_CHARS) ?? null),
    keyState: null,
  };
}

/** The newest deadletter entries of each channel that has any, with the state of their keys. */
export async function readDeadletter(
  redis: Redis,
  prefix: string,
  channels: readonly ChannelView[],
): Promise<Listed<DeadletterView>> {
  const items: DeadletterView[] = [];
  let total = 0;
  await Promise.all(
    channels
      .filter((c) => c.deadletterLength > 0)
      .map(async (c) => {
        total += c.deadletterLength;
        const k = channelKeys(prefix, c.channel);
        const entries = await redis.xrevrange(k.deadletter, '+', '-', 'COUNT', DEADLETTER_PER_CHANNEL);
        const views = entries.map(([id, fields]) => deadletterView(c.channel, id, fields));
        const keys = views.map((v) => v.key).filter((x): x is string => Boolean(x));
        if (keys.length > 0) {
          const jsons = await redis.hmget(k.records, ...keys);
          const states = new Map<string, IntentState>();
          keys.forEach((key, i) => {
            const r = recordOf(jsons[i]);
            if (r) states.set(key, r.state);
          });
          for (const v of views) v.keyState = (v.key && states.get(v.key)) || null;
        }
        items.push(...views);
      }),
  );
  items.sort((a, b) => b.at - a.at);
  return { items: items.slice(0, LIST_LIMIT), total };
}
