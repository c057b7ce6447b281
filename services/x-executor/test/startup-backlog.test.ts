import { join } from 'node:path';
import { channelKeys } from '@agent-ops/contracts/keys';
import type { FakeX } from '@agent-ops/testkit/fake-x';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { type ServiceProcess, startService, writeSecretsFile } from '@agent-ops/testkit/processes';
import { type RedisServer, startRedisServer } from '@agent-ops/testkit/redis-server';
import { deadletters, pendingCount, receipts, xaddIntent } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS, post, startFakeX } from './helpers.ts';

// A cold executor meets whatever producers left in the stream while it was down. The first
// batch it reads is the one that once crashed it: a re-sent done key followed by a new key
// made the first rate-limiter call run inside an auto-pipeline that predated the limiter's
// script, and ioredis died on the mismatch. Every kind of entry, in several orders, with and
// without auto-pipelining: every new key carried out once, and the process still running.
const ENTRY = join(import.meta.dirname, '..', 'src', 'main.ts');
const secretsFile = writeSecretsFile({ accounts: { antifund: { x: ACCOUNTS.antifund } } });

type Kind = 'done' | 'new' | 'duplicate' | 'rejected' | 'invalid';
const KINDS: Kind[] = ['done', 'new', 'duplicate', 'rejected', 'invalid'];
/** Every rotation of the kinds, and the reverse order: each kind comes first at least once. */
const ORDERS: Kind[][] = [
  ...KINDS.map((_, i) => [...KINDS.slice(i), ...KINDS.slice(0, i)]),
  [...KINDS].reverse(),
];

let server: RedisServer;
let fake: FakeX;
let redis: Redis;
beforeAll(async () => {
  server = await startRedisServer();
  fake = await startFakeX();
  redis = redisClient(server.url);
});
afterAll(async () => {
  redis.disconnect();
  await fake.stop();
  await server.stop();
});

function executor(prefix: string, autoPipelining: boolean): ServiceProcess {
  return startService(ENTRY, {
    REDIS_URL: server.url,
    OPS_PREFIX: prefix,
    OPS_SECRETS_FILE: secretsFile,
    X_API_BASE_URL: fake.url,
    OPS_LOCAL_GATE_FILE: join(server.dir, 'executor_gate.json'),
    OPS_REDIS_AUTO_PIPELINING: autoPipelining ? '1' : '0',
    // A duplicate met while its twin is in flight stays pending until the reclaimer's pass after the TTL.
    OPS_LEASE_TTL_MS: '1500',
  });
}

describe('a cold executor on a backlog', () => {
  for (const autoPipelining of [true, false]) {
    for (const order of ORDERS) {
      it(`${order.join(', ')} (auto-pipelining ${autoPipelining ? 'on' : 'off'})`, async () => {
        const prefix = testPrefix();
        const tag = `${prefix}-${order.join('')}`;
        // A key carried out by an earlier run, which then stopped gracefully.
        const first = executor(prefix, autoPipelining);
        await first.waitForLog('executor running');
        const done = post(`${tag}-done`, `done ${tag}`);
        await xaddIntent(redis, prefix, 'x', done);
        await waitFor(async () => (await receipts(redis, prefix, 'x')).length === 1, 'the first receipt');
        expect(await first.kill('SIGTERM')).toBe(0);

        const newKeys: string[] = [];
        const texts = new Map<string, string>();
        for (const kind of order) {
          if (kind === 'done') await xaddIntent(redis, prefix, 'x', done);
          if (kind === 'new') {
            for (let i = 0; i < 3; i += 1) {
              const key = `${tag}-new-${i}`;
              newKeys.push(key);
              texts.set(key, `new ${tag} ${i}`);
              await xaddIntent(redis, prefix, 'x', post(key, `new ${tag} ${i}`));
            }
          }
          if (kind === 'duplicate') {
            const key = `${tag}-dup`;
            newKeys.push(key);
            texts.set(key, `dup ${tag}`);
            const intent = post(key, `dup ${tag}`);
            await xaddIntent(redis, prefix, 'x', intent);
            await xaddIntent(redis, prefix, 'x', intent);
          }
          if (kind === 'rejected') await xaddIntent(redis, prefix, 'x', post(`${tag}-rej`, 'x', 'nobody'));
          if (kind === 'invalid') {
            await redis.xadd(
              channelKeys(prefix, 'x').intents,
              '*',
              'intent',
              '{"v":1,"idempotencyKey":"has spaces"}',
            );
          }
        }

        const cold = executor(prefix, autoPipelining);
        let running = true;
        try {
          await cold.waitForLog('executor running');
          const exited = cold.exited.then(({ code, signal }) => {
            if (running)
              throw new Error(`the executor exited (${code ?? signal}):\n${cold.output().slice(-3000)}`);
            return [];
          });
          const settled = waitFor(
            async () => {
              const r = await receipts(redis, prefix, 'x');
              const settled = newKeys.every((k) => r.some((x) => x.idempotencyKey === k));
              return settled && (await pendingCount(redis, prefix, 'x')) === 0 ? r : undefined;
            },
            `receipts for ${newKeys.join(', ')} and nothing pending`,
            30_000,
          );
          const all = await Promise.race([settled, exited]);
          for (const key of newKeys) {
            const mine = all.filter((r) => r.idempotencyKey === key);
            expect(mine, key).toHaveLength(1);
            expect(mine[0]?.status, key).toBe('succeeded');
            const posts = fake.postsWithText(texts.get(key) ?? '');
            expect(posts, `posts of ${key}`).toHaveLength(1);
            expect(mine[0]?.externalId).toBe(posts[0]?.id);
          }
          expect(all.filter((r) => r.idempotencyKey === done.idempotencyKey)).toHaveLength(1);
          expect(all.find((r) => r.idempotencyKey === `${tag}-rej`)?.status).toBe('rejected');
          expect((await deadletters(redis, prefix, 'x')).length).toBe(1);
          expect(cold.child.exitCode, cold.output().slice(-3000)).toBeNull();
          expect(cold.output()).not.toContain('rate limiter unavailable');
        } finally {
          running = false;
          expect(await cold.kill('SIGTERM'), cold.output().slice(-3000)).toBe(0);
        }
      }, 60_000);
    }
  }
});
