import { generateKeyPairSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signApproval } from '@agent-ops/contracts/approval-signature';
import { channelKeys } from '@agent-ops/contracts/keys';
import type { FakeX, FakeXCall } from '@agent-ops/testkit/fake-x';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { type ServiceProcess, startService, writeSecretsFile } from '@agent-ops/testkit/processes';
import { type RedisServer, startRedisServer } from '@agent-ops/testkit/redis-server';
import { pendingCount, receipts, xaddIntent } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { ACCOUNTS, startFakeX } from './helpers.ts';

// A thread approved once and scheduled, carried out by real executor processes that are
// SIGKILLed during an upload, during a part's post call and between parts. Counted at the
// fake: each part posted once, in order, replying to the one before; each finished upload
// attached once; one receipt per part, then the thread's.
const ENTRY = join(import.meta.dirname, '..', 'src', 'main.ts');
const LEASE_TTL_MS = 1500;
const secretsFile = writeSecretsFile({ accounts: { antifund: { x: ACCOUNTS.antifund } } });
const keys = generateKeyPairSync('ed25519');

type World = { server: RedisServer; redis: Redis; fake: FakeX; prefix: string; procs: ServiceProcess[] };
const worlds: World[] = [];

async function world(): Promise<World> {
  const server = await startRedisServer();
  const w = {
    server,
    redis: redisClient(server.url),
    fake: await startFakeX(),
    prefix: testPrefix(),
    procs: [],
  };
  worlds.push(w);
  mkdirSync(join(server.dir, 'media', 'launch'), { recursive: true });
  for (const name of ['a.png', 'b.jpg', 'c.png']) {
    writeFileSync(join(server.dir, 'media', 'launch', name), `image ${name}`);
  }
  writeFileSync(
    join(server.dir, 'executor.json'),
    JSON.stringify({
      accounts: { antifund: { requireApproval: true } },
      approvalKeys: { 'coordinator-1': keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      backoff: { baseMs: 50, maxMs: 200 },
    }),
  );
  return w;
}

async function executor(w: World): Promise<ServiceProcess> {
  const proc = startService(ENTRY, {
    REDIS_URL: w.server.url,
    OPS_PREFIX: w.prefix,
    OPS_SECRETS_FILE: secretsFile,
    OPS_CONFIG_FILE: join(w.server.dir, 'executor.json'),
    X_API_BASE_URL: w.fake.url,
    X_MEDIA_DIR: join(w.server.dir, 'media'),
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

/** An intent as the coordinator releases it once a person approved it: signed. */
function approved<T extends Parameters<typeof signApproval>[0]>(intent: T) {
  const now = new Date();
  const approval = signApproval(
    intent,
    {
      by: 'ops-person',
      at: now.toISOString(),
      expiresAt: new Date(now.getTime() + 3_600_000).toISOString(),
      keyId: 'coordinator-1',
    },
    keys.privateKey,
  );
  return { ...intent, approval };
}

/** The thread as the coordinator releases it: approved (signed) and due a moment from now. */
function approvedThread(key: string, texts: string[]) {
  const intent = {
    v: 1 as const,
    idempotencyKey: key,
    action: 'x.thread' as const,
    account: 'antifund',
    payload: {
      parts: [
        {
          text: texts[0] as string,
          media: [
            { path: 'launch/a.png', alt: 'the chart' },
            { path: 'launch/b.jpg', alt: 'the team' },
          ],
        },
        { text: texts[1] as string },
        { text: texts[2] as string, media: [{ path: 'launch/c.png', alt: 'the logo' }] },
      ],
    },
    notBefore: new Date(Date.now() + 1000).toISOString(),
    expiresAt: null,
  };
  return approved(intent);
}

const isPostOf = (c: FakeXCall, text: string) =>
  c.method === 'POST' && c.path === '/2/tweets' && (c.body as { text?: string } | null)?.text === text;

describe('crash tests of x.thread with media: SIGKILL of real executor processes', () => {
  it('killed during an upload, during a part, and between parts: each part and each upload once, in order', async () => {
    const w = await world();
    const t = [
      'launch thread 1/3',
      'launch thread 2/3 with a link https://example.com/a?b=1&c=2',
      'launch thread 3/3',
    ];
    const intent = approvedThread('launch-thread', t);
    await xaddIntent(w.redis, w.prefix, 'x', intent);

    // 1. Killed during the second upload of part 1, the first finished: it must be reused.
    let finalized = 0;
    w.fake.onAct = (call) => {
      if (/\/finalize$/.test(call.path) && ++finalized === 1) {
        w.fake.inject({ kind: 'hold' }, { method: 'POST', path: /\/append$/ });
      }
    };
    const first = await executor(w);
    await waitFor(
      () => w.fake.calls.some((c) => c.fault === 'hold' && /\/append$/.test(c.path)),
      'the second upload to be under way',
      20_000,
    );
    w.fake.onAct = null;
    await first.kill('SIGKILL');

    // 2. Killed during part 1's post call, after X posted it: the next owner finds it.
    w.fake.inject({ kind: 'act_then_hang' });
    const second = await executor(w);
    await waitFor(() => w.fake.postsWithText(t[0] as string).length === 1, 'X to post part 1', 20_000);
    await second.kill('SIGKILL');

    // 3. Killed between parts: part 2 is out, part 3's post call never reaches X.
    w.fake.onAct = (call) => {
      if (isPostOf(call, t[1] as string)) w.fake.inject({ kind: 'hold' });
    };
    const third = await executor(w);
    await waitFor(
      () => w.fake.calls.some((c) => c.fault === 'hold' && isPostOf(c, t[2] as string)),
      'part 3 to be held',
      20_000,
    );
    w.fake.onAct = null;
    await third.kill('SIGKILL');

    await executor(w);
    const all = await waitFor(
      async () => {
        const r = await receipts(w.redis, w.prefix, 'x');
        return r.length >= 4 && (await pendingCount(w.redis, w.prefix, 'x')) === 0 ? r : undefined;
      },
      'four receipts and nothing pending',
      30_000,
    );

    const posts = t.map((text) => {
      const p = w.fake.postsWithText(text);
      expect(p, text).toHaveLength(1);
      return p[0] as NonNullable<(typeof p)[number]>;
    });
    const [p1, p2, p3] = posts as [(typeof posts)[0], (typeof posts)[0], (typeof posts)[0]];
    expect([p1.inReplyTo, p2.inReplyTo, p3.inReplyTo]).toEqual([null, p1.id, p2.id]);
    const media = (ids: string[]) => ids.map((id) => w.fake.media.uploads.get(id));
    expect(media(p1.mediaIds).map((m) => [m?.bytes?.toString(), m?.alt])).toEqual([
      ['image a.png', 'the chart'],
      ['image b.jpg', 'the team'],
    ]);
    expect(media(p3.mediaIds).map((m) => [m?.bytes?.toString(), m?.alt])).toEqual([
      ['image c.png', 'the logo'],
    ]);
    // Every finished upload is attached, once: none was made twice. Only the upload killed
    // before it finished was begun again.
    const finished = [...w.fake.media.uploads.values()].filter((m) => m.state === 'succeeded');
    expect(finished.map((m) => m.id).sort()).toEqual([...p1.mediaIds, ...p3.mediaIds].sort());
    const attached = w.fake.tweets.flatMap((tw) => tw.mediaIds);
    expect(attached).toHaveLength(new Set(attached).size);
    expect(w.fake.media.uploads.size).toBe(4);
    // Part 1's call went out once (the takeover found it); part 3's held call never acted.
    expect(w.fake.calls.filter((c) => isPostOf(c, t[0] as string))).toHaveLength(1);
    expect(w.fake.calls.filter((c) => isPostOf(c, t[1] as string))).toHaveLength(1);

    expect(all.map((r) => [r.idempotencyKey, r.status, r.externalId])).toEqual([
      ['launch-thread/part/1', 'succeeded', p1.id],
      ['launch-thread/part/2', 'succeeded', p2.id],
      ['launch-thread/part/3', 'succeeded', p3.id],
      ['launch-thread', 'succeeded', p1.id],
    ]);
    // Scheduled: nothing went out before notBefore. Three owners killed: the fourth settled it.
    expect(p1.createdAt.getTime()).toBeGreaterThanOrEqual(Date.parse(intent.notBefore));
    expect(all[3]?.attempts).toBe(4);
    const k = channelKeys(w.prefix, 'x');
    expect(await w.redis.hlen(k.leases)).toBe(0);
    expect(await w.redis.hlen(k.armed)).toBe(0);
  });

  it('killed while X processes a video: the upload is reused, not repeated, and the post made once', async () => {
    const w = await world();
    writeFileSync(join(w.server.dir, 'media', 'launch', 'clip.mp4'), Buffer.alloc(1024 * 1024 + 5, 3));
    w.fake.media.processingMs = 4000;
    const first = await executor(w);
    const text = 'a clip of the launch';
    await xaddIntent(
      w.redis,
      w.prefix,
      'x',
      approved({
        v: 1 as const,
        idempotencyKey: 'clip-post',
        action: 'x.post' as const,
        account: 'antifund',
        payload: { text, media: [{ path: 'launch/clip.mp4' }] },
        notBefore: null,
        expiresAt: null,
      }),
    );
    const status = () => w.fake.calls.filter((c) => c.method === 'GET' && c.path === '/2/media/upload');
    await waitFor(() => status().length > 0, 'the executor to wait on processing', 20_000);
    await first.kill('SIGKILL');
    await executor(w);
    const [r] = await waitFor(
      async () => {
        const all = await receipts(w.redis, w.prefix, 'x');
        return all.length >= 1 && (await pendingCount(w.redis, w.prefix, 'x')) === 0 ? all : undefined;
      },
      'the receipt',
      30_000,
    );
    const posts = w.fake.postsWithText(text);
    expect(posts).toHaveLength(1);
    expect(r).toMatchObject({ status: 'succeeded', externalId: posts[0]?.id });
    expect(w.fake.calls.filter((c) => c.path === '/2/media/upload/initialize')).toHaveLength(1);
    expect([...w.fake.media.uploads.keys()]).toEqual(posts[0]?.mediaIds);
  });

  it('the one approval covers every part: a thread changed after it was signed is rejected, nothing posted', async () => {
    const w = await world();
    await executor(w);
    const t = ['signed 1/3', 'signed 2/3', 'signed 3/3'];
    const signed = approvedThread('altered-thread', t);
    const [p1, p2, p3] = signed.payload.parts;
    const altered = { ...signed, payload: { parts: [p1, p2, { ...p3, text: 'something else 3/3' }] } };
    await xaddIntent(w.redis, w.prefix, 'x', altered);
    const [r] = await waitFor(async () => {
      const all = await receipts(w.redis, w.prefix, 'x');
      return all.length > 0 ? all : undefined;
    }, 'the receipt');
    expect(r).toMatchObject({ idempotencyKey: 'altered-thread', status: 'rejected' });
    expect(r?.error?.message).toMatch(/signature/);
    expect(w.fake.tweets).toHaveLength(0);
    expect(w.fake.media.uploads.size).toBe(0);
  });
});
