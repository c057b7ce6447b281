import { channelKeys } from '@agent-ops/contracts/keys';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { alertMessage } from '../src/alerts/alert-message.ts';
import { scanLogins } from '../src/alerts/scans.ts';
import type { CoordinatorContext } from '../src/context.ts';

const redis = redisClient(inject('redisUrl'));
afterAll(() => redis.quit());

const record = (status: string, since: string, reason: string | null = null) =>
  JSON.stringify({ status, reason, since, checkedAt: since, by: 'mini2-1-abc' });

describe('alerts: an account that needs a login', () => {
  it('is one event per lapse, named by when it began, with the reason; an ok account is none', async () => {
    const prefix = testPrefix('al');
    const ctx = { redis, config: { prefix } } as unknown as Pick<CoordinatorContext, 'redis' | 'config'>;
    const k = channelKeys(prefix, 'x');
    const since = '2026-12-02T06:00:00.000Z';
    await redis.hset(
      k.accounts,
      'personal',
      record('needs_reauth', since, "X refused the account's login (401)"),
    );
    await redis.hset(k.accounts, 'antifund', record('ok', since));

    const [event, ...rest] = await scanLogins(ctx);
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      id: `needs_reauth.x.personal.${Date.parse(since)}`,
      kind: 'needs_reauth',
      channel: 'x',
      account: 'personal',
    });
    expect(event?.summary).toMatch(
      /personal needs a login since .*\(X refused .*401\).*ops login for personal/,
    );
    // The next look names the same event (queued once); a later lapse is another.
    expect((await scanLogins(ctx))[0]?.id).toBe(event?.id);
    await redis.hset(k.accounts, 'personal', record('needs_reauth', '2026-12-03T08:00:00.000Z'));
    expect((await scanLogins(ctx))[0]?.id).not.toBe(event?.id);
    expect(alertMessage([event as NonNullable<typeof event>], 5, null).priority).toBe('high');
  });
});
