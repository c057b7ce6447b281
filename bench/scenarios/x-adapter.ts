import { XAdapter } from '../../services/x-executor/src/x-adapter.ts';
import { credentialsMap, startFakeX } from '../../services/x-executor/test/helpers.ts';
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
import { startExecutor, type ThroughputResult } from './pipeline.ts';

export type XThroughputResult = ThroughputResult & { ideal: number; latencyMs: number; concurrency: number };

/** The real XAdapter against the fake X answering after `latencyMs`: pre-filled backlog of n posts. */
export async function xAdapterThroughput(
  n: number,
  concurrency: number,
  latencyMs: number,
): Promise<XThroughputResult> {
  const { server, client, release } = await privateRedis();
  const fake = await startFakeX({ latencyMs });
  const stopFake = onCleanup('fake X', () => fake.stop());
  const redis = client();
  await prefillIntents(redis, n, 'xa');
  const adapter = new XAdapter({
    credentials: credentialsMap(),
    apiBaseUrl: fake.url,
    requestTimeoutMs: 10_000,
  });
  const { executor, stop } = startExecutor(adapter, server.url, { concurrency, batchSize: 200 });
  const t0 = nowNs();
  await executor.start();
  await waitFor(async () => (await redis.xlen(keys.receipts)) >= n, `${n} x receipts`, 60_000, 5);
  const ms = msSince(t0);
  await stop();
  await verifyStreams(redis, n, 'x adapter throughput');
  const receipts = await redis.xrange(keys.receipts, '-', '+');
  const notSucceeded = receipts.filter(([, f]) => JSON.parse(f[1] as string).status !== 'succeeded').length;
  check(notSucceeded === 0, `x adapter: ${notSucceeded} receipts not succeeded`);
  check(fake.postCalls().length === n, `x adapter: fake saw ${fake.postCalls().length} posts == ${n}`);
  check(fake.tweets.length === n, `x adapter: fake holds ${fake.tweets.length} tweets == ${n}`);
  await stopFake();
  await release();
  return { n, ms, perSec: (n / ms) * 1000, ideal: (concurrency * 1000) / latencyMs, latencyMs, concurrency };
}
