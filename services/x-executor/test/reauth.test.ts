import { channelKeys } from '@agent-ops/contracts/keys';
import { FakeX } from '@agent-ops/testkit/fake-x';
import { ExecutorHarness } from '@agent-ops/testkit/in-process';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { deadletters, pendingCount, receipts, xaddIntent } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { accountChecks } from '../../coordinator/src/doctor-accounts.ts';
import { SnapshotReader } from '../../dashboard/src/snapshot.ts';
import { XAdapter } from '../src/x-adapter.ts';
import type { XCredentials } from '../src/x-secrets.ts';
import { credentialsMap, post, startFakeX } from './helpers.ts';

// The "Done when" of account health: an account's grant revoked at the fake X mid-run holds
// its intents (no failed receipt, no deadletter), shows as needs_reauth in `ops doctor`'s
// checks and the dashboard's snapshot, and stops nothing of the other account; once the
// login works again, each held intent is posted exactly once, by itself.

const url = inject('redisUrl');
const redis = redisClient(url);
let fake: FakeX;
const harness = new ExecutorHarness(url);
const PERSONAL_TOKEN = 'oauth2-personal-CCCC';

beforeAll(async () => {
  fake = await startFakeX();
});
afterEach(async () => {
  await harness.closeAll();
  fake.restoreToken(PERSONAL_TOKEN);
});
afterAll(async () => {
  await fake.stop();
  await redis.quit();
});

function executor(prefix: string) {
  const adapter = new XAdapter({
    credentials: credentialsMap(),
    apiBaseUrl: fake.url,
    requestTimeoutMs: 2000,
  });
  // Checked often here, so that the test waits on the check, not on a clock.
  return harness.start(adapter, { prefix, reauthCheckMs: 200, accountCheckMs: 60_000 });
}

async function loginOf(prefix: string, account: string) {
  const json = await redis.hget(channelKeys(prefix, 'x').accounts, account);
  return json ? (JSON.parse(json) as { status: string; reason: string | null; since: string }) : null;
}

async function byKey(prefix: string) {
  return new Map((await receipts(redis, prefix, 'x')).map((r) => [r.idempotencyKey, r]));
}

describe('x-executor: an account whose login is revoked mid-run', () => {
  it('holds its intents, shows needs_reauth, lets the other account go on, and posts each held intent once after the login', async () => {
    const prefix = testPrefix();
    const k = channelKeys(prefix, 'x');
    await executor(prefix);
    // At start each account is checked (GET /2/users/me) and recorded ok.
    await waitFor(
      async () => (await loginOf(prefix, 'personal'))?.status === 'ok' && (await loginOf(prefix, 'antifund')),
      'both accounts checked at start',
    );

    await xaddIntent(redis, prefix, 'x', post(`p1-${prefix}`, `personal one ${prefix}`, 'personal'));
    await waitFor(async () => (await byKey(prefix)).has(`p1-${prefix}`), 'the first personal post');

    fake.revokeToken(PERSONAL_TOKEN);
    for (const n of [2, 3])
      await xaddIntent(redis, prefix, 'x', post(`p${n}-${prefix}`, `personal ${n} ${prefix}`, 'personal'));
    for (const n of [1, 2, 3])
      await xaddIntent(redis, prefix, 'x', post(`a${n}-${prefix}`, `antifund ${n} ${prefix}`, 'antifund'));

    // The other account is not stopped: its posts go through while personal is held.
    await waitFor(async () => {
      const r = await byKey(prefix);
      return [1, 2, 3].every((n) => r.get(`a${n}-${prefix}`)?.status === 'succeeded');
    }, "antifund's posts");
    await waitFor(async () => (await redis.hlen(k.held)) === 2, 'both personal intents held');
    const refused = await loginOf(prefix, 'personal');
    expect(refused).toMatchObject({ status: 'needs_reauth' });
    expect(refused?.reason).toMatch(/401/);
    expect(JSON.stringify(refused)).not.toContain(PERSONAL_TOKEN);
    expect((await loginOf(prefix, 'antifund'))?.status).toBe('ok');

    // Held, not failed: no receipt, no deadletter entry, nothing pending, the breaker closed.
    const held = await byKey(prefix);
    expect(held.has(`p2-${prefix}`) || held.has(`p3-${prefix}`)).toBe(false);
    expect(await deadletters(redis, prefix, 'x')).toHaveLength(0);
    expect(await redis.hget(k.breakers, 'personal')).toBeNull();
    expect(fake.postsWithText(`personal 2 ${prefix}`)).toHaveLength(0);

    // What `ops doctor` says (the checks it adds per account) and what the dashboard shows.
    const checks = await accountChecks(redis, prefix, 'x');
    expect(checks.find((c) => c.name === 'x account personal')).toMatchObject({ ok: false });
    expect(checks.find((c) => c.name === 'x account personal')?.detail).toMatch(
      /needs_reauth since .*401.*2 intents held; run ops login for personal/,
    );
    expect(checks.find((c) => c.name === 'x account antifund')).toMatchObject({ ok: true });
    const snapshot = await new SnapshotReader(redis, {
      prefix,
      accounts: {},
      defaultRateLimit: { points: 100, durationSec: 900 },
    }).snapshot();
    const view = snapshot.accounts.find((a) => a.channel === 'x' && a.account === 'personal');
    expect(view?.login).toMatchObject({ status: 'needs_reauth' });
    expect(view?.held).toEqual({
      count: 2,
      keys: expect.arrayContaining([`p2-${prefix}`, `p3-${prefix}`]),
      partial: false,
    });
    expect(JSON.stringify(snapshot)).not.toContain(PERSONAL_TOKEN);

    // The person logs in again (at the fake: the token works again); nothing else is done.
    fake.restoreToken(PERSONAL_TOKEN);
    await waitFor(async () => {
      const r = await byKey(prefix);
      return [2, 3].every((n) => r.get(`p${n}-${prefix}`)?.status === 'succeeded');
    }, 'the held personal posts, after the login');
    for (const n of [2, 3]) expect(fake.postsWithText(`personal ${n} ${prefix}`)).toHaveLength(1);
    for (const n of [1, 2, 3]) expect(fake.postsWithText(`antifund ${n} ${prefix}`)).toHaveLength(1);
    const all = await receipts(redis, prefix, 'x');
    expect(all).toHaveLength(6);
    expect(new Set(all.map((r) => r.idempotencyKey)).size).toBe(6);
    expect((await loginOf(prefix, 'personal'))?.status).toBe('ok');
    await waitFor(async () => (await redis.hlen(k.held)) === 0, 'nothing held');
    expect(await pendingCount(redis, prefix, 'x')).toBe(0);
    expect(await deadletters(redis, prefix, 'x')).toHaveLength(0);
  });

  it('takes a new login from the credentials as they are now, without a restart: the held intent is posted with it, once', async () => {
    const prefix = testPrefix();
    const k = channelKeys(prefix, 'x');
    // The same person's account, with the token a new login would bring.
    const relogin = await new FakeX({
      users: {
        'tok-antifund': { id: '1001', username: 'antifund', name: 'Antifund' },
        [PERSONAL_TOKEN]: { id: '1002', username: 'me', name: 'Me' },
        'oauth2-personal-NEW': { id: '1002', username: 'me', name: 'Me' },
      },
    }).start();
    let credentials = credentialsMap() as Map<string, XCredentials>;
    const adapter = new XAdapter({
      credentials: () => credentials,
      apiBaseUrl: relogin.url,
      requestTimeoutMs: 2000,
    });
    try {
      await harness.start(adapter, { prefix, reauthCheckMs: 200, accountCheckMs: 60_000 });
      relogin.revokeToken(PERSONAL_TOKEN);
      await xaddIntent(redis, prefix, 'x', post(`n1-${prefix}`, `after relogin ${prefix}`, 'personal'));
      await waitFor(async () => (await redis.hlen(k.held)) === 1, 'the personal post held');
      // What `ops login x` writes, as the secrets file's watcher hands it over.
      credentials = new Map(credentials).set('personal', { oauth2AccessToken: 'oauth2-personal-NEW' });
      const r = await waitFor(
        async () => (await byKey(prefix)).get(`n1-${prefix}`),
        'the held post, after the login',
      );
      expect(r.status).toBe('succeeded');
      expect(relogin.postsWithText(`after relogin ${prefix}`)).toHaveLength(1);
      expect((await loginOf(prefix, 'personal'))?.status).toBe('ok');
    } finally {
      await harness.closeAll();
      await relogin.stop();
    }
  });
});
