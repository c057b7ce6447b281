import { join } from 'node:path';
import { channelKeys } from '@agent-ops/contracts/keys';
import type { FakeX } from '@agent-ops/testkit/fake-x';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { type ServiceProcess, startService, writeSecretsFile } from '@agent-ops/testkit/processes';
import { type RedisServer, startRedisServer } from '@agent-ops/testkit/redis-server';
import { pendingCount, receipts, xaddIntent } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACCOUNTS, post, startFakeX } from './helpers.ts';

// Issue 13: X returns a post's text rendered (t.co links, `&<>` escaped, reply mentions), and
// a reconcile comparing raw text found nothing after a takeover, so the retry met X's
// duplicate-content 403 and keys ended `failed` with their post live. Here real executor
// processes are SIGKILLed while X holds calls it has acted on, over posts and replies whose
// text X renders differently from what was sent.
const ENTRY = join(import.meta.dirname, '..', 'src', 'main.ts');
const secretsFile = writeSecretsFile({
  accounts: { antifund: { x: ACCOUNTS.antifund }, personal: { x: ACCOUNTS.personal } },
});

let server: RedisServer;
let redis: Redis;
let fake: FakeX;
const prefix = testPrefix();
let procs: ServiceProcess[] = [];

beforeAll(async () => {
  server = await startRedisServer();
  redis = redisClient(server.url);
  fake = await startFakeX({ latencyMs: 20 });
});
afterAll(async () => {
  await Promise.all(procs.map((p) => p.kill('SIGKILL')));
  redis.disconnect();
  await fake.stop();
  await server.stop();
});

async function executor(): Promise<ServiceProcess> {
  const proc = startService(ENTRY, {
    REDIS_URL: server.url,
    OPS_PREFIX: prefix,
    OPS_SECRETS_FILE: secretsFile,
    X_API_BASE_URL: fake.url,
    OPS_LEASE_TTL_MS: '1500',
    OPS_LOCAL_GATE_FILE: join(server.dir, 'executor_gate.json'),
  });
  procs.push(proc);
  await proc.waitForLog('executor running');
  return proc;
}

/** Texts X renders unlike what was sent: links of each shape, `&<>`, emoji, combining characters. */
const SHAPES = [
  (i: number) => `Launch ${i} & friends: https://example.com/launch/${i}?ref=a&utm=b`,
  (i: number) => `<b>${i}</b> see example.org/p/${i}, then https://sub.example.co.uk/ü/${i}.`,
  (i: number) => `cafe\u0301 ${i} — naïve & 日本語 😀👩‍👩‍👧 (https://example.com/x/${i})`,
  (i: number) => `  ${i} &amp; a literal, &lt;3 and www.example.com/w/${i} > all\n`,
];

function reply(key: string, text: string, parent: string, account = 'antifund') {
  return {
    v: 1,
    idempotencyKey: key,
    action: 'x.reply',
    account,
    payload: { text, inReplyToPostId: parent },
  };
}

describe('crash test: SIGKILLs mid-call, against an X that renders text as X does', () => {
  it('every key succeeds with its real post id, no key fails while its post exists, no duplicate', async () => {
    // Parents to reply to: one by another user (X puts "@me" in front), one of the account's own.
    const theirs = fake.seedPost('1002', 'a post to reply to');
    const ours = fake.seedPost('1001', 'our own thread start');
    const texts = new Map<string, string>();
    let n = 0;
    const add = async (count: number) => {
      for (let i = 0; i < count; i += 1, n += 1) {
        const key = `rendered-${n}`;
        const text = (SHAPES[n % SHAPES.length] as (i: number) => string)(n);
        if (n % 5 === 4) {
          // Every tenth replies to someone else and begins with its own mention, which stays;
          // X puts its automatic mentions in front.
          const [replyText, parent] = n % 10 === 4 ? [`@me thanks ${text}`, theirs.id] : [text, ours.id];
          texts.set(key, replyText);
          await xaddIntent(redis, prefix, 'x', reply(key, replyText, parent));
        } else {
          texts.set(key, text);
          await xaddIntent(redis, prefix, 'x', post(key, text));
        }
      }
    };

    await Promise.all([executor(), executor()]);
    for (let round = 0; round < 4; round += 1) {
      // X acts on one post and never answers, and acts on another and drops the connection.
      fake.inject({ kind: 'act_then_hang' });
      fake.inject({ kind: 'act_then_drop' });
      const hungBefore = fake.calls.filter((c) => c.fault === 'act_then_hang' && c.acted).length;
      await add(12);
      await waitFor(
        () => fake.calls.filter((c) => c.fault === 'act_then_hang' && c.acted).length > hungBefore,
        `round ${round}: X to act on a call it will not answer`,
        30_000,
      );
      // The replica waiting on that answer dies mid-call, and so does the other, wherever it was.
      await Promise.all(procs.map((p) => p.kill('SIGKILL')));
      procs = [];
      await Promise.all([executor(), executor()]);
    }
    fake.clearFaults();

    const all = await waitFor(
      async () => {
        const r = await receipts(redis, prefix, 'x');
        return r.length >= texts.size && (await pendingCount(redis, prefix, 'x')) === 0 ? r : undefined;
      },
      `receipts for ${texts.size} keys and nothing pending`,
      90_000,
    );
    expect(all.map((r) => r.idempotencyKey).sort()).toEqual([...texts.keys()].sort());
    for (const r of all) {
      const made = fake.postsWithText(texts.get(r.idempotencyKey) as string);
      expect(made, `posts of ${r.idempotencyKey}`).toHaveLength(1);
      expect(r, r.idempotencyKey).toMatchObject({
        status: 'succeeded',
        externalId: made[0]?.id,
        error: null,
      });
    }
    // Every post X made belongs to a key: nothing twice, nothing nobody asked for.
    expect(fake.tweets.filter((t) => t !== theirs && t !== ours)).toHaveLength(texts.size);
    expect(fake.calls.filter((c) => c.fault === 'act_then_hang' && c.acted).length).toBeGreaterThanOrEqual(4);
    const k = channelKeys(prefix, 'x');
    expect(await redis.hlen(k.leases)).toBe(0);
    expect(await redis.hlen(k.armed)).toBe(0);
    expect(await redis.xlen(k.deadletter)).toBe(0);
  }, 240_000);
});
