// pnpm chaos: intents across every channel and several accounts while executor replicas are
// SIGKILLed at random moments, Redis is killed and restarted once (appendonly, appendfsync
// always) and the fakes inject 5xx, 429 with reset, and "act, then drop the connection".
// Then it counts, at the fakes: no duplicate effect, no lost intent, every key terminal or
// parked with a reason, nothing pending, no lease left. Exits 1 on any violation.
import { join } from 'node:path';
import type { Channel } from '@agent-ops/contracts/channels';
import { channelKeys } from '@agent-ops/contracts/keys';
import { answerHelp } from '@agent-ops/runtime/cli-help';
import { connectRedis, type RedisClient } from '@agent-ops/runtime/redis-connection';
import { type ServiceProcess, startService, writeSecretsFile } from '@agent-ops/testkit/processes';
import { startRedisCluster } from '@agent-ops/testkit/redis-cluster';
import { startRedisServer } from '@agent-ops/testkit/redis-server';
import { pendingCount } from '@agent-ops/testkit/streams';
import { type ChaosChannel, calendarChannel, emailChannel, webhookChannel, xChannel } from './channels.ts';
import { scanForSecrets, secretValues } from './secrets-scan.ts';
import { type ChannelSummary, summaryTable, verify } from './verify.ts';

answerHelp(`usage: pnpm chaos

Intents across every channel while replicas are SIGKILLed, Redis is restarted and the fakes
inject faults; then counts at the fakes. Exits 1 on any violation. Environment: CHAOS_INTENTS
(10000), CHAOS_KILLS (24), CHAOS_REPLICAS (2), CHAOS_SEED, CHAOS_DEADLINE_MS, CHAOS_CLUSTER=1,
CHAOS_READY_TIMEOUT_MS (60000).`);

const INTENTS = Number(process.env.CHAOS_INTENTS ?? 10_000);
const KILLS = Number(process.env.CHAOS_KILLS ?? 24);
const REPLICAS = Number(process.env.CHAOS_REPLICAS ?? 2);
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 1_000_000);
const DEADLINE_MS = Number(process.env.CHAOS_DEADLINE_MS ?? 15 * 60_000);
/** CHAOS_CLUSTER=1: a three-master Redis Cluster instead of one server; one master is killed and restarted. */
const CLUSTER = process.env.CHAOS_CLUSTER === '1';
const prefix = 'chaos';

/** A small seeded generator, so a failing run can be repeated with CHAOS_SEED. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
const random = rng(SEED);

/** The entry whose share of the weights the value in [0, 1) falls into. */
function weighted<T>(entries: Array<[T, number]>, value: number): T {
  let left = value;
  for (const [item, weight] of entries) {
    left -= weight;
    if (left < 0) return item;
  }
  return (entries[entries.length - 1] as [T, number])[0];
}
/** How long one replica may take to log "executor running" on a loaded 2-core machine. */
const READY_TIMEOUT_MS = Number(process.env.CHAOS_READY_TIMEOUT_MS ?? 60_000);

/**
 * Entries delivered and not acknowledged; Infinity while the stream or its group does not
 * exist yet (no replica has created it), which is a reason to wait, not to fail.
 */
async function pendingOrUnknown(redis: RedisClient, channel: Channel): Promise<number> {
  try {
    return await pendingCount(redis, prefix, channel);
  } catch (err) {
    if (String((err as Error).message).startsWith('NOGROUP')) return Number.POSITIVE_INFINITY;
    throw err;
  }
}
const log = (line: string) => process.stderr.write(`[chaos] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One server, or a three-master cluster whose restart kills and restarts the first master. */
async function chaosRedis(): Promise<{
  url: string;
  dir: string;
  restart(): Promise<void>;
  stop(): Promise<void>;
}> {
  if (!CLUSTER) return startRedisServer({ appendfsync: 'always' });
  const cluster = await startRedisCluster({ appendfsync: 'always' });
  const first = cluster.nodes[0] as Awaited<ReturnType<typeof startRedisServer>>;
  return { url: cluster.url, dir: first.dir, restart: () => first.restart(), stop: () => cluster.stop() };
}

async function main(): Promise<number> {
  const started = Date.now();
  log(
    `${INTENTS} intents, ${KILLS} kills, ${REPLICAS} replicas per channel, seed ${SEED}${CLUSTER ? ', on a 3-master Redis Cluster' : ''}`,
  );
  const server = await chaosRedis();
  const redis = connectRedis(server.url, { maxRetriesPerRequest: null });
  redis.on('error', () => {});
  const channels: ChaosChannel[] = [
    await xChannel(),
    await emailChannel(),
    await calendarChannel(),
    await webhookChannel(),
  ];
  const accounts = Object.assign({}, ...channels.map((c) => c.secrets));
  const secrets = writeSecretsFile({ accounts });
  const config = join(server.dir, 'executor-config.json');
  await import('node:fs').then((fs) =>
    fs.writeFileSync(
      config,
      JSON.stringify({
        defaultRateLimit: { points: 1_000_000, durationSec: 60 },
        maxRetries: 50,
        backoff: { baseMs: 100, maxMs: 2000 },
        concurrency: 64,
      }),
    ),
  );
  /** A replica counts as ready once it logged "executor running"; only ready replicas are killed. */
  const procs: Array<{ c: ChaosChannel; p: ServiceProcess; ready: boolean; killed: boolean }> = [];
  let stopping = false;
  /** Replicas that exited without being killed, or never came up: each one is a violation. */
  const unexpectedExits: string[] = [];
  const launch = (c: ChaosChannel): Promise<void> => {
    const p = startService(c.entry, {
      ...c.env,
      REDIS_URL: server.url,
      OPS_PREFIX: prefix,
      OPS_SECRETS_FILE: secrets,
      OPS_CONFIG_FILE: config,
      OPS_LEASE_TTL_MS: '2000',
      OPS_LOCAL_GATE_FILE: join(server.dir, 'gate.json'),
      LOG_LEVEL: 'info',
    });
    const replica = { c, p, ready: false, killed: false };
    procs.push(replica);
    // A replica that dies on its own (not one of ours) is a finding, and is replaced so the
    // channel keeps its consumers.
    void p.exited.then(({ code, signal }) => {
      if (stopping || replica.killed) return;
      unexpectedExits.push(`${c.channel} replica pid ${p.child.pid} exited (${code ?? signal}) on its own`);
      // Replaced, but not forever: a replica that cannot start at all is reported, not respawned.
      if (unexpectedExits.length <= 10) void launch(c).catch(() => {});
    });
    return p.waitForLog('executor running', READY_TIMEOUT_MS).then(
      () => {
        replica.ready = true;
      },
      (err: Error) => {
        throw new Error(`${c.channel}-executor (pid ${p.child.pid}) did not come up: ${err.message}`);
      },
    );
  };
  const stopAll = async () => {
    stopping = true;
    await Promise.all(procs.map(({ p }) => p.kill('SIGKILL')));
    await Promise.all(channels.map((c) => c.stop()));
    redis.disconnect();
    await server.stop();
  };
  try {
    // Every replica up before anything is produced: a start on two busy cores takes seconds.
    await Promise.all(channels.flatMap((c) => Array.from({ length: REPLICAS }, () => launch(c))));
    log(`${procs.length} replicas ready`);

    // Intents, spread over channels and accounts; one in ten written twice.
    const keys = new Map(channels.map((c) => [c.channel, new Map<string, string>()]));
    const weights: Array<[ChaosChannel, number]> = channels.map((c) => [c, c.channel === 'x' ? 0.4 : 0.2]);
    const produce = async (from: number, to: number) => {
      // One pipeline per channel: on a cluster a pipeline must stay within one slot.
      const pipelines = new Map<string, ReturnType<typeof redis.pipeline>>();
      const pipelineOf = (channel: string) => {
        let p = pipelines.get(channel);
        if (!p) {
          p = redis.pipeline();
          pipelines.set(channel, p);
        }
        return p;
      };
      for (let i = from; i < to; i += 1) {
        const c = weighted(weights, random());
        const account = c.accounts[Math.floor(random() * c.accounts.length)] as string;
        const key = `chaos-${c.channel}-${i}`;
        const marker = `chaos ${SEED} ${key}`;
        keys.get(c.channel)?.set(key, marker);
        const json = JSON.stringify(c.intent(key, account, marker));
        const pipeline = pipelineOf(c.channel);
        pipeline.xadd(channelKeys(prefix, c.channel).intents, '*', 'intent', json);
        if (random() < 0.1) pipeline.xadd(channelKeys(prefix, c.channel).intents, '*', 'intent', json);
      }
      await Promise.all([...pipelines.values()].map((p) => p.exec()));
    };

    /** SIGKILLs one ready replica, chosen at random, and relaunches it soon; false when none is ready. */
    const killOneReady = async (): Promise<boolean> => {
      const ready = procs.filter(
        (r) => r.ready && !r.killed && r.p.child.exitCode === null && r.p.child.signalCode === null,
      );
      const v = ready[Math.floor(random() * ready.length)];
      if (!v) return false;
      v.killed = true;
      await v.p.kill('SIGKILL');
      void sleep(200 + random() * 800)
        .then(() => launch(v.c))
        .catch((err: Error) => unexpectedExits.push(err.message));
      return true;
    };

    // Producing, faults and kills all at once, over a window long enough for the kills.
    const windowMs = Math.max(8000, KILLS * 700);
    let produced = 0;
    let kills = 0;
    let faults = 0;
    let restarted = false;
    const t0 = Date.now();
    while (Date.now() - t0 < windowMs) {
      const due = Math.min(INTENTS, Math.ceil((INTENTS * (Date.now() - t0)) / (windowMs * 0.8)));
      if (due > produced) {
        await produce(produced, due);
        produced = due;
      }
      if (kills < KILLS && Date.now() - t0 > ((kills + 0.5) * windowMs) / (KILLS + 1)) {
        if (await killOneReady()) kills += 1;
      }
      if (!restarted && Date.now() - t0 > windowMs / 2) {
        restarted = true;
        log('killing and restarting Redis');
        await server.restart();
      }
      if (random() < 0.3) {
        const c = channels[Math.floor(random() * channels.length)] as ChaosChannel;
        c.fault(random);
        faults += 1;
      }
      await sleep(100);
    }
    if (produced < INTENTS) await produce(produced, INTENTS);
    // On a loaded machine a kill's moment can come while no replica is ready (the last victim
    // is still starting): the planned kills still happen, each as soon as a replica is ready.
    const killsDeadline = Date.now() + READY_TIMEOUT_MS;
    while (kills < KILLS && Date.now() < killsDeadline) {
      if (await killOneReady()) kills += 1;
      else await sleep(100);
    }
    if (kills < KILLS)
      unexpectedExits.push(`only ${kills} of ${KILLS} kills: no replica became ready in time`);
    log(
      `produced ${INTENTS}, ${kills} kills, ${faults} faults, 1 Redis restart; waiting for every key to settle`,
    );

    const total = [...keys.values()].reduce((n, m) => n + m.size, 0);
    for (;;) {
      let done = 0;
      let pending = 0;
      for (const c of channels) {
        done += await redis.hlen(channelKeys(prefix, c.channel).done);
        // Duplicates of a terminal key are acknowledged by the reclaimer after the lease TTL.
        pending += await pendingOrUnknown(redis, c.channel);
      }
      if (done >= total && pending === 0) break;
      if (Date.now() - started > DEADLINE_MS) {
        log(`deadline passed with ${done}/${total} keys settled`);
        break;
      }
      await sleep(1000);
    }
    await sleep(1500);

    const rows: ChannelSummary[] = [];
    const violations: string[] = [];
    for (const c of channels) {
      const v = await verify(redis, prefix, c, keys.get(c.channel) as Map<string, string>);
      rows.push(v.summary);
      violations.push(...v.violations);
    }
    const scan = await scanForSecrets(
      redis,
      prefix,
      procs.map(({ p }) => p.output()),
      secretValues(accounts),
    );
    violations.push(...scan.hits.slice(0, 20).map((h) => `secret found in ${h}`));
    console.log(summaryTable(rows));
    console.log(
      `\nsecrets scan: ${scan.lines} log lines and ${scan.entries} stream entries, ${scan.hits.length} hits`,
    );
    console.log(
      `\n${INTENTS} intents, ${kills} SIGKILLs, ${faults} injected faults, 1 Redis ${CLUSTER ? 'master ' : ''}restart (appendfsync always)${CLUSTER ? ', 3-master cluster' : ''}, seed ${SEED}, ${((Date.now() - started) / 1000).toFixed(0)} s`,
    );
    violations.push(...unexpectedExits);
    if (violations.length > 0) {
      console.log(`\n${violations.length} violations:\n${violations.slice(0, 50).join('\n')}`);
      return 1;
    }
    console.log(
      'no violations: zero duplicate effects, zero lost intents, every key terminal or parked with a reason, nothing pending, no lease left',
    );
    return 0;
  } finally {
    await stopAll();
  }
}

process.exitCode = await main();
