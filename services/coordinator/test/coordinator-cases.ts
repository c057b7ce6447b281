import { channelKeys } from '@agent-ops/contracts/keys';
import { receipts, xaddIntent } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import { describe, expect, it } from 'vitest';
import { CoordinatorApiError } from '../src/client.ts';
import { post, type World } from './world.ts';

/** Starts a World for one case (the caller stops it after the case). */
export type MakeWorld = (executorConfig?: Record<string, unknown>) => Promise<World>;

async function stateOf(w: World, key: string, state: string) {
  return waitFor(
    async () => {
      const { record } = await w.producer.get(key);
      return record.state === state ? record : undefined;
    },
    `${key} to be ${state}`,
    20_000,
  );
}

/**
 * The coordinator's end-to-end cases: intake, approvals, schedules, operator actions, state and
 * metrics, with a real x-executor process. Run as they are on the run's Redis, and over TLS with
 * the ACL users `pnpm redis-acl --tls` writes (`over` names the variant).
 */
export function coordinatorCases(world: MakeWorld, over = ''): void {
  describe(`coordinator: intake, approvals, schedules, state, audit${over}`, () => {
    it('holds an approval-gated intent until a person approves, then it is carried out exactly once', async () => {
      const w = await world();
      const { created, record } = await w.producer.submit(post('launch-1', 'we are live'));
      expect(created).toBe(true);
      expect(record.state).toBe('pending_approval');
      expect((await w.producer.approvals()).records.map((r) => r.idempotencyKey)).toEqual(['launch-1']);
      await new Promise((r) => setTimeout(r, 800));
      expect(w.fake.postCalls()).toHaveLength(0);

      const approved = await w.operator.approve('launch-1', 'looks good');
      expect(approved.record.decision).toMatchObject({ by: 'ops-person', comment: 'looks good' });
      const done = await stateOf(w, 'launch-1', 'succeeded');
      expect(w.fake.postsWithText('we are live')).toHaveLength(1);
      expect(done.receipt?.url).toMatch(/^https:\/\/x\.com\/antifund\/status\/\d+$/);

      // Approving twice is harmless; submitting again answers the record.
      expect((await w.operator.approve('launch-1')).record.state).toBe('succeeded');
      expect(await w.producer.submit(post('launch-1', 'we are live'))).toMatchObject({
        created: false,
        record: { state: 'succeeded' },
      });
      expect(w.fake.postsWithText('we are live')).toHaveLength(1);
      const actions = w.auditLines().map((a) => `${a.action}:${a.idempotencyKey}`);
      expect(actions).toEqual(['submitted:launch-1', 'approved:launch-1']);
    });

    it('refuses the same key with a different intent, naming the field (as Stripe does)', async () => {
      const w = await world();
      await w.producer.submit(post('k-1', 'first text', 'personal'));
      const err = await w.producer.submit(post('k-1', 'other text', 'personal')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CoordinatorApiError);
      expect(err).toMatchObject({
        status: 409,
        code: 'idempotency_key_reused',
        issues: [{ field: 'idempotencyKey' }],
      });
      const bad = await w.producer.submit({ ...post('k 2', 'x', 'personal') }).catch((e: unknown) => e);
      expect(bad).toMatchObject({ status: 400, issues: [{ field: 'idempotencyKey' }] });
      const forged = await w.producer
        .submit({
          ...post('k-3', 'x'),
          approval: {
            by: 'me',
            at: '2026-01-01T00:00:00Z',
            expiresAt: '2027-01-01T00:00:00Z',
            keyId: 'coordinator-1',
            signature: 'A'.repeat(86),
          },
        })
        .catch((e: unknown) => e);
      expect(forged).toMatchObject({ status: 400, issues: [{ field: 'approval' }] });
    });

    it('a producer that XADDs an unsigned, forged or altered approval gets a rejected receipt and no effect', async () => {
      const w = await world();
      await w.producer.submit(post('signed-1', 'signed text'));
      const { record } = await w.operator.approve('signed-1');
      await stateOf(w, 'signed-1', 'succeeded');
      const approval = record.intent?.approval;
      expect(approval?.keyId).toBe('coordinator-1');

      await xaddIntent(w.redis, w.prefix, 'x', post('unsigned-1', 'no approval'));
      await xaddIntent(w.redis, w.prefix, 'x', post('altered-1', 'altered text', 'antifund', { approval }));
      await xaddIntent(
        w.redis,
        w.prefix,
        'x',
        post('forged-1', 'forged', 'antifund', { approval: { ...approval, keyId: 'coordinator-9' } }),
      );
      const all = await waitFor(async () => {
        const r = await receipts(w.redis, w.prefix, 'x');
        return r.length >= 4 ? r : undefined;
      }, 'receipts of the forgeries');
      const codes = Object.fromEntries(
        all.map((r) => [r.idempotencyKey, `${r.status}:${r.error?.code ?? ''}`]),
      );
      expect(codes).toMatchObject({
        'unsigned-1': 'rejected:approval_missing',
        'altered-1': 'rejected:approval_bad_signature',
        'forged-1': 'rejected:approval_unknown_key',
      });
      expect(w.fake.postCalls()).toHaveLength(1);
      // State follows the receipts, also for keys the coordinator never saw submitted.
      expect((await stateOf(w, 'altered-1', 'rejected')).receipt?.error?.code).toBe('approval_bad_signature');
    });

    it('a scheduled intent runs at its time after a coordinator restart in between; cancel withdraws one', async () => {
      const w = await world();
      const at = new Date(Date.now() + 2500).toISOString();
      await w.producer.submit(post('later-1', 'runs later', 'personal', { notBefore: at }));
      await w.producer.submit(post('later-2', 'never runs', 'personal', { notBefore: at }));
      expect((await w.producer.list({ state: 'scheduled' })).records).toHaveLength(2);
      await w.producer.cancel('later-2', 'changed my mind');
      await w.coordinator.close();
      await w.startCoordinator();
      const done = await stateOf(w, 'later-1', 'succeeded');
      expect(Date.parse(done.receipt?.startedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(at));
      expect(w.fake.postsWithText('runs later')).toHaveLength(1);
      await new Promise((r) => setTimeout(r, 500));
      expect(w.fake.postsWithText('never runs')).toHaveLength(0);
      expect((await w.producer.get('later-2')).record.state).toBe('cancelled');
      // The cancelled key is closed: written straight to the stream, it still has no effect.
      await xaddIntent(w.redis, w.prefix, 'x', post('later-2', 'never runs', 'personal'));
      await new Promise((r) => setTimeout(r, 800));
      expect(w.fake.postsWithText('never runs')).toHaveLength(0);
      expect(w.auditLines().map((a) => a.action)).toContain('released');
    });

    it('operator actions: reject, gate, replay a failed intent, resolve a parked one; each audited', async () => {
      const w = await world({ maxRetries: 1 });
      await w.producer.submit(post('nope-1', 'not this'));
      await w.operator.reject('nope-1', 'off-brand');
      expect((await w.producer.get('nope-1')).record).toMatchObject({
        state: 'rejected',
        receipt: { error: { code: 'rejected_by_person' } },
      });

      await w.operator.setGate('x', false, 'maintenance');
      await w.operator.setGate('x', true, 'done');

      w.fake.inject({ kind: 'status', status: 400 });
      await w.producer.submit(post('fail-1', 'fails once', 'personal'));
      await stateOf(w, 'fail-1', 'failed');
      expect((await w.operator.deadletter('x')).entries).toHaveLength(1);
      await w.operator.replay('fail-1', 'the 400 was a fluke');
      await stateOf(w, 'fail-1', 'succeeded');
      expect(w.fake.postsWithText('fails once')).toHaveLength(1);

      // X acts, the answer is lost, and X cannot be asked afterwards: parked for a person.
      w.fake.inject({ kind: 'act_then_drop' });
      w.fake.inject({ kind: 'status', status: 503 }, { method: 'GET', path: /\/tweets$/, times: 50 });
      await w.producer.submit(post('unk-1', 'maybe posted', 'personal'));
      await stateOf(w, 'unk-1', 'unknown');
      const postId = w.fake.postsWithText('maybe posted')[0]?.id as string;
      await w.operator.resolve('unk-1', {
        outcome: 'done',
        externalId: postId,
        url: `https://x.com/me/status/${postId}`,
        note: 'found it on the profile',
      });
      const resolved = await stateOf(w, 'unk-1', 'succeeded');
      expect(resolved.receipt).toMatchObject({ externalId: postId, executor: 'operator:ops-person' });
      expect(await w.redis.hget(channelKeys(w.prefix, 'x').done, 'unk-1')).toContain('succeeded');

      const fromFile = w.auditLines().map((a) => a.action);
      const fromStream = (await w.operator.audit(100)).entries.map((e) => e.action).reverse();
      for (const action of ['rejected', 'gate_changed', 'replayed', 'resolved'])
        expect(fromFile).toContain(action);
      expect(fromStream).toEqual(fromFile);
    });

    it('states match the receipts, and only operators may decide', async () => {
      const w = await world();
      for (let i = 0; i < 5; i += 1) await w.producer.submit(post(`s-${i}`, `state ${i}`, 'personal'));
      await xaddIntent(w.redis, w.prefix, 'x', post('direct-1', 'written directly', 'personal'));
      const all = await waitFor(async () => {
        const r = await receipts(w.redis, w.prefix, 'x');
        return r.length >= 6 ? r : undefined;
      }, 'six receipts');
      for (const r of all)
        expect((await stateOf(w, r.idempotencyKey, r.status)).receipt?.externalId).toBe(r.externalId);
      const listed = (await w.producer.list({ account: 'personal', limit: 10 })).records;
      expect(listed.map((r) => r.idempotencyKey).sort()).toEqual([
        'direct-1',
        's-0',
        's-1',
        's-2',
        's-3',
        's-4',
      ]);
      await w.producer.submit(post('gated-1', 'gated'));
      await expect(w.producer.approve('gated-1')).rejects.toMatchObject({ status: 403, code: 'forbidden' });
      await expect(w.producer.setGate('global', false, 'no')).rejects.toMatchObject({ status: 403 });
      await expect(w.producer.resolve('gated-1', { outcome: 'retry' })).rejects.toMatchObject({
        status: 403,
      });
    });
  });

  describe(`coordinator metrics and health${over}`, () => {
    it('serves /readyz and /metrics with intents per state and decisions', async () => {
      const w = await world();
      await w.producer.submit(post('gated-m', 'waits'));
      await w.producer.submit(post('free-m', 'goes', 'personal'));
      await stateOf(w, 'free-m', 'succeeded');
      expect((await fetch(`${w.coordinator.url}/readyz`)).status).toBe(200);
      const text = await (await fetch(`${w.coordinator.url}/metrics`)).text();
      expect(text).toMatch(/^ops_intents\{channel="x",state="pending_approval"\} 1$/m);
      expect(text).toMatch(/^ops_intents\{channel="x",state="succeeded"\} 1$/m);
      expect(text).toMatch(/^ops_decisions_total\{action="submitted"\} 2$/m);
      // Series there at 0 before their first event.
      expect(text).toMatch(/^ops_decisions_total\{action="replayed"\} 0$/m);
      expect(text).toMatch(/^ops_agent_hook_undelivered\{channel="x"\} 0$/m);
    });
  });
}
