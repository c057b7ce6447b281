import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, release as osRelease, platform } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { answerHelp } from '../packages/runtime/src/cli-help.ts';
import { CHANNEL_BENCHES } from './channels.ts';
import { svgChart } from './chart.ts';
import { cleanupAll, median, msSince, nowNs, privateRedis } from './lib.ts';
import { fmtMs, fmtRate, fmtRatio, type Machine, markdown, type Row } from './report.ts';
import { bullmqLatency, bullmqThroughput } from './scenarios/bullmq.ts';
import { channelThroughput, clusterThroughput, replicasThroughput } from './scenarios/extended.ts';
import { pipelineLatency, pipelineThroughput, type ThroughputResult } from './scenarios/pipeline.ts';
import { rawThroughput } from './scenarios/raw.ts';
import { type StackMemory, type StartupResult, stackMemory, startupTimes } from './scenarios/startup.ts';
import { takeover } from './scenarios/takeover.ts';
import { xAdapterThroughput } from './scenarios/x-adapter.ts';

/** Sizes: bounded so the whole run stays around two minutes on 2 cores. */
const N = Number(process.env.BENCH_N ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
/** An unreported first round, so that no contender runs with cold code (JIT) in round 1. */
const WARMUP_N = 2000;
/** Effects in flight: the default of a deployment, and the best for a zero-latency channel. */
const PIPELINE_CONCURRENCY = { moderate: 200, high: 1000 };
const LATENCY = { rate: 1000, warmupMs: 1000, sampledMs: 10_000 };
const X = { n: 2000, concurrency: 64, latencyMs: 100 };
const LEASE_TTL_MS = 2000;
const CHANNEL_N = Number(process.env.BENCH_CHANNEL_N ?? 1000);

answerHelp(`usage: pnpm bench [--startup]

Throughput, latency, takeover, replicas, a cluster, every channel and start-up, each against a
baseline measured in the same run, as ratios; writes bench/results/latest.{md,json,svg}.
--startup runs only the start-up section (cold start and memory of each executor, and the
memory of the whole pnpm start stack). Environment: BENCH_N, BENCH_ROUNDS, BENCH_CHANNEL_N,
BENCH_STARTUP_ROUNDS.`);
const STARTUP_ONLY = process.argv.includes('--startup');
/** Starts per service for the start-up medians (after one unreported first start). */
const STARTUP_ROUNDS = Number(process.env.BENCH_STARTUP_ROUNDS ?? 5);
/** What issue 12 asks of an executor start, against the bare baseline. */
const STARTUP_LIMITS = { time: 2.5, memory: 1.5, stackMb: 600 };

/** The start-up rows: each executor's cold start and peak memory over the bare baseline's. */
function startupRows(results: StartupResult[], stack: StackMemory): { rows: Row[]; notes: string[] } {
  const base = results.find((r) => r.name === 'baseline') as StartupResult;
  const rows: Row[] = [];
  for (const r of results.filter((x) => x !== base)) {
    rows.push(
      {
        what: `${r.name}: spawn to "executor running" (median of ${r.samples.length}; limit ${STARTUP_LIMITS.time}x)`,
        figure: fmtMs(r.ms),
        baseline: `bare Node + ioredis + XGROUP CREATE: ${fmtMs(base.ms)}`,
        ratio: fmtRatio(r.ms / base.ms),
      },
      {
        what: `${r.name}: peak resident memory 1 s after start (limit ${STARTUP_LIMITS.memory}x)`,
        figure: `${r.peakMb.toFixed(0)} MB`,
        baseline: `bare: ${base.peakMb.toFixed(0)} MB`,
        ratio: fmtRatio(r.peakMb / base.peakMb),
      },
    );
  }
  rows.push({
    what: `pnpm start: resident memory of its ${stack.services.length} service processes (target under ${STARTUP_LIMITS.stackMb} MB)`,
    figure: `${stack.totalMb.toFixed(0)} MB`,
    baseline: `${stack.services.length} bare processes: ${(stack.services.length * base.peakMb).toFixed(0)} MB`,
    ratio: fmtRatio(stack.totalMb / (stack.services.length * base.peakMb)),
  });
  const notes = [
    `Start-up: the first start of each process, with Node's compile cache still empty, is not in the medians: ${results.map((r) => `${r.name} ${fmtMs(r.first.ms)}`).join(', ')}.`,
    `pnpm start, by service (MB): ${stack.services.map((s) => `${s.name} ${s.mb.toFixed(0)}`).join(', ')}.`,
  ];
  return { rows, notes };
}

async function startupSection(): Promise<{
  rows: Row[];
  notes: string[];
  results: StartupResult[];
  stack: StackMemory;
}> {
  const results = await timed('start-up', () => startupTimes(STARTUP_ROUNDS));
  const stack = await timed('pnpm start stack memory', () => stackMemory());
  return { ...startupRows(results, stack), results, stack };
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}

async function machine(): Promise<Machine> {
  const { server, release } = await privateRedis();
  const r = new Redis(server.url);
  const info = await r.info('server');
  r.disconnect();
  await release();
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    node: process.version,
    redis: /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown',
    os: `${platform()} ${osRelease()} ${arch()}`,
  };
}

async function timed<T>(what: string, run: () => Promise<T>): Promise<T> {
  const t0 = nowNs();
  const result = await run();
  log(`${what}: ${JSON.stringify(result)} (${(msSince(t0) / 1000).toFixed(1)} s)`);
  return result;
}

async function main(): Promise<void> {
  const started = nowNs();
  const m = await machine();
  log(`machine: ${JSON.stringify(m)}`);
  if (STARTUP_ONLY) {
    const startup = await startupSection();
    const table = markdown(m, startup.rows, [
      'Ratios: figure / baseline; below 1x is better here.',
      ...startup.notes,
    ]);
    process.stdout.write(`${table}\n`);
    const dir = fileURLToPath(new URL('./results/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}startup.md`, `${table}\n`);
    writeFileSync(
      `${dir}startup.json`,
      `${JSON.stringify({ at: new Date().toISOString(), machine: m, ...startup }, null, 2)}\n`,
    );
    return;
  }

  // 1. Throughput, interleaved rounds; the median of each.
  const tp: Record<'pipeline' | 'pipelineHigh' | 'raw' | 'bullmq50' | 'bullmq200', ThroughputResult[]> = {
    pipeline: [],
    pipelineHigh: [],
    raw: [],
    bullmq50: [],
    bullmq200: [],
  };
  await timed('warm-up (not reported)', async () => ({
    pipeline: (await pipelineThroughput(WARMUP_N, PIPELINE_CONCURRENCY.moderate)).perSec,
    raw: (await rawThroughput(WARMUP_N)).perSec,
    bullmq: (await bullmqThroughput(WARMUP_N, 50)).perSec,
  }));
  for (let round = 1; round <= ROUNDS; round++) {
    tp.pipeline.push(
      await timed(`round ${round} pipeline c200`, () => pipelineThroughput(N, PIPELINE_CONCURRENCY.moderate)),
    );
    tp.pipelineHigh.push(
      await timed(`round ${round} pipeline c1000`, () => pipelineThroughput(N, PIPELINE_CONCURRENCY.high)),
    );
    tp.raw.push(await timed(`round ${round} raw`, () => rawThroughput(N)));
    tp.bullmq50.push(await timed(`round ${round} bullmq c50`, () => bullmqThroughput(N, 50)));
    tp.bullmq200.push(await timed(`round ${round} bullmq c200`, () => bullmqThroughput(N, 200)));
  }
  const med = (k: keyof typeof tp) => median(tp[k].map((r) => r.perSec));
  const pipeline200 = med('pipeline');
  const pipelineHigh = med('pipelineHigh');
  const pipeline = Math.max(pipeline200, pipelineHigh);
  const raw = med('raw');
  const b50 = med('bullmq50');
  const b200 = med('bullmq200');
  const bullBest = Math.max(b50, b200);

  // 2. Latency at 1,000/s open loop.
  const lat = await timed('pipeline latency', () =>
    pipelineLatency(LATENCY.rate, LATENCY.warmupMs, LATENCY.sampledMs),
  );
  const blat = await timed('bullmq latency', () =>
    bullmqLatency(LATENCY.rate, LATENCY.warmupMs, LATENCY.sampledMs, 50),
  );

  // 3. The real x adapter against the fake X.
  const x = await timed('x adapter', () => xAdapterThroughput(X.n, X.concurrency, X.latencyMs));

  // 4. SIGKILL to takeover with real processes.
  const tk = await timed('takeover', () => takeover(LEASE_TTL_MS));

  // 5. Replicas on one stream, a Redis Cluster, and every channel through its real client.
  const replicas: Record<string, ThroughputResult> = {};
  for (const k of [1, 2, 4]) replicas[k] = await timed(`${k} replicas`, () => replicasThroughput(N, k));
  const onCluster = await timed('cluster', () => clusterThroughput(N));
  const channels: Record<string, ThroughputResult> = {};
  for (const c of CHANNEL_BENCHES)
    channels[c.channel] = await timed(`${c.channel} channel`, () => channelThroughput(c, CHANNEL_N));

  // 6. Start-up: each executor against a bare process, and the whole local stack's memory.
  const startup = await startupSection();

  const totalSec = msSince(started) / 1000;
  const rows: Row[] = [
    {
      what: `pipeline throughput, null adapter, ${N / 1000}k backlog, concurrency ${PIPELINE_CONCURRENCY.moderate} (median of ${ROUNDS})`,
      figure: fmtRate(pipeline200),
      baseline: `raw 2 scripts/msg: ${fmtRate(raw)}`,
      ratio: fmtRatio(pipeline200 / raw),
    },
    {
      what: `the same, concurrency ${PIPELINE_CONCURRENCY.high}`,
      figure: fmtRate(pipelineHigh),
      baseline: `raw 2 scripts/msg: ${fmtRate(raw)}`,
      ratio: fmtRatio(pipelineHigh / raw),
    },
    {
      what: `pipeline throughput (best of concurrency ${PIPELINE_CONCURRENCY.moderate} / ${PIPELINE_CONCURRENCY.high}) vs BullMQ no-op (best of concurrency 50 / 200)`,
      figure: fmtRate(pipeline),
      baseline: `BullMQ c50 ${fmtRate(b50)} / c200 ${fmtRate(b200)}`,
      ratio: fmtRatio(pipeline / bullBest),
    },
    {
      what: `latency p50, XADD to receipt, ${LATENCY.rate}/s open loop (${lat.samples} samples)`,
      figure: fmtMs(lat.p50),
      baseline: `BullMQ c50 add to completed: ${fmtMs(blat.p50)}`,
      ratio: fmtRatio(lat.p50 / blat.p50),
    },
    {
      what: 'latency p99, same run',
      figure: fmtMs(lat.p99),
      baseline: `BullMQ c50: ${fmtMs(blat.p99)}`,
      ratio: fmtRatio(lat.p99 / blat.p99),
    },
    {
      what: `x adapter + fake X (${X.latencyMs} ms), concurrency ${X.concurrency}, ${X.n} posts`,
      figure: fmtRate(x.perSec),
      baseline: `ideal ${fmtRate(x.ideal)}`,
      ratio: fmtRatio(x.perSec / x.ideal),
    },
    {
      what: `SIGKILL to receipt by a second x-executor (lease TTL ${tk.leaseTtlMs} ms)`,
      figure: fmtMs(tk.ms),
      baseline: `target TTL + 1 s = ${fmtMs(tk.targetMs)}`,
      ratio: fmtRatio(tk.ms / tk.targetMs),
    },
  ];
  const notes = [
    'Ratios: figure / baseline; above 1x is better for throughput, below 1x is better for latency and takeover time.',
    `Throughput rounds (/s): pipeline c200 ${tp.pipeline.map((r) => Math.round(r.perSec)).join(', ')}; c1000 ${tp.pipelineHigh.map((r) => Math.round(r.perSec)).join(', ')}; raw ${tp.raw.map((r) => Math.round(r.perSec)).join(', ')}; BullMQ c50 ${tp.bullmq50.map((r) => Math.round(r.perSec)).join(', ')}; c200 ${tp.bullmq200.map((r) => Math.round(r.perSec)).join(', ')}.`,
    `Latency max: pipeline ${fmtMs(lat.max)}, BullMQ ${fmtMs(blat.max)}. Producer, executor/worker and receipt reader share one Node process.`,
    `Takeover includes the second process's startup: ${fmtMs(tk.secondStartupMs)} from the kill to its "executor running".`,
    `Replicas run in this process (2 cores): more replicas add consumers of the same stream, not CPUs. Channels: ${CHANNEL_N} intents each, 64 in flight, the fake answering at once (SMTP greets after 100 ms).`,
    `Every count verified (receipts == N, nothing pending, no deadletters; every effect at the fakes). Whole run: ${totalSec.toFixed(1)} s.`,
  ];
  rows.push(
    ...[1, 2, 4].map((k) => ({
      what: `pipeline, ${k} replica${k > 1 ? 's' : ''} on one stream (concurrency 1000 in all)`,
      figure: fmtRate((replicas[k] as ThroughputResult).perSec),
      baseline: `1 replica: ${fmtRate((replicas[1] as ThroughputResult).perSec)}`,
      ratio: fmtRatio((replicas[k] as ThroughputResult).perSec / (replicas[1] as ThroughputResult).perSec),
    })),
    {
      what: 'pipeline on a 3-master Redis Cluster, concurrency 1000',
      figure: fmtRate(onCluster.perSec),
      baseline: `single Redis: ${fmtRate(pipelineHigh)}`,
      ratio: fmtRatio(onCluster.perSec / pipelineHigh),
    },
    ...CHANNEL_BENCHES.map((c) => ({
      what: `${c.channel} channel: real client library and adapter, fake answering at once`,
      figure: fmtRate((channels[c.channel] as ThroughputResult).perSec),
      baseline: `null adapter: ${fmtRate(pipelineHigh)}`,
      ratio: fmtRatio((channels[c.channel] as ThroughputResult).perSec / pipelineHigh),
    })),
  );
  rows.push(...startup.rows);
  notes.push(...startup.notes);
  const table = markdown(m, rows, notes);
  process.stdout.write(`${table}\n`);

  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    `${dir}latest.json`,
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        machine: m,
        config: { N, ROUNDS, WARMUP_N, PIPELINE_CONCURRENCY, LATENCY, X, LEASE_TTL_MS },
        throughput: { ...tp, median: { pipeline, raw, bullmq50: b50, bullmq200: b200 } },
        ratios: { pipelineOverRaw: pipeline / raw, pipelineOverBullmqBest: pipeline / bullBest },
        latency: { pipeline: lat, bullmq: blat },
        xAdapter: x,
        takeover: tk,
        replicas,
        cluster: onCluster,
        channels,
        startup: { executors: startup.results, stack: startup.stack },
        totalSec,
        table,
      },
      null,
      2,
    )}\n`,
  );
  const chart = svgChart(
    'agent-ops pnpm bench',
    `${m.cpu}, ${m.cores} cores, Node ${m.node}, Redis ${m.redis}, ${new Date().toISOString().slice(0, 10)}`,
    [
      {
        title: 'Throughput (intents or jobs per second, higher is better)',
        bars: [
          { label: 'raw XREADGROUP, 2 scripts/msg', value: raw, text: fmtRate(raw) },
          {
            label: 'agent-ops pipeline, concurrency 1000',
            value: pipelineHigh,
            text: fmtRate(pipelineHigh),
            highlight: true,
          },
          {
            label: 'agent-ops pipeline, concurrency 200',
            value: pipeline200,
            text: fmtRate(pipeline200),
            highlight: true,
          },
          { label: 'BullMQ no-op, concurrency 200', value: b200, text: fmtRate(b200) },
          { label: 'BullMQ no-op, concurrency 50', value: b50, text: fmtRate(b50) },
          ...[1, 2, 4].map((k) => ({
            label: `pipeline, ${k} replica${k > 1 ? 's' : ''}`,
            value: (replicas[k] as ThroughputResult).perSec,
            text: fmtRate((replicas[k] as ThroughputResult).perSec),
            highlight: true,
          })),
          {
            label: 'pipeline on a 3-master cluster',
            value: onCluster.perSec,
            text: fmtRate(onCluster.perSec),
            highlight: true,
          },
          ...CHANNEL_BENCHES.map((c) => ({
            label: `${c.channel} channel (real client)`,
            value: (channels[c.channel] as ThroughputResult).perSec,
            text: fmtRate((channels[c.channel] as ThroughputResult).perSec),
            highlight: true,
          })),
        ],
      },
      {
        title: `Latency, XADD to receipt at ${LATENCY.rate}/s (ms, lower is better)`,
        bars: [
          { label: 'agent-ops p50', value: lat.p50, text: fmtMs(lat.p50), highlight: true },
          { label: 'BullMQ p50', value: blat.p50, text: fmtMs(blat.p50) },
          { label: 'agent-ops p99', value: lat.p99, text: fmtMs(lat.p99), highlight: true },
          { label: 'BullMQ p99', value: blat.p99, text: fmtMs(blat.p99) },
        ],
      },
    ],
  );
  writeFileSync(`${dir}latest.svg`, chart);
  writeFileSync(`${dir}latest.md`, `${table}\n`);
}

let exitCode = 0;
const onSignal = () => {
  void cleanupAll().finally(() => process.exit(130));
};
process.once('SIGINT', onSignal);
process.once('SIGTERM', onSignal);
try {
  await main();
} catch (err) {
  exitCode = 1;
  process.stderr.write(`[bench] FAILED: ${(err as Error).stack ?? String(err)}\n`);
} finally {
  const errors = await cleanupAll();
  for (const e of errors) process.stderr.write(`[bench] cleanup: ${e}\n`);
  if (errors.length > 0) exitCode = 1;
}
process.exit(exitCode);
