import { NeedsReauthError, RetryAfterError } from '@agent-ops/contracts/errors';
import { channelKeys } from '@agent-ops/contracts/keys';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { AccountChecker } from '../src/account-checker.ts';
import { AccountHealthBoard } from '../src/account-health.ts';
import type { ChannelAdapter } from '../src/adapter.ts';

// The checker with a real Redis and the real status script, and an adapter whose login
// checks each test scripts (the channels' own checks are tested against their fakes).
const redis = redisClient(inject('redisUrl'));
afterAll(() => redis.quit());
const log = pino({ level: 'silent' });

function rig(answers: Record<string, Array<Error | null>>) {
  const checked: string[] = [];
  const adapter = {
    channel: 'x',
    hasAccount: (a: string) => a in answers,
    // `lapsed` is not listed: as an account whose login another part of the adapter keeps.
    accountNames: () => ['fine'],
    rateLimitGroup: () => 'post',
    perform: async () => ({ externalId: '1', url: null }),
    reconcile: async () => ({ outcome: 'not_done' as const }),
    secretValues: () => ['s3cret-token'],
    checkAccount: async (account: string) => {
      checked.push(account);
      const answer = answers[account]?.shift();
      if (answer) throw answer;
    },
  } satisfies ChannelAdapter<'x'>;
  const keys = channelKeys(testPrefix('chk'), 'x');
  const board = new AccountHealthBoard(redis, keys, 'c1', log);
  const checker = new AccountChecker(adapter, board, { accountCheckMs: 60_000, reauthCheckMs: 200 }, log);
  const stored = async (account: string) => JSON.parse((await redis.hget(keys.accounts, account)) ?? 'null');
  return { checked, board, checker, stored };
}

describe('AccountChecker', () => {
  it('checks every account at first, then a refused one every reauthCheckMs until it works', async () => {
    const r = rig({
      fine: [null],
      lapsed: [new NeedsReauthError('X refused the login (401) with s3cret-token'), null],
    });
    await r.board.record('lapsed', 'needs_reauth', 'refused during a call');
    const t0 = Date.now();
    await r.checker.tick(t0);
    expect(r.checked.sort()).toEqual(['fine', 'lapsed']);
    expect(await r.stored('fine')).toMatchObject({ status: 'ok', reason: null, by: 'c1' });
    const refused = await r.stored('lapsed');
    expect(refused).toMatchObject({ status: 'needs_reauth' });
    expect(refused.reason).toBe('X refused the login (401) with [redacted]');

    await r.checker.tick(t0 + 100);
    expect(r.checked).toHaveLength(2);
    await r.checker.tick(t0 + 250);
    expect(r.checked).toEqual(['fine', 'lapsed', 'lapsed']);
    expect(await r.stored('lapsed')).toMatchObject({ status: 'ok', reason: null });
    expect(r.board.needsReauth('lapsed')).toBe(false);
  });

  it("keeps the record when a check cannot tell, and the status's since while it stays", async () => {
    const r = rig({
      fine: [],
      lapsed: [new RetryAfterError('X unreachable (ECONNREFUSED)', null, 'unreachable')],
    });
    await r.board.record('lapsed', 'needs_reauth', 'refused during a call');
    const before = await r.stored('lapsed');
    await r.checker.tick(Date.now());
    expect(await r.stored('lapsed')).toEqual(before);
    await r.board.record('lapsed', 'needs_reauth', 'refused again');
    expect((await r.stored('lapsed')).since).toBe(before.since);
  });
});
