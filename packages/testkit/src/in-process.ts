import type { Channel } from '@agent-ops/contracts/channels';
import type { Receipt } from '@agent-ops/contracts/receipt';
import type { ChannelAdapter } from '@agent-ops/runtime/adapter';
import { Executor } from '@agent-ops/runtime/executor';
import { createLogger } from '@agent-ops/runtime/logger';
import type { ExecutorOptionsInput } from '@agent-ops/runtime/options';
import type { Cluster, Redis } from 'ioredis';
import { pendingCount, receipts } from './streams.ts';
import { waitFor } from './wait.ts';

/** Test defaults: a short lease, fast backoff, no local gate file, no logs unless TEST_LOG says. */
const TEST_DEFAULTS = { leaseTtlMs: 2000, localGateFile: null, backoff: { baseMs: 50, maxMs: 200 } };

/** Executors started in the test's own process, all closed by `closeAll` (in afterEach). */
export class ExecutorHarness {
  private readonly running: Executor[] = [];
  private readonly redisUrl: string;

  constructor(redisUrl: string) {
    this.redisUrl = redisUrl;
  }

  async start(
    adapter: ChannelAdapter,
    options: Partial<ExecutorOptionsInput> & { prefix: string },
  ): Promise<Executor> {
    const e = new Executor(
      adapter,
      { channel: adapter.channel, redisUrl: this.redisUrl, ...TEST_DEFAULTS, ...options },
      createLogger('test', process.env.TEST_LOG ?? 'silent'),
    );
    this.running.push(e);
    await e.start();
    return e;
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.running.splice(0).map((e) => e.close()));
  }
}

/** Waits until a channel has at least `n` receipts and nothing pending, and returns them. */
export function settledReceipts(
  redis: Redis | Cluster,
  prefix: string,
  channel: Channel,
  n: number,
  timeoutMs = 15_000,
): Promise<Receipt[]> {
  return waitFor(
    async () => {
      const r = await receipts(redis, prefix, channel);
      return r.length >= n && (await pendingCount(redis, prefix, channel)) === 0 ? r : undefined;
    },
    `${n} receipts on ${channel} and nothing pending`,
    timeoutMs,
  );
}
