import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { XAdapter } from '../../services/x-executor/src/x-adapter.ts';
import { credentialsMap } from '../../services/x-executor/test/helpers.ts';
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
  const fake = await fakeXProcess(latencyMs);
  const stopFake = onCleanup('fake X', () => fake.stop());
  const redis = client();
  await prefillIntents(redis, n, 'xa');
  const adapter = new XAdapter({
    credentials: credentialsMap(),
    apiBaseUrl: fake.url,
    requestTimeoutMs: 10_000,
  });
  const { executor, stop } = startExecutor(adapter, server.url, { concurrency, batchSize: 200 });
  // Throughput, not start-up: the clock starts once the executor runs (start-up is measured by the takeover figure).
  await executor.start();
  const t0 = nowNs();
  await waitFor(async () => (await redis.xlen(keys.receipts)) >= n, `${n} x receipts`, 60_000, 5);
  const ms = msSince(t0);
  await stop();
  await verifyStreams(redis, n, 'x adapter throughput');
  const receipts = await redis.xrange(keys.receipts, '-', '+');
  const notSucceeded = receipts.filter(([, f]) => JSON.parse(f[1] as string).status !== 'succeeded').length;
  check(notSucceeded === 0, `x adapter: ${notSucceeded} receipts not succeeded`);
  const counts = await fake.counts();
  check(counts.posts === n, `x adapter: fake saw ${counts.posts} posts == ${n}`);
  check(counts.tweets === n, `x adapter: fake holds ${counts.tweets} tweets == ${n}`);
  await stopFake();
  await release();
  return { n, ms, perSec: (n / ms) * 1000, ideal: (concurrency * 1000) / latencyMs, latencyMs, concurrency };
}

/** The fake X in a process of its own, as the real API is remote: it does not share the executor's event loop. */
async function fakeXProcess(latencyMs: number) {
  const users = {
    'tok-antifund': { id: '1001', username: 'antifund', name: 'Antifund' },
    'oauth2-personal-CCCC': { id: '1002', username: 'me', name: 'Me' },
  };
  const child = spawn(
    process.execPath,
    [join(import.meta.dirname, '..', '..', 'packages', 'testkit', 'src', 'fake-x-process.ts')],
    {
      env: {
        PATH: process.env.PATH ?? '',
        FAKE_X_USERS: JSON.stringify(users),
        FAKE_X_LATENCY_MS: String(latencyMs),
      },
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  await waitFor(async () => out.includes('FAKE_X_URL='), 'the fake X process', 10_000, 10);
  const url = /FAKE_X_URL=(\S+)/.exec(out)?.[1] as string;
  return {
    url,
    counts: async () => {
      out = '';
      child.stdin?.write('count\n');
      await waitFor(async () => out.includes('POSTS='), 'post counts', 5000, 10);
      return { posts: Number(/POSTS=(\d+)/.exec(out)?.[1]), tweets: Number(/TWEETS=(\d+)/.exec(out)?.[1]) };
    },
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
