import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { post, World } from './world.ts';

// The whole way, as deployed: a real x-executor process, the coordinator and `ops doctor`'s
// checks. The account's token is revoked at the fake X: the intent is held, not failed, and
// doctor names the account; once the token works again, the post is made once by itself.
let w: World;

beforeAll(async () => {
  w = await new World(inject('redisUrl')).start({ reauthCheckMs: 200 });
}, 30_000);
afterAll(async () => {
  await w.stop();
});

async function accountCheck(name: string) {
  const { checks } = await w.operator.doctor();
  return checks.find((c) => c.name === name);
}

describe('ops doctor: account health', () => {
  it('shows an account whose login was refused, with its held intent, until the login works again', async () => {
    await waitFor(async () => (await accountCheck('x account personal'))?.ok, 'personal checked at start');
    w.fake.revokeToken('tok-personal');
    await w.producer.submit(post('held-1', 'held for a login', 'personal'));
    const failing = await waitFor(async () => {
      const c = await accountCheck('x account personal');
      return c && !c.ok && /1 intents held/.test(c.detail) ? c : undefined;
    }, 'doctor to show personal held');
    expect(failing.detail).toMatch(/^needs_reauth since .*: X refused the account's login \(401\)/);
    expect(failing.detail).not.toContain('tok-personal');
    expect((await accountCheck('x account antifund'))?.ok).toBe(true);
    expect((await w.producer.get('held-1')).record.state).not.toMatch(/failed|unknown/);

    w.fake.restoreToken('tok-personal');
    await waitFor(
      async () => (await w.producer.get('held-1')).record.state === 'succeeded',
      'the held post after the login',
      20_000,
    );
    expect(w.fake.postsWithText('held for a login')).toHaveLength(1);
    expect(await accountCheck('x account personal')).toMatchObject({ ok: true });
  });
});
