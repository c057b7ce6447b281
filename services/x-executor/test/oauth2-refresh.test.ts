import { randomBytes } from 'node:crypto';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { channelKeys } from '@agent-ops/contracts/keys';
import { updateSecretsFile } from '@agent-ops/runtime/secrets-file-write';
import { FakeX } from '@agent-ops/testkit/fake-x';
import { FakeXOAuth } from '@agent-ops/testkit/fake-x-oauth';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { type ServiceProcess, startService, writeSecretsFile } from '@agent-ops/testkit/processes';
import { deadletters, pendingCount, receipts, xaddIntent } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { XSecretsSchema } from '../src/x-secrets.ts';
import { post } from './helpers.ts';

// Three real executor processes post through access tokens that live a few seconds at the
// fake, so a run spans many lifetimes and many refreshes, with X's rule that a refresh token
// is spent by its first use and a spent one presented again revokes the grant.
const ENTRY = join(import.meta.dirname, '..', 'src', 'main.ts');
const url = inject('redisUrl');
// Refreshed at half their life: 2 s of headroom for a request on a loaded 2-core machine.
const TTL_SEC = 4;
const LOCK_TTL_MS = 2000;
const ME = { id: '2001', username: 'rotating', name: 'Rotating' };
const APP = { clientId: 'client-rotating', clientSecret: 'client-secret-RRRR' };

type World = {
  redis: Redis;
  fake: FakeX;
  oauth: FakeXOAuth;
  prefix: string;
  procs: ServiceProcess[];
  files: string[];
  keyFile: string | null;
};
const worlds: World[] = [];

afterEach(async () => {
  for (const w of worlds.splice(0)) {
    await Promise.all(w.procs.map((p) => p.kill('SIGKILL')));
    w.redis.disconnect();
    await w.fake.stop();
  }
});

function loginEntry(oauth: FakeXOAuth) {
  const { accessToken, refreshToken } = oauth.issue(ME, APP.clientId, [
    'tweet.read',
    'tweet.write',
    'users.read',
    'offline.access',
  ]);
  const now = Date.now();
  return {
    oauth2: {
      ...APP,
      accessToken,
      refreshToken,
      obtainedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + TTL_SEC * 1000).toISOString(),
      generation: now,
    },
  };
}

/** `hosts`: one secrets file shared by every replica, or one file per replica (the n-node case). */
async function world(hosts: 'one' | 'many'): Promise<World> {
  const oauth = new FakeXOAuth({ apps: [APP], users: {}, accessTokenTtlSec: TTL_SEC });
  const fake = await new FakeX({ users: {}, oauth }).start();
  const first = writeSecretsFile({
    accounts: { rotating: { x: loginEntry(oauth) }, other: { email: { note: 'kept as it was' } } },
  });
  const config = join(dirname(first), 'config.json');
  writeFileSync(config, JSON.stringify({ defaultRateLimit: { points: 100_000, durationSec: 60 } }));
  let keyFile: string | null = null;
  const files = [first];
  if (hosts === 'many') {
    keyFile = join(dirname(first), 'credentials.key');
    writeFileSync(keyFile, randomBytes(32).toString('hex'), { mode: 0o600 });
    for (let i = 1; i < 3; i++) {
      const own = writeSecretsFile({});
      copyFileSync(first, own);
      files.push(own);
    }
  }
  const w: World = { redis: redisClient(url), fake, oauth, prefix: testPrefix(), procs: [], files, keyFile };
  worlds.push(w);
  for (let i = 0; i < 3; i++) await replica(w, i);
  return w;
}

async function replica(w: World, i: number): Promise<ServiceProcess> {
  const file = w.files[i % w.files.length] as string;
  const proc = startService(ENTRY, {
    REDIS_URL: url,
    OPS_PREFIX: w.prefix,
    OPS_SECRETS_FILE: file,
    OPS_CONFIG_FILE: join(dirname(w.files[0] as string), 'config.json'),
    X_API_BASE_URL: w.fake.url,
    OPS_LEASE_TTL_MS: '3000',
    OPS_REFRESH_LOCK_TTL_MS: String(LOCK_TTL_MS),
    // A held account is asked again every second, so a new login is taken up within the test.
    OPS_REAUTH_CHECK_MS: '1000',
    OPS_LOCAL_GATE_FILE: join(dirname(file), `gate-${i}.json`),
    ...(w.keyFile ? { OPS_CREDENTIALS_KEY_FILE: w.keyFile } : {}),
  });
  w.procs[i] = proc;
  await proc.waitForLog('executor running');
  return proc;
}

/** Intents keep coming, one every `everyMs`, until `stop` says so; returns every text submitted. */
async function submitWhile(w: World, everyMs: number, stop: () => boolean): Promise<string[]> {
  const texts: string[] = [];
  while (!stop()) {
    const text = `rotating ${w.prefix} ${texts.length}`;
    texts.push(text);
    await xaddIntent(w.redis, w.prefix, 'x', post(`k-${texts.length}`, text, 'rotating'));
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return texts;
}

function refreshes(w: World): number {
  return w.fake.calls.filter((c) => c.path === '/2/oauth2/token' && c.answer?.status === 200).length;
}

async function expectAllPostedWithValidTokens(w: World, texts: string[]) {
  const all = await waitFor(
    async () => {
      const r = await receipts(w.redis, w.prefix, 'x');
      return r.length >= texts.length && (await pendingCount(w.redis, w.prefix, 'x')) === 0 ? r : undefined;
    },
    `${texts.length} receipts`,
    60_000,
  );
  expect(all.filter((r) => r.status !== 'succeeded')).toEqual([]);
  expect(await deadletters(w.redis, w.prefix, 'x')).toEqual([]);
  for (const text of texts) expect(w.fake.postsWithText(text), text).toHaveLength(1);
  // Every request carried a token that was valid when X got it; no refresh token twice.
  expect(w.oauth.staleAccessTokenUses).toEqual([]);
  expect(w.oauth.reusedRefreshTokens()).toEqual([]);
  expect(w.oauth.revokedGrants).toBe(0);
  for (const file of w.files) {
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const doc = JSON.parse(readFileSync(file, 'utf8'));
    // The other account is kept as it was, whatever the refreshes wrote.
    expect(doc.accounts.other).toEqual({ email: { note: 'kept as it was' } });
    expect(doc.accounts.rotating.x.oauth2.clientId).toBe(APP.clientId);
    expect(XSecretsSchema.safeParse(doc).success).toBe(true);
  }
  // No token the fake issued or was shown appears in any executor's output or in a receipt.
  const records = JSON.stringify(await receipts(w.redis, w.prefix, 'x'));
  for (const token of w.oauth.refreshUses.keys()) {
    expect(records).not.toContain(token);
    for (const p of w.procs) expect(p.output()).not.toContain(token);
  }
}

describe('X OAuth 2.0 logins stay alive across many token lifetimes', () => {
  for (const hosts of ['one', 'many'] as const) {
    it(`three replicas, ${hosts === 'one' ? 'one host sharing a secrets file' : 'each with its own secrets file, pairs sealed in Redis'}`, async () => {
      const w = await world(hosts);
      const until = Date.now() + TTL_SEC * 1000 * 5;
      const texts = await submitWhile(w, 150, () => Date.now() > until);
      await expectAllPostedWithValidTokens(w, texts);
      expect(refreshes(w)).toBeGreaterThanOrEqual(5);
      if (hosts === 'many') {
        // What Redis holds is ciphertext: no token of the fake's appears in it.
        const sealed = (await w.redis.get(`${w.prefix}:{x}:cred:rotating`)) ?? '';
        const doc = JSON.parse(readFileSync(w.files[0] as string, 'utf8'));
        expect(sealed).not.toContain(doc.accounts.rotating.x.oauth2.refreshToken);
        expect(sealed).not.toContain(doc.accounts.rotating.x.oauth2.accessToken);
      }
    }, 120_000);
  }

  for (const hosts of ['one', 'many'] as const)
    it(`a replica killed while its refresh is in flight (X never got to act) leaves a usable refresh token (${hosts} host${hosts === 'one' ? '' : 's'})`, async () => {
      const w = await world(hosts);
      let kills = 0;
      let done = false;
      const submitting = submitWhile(w, 150, () => done);
      const heldCalls = () =>
        w.fake.calls.filter((c) => c.path === '/2/oauth2/token' && c.fault === 'hold').length;
      for (; kills < 3; kills++) {
        // The next refresh is held at the fake; its sender is found by the lock's holder and killed.
        const heldBefore = heldCalls();
        w.fake.inject({ kind: 'hold' }, { method: 'POST', path: /^\/2\/oauth2\/token$/ });
        const holder = await waitFor(
          async () => {
            const held = heldCalls() > heldBefore;
            const lock = await w.redis.get(`${w.prefix}:{x}:credlock:rotating`);
            return held && lock ? Number(lock.split(':')[1]) : undefined;
          },
          'a held refresh',
          30_000,
        );
        const i = w.procs.findIndex((p) => p.child.pid === holder);
        expect(i).toBeGreaterThanOrEqual(0);
        await w.procs[i]?.kill('SIGKILL');
        await replica(w, i);
        const before = refreshes(w);
        await waitFor(() => refreshes(w) > before, 'a refresh after the kill', 30_000);
      }
      done = true;
      const texts = await submitting;
      await expectAllPostedWithValidTokens(w, texts);
    }, 180_000);

  it('a replica killed after X rotated the pair and before it was stored: X refuses the spent token, the account needs a login and its posts wait for it', async () => {
    const w = await world('one');
    // X rotates, and the refresher dies before it hears the answer: the new pair is lost.
    let killed = false;
    w.oauth.onRefresh = async () => {
      if (killed) return;
      killed = true;
      const lock = (await w.redis.get(`${w.prefix}:{x}:credlock:rotating`)) ?? '';
      const pid = Number(lock.split(':')[1]);
      await w.procs.find((p) => p.child.pid === pid)?.kill('SIGKILL');
    };
    let done = false;
    const submitting = submitWhile(w, 200, () => done);
    await waitFor(() => w.oauth.revokedGrants > 0, 'the grant revoked', 60_000);
    done = true;
    const texts = await submitting;
    // The spent token was presented once more (and only once), X revoked the grant, and the
    // executors say so rather than post with anything else.
    expect(w.oauth.reusedRefreshTokens()).toHaveLength(1);
    expect(w.oauth.staleAccessTokenUses).toEqual([]);
    const k = channelKeys(w.prefix, 'x');
    const health = await waitFor(
      async () => {
        const json = await w.redis.hget(k.accounts, 'rotating');
        const record = json ? (JSON.parse(json) as { status: string; reason: string }) : null;
        return record?.status === 'needs_reauth' ? record : undefined;
      },
      'the account marked needs_reauth',
      30_000,
    );
    expect(health.reason).toMatch(/ops login x --oauth2 --account rotating/);
    // Held, not failed: no receipt other than a success, nothing deadlettered.
    await waitFor(async () => (await w.redis.hlen(k.held)) > 0, 'posts held for the login', 30_000);
    expect((await receipts(w.redis, w.prefix, 'x')).filter((r) => r.status !== 'succeeded')).toEqual([]);
    expect(await deadletters(w.redis, w.prefix, 'x')).toEqual([]);
    // A person logs in again (what ops login writes): the running replicas pick it up unrestarted,
    // and every post submitted meanwhile is made once.
    await updateSecretsFile(w.files[0] as string, (doc) => {
      (doc.accounts.rotating as Record<string, unknown>).x = loginEntry(w.oauth);
    });
    const all = await waitFor(
      async () => {
        const r = await receipts(w.redis, w.prefix, 'x');
        return r.length >= texts.length && (await pendingCount(w.redis, w.prefix, 'x')) === 0 ? r : undefined;
      },
      `${texts.length} receipts after the new login`,
      60_000,
    );
    expect(all.filter((r) => r.status !== 'succeeded')).toEqual([]);
    for (const text of texts) expect(w.fake.postsWithText(text), text).toHaveLength(1);
    expect(w.oauth.staleAccessTokenUses).toEqual([]);
  }, 150_000);
});
