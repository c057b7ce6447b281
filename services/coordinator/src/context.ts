import type { Channel } from '@agent-ops/contracts/channels';
import { channelKeys } from '@agent-ops/contracts/keys';
import { Ledger } from '@agent-ops/runtime/ledger';
import type { RedisClient } from '@agent-ops/runtime/redis-connection';
import type { Logger } from 'pino';
import type { ApprovalSigner } from './approval-signer.ts';
import type { AuditLog } from './audit-log.ts';
import type { CoordinatorConfig } from './config.ts';
import type { CoordinatorMetrics } from './coordinator-metrics.ts';
import type { RecordStore } from './record-store.ts';
import type { Scheduler } from './scheduler.ts';

/** What the coordinator's parts share. It holds no write credential of any external API. */
export type CoordinatorContext = {
  config: CoordinatorConfig;
  redis: RedisClient;
  store: RecordStore;
  audit: AuditLog;
  scheduler: Scheduler;
  signer: ApprovalSigner | null;
  metrics: CoordinatorMetrics;
  log: Logger;
  ledger(channel: Channel): Ledger;
};

export function ledgers(redis: RedisClient, prefix: string): (channel: Channel) => Ledger {
  const cache = new Map<Channel, Ledger>();
  return (channel) => {
    let l = cache.get(channel);
    if (!l) {
      l = new Ledger(redis, channelKeys(prefix, channel));
      cache.set(channel, l);
    }
    return l;
  };
}
