import { join } from 'node:path';
import { channelKeys } from '@agent-ops/contracts/keys';
import type { FakeX } from '@agent-ops/testkit/fake-x';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { type ServiceProcess, startService, writeSecretsFile } from '@agent-ops/testkit/processes';
import { type RedisServer, startRedisServer } from '@agent-ops/testkit/redis-server';
import { pendingCount, receipts, xaddIntent } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { ACCOUNTS, post, startFakeX } from './helpers.ts';

// Real executor processes, killed with SIGKILL at chosen moments; a private Redis per test
// so it can be paused and restarted. Counted at the fake: one post per key, one receipt per key.
const ENTRY = join(import.meta.dirname, '..', 'src', 'main.ts');
const LEASE_TTL_MS = 1500;
const secretsFile = writeSecretsFile({ accounts: { antifund: { x: ACCOUNTS.antifund } } });

type World = { server: RedisServer; redis: Redis; fake: FakeX; prefix: string; procs: ServiceProcess[] };
const worlds: World[] = [];

async function world(options: { appendfsync?: 'always' } = {}): Promise<World> {
  const server = await startRedisServer(options);
  const w: World = {
    server,
    redis: redisClient(server.url),
    fake: await startFakeX(),
    prefix: testPrefix(),
    procs: [],
  };
  worlds.push(w);
  return w;
}

async function executor(w: World): Promise<ServiceProcess> {
  const proc = startService(ENTRY, {
    REDIS_URL: w.server.url,
    OPS_PREFIX: w.prefix,
    OPS_SECRETS_FILE: secretsFile,
    X_API_BASE_URL: w.fake.url,
    OPS_LEASE_TTL_MS: String(LEASE_TTL_MS),
    OPS_LOCAL_GATE_FILE: join(w.server.dir, 'executor_gate.json'),
  });
  w.procs.push(proc);
  await proc.waitForLog('executor running');
  return proc;
}

afterEach(async () => {
  for (const w of worlds.splice(0)) {
    await Promise.all(w.procs.map((p) => p.kill('SIGKILL')));
    w.redis.disconnect();
    await w.fake.stop();
    await w.server.stop();
  }
});

/** Every key has exactly one post and one terminal receipt; nothing pending, leased or armed. */
async function expectSettled(w: World, texts: Record<string, string>) {
  const keys = Object.keys(texts);
  const all = await waitFor(
    async () => {
      const r = await receipts(w.redis, w.prefix, 'x');
      return r.length >= keys.length && (await pendingCount(w.redis, w.prefix, 'x')) === 0 ? r : undefined;
    },
    `receipts for ${keys.length} keys and nothing pending`,
    30_000,
  );
  expect(all.map((r) => r.idempotencyKey).sort()).toEqual([...keys].sort());
  for (const r of all) {
    const text = texts[r.idempotencyKey] as string;
    const posts = w.fake.postsWithText(text);
    expect(posts, `posts of ${r.idempotencyKey}`).toHaveLength(1);
    expect(r).toMatchObject({ status: 'succeeded', externalId: posts[0]?.id });
  }
  const k = channelKeys(w.prefix, 'x');
  expect(await w.redis.hlen(k.leases)).toBe(0);
  expect(await w.redis.hlen(k.armed)).toBe(0);
  return all;
}

describe('crash tests: SIGKILL of a real executor process', () => {
  it('killed before the call (armed, request not sent): the next owner reconciles, then posts once', async () => {
    const w = await world();
    const first = await executor(w);
    // The account check at start asks who it is too (GET /2/users/me): let it be done first.
    await waitFor(
      async () => (await w.redis.hget(channelKeys(w.prefix, 'x').accounts, 'antifund')) !== null,
      'the account check at start',
    );
    // The executor asks who it is right before posting; hang there, after begin armed the attempt.
    w.fake.inject({ kind: 'act_then_hang' }, { method: 'GET', path: /^\/2\/users\/me$/ });
    await xaddIntent(w.redis, w.prefix, 'x', post('before-1', 'killed before the call'));
    await waitFor(
      () => w.fake.calls.some((c) => c.path === '/2/users/me' && c.fault === 'act_then_hang'),
      'the executor to reach the API',
    );
    expect(await w.redis.hlen(channelKeys(w.prefix, 'x').armed)).toBe(1);
    await first.kill('SIGKILL');
    expect(w.fake.postCalls()).toHaveLength(0);
    await executor(w);
    const [receipt] = await expectSettled(w, { 'before-1': 'killed before the call' });
    expect(receipt?.attempts).toBe(2);
  });

  it('killed during the call (X acted, no answer yet): the next owner finds the post, no second call', async () => {
    const w = await world();
    const first = await executor(w);
    w.fake.inject({ kind: 'act_then_hang' });
    await xaddIntent(w.redis, w.prefix, 'x', post('during-1', 'killed during the call'));
    await waitFor(() => w.fake.postsWithText('killed during the call').length === 1, 'X to act');
    await first.kill('SIGKILL');
    await executor(w);
    await expectSettled(w, { 'during-1': 'killed during the call' });
    expect(w.fake.postCalls()).toHaveLength(1);
  });

  it('killed after the call, before commit (writes paused at that moment): reconciled as succeeded', async () => {
    const w = await world();
    const first = await executor(w);
    // Redis holds every write while paused, and drops a held command whose client has died.
    w.fake.onAct = async () => {
      await w.redis.call('CLIENT', 'PAUSE', '10000', 'WRITE');
    };
    await xaddIntent(w.redis, w.prefix, 'x', post('after-1', 'killed before commit'));
    await waitFor(() => w.fake.postsWithText('killed before commit').length === 1, 'X to act');
    await new Promise((r) => setTimeout(r, 300)); // the answer arrives; the commit waits on the pause
    await first.kill('SIGKILL');
    w.fake.onAct = null;
    await w.redis.call('CLIENT', 'UNPAUSE');
    expect(await receipts(w.redis, w.prefix, 'x')).toHaveLength(0);
    await executor(w);
    await expectSettled(w, { 'after-1': 'killed before commit' });
    expect(w.fake.postCalls()).toHaveLength(1);
  });

  it('an owner stalled past its lease (SIGSTOP, then SIGCONT) cannot commit over the owner that took over', async () => {
    const w = await world();
    const stalled = await executor(w);
    // The stalled owner's request gets a 400 (a "failed" outcome), answered only when the test says.
    let answerStalled = () => {};
    const stalledAnswer = new Promise<void>((r) => {
      answerStalled = r;
    });
    w.fake.inject({ kind: 'status', status: 400, until: stalledAnswer });
    await xaddIntent(w.redis, w.prefix, 'x', post('stall-1', 'stalled owner'));
    await waitFor(() => w.fake.postCalls().length === 1, 'the first owner to send its request');
    stalled.child.kill('SIGSTOP');

    // The next owner takes over after the lease TTL, finds no post, and posts; its answer is held.
    let answerNext = () => {};
    const nextAnswer = new Promise<void>((r) => {
      answerNext = r;
    });
    w.fake.onAct = () => nextAnswer;
    await executor(w);
    await waitFor(() => w.fake.postsWithText('stalled owner').length === 1, 'the next owner to post');

    // The stalled owner wakes up and gets its 400 before the next owner commits: fenced out.
    stalled.child.kill('SIGCONT');
    answerStalled();
    await stalled.waitForLog('lease lost during the attempt');
    expect(await receipts(w.redis, w.prefix, 'x')).toHaveLength(0);
    w.fake.onAct = null;
    answerNext();

    const [receipt] = await expectSettled(w, { 'stall-1': 'stalled owner' });
    expect(receipt).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(await w.redis.xlen(channelKeys(w.prefix, 'x').deadletter)).toBe(0);
    expect(stalled.child.exitCode).toBeNull();
  });

  it('two replicas and a stream holding duplicates: one post and one receipt per key', async () => {
    const w = await world();
    w.fake.latencyMs = 20;
    await Promise.all([executor(w), executor(w)]);
    const texts: Record<string, string> = {};
    for (let round = 0; round < 3; round += 1) {
      for (let i = 0; i < 15; i += 1) {
        texts[`dup-${i}`] = `duplicate text ${i}`;
        await xaddIntent(w.redis, w.prefix, 'x', post(`dup-${i}`, `duplicate text ${i}`));
      }
    }
    await expectSettled(w, texts);
    expect(w.fake.postCalls()).toHaveLength(15);
  });

  it('a replica killed mid-batch: the other takes its entries over after the lease TTL', async () => {
    const w = await world();
    w.fake.latencyMs = 100;
    const [a] = await Promise.all([executor(w), executor(w)]);
    const texts: Record<string, string> = {};
    for (let i = 0; i < 20; i += 1) {
      texts[`k-${i}`] = `takeover text ${i}`;
      await xaddIntent(w.redis, w.prefix, 'x', post(`k-${i}`, `takeover text ${i}`));
    }
    await waitFor(() => w.fake.postCalls().length >= 3, 'some posts');
    await a?.kill('SIGKILL');
    await expectSettled(w, texts);
  });

  it('Redis killed and restarted (appendfsync always) mid-run: nothing lost, nothing twice', async () => {
    const w = await world({ appendfsync: 'always' });
    w.fake.latencyMs = 30;
    await executor(w);
    const texts: Record<string, string> = {};
    for (let i = 0; i < 10; i += 1) {
      texts[`r-${i}`] = `restart text ${i}`;
      await xaddIntent(w.redis, w.prefix, 'x', post(`r-${i}`, `restart text ${i}`));
    }
    await waitFor(() => w.fake.postCalls().length >= 2, 'some posts');
    await w.server.restart();
    await waitFor(async () => (await w.redis.ping()) === 'PONG', 'Redis back');
    for (let i = 10; i < 20; i += 1) {
      texts[`r-${i}`] = `restart text ${i}`;
      await xaddIntent(w.redis, w.prefix, 'x', post(`r-${i}`, `restart text ${i}`));
    }
    await expectSettled(w, texts);
  });
});
