import type { ChannelAdapter } from '../../packages/runtime/src/adapter.ts';
import { Executor } from '../../packages/runtime/src/executor.ts';
import { createLogger } from '../../packages/runtime/src/logger.ts';
import type { ExecutorOptionsInput } from '../../packages/runtime/src/options.ts';
import {
  CHANNEL,
  check,
  keys,
  msSince,
  nowNs,
  onCleanup,
  openLoop,
  PREFIX,
  percentile,
  postIntent,
  prefillIntents,
  privateRedis,
  verifyStreams,
  waitFor,
} from '../lib.ts';
import { NullAdapter } from '../null-adapter.ts';

const HUGE_LIMIT = { points: 1_000_000_000, durationSec: 1 };

export function startExecutor(
  adapter: ChannelAdapter,
  redisUrl: string,
  extra: Partial<ExecutorOptionsInput> = {},
): { executor: Executor; stop: () => Promise<void> } {
  const executor = new Executor(
    adapter,
    {
      channel: CHANNEL,
      prefix: PREFIX,
      redisUrl,
      leaseTtlMs: 30_000,
      localGateFile: null,
      defaultRateLimit: HUGE_LIMIT,
      ...extra,
    },
    createLogger('bench', 'silent'),
  );
  const stop = onCleanup('executor', () => executor.close());
  return { executor, stop };
}

export type ThroughputResult = { n: number; ms: number; perSec: number };

/** Full pipeline, zero-latency adapter: pre-filled backlog, timed from start() until every entry is settled. */
export async function pipelineThroughput(n: number, concurrency: number): Promise<ThroughputResult> {
  const { server, client, release } = await privateRedis();
  const redis = client();
  await prefillIntents(redis, n, 'tp');
  const adapter = new NullAdapter();
  const { executor, stop } = startExecutor(adapter, server.url, { concurrency, batchSize: 200 });
  const t0 = nowNs();
  await executor.start();
  await waitFor(async () => (await redis.xlen(keys.receipts)) >= n, `${n} receipts`, 120_000, 5);
  const ms = msSince(t0);
  await stop();
  await verifyStreams(redis, n, 'pipeline throughput');
  check(adapter.performed === n, `pipeline throughput: performed ${adapter.performed} == ${n}`);
  await release();
  return { n, ms, perSec: (n / ms) * 1000 };
}

export type LatencyResult = { samples: number; sent: number; p50: number; p99: number; max: number };

/**
 * XADD to receipt at a fixed open-loop rate; the first `warmupMs` of sends are not sampled.
 * Send times are in the intent's meta (ns, process.hrtime) and matched by idempotency key.
 */
export async function pipelineLatency(
  ratePerSec: number,
  warmupMs: number,
  sampledMs: number,
): Promise<LatencyResult> {
  const { server, client, release } = await privateRedis();
  const producer = client();
  const reader = client();
  const adapter = new NullAdapter();
  const { executor, stop } = startExecutor(adapter, server.url, { concurrency: 64 });
  await executor.start();

  const total = Math.round(((warmupMs + sampledMs) * ratePerSec) / 1000);
  const warmup = Math.round((warmupMs * ratePerSec) / 1000);
  const sentAt = new Map<string, bigint>();
  const latencies: number[] = [];
  let received = 0;
  let readerDone = false;
  const readLoop = (async () => {
    let last = '0-0';
    while (!readerDone && received < total) {
      const reply = (await reader.xread(
        'COUNT',
        1000,
        'BLOCK',
        500,
        'STREAMS',
        keys.receipts,
        last,
      )) as Array<[string, Array<[string, string[]]>]> | null;
      const at = nowNs();
      for (const [, entries] of reply ?? []) {
        for (const [id, fields] of entries) {
          last = id;
          received += 1;
          const receipt = JSON.parse(fields[1] as string) as { idempotencyKey: string; status: string };
          check(receipt.status === 'succeeded', `latency: receipt ${receipt.idempotencyKey} succeeded`);
          const t = sentAt.get(receipt.idempotencyKey);
          check(t !== undefined, `latency: receipt ${receipt.idempotencyKey} matches a sent intent`);
          const index = Number(receipt.idempotencyKey.slice(4));
          if (t !== undefined && index >= warmup) latencies.push(Number(at - t) / 1e6);
        }
      }
    }
  })();

  await openLoop(total, ratePerSec, (i) => {
    const key = `lat-${i}`;
    const t = nowNs();
    sentAt.set(key, t);
    const intent = postIntent(key, `latency post ${i}`, { t: String(t) });
    void producer.xadd(keys.intents, '*', 'intent', JSON.stringify(intent));
  });
  try {
    await waitFor(async () => received >= total, `${total} latency receipts`, 30_000);
  } finally {
    readerDone = true;
    await readLoop;
  }
  await stop();
  await verifyStreams(producer, total, 'pipeline latency');
  latencies.sort((a, b) => a - b);
  check(latencies.length === total - warmup, `latency: samples ${latencies.length} == ${total - warmup}`);
  await release();
  return {
    samples: latencies.length,
    sent: total,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
  };
}
