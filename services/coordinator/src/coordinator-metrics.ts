import { CHANNELS } from '@agent-ops/contracts/channels';
import { AUDIT_ACTIONS, INTENT_STATES } from '@agent-ops/contracts/intent-record';
import { channelKeys } from '@agent-ops/contracts/keys';
import type { Cluster, Redis } from 'ioredis';
import { Counter, Gauge, Registry } from 'prom-client';

/**
 * The coordinator's Prometheus metrics: intents per state and reports the agent never got
 * (read on scrape), and decisions made (every action's series there at 0 from the start).
 */
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
    new Gauge({
      name: 'ops_agent_hook_undelivered',
      help: "Reports to the agent's gateway given up (refused for good, or out of time), kept per channel",
      labelNames: ['channel'],
      registers,
      async collect() {
        const lengths = await Promise.all(
          CHANNELS.map((c) => redis.xlen(channelKeys(prefix, c).hookUndelivered)),
        );
        for (const [i, channel] of CHANNELS.entries()) this.set({ channel }, lengths[i] ?? 0);
      },
    });
    this.decisionCounter = new Counter({
      name: 'ops_decisions_total',
      help: 'Audited decisions, by action',
      labelNames: ['action'],
      registers,
    });
    for (const action of AUDIT_ACTIONS) this.decisionCounter.inc({ action }, 0);
  }

  decision(action: string): void {
    this.decisionCounter.inc({ action });
  }
}
