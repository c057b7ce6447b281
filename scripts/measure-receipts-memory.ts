// Measures Redis memory per 1M receipts (typical x.post receipt JSON) on a private redis-server.

import { answerHelp } from '@agent-ops/runtime/cli-help';
import { startRedisServer } from '@agent-ops/testkit/redis-server';
import { Redis } from 'ioredis';

answerHelp(
  'usage: node scripts/measure-receipts-memory.ts   (N receipts, default 1000000, on a private redis-server)',
);

const N = Number(process.env.N ?? 1_000_000);
const server = await startRedisServer();
const redis = new Redis(server.url);
const used = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
try {
  const before = await used();
  const receipt = (i: number) =>
    JSON.stringify({
      v: 1,
      idempotencyKey: `launch-2026-11-24-${i}`,
      action: 'x.post',
      account: 'antifund',
      status: 'succeeded',
      externalId: String(1_800_000_000_000_000_000n + BigInt(i)),
      url: `https://x.com/antifund/status/${1_800_000_000_000_000_000n + BigInt(i)}`,
      attempts: 1,
      executor: 'mini2-4242-a1b2c3',
      intentId: `${1_795_000_000_000 + i}-0`,
      startedAt: '2026-11-24T10:00:00.000Z',
      finishedAt: '2026-11-24T10:00:00.120Z',
      error: null,
    });
  const bytes = Buffer.byteLength(receipt(0));
  for (let i = 0; i < N; i += 10_000) {
    const p = redis.pipeline();
    for (let j = i; j < Math.min(N, i + 10_000); j += 1) {
      p.xadd('ops:{x}:receipts', '*', 'receipt', receipt(j));
      p.hset(
        'ops:{x}:done',
        `launch-2026-11-24-${j}`,
        `{"status":"succeeded","receiptId":"${1_795_000_000_000 + j}-0"}`,
      );
    }
    await p.exec();
  }
  const after = await used();
  const mb = (after - before) / 1024 / 1024;
  console.log(
    `${N} receipts of ${bytes} bytes of JSON, with their idempotency records: ${mb.toFixed(0)} MiB (${((after - before) / N).toFixed(0)} bytes each)`,
  );
} finally {
  redis.disconnect();
  await server.stop();
}
