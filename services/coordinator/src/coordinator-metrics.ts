import { CHANNELS } from '@agent-ops/contracts/channels';
import { INTENT_STATES } from '@agent-ops/contracts/intent-record';
import { channelKeys } from '@agent-ops/contracts/keys';
import type { Cluster, Redis } from 'ioredis';
import { Counter, Gauge, Registry } from 'prom-client';

/** The coordinator's Prometheus metrics: intents per state (read on scrape) and decisions made. */
export class CoordinatorMetrics {
  readonly registry = new Registry();
  private readonly decisionCounter: Counter<'action'>;

  constructor(redis: Redis | Cluster, prefix: string) {
    const registers = [this.registry];
    new Gauge({
      name: 'ops_intents',
      help: 'Intents the coordinator knows, by channel and state',
      labelNames: ['channel', 'state'],
      registers,
      async collect() {
        for (const channel of CHANNELS) {
          const k = channelKeys(prefix, channel);
          const counts = await Promise.all(INTENT_STATES.map((s) => redis.zcard(k.byState(s))));
          for (const [i, state] of INTENT_STATES.entries()) this.set({ channel, state }, counts[i] ?? 0);
        }
      },
    });
    this.decisionCounter = new Counter({
      name: 'ops_decisions_total',
      help: 'Audited decisions, by action',
      labelNames: ['action'],
      registers,
    });
  }

  decision(action: string): void {
    this.decisionCounter.inc({ action });
  }
}
