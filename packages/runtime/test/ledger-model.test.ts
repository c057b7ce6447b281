import { channelKeys } from '@agent-ops/contracts/keys';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import fc from 'fast-check';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Ledger, type ReleaseReason } from '../src/ledger.ts';

const redis = redisClient(inject('redisUrl'));
afterAll(() => redis.quit());

/** The reference: what begin, commit and release must do, as plain state per key. */
/** An expired lease stays stored (begin treats it as free), so it is modelled with its liveness. */
type KeyState = {
  done: boolean;
  lease: { token: string; live: boolean } | null;
  armed: string | null;
  attempts: number;
};
type Model = { keys: Map<string, KeyState>; gateOpen: boolean; receipts: number };

const KEYS = ['a', 'b', 'c'];
const OWNERS = ['o1', 'o2'];
const state = (m: Model, k: string): KeyState => {
  let s = m.keys.get(k);
  if (!s) {
    s = { done: false, lease: null, armed: null, attempts: 0 };
    m.keys.set(k, s);
  }
  return s;
};

type Op =
  | { op: 'begin'; key: string; owner: string; mode: 'effect' | 'verdict' }
  | { op: 'commit'; key: string; owner: string }
  | { op: 'release'; key: string; owner: string; reason: ReleaseReason }
  | { op: 'expire'; key: string }
  | { op: 'gate'; open: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    op: fc.constant('begin' as const),
    key: fc.constantFrom(...KEYS),
    owner: fc.constantFrom(...OWNERS),
    mode: fc.constantFrom('effect' as const, 'verdict' as const),
  }),
  fc.record({
    op: fc.constant('commit' as const),
    key: fc.constantFrom(...KEYS),
    owner: fc.constantFrom(...OWNERS),
  }),
  fc.record({
    op: fc.constant('release' as const),
    key: fc.constantFrom(...KEYS),
    owner: fc.constantFrom(...OWNERS),
    reason: fc.constantFrom<ReleaseReason>('not_sent', 'not_done', 'in_doubt'),
  }),
  fc.record({ op: fc.constant('expire' as const), key: fc.constantFrom(...KEYS) }),
  fc.record({ op: fc.constant('gate' as const), open: fc.boolean() }),
);

/** Runs one operation on the model and says what the scripts must answer. */
function step(m: Model, o: Op, token: string): string {
  if (o.op === 'gate') {
    m.gateOpen = o.open;
    return 'ok';
  }
  const s = state(m, o.key);
  if (o.op === 'expire') {
    if (s.lease) s.lease.live = false;
    return 'ok';
  }
  if (o.op === 'begin') {
    if (o.mode === 'effect' && !m.gateOpen) return 'gate_closed';
    if (s.done) return 'done';
    if (s.lease?.live) return 'busy';
    if (o.mode === 'verdict' && s.armed !== null) return 'busy';
    s.lease = { token, live: true };
    if (o.mode === 'verdict') return 'verdict';
    s.attempts += 1;
    const takeover = s.armed !== null;
    s.armed = token;
    return takeover ? 'takeover' : 'begun';
  }
  if (o.op === 'commit') {
    // Fenced: only the token that still holds the lease (live or lapsed, but not replaced) commits.
    const ours = s.lease?.token === token;
    if (s.done) {
      if (ours) s.lease = null;
      s.armed = null;
      return 'already_done';
    }
    if (!ours) return 'stale';
    m.receipts += 1;
    s.done = true;
    s.lease = null;
    s.armed = null;
    return 'committed';
  }
  const ours = s.lease?.token === token;
  if (ours) {
    s.lease = null;
    if (o.reason !== 'in_doubt' && s.armed === token) s.armed = null;
    if (o.reason === 'not_sent') s.attempts = Math.max(0, s.attempts - 1);
  }
  return ours ? 'released' : 'not_ours';
}

describe('begin, commit and release against a reference model (fast-check, real Redis)', () => {
  it('agree on every answer and on the stored state, for random interleavings of two owners', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 40 }), async (ops) => {
        const k = channelKeys(testPrefix('m'), 'x');
        const ledger = new Ledger(redis, k);
        const model: Model = { keys: new Map(), gateOpen: true, receipts: 0 };
        // Each owner's current token per key, as a real executor keeps it.
        const tokens = new Map<string, string>();
        let n = 0;
        for (const o of ops) {
          let got: string;
          let token = '';
          if (o.op === 'gate') {
            await redis.hset(k.gate, 'global', o.open ? '1' : '0');
            got = 'ok';
          } else if (o.op === 'expire') {
            const lease = await redis.hget(k.leases, o.key);
            if (lease)
              await redis.hset(k.leases, o.key, JSON.stringify({ ...JSON.parse(lease), expiresAt: 0 }));
            got = 'ok';
          } else if (o.op === 'begin') {
            token = `${o.owner}-${n++}`;
            const r = await ledger.begin({
              key: o.key,
              token,
              leaseTtlMs: 60_000,
              owner: o.owner,
              intentId: '1-0',
              mode: o.mode,
            });
            if (r.code !== 'busy' && r.code !== 'done' && r.code !== 'gate_closed')
              tokens.set(`${o.owner}:${o.key}`, token);
            got = r.code;
          } else if (o.op === 'commit') {
            token = tokens.get(`${o.owner}:${o.key}`) ?? 'none';
            const r = await ledger.commit({
              key: o.key,
              token,
              receiptJson: '{}',
              status: 'succeeded',
              deadletter: null,
              ackIds: [],
            });
            got = r.code;
          } else {
            token = tokens.get(`${o.owner}:${o.key}`) ?? 'none';
            got = (await ledger.release({
              key: o.key,
              token,
              reason: o.reason,
              ackIds: [],
            }))
              ? 'released'
              : 'not_ours';
          }
          const want = step(model, o, token);
          expect(got, `${JSON.stringify(o)} after ${JSON.stringify(ops.slice(0, ops.indexOf(o)))}`).toBe(
            want,
          );
        }
        // The stored state is the model's state.
        expect(await redis.xlen(k.receipts)).toBe(model.receipts);
        for (const key of KEYS) {
          const s = state(model, key);
          expect(await redis.hexists(k.done, key)).toBe(s.done ? 1 : 0);
          expect(JSON.parse((await redis.hget(k.leases, key)) ?? 'null')?.token ?? null).toBe(
            s.lease?.token ?? null,
          );
          expect(JSON.parse((await redis.hget(k.armed, key)) ?? 'null')?.token ?? null).toBe(s.armed);
          expect(Number((await redis.hget(k.attempts, key)) ?? 0)).toBe(s.attempts);
        }
      }),
      { numRuns: 150 },
    );
  });
});
