import { join } from 'node:path';
import { defineLuaScripts } from '@agent-ops/runtime/lua-loader';
import type { Cluster, Redis, Result } from 'ioredis';
import type { AlertEvent } from './alert-events.ts';
import type { AlertKeys } from './alert-keys.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    opsAlertEnqueue(...args: Array<string | number>): Result<number, Context>;
    opsAlertTake(...args: Array<string | number>): Result<string[], Context>;
    opsAlertFinish(...args: Array<string | number>): Result<number, Context>;
  }
}

const SCRIPTS = {
  opsAlertEnqueue: { file: 'enqueue.lua', numberOfKeys: 2 },
  opsAlertTake: { file: 'take.lua', numberOfKeys: 2 },
  opsAlertFinish: { file: 'finish.lua', numberOfKeys: 1 },
};

/** How long an event is remembered as queued: longer than any approval window or outage. */
const SEEN_FOR_MS = 30 * 86_400_000;

export type Batch = { events: AlertEvent[]; first: string; length: number };

/** The digests waiting per destination, in Redis, changed only by the scripts in lua/. */
export class AlertQueue {
  private readonly redis: Redis | Cluster;
  private readonly keys: AlertKeys;

  constructor(redis: Redis | Cluster, keys: AlertKeys) {
    this.redis = defineLuaScripts(redis, join(import.meta.dirname, 'lua'), SCRIPTS);
    this.keys = keys;
  }

  /** Queues the event for the destination once ever; true when this began a new digest. */
  async enqueue(destination: string, event: AlertEvent, now = Date.now()): Promise<boolean> {
    const length = await this.redis.opsAlertEnqueue(
      this.keys.seen,
      this.keys.pending(destination),
      `${destination}|${event.id}`,
      now,
      JSON.stringify(event),
    );
    return Number(length) === 1;
  }

  async take(destination: string): Promise<Batch | null> {
    const raw = await this.redis.opsAlertTake(this.keys.pending(destination), this.keys.batch(destination));
    if (raw.length === 0) return null;
    return {
      events: raw.map((j) => JSON.parse(j) as AlertEvent),
      first: raw[0] as string,
      length: raw.length,
    };
  }

  async finish(destination: string, batch: Batch): Promise<void> {
    await this.redis.opsAlertFinish(this.keys.batch(destination), batch.first, batch.length);
  }

  /** The first waiting event's id (of the batch first), which names the flush job: null when nothing waits. */
  async firstWaiting(destination: string): Promise<string | null> {
    const json =
      (await this.redis.lindex(this.keys.batch(destination), 0)) ??
      (await this.redis.lindex(this.keys.pending(destination), 0));
    return json ? (JSON.parse(json) as AlertEvent).id : null;
  }

  async forget(now = Date.now()): Promise<void> {
    await this.redis.zremrangebyscore(this.keys.seen, '-inf', now - SEEN_FOR_MS);
  }
}
