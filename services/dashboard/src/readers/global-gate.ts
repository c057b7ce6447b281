import { CHANNELS } from '@agent-ops/contracts/channels';
import { channelKeys, globalKeys } from '@agent-ops/contracts/keys';
import type { Redis } from 'ioredis';
import { gateView } from '../to-views.ts';
import type { GateView } from '../views.ts';
import { gateRecordOf } from '../wire.ts';

/**
 * The global gate as begin sees it: a global change writes the flag into every channel's gate
 * hash, so the first channel's is everyone's. Who set it comes from the global record.
 */
export async function readGlobalGate(redis: Redis, prefix: string): Promise<GateView> {
  const [[flag, channelRecord], globalRecord] = await Promise.all([
    redis.hmget(channelKeys(prefix, CHANNELS[0]).gate, 'global', 'global:record'),
    redis.get(globalKeys(prefix).gate),
  ]);
  return gateView(flag, gateRecordOf(globalRecord ?? channelRecord));
}
