import { fieldsToRecord } from '@agent-ops/contracts/codec';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from './logger.ts';
import type { StreamMessage } from './processor.ts';

export type ReclaimerDeps = {
  redis: Redis | Cluster;
  intents: string;
  group: string;
  consumer: string;
  /** Entries idle this long belong to a consumer that stopped renewing: the lease TTL. */
  minIdleMs: number;
  deadConsumerIdleMs: number;
  /** How many entries may be taken now (free concurrency). */
  capacity: () => number;
  /** Ids this process is working on or holding, which it must not take again. */
  isLocal: (id: string) => boolean;
  dispatch: (msg: StreamMessage) => void;
  log: Logger;
};

/**
 * Takes over entries left pending by consumers that died (XAUTOCLAIM past the lease TTL),
 * and removes consumers that have been idle long with nothing pending.
 */
export class Reclaimer {
  private cursor = '0-0';
  private sweeps = 0;
  private readonly d: ReclaimerDeps;

  constructor(deps: ReclaimerDeps) {
    this.d = deps;
  }

  async sweep(): Promise<number> {
    const d = this.d;
    const count = d.capacity();
    if (count <= 0) return 0;
    const reply = (await d.redis.xautoclaim(
      d.intents,
      d.group,
      d.consumer,
      d.minIdleMs,
      this.cursor,
      'COUNT',
      count,
    )) as [string, Array<[string, string[] | null]>, string[]?];
    const [next, entries, deleted = []] = reply;
    this.cursor = next;
    let taken = 0;
    for (const [id, fields] of entries) {
      if (fields === null || d.isLocal(id)) continue;
      d.dispatch({ id, fields });
      taken += 1;
    }
    // Entries trimmed away while pending can never be processed; drop them from the PEL.
    if (deleted.length > 0) await d.redis.xack(d.intents, d.group, ...deleted);
    if (taken > 0) d.log.info({ taken }, 'reclaimed entries from consumers that stopped');
    if (++this.sweeps % 20 === 1) await this.removeDeadConsumers();
    return taken;
  }

  private async removeDeadConsumers(): Promise<void> {
    const d = this.d;
    const rows = (await d.redis.xinfo('CONSUMERS', d.intents, d.group)) as unknown[][];
    for (const row of rows) {
      const info = fieldsToRecord(row.map(String));
      const name = String(info.name);
      if (name === d.consumer || Number(info.pending) > 0 || Number(info.idle) < d.deadConsumerIdleMs)
        continue;
      await d.redis.xgroup('DELCONSUMER', d.intents, d.group, name);
      d.log.info({ consumer: name }, 'removed an idle consumer with nothing pending');
    }
  }
}
