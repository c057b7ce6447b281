import type { Channel } from '../../packages/contracts/src/channels.ts';
import { channelKeys } from '../../packages/contracts/src/keys.ts';
import type { ChannelAdapter } from '../../packages/runtime/src/adapter.ts';
import { connectRedis } from '../../packages/runtime/src/redis-connection.ts';
import { ExecutorHarness, settledReceipts } from '../../packages/testkit/src/in-process.ts';
import { startRedisCluster } from '../../packages/testkit/src/redis-cluster.ts';
import {
  check,
  keys,
  msSince,
  nowNs,
  onCleanup,
  prefillIntents,
  privateRedis,
  verifyStreams,
  waitFor,
} from '../lib.ts';
import { NullAdapter } from '../null-adapter.ts';
import { startExecutor, type ThroughputResult } from './pipeline.ts';

const HUGE_LIMIT = { points: 1_000_000_000, durationSec: 1 };

/** The full pipeline with `replicas` executors on one stream (in this process: the machine has 2 cores). */
export async function replicasThroughput(n: number, replicas: number): Promise<ThroughputResult> {
  const { server, client, release } = await privateRedis();
  const redis = client();
  await prefillIntents(redis, n, `r${replicas}`);
  const adapters = Array.from({ length: replicas }, () => new NullAdapter());
  const executors = adapters.map((a) =>
    startExecutor(a, server.url, { concurrency: 1000 / replicas, batchSize: 200 }),
  );
  const t0 = nowNs();
  await Promise.all(executors.map((e) => e.executor.start()));
  await waitFor(async () => (await redis.xlen(keys.receipts)) >= n, `${n} receipts`, 120_000, 5);
  const ms = msSince(t0);
  await Promise.all(executors.map((e) => e.stop()));
  await verifyStreams(redis, n, `${replicas} replicas`);
  check(adapters.reduce((s, a) => s + a.performed, 0) === n, `${replicas} replicas performed ${n}`);
  await release();
  return { n, ms, perSec: (n / ms) * 1000 };
}

/** The full pipeline on a local three-master Redis Cluster. */
export async function clusterThroughput(n: number): Promise<ThroughputResult> {
  const cluster = await startRedisCluster();
  const stopCluster = onCleanup('redis cluster', () => cluster.stop());
  const redis = connectRedis(cluster.url);
  await prefillIntents(redis, n, 'cl');
  const adapter = new NullAdapter();
  const { executor, stop } = startExecutor(adapter, cluster.url, { concurrency: 1000, batchSize: 200 });
  const t0 = nowNs();
  await executor.start();
  await waitFor(
    async () => (await redis.xlen(keys.receipts)) >= n,
    `${n} receipts on the cluster`,
    120_000,
    5,
  );
  const ms = msSince(t0);
  await stop();
  await verifyStreams(redis, n, 'cluster');
  check(adapter.performed === n, `cluster performed ${adapter.performed} == ${n}`);
  redis.disconnect();
  await stopCluster();
  return { n, ms, perSec: (n / ms) * 1000 };
}

export type ChannelBench = {
  channel: Channel;
  adapter: () => Promise<{ adapter: ChannelAdapter; effects: () => number; stop: () => Promise<unknown> }>;
  intent: (i: number) => Record<string, unknown>;
};

/** One channel's real adapter and client library against its fake (answering at once), 64 in flight. */
export async function channelThroughput(c: ChannelBench, n: number): Promise<ThroughputResult> {
  const { server, client, release } = await privateRedis();
  const redis = client();
  const prefix = `bench${c.channel}`;
  const stream = channelKeys(prefix, c.channel).intents;
  for (let i = 0; i < n; i += 500) {
    const p = redis.pipeline();
    for (let j = i; j < Math.min(n, i + 500); j += 1)
      p.xadd(stream, '*', 'intent', JSON.stringify(c.intent(j)));
    await p.exec();
  }
  const { adapter, effects, stop } = await c.adapter();
  const harness = new ExecutorHarness(server.url);
  const t0 = nowNs();
  await harness.start(adapter, { prefix, concurrency: 64, defaultRateLimit: HUGE_LIMIT, leaseTtlMs: 30_000 });
  const all = await settledReceipts(redis, prefix, c.channel, n, 120_000);
  const ms = msSince(t0);
  await harness.closeAll();
  check(
    all.length === n && all.every((r) => r.status === 'succeeded'),
    `${c.channel}: ${n} succeeded receipts`,
  );
  check(effects() === n, `${c.channel}: ${effects()} effects at the fake == ${n}`);
  await stop();
  await release();
  return { n, ms, perSec: (n / ms) * 1000 };
}
