import { CHANNELS, type Channel } from '@agent-ops/contracts/channels';
import { type GateRecord, GateRecordSchema } from '@agent-ops/contracts/gate';
import { channelKeys, globalKeys } from '@agent-ops/contracts/keys';
import type { Cluster, Redis } from 'ioredis';

export type GateScope = 'global' | Channel;

/**
 * Opens or closes the kill switch. The state begin reads lives in each channel's gate
 * hash (so begin stays in one slot); a global change writes every channel's hash.
 */
export async function setGate(
  redis: Redis | Cluster,
  prefix: string,
  scope: GateScope,
  change: Omit<GateRecord, 'at'>,
): Promise<GateRecord> {
  const record = GateRecordSchema.parse({ ...change, at: new Date().toISOString() });
  const json = JSON.stringify(record);
  const field = scope === 'global' ? 'global' : 'channel';
  const channels = scope === 'global' ? CHANNELS : [scope];
  await Promise.all(
    channels.map((c) =>
      redis.hset(channelKeys(prefix, c).gate, field, record.enabled ? '1' : '0', `${field}:record`, json),
    ),
  );
  if (scope === 'global') await redis.set(globalKeys(prefix).gate, json);
  return record;
}

/** Effects that passed begin and still hold a live lease, per channel. */
export async function effectsInFlight(
  redis: Redis | Cluster,
  prefix: string,
  channels: readonly Channel[] = CHANNELS,
) {
  const [seconds, micros] = (await redis.time()) as [number | string, number | string];
  const now = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  let total = 0;
  for (const channel of channels) {
    const k = channelKeys(prefix, channel);
    const [armed, leases] = await Promise.all([redis.hkeys(k.armed), redis.hgetall(k.leases)]);
    for (const key of armed) {
      const lease = leases[key];
      if (lease && Number((JSON.parse(lease) as { expiresAt: number }).expiresAt) > now) total += 1;
    }
  }
  return total;
}

/**
 * Waits until no effect that began before the gate closed is still running, so that
 * once a `gate off` returns, no call reaches an API afterwards. Gives up after `timeoutMs`.
 */
export async function waitForEffectsToSettle(
  redis: Redis | Cluster,
  prefix: string,
  scope: GateScope,
  timeoutMs: number,
): Promise<{ settled: boolean; inFlight: number }> {
  const channels = scope === 'global' ? CHANNELS : [scope];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const inFlight = await effectsInFlight(redis, prefix, channels);
    if (inFlight === 0) return { settled: true, inFlight };
    if (Date.now() >= deadline) return { settled: false, inFlight };
    await new Promise((r) => setTimeout(r, 50));
  }
}
