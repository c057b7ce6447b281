import { CHANNELS, type Channel } from '@agent-ops/contracts/channels';
import type { IntentState } from '@agent-ops/contracts/intent-record';
import { channelKeys } from '@agent-ops/contracts/keys';
import type { Redis } from 'ioredis';
import { recordView } from '../to-views.ts';
import type { Listed, RecordView } from '../views.ts';
import { recordOf } from '../wire.ts';
import { LIST_LIMIT } from './bounds.ts';

/** The newest keys of one state per channel (ZREVRANGE with a range), and their records. */
export async function readRecords(
  redis: Redis,
  prefix: string,
  state: IntentState,
): Promise<Listed<RecordView>> {
  let total = 0;
  const scored: Array<{ view: RecordView; score: number }> = [];
  await Promise.all(
    CHANNELS.map(async (channel) => {
      const k = channelKeys(prefix, channel);
      const [count, flat] = await Promise.all([
        redis.zcard(k.byState(state)),
        redis.zrevrange(k.byState(state), 0, LIST_LIMIT - 1, 'WITHSCORES'),
      ]);
      total += count;
      const keys: string[] = [];
      const scores: number[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) {
        keys.push(flat[i] as string);
        scores.push(Number(flat[i + 1]));
      }
      if (keys.length === 0) return;
      const jsons = await redis.hmget(k.records, ...keys);
      jsons.forEach((json, i) => {
        const r = recordOf(json);
        // Read apart from the index, a record may have moved on since: show it only where it is.
        if (r && r.state === state) scored.push({ view: recordView(r), score: scores[i] ?? 0 });
      });
    }),
  );
  // Approvals oldest first (the one closest to its deadline on top); the others newest first.
  scored.sort((a, b) => (state === 'pending_approval' ? a.score - b.score : b.score - a.score));
  return { items: scored.slice(0, LIST_LIMIT).map((s) => s.view), total };
}

/** One key's record (HGET), for the page an approval link opens. */
export async function readRecord(
  redis: Redis,
  prefix: string,
  channel: Channel,
  key: string,
): Promise<RecordView | null> {
  const r = recordOf(await redis.hget(channelKeys(prefix, channel).records, key));
  return r ? recordView(r) : null;
}
