import { copyFileSync, writeFileSync } from 'node:fs';
import { CredentialSeal } from '@agent-ops/runtime/credential-seal';
import { FakeX } from '@agent-ops/testkit/fake-x';
import { FakeXOAuth } from '@agent-ops/testkit/fake-x-oauth';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { writeSecretsFile } from '@agent-ops/testkit/processes';
import type { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { XOAuth2Tokens } from '../src/x-oauth2-tokens.ts';

// The refresher in one process, against a real Redis and the fake's token endpoint.
const url = inject('redisUrl');
const ME = { id: '5001', username: 'inproc', name: 'In' };
const APP = { clientId: 'c-inproc' };
let fake: FakeX | null = null;
let redis: Redis | null = null;
afterEach(async () => {
  await fake?.stop();
  redis?.disconnect();
});

async function setup(ttlSec: number) {
  const oauth = new FakeXOAuth({ apps: [APP], users: {}, accessTokenTtlSec: ttlSec });
  fake = await new FakeX({ users: {}, oauth }).start();
  redis = redisClient(url);
  const t = oauth.issue(ME, APP.clientId, ['tweet.read', 'tweet.write', 'users.read', 'offline.access']);
  const now = Date.now();
  const file = writeSecretsFile({
    accounts: {
      a: {
        x: {
          oauth2: {
            ...APP,
            ...t,
            obtainedAt: new Date(now).toISOString(),
            expiresAt: new Date(now + ttlSec * 1000).toISOString(),
            generation: now,
          },
        },
      },
    },
  });
  const prefix = testPrefix();
  const tokens = (seal: CredentialSeal | null = null, secretsFile = file) =>
    new XOAuth2Tokens({
      secretsFile,
      redis: redis as Redis,
      prefix,
      apiBaseUrl: fake?.url ?? '',
      seal,
      lockTtlMs: 2000,
    });
  const refreshCalls = () => fake?.calls.filter((c) => c.path === '/2/oauth2/token').length ?? 0;
  return { oauth, file, tokens, refreshCalls };
}

describe('XOAuth2Tokens', () => {
  it('callers in one process that find the token due share one refresh', async () => {
    const { tokens, refreshCalls } = await setup(0);
    const t = tokens();
    const logins = await Promise.all(Array.from({ length: 10 }, () => t.valid('a')));
    expect(new Set(logins.map((l) => l.accessToken)).size).toBe(1);
    expect(refreshCalls()).toBe(1);
  });

  it('a sealed pair this host cannot open: the intent waits (token_refresh_failed), and nothing is presented to X', async () => {
    const { file, tokens, refreshCalls } = await setup(0);
    const stale = writeSecretsFile({});
    copyFileSync(file, stale);
    // Host one refreshes and seals with its key; host two has another key and the old pair.
    await tokens(new CredentialSeal(Buffer.alloc(32, 1))).valid('a');
    expect(refreshCalls()).toBe(1);
    await expect(tokens(new CredentialSeal(Buffer.alloc(32, 2)), stale).valid('a')).rejects.toMatchObject({
      name: 'RetryAfterError',
      code: 'token_refresh_failed',
    });
    expect(refreshCalls()).toBe(1);
  });

  it('a secrets file broken by hand for a moment keeps the logins read before', async () => {
    const { file, tokens } = await setup(7200);
    const t = tokens();
    const before = await t.valid('a');
    writeFileSync(file, '{"accounts": ', { mode: 0o600 });
    expect(t.has('a')).toBe(true);
    expect((await t.valid('a')).accessToken).toBe(before.accessToken);
  });

  it('an account without a login is refused by name', async () => {
    const { tokens } = await setup(7200);
    await expect(tokens().valid('nobody')).rejects.toMatchObject({ code: 'unknown_account' });
  });
});
