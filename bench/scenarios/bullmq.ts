import { Queue, Worker } from 'bullmq';
import { check, msSince, nowNs, openLoop, percentile, privateRedis, waitFor } from '../lib.ts';
import type { LatencyResult, ThroughputResult } from './pipeline.ts';

function connectionOf(port: number) {
  return { host: '127.0.0.1', port, maxRetriesPerRequest: null };
}

/** BullMQ no-op jobs: addBulk of n (not timed), then a Worker; timed from its creation until all completed. */
export async function bullmqThroughput(n: number, concurrency: number): Promise<ThroughputResult> {
  const { server, release } = await privateRedis();
  const connection = connectionOf(server.port);
  const queue = new Queue('bench', { connection });
  try {
    for (let i = 0; i < n; i += 1000) {
      const jobs = [];
      for (let j = i; j < Math.min(n, i + 1000); j++) jobs.push({ name: 'noop', data: { i: j } });
      await queue.addBulk(jobs);
    }
    let completed = 0;
    let failed = 0;
    const t0 = nowNs();
    const worker = new Worker('bench', async () => {}, { connection, concurrency });
    worker.on('completed', () => {
      completed += 1;
    });
    worker.on('failed', () => {
      failed += 1;
    });
    try {
      await waitFor(async () => completed + failed >= n, `${n} BullMQ jobs`, 120_000, 5);
      const ms = msSince(t0);
      const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
      check(failed === 0 && counts.failed === 0, `bullmq: no failed jobs (${failed})`);
      check(counts.completed === n, `bullmq: completed ${counts.completed} == ${n}`);
      check(counts.waiting === 0 && counts.active === 0 && counts.delayed === 0, 'bullmq: nothing left');
      return { n, ms, perSec: (n / ms) * 1000 };
    } finally {
      await worker.close();
    }
  } finally {
    await queue.close();
    await release();
  }
}

/** BullMQ at a fixed open-loop rate: Queue.add to the in-process worker's 'completed' event. */
export async function bullmqLatency(
  ratePerSec: number,
  warmupMs: number,
  sampledMs: number,
  concurrency: number,
): Promise<LatencyResult> {
  const { server, release } = await privateRedis();
  const connection = connectionOf(server.port);
  const queue = new Queue('bench-latency', { connection });
  const total = Math.round(((warmupMs + sampledMs) * ratePerSec) / 1000);
  const warmup = Math.round((warmupMs * ratePerSec) / 1000);
  const latencies: number[] = [];
  let completed = 0;
  let failed = 0;
  const worker = new Worker('bench-latency', async () => {}, { connection, concurrency });
  worker.on('completed', (job) => {
    const at = nowNs();
    completed += 1;
    const { i, t } = job.data as { i: number; t: string };
    if (i >= warmup) latencies.push(Number(at - BigInt(t)) / 1e6);
  });
  worker.on('failed', () => {
    failed += 1;
  });
  try {
    await worker.waitUntilReady();
    await queue.waitUntilReady();
    await openLoop(total, ratePerSec, (i) => {
      void queue.add('noop', { i, t: String(nowNs()) });
    });
    await waitFor(async () => completed + failed >= total, `${total} BullMQ latency jobs`, 30_000);
    check(failed === 0, `bullmq latency: no failed jobs (${failed})`);
    const counts = await queue.getJobCounts('completed', 'waiting', 'active');
    check(counts.completed === total, `bullmq latency: completed ${counts.completed} == ${total}`);
    latencies.sort((a, b) => a - b);
    check(latencies.length === total - warmup, `bullmq latency: samples ${latencies.length}`);
    return {
      samples: latencies.length,
      sent: total,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? Number.NaN,
    };
  } finally {
    await worker.close();
    await queue.close();
    await release();
  }
}
