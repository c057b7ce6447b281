import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Channel } from '@agent-ops/contracts/channels';
import { DeadletterSchema } from '@agent-ops/contracts/deadletter';
import { channelKeys } from '@agent-ops/contracts/keys';
import type { Receipt } from '@agent-ops/contracts/receipt';
import { setGate, waitForEffectsToSettle } from '@agent-ops/runtime/gate-control';
import { connectRedis, connectRedisServer } from '@agent-ops/runtime/redis-connection';
import type { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testPrefix } from './isolation.ts';
import { type ServiceProcess, startService } from './processes.ts';
import { startRedisCluster } from './redis-cluster.ts';
import { startRedisServer } from './redis-server.ts';
import { deadletters, pendingCount, receipts, xaddIntent } from './streams.ts';
import { waitFor } from './wait.ts';

/** What the suite needs from a channel's fake API. A marker identifies one intent's effect. */
export type ConformanceFake = {
  /** Effects carried out for the intent with this marker. */
  effects(marker: string): number;
  /** When each effect was carried out (epoch ms), across all markers. */
  effectTimes(): number[];
  /** Requests that tried to carry out an effect, answered or not. */
  attempts(): number;
  /** The next effect request: held and never acted on ('hold'), or acted on and never answered. */
  inject(kind: 'hold' | 'act_then_hang'): void;
  setOutageUntil(epochMs: number): void;
  /** Called after an effect, before the answer. */
  setOnAct(fn: (() => Promise<void>) | null): void;
  stop(): Promise<void>;
};

/** The part of a ConformanceFake that every fake in the test kit has in the same shape. */
export function fakeControls(fake: {
  outageUntil: number;
  onAct: ((...args: never[]) => void | Promise<void>) | null;
  stop(): Promise<void>;
}): Pick<ConformanceFake, 'setOutageUntil' | 'setOnAct' | 'stop'> {
  return {
    setOutageUntil: (ms) => {
      fake.outageUntil = ms;
    },
    setOnAct: (fn) => {
      fake.onAct = fn;
    },
    stop: () => fake.stop(),
  };
}

export type ConformanceTarget = {
  channel: Channel;
  /** The service entry, run with Node as users run it. */
  entry: string;
  /** Starts the fake and returns the environment (secrets file, API URLs) the executor needs. */
  startFake(): Promise<{ fake: ConformanceFake; env: Record<string, string> }>;
  /** A valid intent of the channel whose effect carries `marker`. */
  intent(key: string, marker: string): Record<string, unknown>;
  /**
   * What a takeover of an armed attempt ends in: `reconciles` (the API can be asked, or it
   * dedupes, so the key succeeds with one effect), or `parks-after-effect` (the channel knows
   * when no effect can have happened yet, as email knows from its final-dot mark, and then
   * carries the intent out once; once the API may have acted, nobody can tell: an `unknown`
   * receipt for a person).
   */
  takeover: 'reconciles' | 'parks-after-effect';
};

const LEASE_TTL_MS = 1500;

/** Runs an admin command on every node (a Cluster client would send it to one node only). */
async function onEveryNode(
  nodes: Array<{ url: string }>,
  env: Record<string, string>,
  command: string[],
): Promise<void> {
  await Promise.all(
    nodes.map(async (n) => {
      const r = connectRedisServer(n.url, {}, env);
      try {
        await r.call(command[0] as string, ...command.slice(1));
      } finally {
        r.disconnect();
      }
    }),
  );
}

export type ConformanceOptions = {
  /** A 3-master Redis Cluster instead of one server. */
  cluster?: boolean;
  /** Redis over TLS only (no plain port); clients trust its CA through REDIS_CA_FILE. */
  tls?: boolean;
};

function suiteName(channel: Channel, options: ConformanceOptions): string {
  const on = options.cluster ? ' on a 3-master Redis Cluster' : '';
  return `conformance: ${channel}-executor${on}${options.tls ? ' over TLS' : ''}`;
}

/** The runtime's promises, checked against one executor with real processes and a real Redis (or Cluster). */
export function conformanceSuite(target: ConformanceTarget, options: ConformanceOptions = {}): void {
  describe(suiteName(target.channel, options), () => {
    let server: {
      url: string;
      nodes: Array<{ url: string }>;
      clientEnv: Record<string, string>;
      stop(): Promise<void>;
    };
    let redis: Redis | Cluster;
    let fake: ConformanceFake;
    let env: Record<string, string>;
    let procs: ServiceProcess[] = [];
    let prefix = '';
    const dir = mkdtempSync(join(tmpdir(), `conformance-${target.channel}-`));

    beforeAll(async () => {
      const tls = options.tls ?? false;
      if (options.cluster) {
        server = await startRedisCluster({ tls });
      } else {
        const single = await startRedisServer(tls ? { tls: {} } : {});
        server = { url: single.url, nodes: [single], clientEnv: single.clientEnv, stop: single.stop };
      }
      redis = connectRedis(server.url, { maxRetriesPerRequest: 3 }, server.clientEnv);
      ({ fake, env } = await target.startFake());
    });
    afterEach(async () => {
      await Promise.all(procs.map((p) => p.kill('SIGKILL')));
      procs = [];
      fake.setOnAct(null);
      fake.setOutageUntil(0);
    });
    afterAll(async () => {
      redis.disconnect();
      await fake.stop();
      await server.stop();
    });

    async function executor(config: Record<string, unknown> = {}): Promise<ServiceProcess> {
      const configFile = join(dir, `${prefix}.json`);
      writeFileSync(
        configFile,
        JSON.stringify({ backoff: { baseMs: 50, maxMs: 200 }, maxRetries: 30, ...config }),
      );
      const proc = startService(target.entry, {
        ...env,
        ...server.clientEnv,
        REDIS_URL: server.url,
        OPS_PREFIX: prefix,
        OPS_LEASE_TTL_MS: String(LEASE_TTL_MS),
        OPS_CONFIG_FILE: configFile,
        OPS_LOCAL_GATE_FILE: join(dir, 'no-gate-file.json'),
      });
      procs.push(proc);
      await proc.waitForLog('executor running');
      return proc;
    }

    async function add(key: string): Promise<string> {
      return xaddIntent(redis, prefix, target.channel, target.intent(key, `marker-${prefix}-${key}`));
    }

    /** Every key has a terminal receipt; nothing pending, leased or armed. */
    async function settled(keys: string[]): Promise<Map<string, Receipt>> {
      const all = await waitFor(
        async () => {
          const r = await receipts(redis, prefix, target.channel);
          return r.length >= keys.length && (await pendingCount(redis, prefix, target.channel)) === 0
            ? r
            : undefined;
        },
        `receipts for ${keys.length} keys and nothing pending`,
        30_000,
      );
      expect(all.map((r) => r.idempotencyKey).sort()).toEqual([...keys].sort());
      const k = channelKeys(prefix, target.channel);
      expect(await redis.hlen(k.leases)).toBe(0);
      expect(await redis.hlen(k.armed)).toBe(0);
      return new Map(all.map((r) => [r.idempotencyKey, r]));
    }

    const effects = (key: string) => fake.effects(`marker-${prefix}-${key}`);

    it('two replicas over a stream holding every key three times: one effect and one receipt per key', async () => {
      prefix = testPrefix();
      await Promise.all([executor(), executor()]);
      const keys = Array.from({ length: 6 }, (_, i) => `dup-${i}`);
      for (let round = 0; round < 3; round += 1) for (const key of keys) await add(key);
      const byKey = await settled(keys);
      for (const key of keys) {
        expect(effects(key), key).toBe(1);
        expect(byKey.get(key)?.status).toBe('succeeded');
      }
    });

    it('deadletters an invalid entry and rejects an action of another channel, with well-formed records', async () => {
      prefix = testPrefix();
      await executor();
      const id = await redis.xadd(
        channelKeys(prefix, target.channel).intents,
        '*',
        'intent',
        '{"v":1}',
        'trace',
        't-1',
      );
      const foreign = target.channel === 'x' ? 'webhook.call' : 'x.post';
      const payload = foreign === 'x.post' ? { text: 'elsewhere' } : { endpoint: 'deploy' };
      await xaddIntent(redis, prefix, target.channel, {
        v: 1,
        idempotencyKey: 'foreign-1',
        action: foreign,
        account: 'acme',
        payload,
      });
      const byKey = await settled(['foreign-1']);
      expect(byKey.get('foreign-1')).toMatchObject({
        status: 'rejected',
        error: { code: 'wrong_channel', retryable: false },
      });
      const [dl] = await deadletters(redis, prefix, target.channel);
      expect(dl).toMatchObject({ intent: '{"v":1}', trace: 't-1', intentId: id });
      expect(DeadletterSchema.parse(dl).reason).toMatch(/idempotencyKey: /);
    });

    const afterTakeover = target.takeover === 'reconciles' ? 'succeeded' : 'unknown';

    it("killed before the call (request held, never acted on): the next owner's outcome is one effect, succeeded", async () => {
      prefix = testPrefix();
      const first = await executor();
      fake.inject('hold');
      const before = fake.attempts();
      await add('before-1');
      await waitFor(() => fake.attempts() > before, 'the request to reach the fake');
      await first.kill('SIGKILL');
      await executor();
      const byKey = await settled(['before-1']);
      expect(byKey.get('before-1')?.status).toBe('succeeded');
      expect(effects('before-1')).toBe(1);
    });

    it(`killed during the call (acted, no answer): ${afterTakeover}, and never a second effect`, async () => {
      prefix = testPrefix();
      const first = await executor();
      fake.inject('act_then_hang');
      await add('during-1');
      await waitFor(() => effects('during-1') === 1, 'the fake to act');
      await first.kill('SIGKILL');
      await executor();
      const byKey = await settled(['during-1']);
      expect(byKey.get('during-1')?.status).toBe(afterTakeover);
      expect(effects('during-1')).toBe(1);
    });

    it(`killed after the call, before commit (writes paused): ${afterTakeover}, one effect`, async () => {
      prefix = testPrefix();
      const first = await executor();
      fake.setOnAct(() => onEveryNode(server.nodes, server.clientEnv, ['CLIENT', 'PAUSE', '10000', 'WRITE']));
      await add('after-1');
      await waitFor(() => effects('after-1') === 1, 'the fake to act');
      await new Promise((r) => setTimeout(r, 300));
      await first.kill('SIGKILL');
      fake.setOnAct(null);
      await onEveryNode(server.nodes, server.clientEnv, ['CLIENT', 'UNPAUSE']);
      await executor();
      const byKey = await settled(['after-1']);
      expect(byKey.get('after-1')?.status).toBe(afterTakeover);
      expect(effects('after-1')).toBe(1);
    });

    it('holds a rate limit of 2 a second across two replicas, counted at the fake', async () => {
      prefix = testPrefix();
      const limits = { accounts: { acme: { rateLimits: { '*': { points: 2, durationSec: 1 } } } } };
      const startedAt = Date.now();
      await Promise.all([executor(limits), executor(limits)]);
      const keys = Array.from({ length: 6 }, (_, i) => `rl-${i}`);
      for (const key of keys) await add(key);
      await settled(keys);
      const times = fake.effectTimes().filter((t) => t >= startedAt);
      expect(times).toHaveLength(6);
      // Fixed windows start at a consume, and an effect reaches the fake some time after its
      // consume (up to SLACK; a process's first call may fetch an OAuth token first). Any five
      // effects span three windows, so at least one whole window: five within less than
      // 1000 - SLACK would break the limit. Measured over sliding runs of five rather than from
      // the first effect, one slow first call on a loaded machine cannot make the limiter look
      // broken. Without the limiter all six would land within a few tens of ms.
      const SLACK = 400;
      for (let i = 0; i + 4 < times.length; i += 1) {
        expect(
          (times[i + 4] as number) - (times[i] as number),
          `effects ${i}..${i + 4}`,
        ).toBeGreaterThanOrEqual(1000 - SLACK);
      }
    });

    it('opens the breaker during an outage, closes it afterwards, and loses nothing', async () => {
      prefix = testPrefix();
      await executor({ breaker: { volumeThreshold: 3, resetTimeoutMs: 400, errorThresholdPercentage: 50 } });
      // The outage lasts until the breaker has opened, however long a loaded machine takes to
      // send the three failing calls that open it; then the API recovers.
      fake.setOutageUntil(Date.now() + 120_000);
      const keys = Array.from({ length: 4 }, (_, i) => `storm-${i}`);
      for (const key of keys) await add(key);
      const state = async () =>
        JSON.parse((await redis.hget(channelKeys(prefix, target.channel).breakers, 'acme')) ?? '{}').state;
      await waitFor(async () => (await state()) === 'open', 'the breaker to open', 60_000);
      fake.setOutageUntil(0);
      const byKey = await settled(keys);
      for (const key of keys) {
        expect(byKey.get(key)?.status).toBe('succeeded');
        expect(effects(key)).toBe(1);
      }
      expect(await state()).toBe('closed');
    });

    it('an outage is waited out, not failed: intents due throughout are each carried out once after it', async () => {
      prefix = testPrefix();
      // No cap on attempts (the default) and a breaker that stays closed, so every retry
      // reaches the fake and is refused: far past the 1 + 8 tries an attempt cap used to allow.
      await executor({
        maxRetries: null,
        backoff: { baseMs: 20, maxMs: 100 },
        breaker: { volumeThreshold: 100_000 },
      });
      const before = fake.attempts();
      fake.setOutageUntil(Date.now() + 300_000);
      const early = ['outage-0', 'outage-1', 'outage-2'];
      for (const key of early) await add(key);
      await waitFor(() => fake.attempts() - before >= 36, '36 refused attempts of three keys', 30_000);
      const late = ['outage-3', 'outage-4'];
      for (const key of late) await add(key);
      await waitFor(() => fake.attempts() - before >= 60, '24 more refused attempts', 30_000);
      fake.setOutageUntil(0);
      const byKey = await settled([...early, ...late]);
      for (const key of [...early, ...late]) {
        expect(byKey.get(key)?.status, key).toBe('succeeded');
        expect(effects(key), key).toBe(1);
      }
    }, 90_000);

    it('gate off: once it returns, no request reaches the fake; gate on: the held work is done', async () => {
      prefix = testPrefix();
      await executor();
      await add('g-0');
      await settled(['g-0']);
      await setGate(redis, prefix, target.channel, { enabled: false, by: 'conformance', reason: 'test' });
      expect((await waitForEffectsToSettle(redis, prefix, target.channel, 5000)).settled).toBe(true);
      const attempts = fake.attempts();
      for (const key of ['g-1', 'g-2', 'g-3']) await add(key);
      await new Promise((r) => setTimeout(r, 1200));
      expect(fake.attempts()).toBe(attempts);
      await setGate(redis, prefix, target.channel, { enabled: true, by: 'conformance', reason: 'test' });
      await settled(['g-0', 'g-1', 'g-2', 'g-3']);
      for (const key of ['g-1', 'g-2', 'g-3']) expect(effects(key)).toBe(1);
    });
  });
}
