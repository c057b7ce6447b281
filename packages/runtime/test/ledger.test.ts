import { channelKeys } from '@agent-ops/contracts/keys';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Ledger } from '../src/ledger.ts';
import { MicroBatcher } from '../src/micro-batcher.ts';

const redis = redisClient(inject('redisUrl'));
afterAll(() => redis.quit());

function ledger() {
  const keys = channelKeys(testPrefix(), 'x');
  return { ledger: new Ledger(redis, keys), keys };
}

const begin = (
  l: Ledger,
  key: string,
  token: string,
  mode: 'effect' | 'verdict' = 'effect',
  owner = 'c1',
  ttl = 5000,
) => l.begin({ key, token, leaseTtlMs: ttl, owner, intentId: '1-0', mode });

const commit = (l: Ledger, key: string, token: string, status = 'succeeded') =>
  l.commit({
    key,
    token,
    receiptJson: JSON.stringify({ key, status }),
    status,
    deadletter: null,
    ackIds: [],
  });

describe('Ledger: begin and commit batched per turn of the event loop', () => {
  it('decides the items of one batch in order: the second entry of a key finds the first lease', async () => {
    const { ledger: l } = ledger();
    const [a, b, c] = await Promise.all([begin(l, 'k1', 't1'), begin(l, 'k1', 't2'), begin(l, 'k2', 't3')]);
    expect(a).toMatchObject({ code: 'begun', attempt: 1 });
    expect(b).toEqual({ code: 'busy' });
    expect(c).toMatchObject({ code: 'begun', attempt: 1 });
  });

  it('with the gate closed, effects are refused while verdicts (rejections) still go through', async () => {
    const { ledger: l, keys } = ledger();
    await redis.hset(keys.gate, 'global', '0');
    const [effect, verdict] = await Promise.all([begin(l, 'e1', 't1'), begin(l, 'v1', 't2', 'verdict')]);
    expect(effect).toEqual({ code: 'gate_closed' });
    expect(verdict).toEqual({ code: 'verdict' });
    expect(await redis.hexists(keys.armed, 'v1')).toBe(0);
  });

  it('commits once per key: a second commit in the same batch finds the first receipt', async () => {
    const { ledger: l, keys } = ledger();
    await begin(l, 'k', 't1');
    const [first, second] = await Promise.all([commit(l, 'k', 't1'), commit(l, 'k', 't1', 'failed')]);
    expect(first.code).toBe('committed');
    expect(second).toMatchObject({ code: 'already_done', done: { status: 'succeeded' } });
    expect(await redis.xlen(keys.receipts)).toBe(1);
    expect(await redis.hlen(keys.leases)).toBe(0);
    expect(await redis.hlen(keys.armed)).toBe(0);
    expect(await begin(l, 'k', 't9')).toMatchObject({ code: 'done', done: { status: 'succeeded' } });
  });

  it('after a lease expires with the attempt armed, the next begin is a takeover that keeps the first start', async () => {
    const { ledger: l } = ledger();
    const first = await begin(l, 'k', 't1', 'effect', 'dead', 50);
    await new Promise((r) => setTimeout(r, 80));
    const verdict = await begin(l, 'k', 't2', 'verdict');
    expect(verdict).toEqual({ code: 'busy' });
    const takeover = await begin(l, 'k', 't3', 'effect', 'alive');
    expect(takeover).toMatchObject({
      code: 'takeover',
      attempt: 2,
      previous: { owner: 'dead', token: 't1' },
    });
    if (first.code === 'begun' && takeover.code === 'takeover')
      expect(takeover.startedAt).toBe(first.startedAt);
  });

  it('release gives up only its own lease; not_sent disarms and takes back the attempt count', async () => {
    const { ledger: l, keys } = ledger();
    await begin(l, 'k', 't1');
    expect(await l.release({ key: 'k', token: 'other', reason: 'not_sent', ackIds: [] })).toBe(false);
    expect(await l.release({ key: 'k', token: 't1', reason: 'not_sent', ackIds: [] })).toBe(true);
    expect(await redis.hlen(keys.leases)).toBe(0);
    expect(await redis.hlen(keys.armed)).toBe(0);
    expect(await redis.hget(keys.attempts, 'k')).toBeNull();
  });

  it('release for not_done disarms but counts; for in_doubt keeps the attempt armed; any other reason is refused', async () => {
    const { ledger: l, keys } = ledger();
    await begin(l, 'n', 't1');
    expect(await l.release({ key: 'n', token: 't1', reason: 'not_done', ackIds: [] })).toBe(true);
    expect(await redis.hexists(keys.armed, 'n')).toBe(0);
    expect(await redis.hget(keys.attempts, 'n')).toBe('1');
    await begin(l, 'd', 't2');
    expect(await l.release({ key: 'd', token: 't2', reason: 'in_doubt', ackIds: [] })).toBe(true);
    expect(JSON.parse((await redis.hget(keys.armed, 'd')) ?? '{}')).toMatchObject({ token: 't2' });
    expect(await begin(l, 'd', 't3')).toMatchObject({ code: 'takeover', attempt: 2 });
    await expect(
      l.release({ key: 'd', token: 't3', reason: 'whatever' as 'not_done', ackIds: [] }),
    ).rejects.toThrow(/unknown reason whatever/);
    expect(JSON.parse((await redis.hget(keys.leases, 'd')) ?? '{}')).toMatchObject({ token: 't3' });
  });

  it('commit is fenced: a token whose lease passed to another owner writes nothing, a lapsed lease still ours commits', async () => {
    const { ledger: l, keys } = ledger();
    await begin(l, 'k', 'slow', 'effect', 'stalled', 50);
    await new Promise((r) => setTimeout(r, 80));
    expect(await begin(l, 'k', 'next', 'effect', 'alive')).toMatchObject({ code: 'takeover' });
    const late = await commit(l, 'k', 'slow', 'failed');
    expect(late).toMatchObject({ code: 'stale', lease: { owner: 'alive', token: 'next' } });
    expect(await redis.xlen(keys.receipts)).toBe(0);
    expect(JSON.parse((await redis.hget(keys.armed, 'k')) ?? '{}')).toMatchObject({ token: 'next' });
    expect(await commit(l, 'k', 'next')).toMatchObject({ code: 'committed' });

    // Lapsed, but nobody began since: the outcome this owner holds is the only one.
    await begin(l, 'j', 'alone', 'effect', 'slow', 50);
    await new Promise((r) => setTimeout(r, 80));
    expect(await commit(l, 'j', 'alone')).toMatchObject({ code: 'committed' });
  });

  it('marks a point of no return for the attempt that holds the key, carries it to a takeover, drops it on disarm', async () => {
    const { ledger: l, keys } = ledger();
    await begin(l, 'k', 't1', 'effect', 'first', 50);
    expect(await l.mark('k', 'other', 'final_dot')).toBe(false);
    expect(await l.mark('k', 't1', 'final_dot')).toBe(true);
    expect(await l.mark('k', 't1', 'final_dot')).toBe(true);
    await new Promise((r) => setTimeout(r, 80));
    const takeover = await begin(l, 'k', 't2', 'effect', 'second');
    expect(takeover).toMatchObject({ code: 'takeover', previous: { token: 't1', marks: ['final_dot'] } });
    // The first owner, stalled past its lease, can no longer mark: the key is the second's.
    expect(await l.mark('k', 't1', 'later')).toBe(false);
    expect(JSON.parse((await redis.hget(keys.armed, 'k')) ?? '{}')).toMatchObject({
      token: 't2',
      marks: ['final_dot'],
    });
    // Known not done: the marks go with the armed attempt.
    await l.release({ key: 'k', token: 't2', reason: 'not_done', ackIds: [] });
    expect(await begin(l, 'k', 't3')).toMatchObject({ code: 'begun' });
    expect(JSON.parse((await redis.hget(keys.armed, 'k')) ?? '{}').marks).toBeUndefined();
  });

  it("a person's decision (no token) closes a key nobody is working on, and never one with an effect in flight", async () => {
    const { ledger: l, keys } = ledger();
    expect(await commit(l, 'free', '', 'rejected')).toMatchObject({ code: 'committed' });
    await begin(l, 'busy', 't1');
    expect(await commit(l, 'busy', '', 'rejected')).toMatchObject({ code: 'stale', lease: { token: 't1' } });
    expect(await redis.hexists(keys.done, 'busy')).toBe(0);
  });
});

describe('MicroBatcher', () => {
  it('gathers the calls of one turn into one run, and rejects every caller when the run fails', async () => {
    const runs: number[][] = [];
    const batcher = new MicroBatcher(async (items: number[]) => {
      runs.push(items);
      if (items.includes(-1)) throw new Error('boom');
      return items.map((n) => n * 2);
    }, 3);
    expect(await Promise.all([1, 2, 3, 4].map((n) => batcher.add(n)))).toEqual([2, 4, 6, 8]);
    expect(runs).toEqual([[1, 2, 3], [4]]);
    const results = await Promise.allSettled([batcher.add(5), batcher.add(-1)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
