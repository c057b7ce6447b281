import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signApproval } from '@agent-ops/contracts/approval-signature';
import { fieldsToRecord } from '@agent-ops/contracts/codec';
import {
  NeedsReauthError,
  NonRetryableError,
  OutcomeUnknownError,
  RetryAfterError,
} from '@agent-ops/contracts/errors';
import type { Intent } from '@agent-ops/contracts/intent';
import { type ChannelKeys, channelKeys, EXECUTORS_GROUP } from '@agent-ops/contracts/keys';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { deadletters, pendingCount, receipts } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { AccountHealthBoard } from '../src/account-health.ts';
import type { ChannelAdapter, EffectContext, EffectResult, ReconcileResult } from '../src/adapter.ts';
import { Breakers } from '../src/breakers.ts';
import type { DeferArgs } from '../src/later.ts';
import { Ledger } from '../src/ledger.ts';
import { LocalGate } from '../src/local-gate.ts';
import { MetricsRelay } from '../src/metrics-sink.ts';
import { compileOptions, type ExecutorOptionsInput } from '../src/options.ts';
import { IntentProcessor, type StreamMessage } from '../src/processor.ts';
import { RateLimits } from '../src/rate-limits.ts';

// IntentProcessor on its own: a real Redis and the real ledger scripts, limits and breaker,
// with a channel adapter whose answers each test scripts, and a "later" that records what
// would be re-appended. Each way out of the processor is a test below.

const redis = redisClient(inject('redisUrl'));
afterAll(() => redis.quit());
const log = pino({ level: 'silent' });
const coordinatorKey = generateKeyPairSync('ed25519');

/** One scripted answer: a result, an error to throw, or a promise the test settles. */
type Step<T> = T | Error | ((ctx: EffectContext) => Promise<T>);

class ScriptedAdapter implements ChannelAdapter {
  readonly channel = 'x' as const;
  readonly performs: Step<EffectResult>[] = [];
  readonly reconciles: Step<ReconcileResult>[] = [];
  performed = 0;
  reconciled = 0;
  /** Set by a test: marks record progress (a thread's parts), so they keep the attempt armed. */
  marksAreProgress = false;

  /** A step marked `part:<id>` happened (as a thread's part): it gets its own receipt. */
  derivedEffects(intent: Intent, marks: readonly string[]) {
    return marks
      .filter((m) => m.startsWith('part:'))
      .map((m) => ({
        key: `${intent.idempotencyKey}/part/1`,
        action: 'x.post' as const,
        externalId: m.slice(5),
        url: null,
      }));
  }
  /** Set by a test: the adapter can check a login, which is what lets a held account's work wait. */
  checkAccount?: (account: string) => Promise<void>;

  hasAccount(account: string): boolean {
    return account === 'acme';
  }
  rateLimitGroup(): string {
    return 'post';
  }
  perform(_intent: unknown, ctx: EffectContext): Promise<EffectResult> {
    this.performed += 1;
    return play(this.performs.shift(), 'perform', ctx);
  }
  reconcile(): Promise<ReconcileResult> {
    this.reconciled += 1;
    return play(this.reconciles.shift(), 'reconcile');
  }
  secretValues(): readonly string[] {
    return ['s3cret-value'];
  }
}

async function play<T>(step: Step<T> | undefined, what: string, ctx?: EffectContext): Promise<T> {
  if (step === undefined) throw new Error(`the test scripted no ${what}`);
  if (step instanceof Error) throw step;
  if (typeof step === 'function') return (step as (c?: EffectContext) => Promise<T>)(ctx);
  return step;
}

type Rig = {
  keys: ChannelKeys;
  prefix: string;
  adapter: ScriptedAdapter;
  deferred: DeferArgs[];
  processor: IntentProcessor;
  ledger: Ledger;
  limits: RateLimits;
  gateFile: string;
  localGate: LocalGate;
  health: AccountHealthBoard;
  /** Appends an intent and reads it as this consumer would. */
  deliver(intent: object): Promise<StreamMessage>;
  /** What Later would append when the delay is over, read back as the next entry. */
  redeliver(d: DeferArgs): Promise<StreamMessage>;
};

async function rig(options: Partial<ExecutorOptionsInput> = {}): Promise<Rig> {
  const prefix = testPrefix('p');
  const keys = channelKeys(prefix, 'x');
  await redis.xgroup('CREATE', keys.intents, EXECUTORS_GROUP, '0', 'MKSTREAM');
  const o = compileOptions({
    channel: 'x',
    prefix,
    consumer: 'c1',
    localGateFile: null,
    leaseTtlMs: 30_000,
    maxRetries: 2,
    backoff: { baseMs: 10, maxMs: 20 },
    ...options,
  });
  const ledger = new Ledger(redis, keys);
  const limits = new RateLimits(redis, keys, o);
  const adapter = new ScriptedAdapter();
  const deferred: DeferArgs[] = [];
  const gateFile = join(mkdtempSync(join(tmpdir(), 'gate-')), 'gate.json');
  const localGate = new LocalGate(gateFile, log);
  const health = new AccountHealthBoard(redis, keys, 'c1', log);
  const processor = new IntentProcessor({
    ledger,
    adapter,
    options: o,
    limits,
    breakers: new Breakers(redis, keys, o, log),
    later: {
      defer: async (d) => {
        deferred.push(d);
      },
    },
    localGate,
    approvalKeys: new Map([['k1', coordinatorKey.publicKey]]),
    metrics: new MetricsRelay(),
    health,
    log,
  });
  const read = async (fields: string[]): Promise<StreamMessage> => {
    await redis.xadd(keys.intents, '*', ...fields);
    const reply = (await redis.xreadgroup(
      'GROUP',
      EXECUTORS_GROUP,
      'c1',
      'COUNT',
      1,
      'STREAMS',
      keys.intents,
      '>',
    )) as Array<[string, Array<[string, string[]]>]> | null;
    const entry = reply?.[0]?.[1][0];
    if (!entry) throw new Error('nothing to read');
    return { id: entry[0], fields: entry[1] };
  };
  return {
    keys,
    prefix,
    adapter,
    deferred,
    processor,
    ledger,
    limits,
    gateFile,
    localGate,
    health,
    deliver: (intent) => read(['intent', JSON.stringify(intent)]),
    redeliver: (d) => read(d.fields),
  };
}

let n = 0;
function post(overrides: Partial<Intent> = {}): Intent {
  n += 1;
  return {
    v: 1,
    idempotencyKey: `key-${n}`,
    action: 'x.post',
    account: 'acme',
    payload: { text: `post ${n}` },
    ...overrides,
  } as Intent;
}

const done = (id: string): EffectResult => ({ externalId: id, url: `https://x.com/acme/status/${id}` });

async function state(r: Rig, key: string) {
  return {
    receipts: (await receipts(redis, r.prefix, 'x')).filter((x) => x.idempotencyKey === key),
    armed: JSON.parse((await redis.hget(r.keys.armed, key)) ?? 'null') as { token: string } | null,
    lease: JSON.parse((await redis.hget(r.keys.leases, key)) ?? 'null') as { owner: string } | null,
    attempts: Number((await redis.hget(r.keys.attempts, key)) ?? 0),
    pending: await pendingCount(redis, r.prefix, 'x'),
  };
}

describe('IntentProcessor: every way out, with a scripted adapter', () => {
  it('succeeded: one call, one receipt, the entry acknowledged and nothing left armed', async () => {
    const r = await rig();
    const intent = post();
    r.adapter.performs.push(done('101'));
    expect(await r.processor.handle(await r.deliver(intent))).toBe('settled');
    const s = await state(r, intent.idempotencyKey);
    expect(s.receipts).toMatchObject([{ status: 'succeeded', externalId: '101', attempts: 1, error: null }]);
    expect(s).toMatchObject({ armed: null, lease: null, pending: 0 });
  });

  it('not retryable: a failed receipt and a deadletter entry, the secret scrubbed from the message', async () => {
    const r = await rig();
    const intent = post();
    r.adapter.performs.push(new NonRetryableError('400 with s3cret-value inside', 'bad_request'));
    expect(await r.processor.handle(await r.deliver(intent))).toBe('settled');
    const [receipt] = (await state(r, intent.idempotencyKey)).receipts;
    expect(receipt).toMatchObject({ status: 'failed', error: { code: 'bad_request', retryable: false } });
    expect(receipt?.error?.message).not.toContain('s3cret-value');
    expect(await deadletters(redis, r.prefix, 'x')).toHaveLength(1);
  });

  it('not_sent by the own rate limit: deferred until the budget returns, the attempt taken back', async () => {
    const r = await rig({ accounts: { acme: { rateLimits: { post: { points: 1, durationSec: 60 } } } } });
    const [first, second] = [post(), post()];
    r.adapter.performs.push(done('1'));
    await r.processor.handle(await r.deliver(first));
    expect(await r.processor.handle(await r.deliver(second))).toBe('settled');
    expect(r.adapter.performed).toBe(1);
    expect(r.deferred).toHaveLength(1);
    expect(r.deferred[0]?.delayMs).toBeGreaterThan(50_000);
    const s = await state(r, second.idempotencyKey);
    expect(s).toMatchObject({ receipts: [], armed: null, lease: null, attempts: 0, pending: 0 });
  });

  it('not_sent by an open breaker: deferred by its reset time, not counted, so an outage never exhausts a key', async () => {
    const r = await rig({
      maxRetries: 0,
      breaker: { volumeThreshold: 1, errorThresholdPercentage: 1, resetTimeoutMs: 60_000 },
    });
    const [first, second] = [post(), post()];
    r.adapter.performs.push(new RetryAfterError('503', null));
    await r.processor.handle(await r.deliver(first));
    expect((await state(r, first.idempotencyKey)).receipts).toMatchObject([{ status: 'failed' }]);
    // The breaker is open now: the second key's call never leaves, however often it comes back.
    for (let i = 0; i < 3; i += 1) {
      const msg = i === 0 ? await r.deliver(second) : await r.redeliver(r.deferred.at(-1) as DeferArgs);
      expect(await r.processor.handle(msg)).toBe('settled');
    }
    expect(r.adapter.performed).toBe(1);
    expect(r.deferred.map((d) => d.delayMs)).toEqual([60_000, 60_000, 60_000]);
    const s = await state(r, second.idempotencyKey);
    expect(s).toMatchObject({ receipts: [], armed: null, attempts: 0, pending: 0 });
  });

  it('not_done by a 429: every replica blocked until the reset, deferred that long, the attempt counted', async () => {
    const r = await rig();
    const intent = post();
    r.adapter.performs.push(new RetryAfterError('429', 5000, 'rate_limited'));
    expect(await r.processor.handle(await r.deliver(intent))).toBe('settled');
    expect(r.deferred[0]?.delayMs).toBe(5000);
    expect((await r.limits.peek('acme', 'post')).remaining).toBe(0);
    const s = await state(r, intent.idempotencyKey);
    expect(s).toMatchObject({ receipts: [], armed: null, attempts: 1, pending: 0 });
    // The copy that comes back carries the intent and when it was first tried; the attempt
    // count lives in Redis.
    expect(Object.keys(fieldsToRecord(r.deferred[0]?.fields ?? []))).toEqual(['intent', 'firstTriedAt']);
  });

  it('not_done by an account out of credits (402): the account waits, and the breaker stays closed', async () => {
    const r = await rig({
      breaker: { volumeThreshold: 1, errorThresholdPercentage: 1, resetTimeoutMs: 60_000 },
    });
    const [first, second] = [post(), post()];
    r.adapter.performs.push(new RetryAfterError('402 credits depleted', 900_000, 'payment_required'));
    await r.processor.handle(await r.deliver(first));
    expect(r.deferred[0]?.delayMs).toBe(900_000);
    expect((await r.limits.peek('acme', 'post')).remaining).toBe(0);
    // The next key of the account is held by the limit, not refused by an open breaker.
    await r.processor.handle(await r.deliver(second));
    expect(r.adapter.performed).toBe(1);
    expect(await redis.hget(r.keys.breakers, 'acme')).toBeNull();
  });

  it('outcome unknown, reconcile finds the effect: succeeded with the found id, no second call', async () => {
    const r = await rig();
    const intent = post();
    r.adapter.performs.push(new OutcomeUnknownError('socket hang up'));
    r.adapter.reconciles.push({ outcome: 'done', result: done('202') });
    expect(await r.processor.handle(await r.deliver(intent))).toBe('settled');
    expect((await state(r, intent.idempotencyKey)).receipts).toMatchObject([
      { status: 'succeeded', externalId: '202' },
    ]);
    expect(r.adapter.performed).toBe(1);
  });

  it('outcome unknown, reconcile finds nothing: not_done, disarmed; the next attempt calls again and counts 2', async () => {
    const r = await rig();
    const intent = post();
    r.adapter.performs.push(new OutcomeUnknownError('timeout'), done('303'));
    r.adapter.reconciles.push({ outcome: 'not_done' });
    await r.processor.handle(await r.deliver(intent));
    expect(await state(r, intent.idempotencyKey)).toMatchObject({ armed: null, attempts: 1, receipts: [] });
    expect(await r.processor.handle(await r.redeliver(r.deferred[0] as DeferArgs))).toBe('settled');
    expect((await state(r, intent.idempotencyKey)).receipts).toMatchObject([
      { status: 'succeeded', externalId: '303', attempts: 2 },
    ]);
    expect(r.adapter.reconciled).toBe(1);
  });

  it('outcome unknown, nobody can tell: parked unknown with both reasons', async () => {
    const r = await rig();
    const intent = post();
    r.adapter.performs.push(new OutcomeUnknownError('connection reset'));
    r.adapter.reconciles.push({ outcome: 'unknown', reason: 'the timeline does not go back that far' });
    await r.processor.handle(await r.deliver(intent));
    const [receipt] = (await state(r, intent.idempotencyKey)).receipts;
    expect(receipt).toMatchObject({ status: 'unknown', error: { code: 'outcome_unknown' } });
    expect(receipt?.error?.message).toBe('the timeline does not go back that far (after: connection reset)');
  });

  it('in_doubt: reconcile cannot ask, so the attempt stays armed and the next owner reconciles before any call', async () => {
    const r = await rig();
    const intent = post();
    r.adapter.performs.push(new OutcomeUnknownError('timeout'));
    r.adapter.reconciles.push(new Error('503 on the read'), { outcome: 'done', result: done('404') });
    await r.processor.handle(await r.deliver(intent));
    const s = await state(r, intent.idempotencyKey);
    expect(s).toMatchObject({ receipts: [], lease: null, attempts: 1, pending: 0 });
    expect(s.armed).not.toBeNull();
    await r.processor.handle(await r.redeliver(r.deferred[0] as DeferArgs));
    expect((await state(r, intent.idempotencyKey)).receipts).toMatchObject([
      { status: 'succeeded', externalId: '404', attempts: 2 },
    ]);
    expect(r.adapter.performed).toBe(1);
  });

  it('in_doubt on the last attempt: parked unknown as reconcile_failed, never called again', async () => {
    const r = await rig({ maxRetries: 0 });
    const intent = post();
    r.adapter.performs.push(new OutcomeUnknownError('timeout'));
    r.adapter.reconciles.push(new Error('503 on the read'));
    await r.processor.handle(await r.deliver(intent));
    expect((await state(r, intent.idempotencyKey)).receipts).toMatchObject([
      { status: 'unknown', error: { code: 'reconcile_failed', message: '503 on the read' } },
    ]);
  });

  it('retries exhausted: after the first try and maxRetries more, failed with the count, deadlettered', async () => {
    const r = await rig({ maxRetries: 1 });
    const intent = post();
    r.adapter.performs.push(new RetryAfterError('503', null), new RetryAfterError('503 again', null));
    await r.processor.handle(await r.deliver(intent));
    await r.processor.handle(await r.redeliver(r.deferred[0] as DeferArgs));
    expect((await state(r, intent.idempotencyKey)).receipts).toMatchObject([
      { status: 'failed', attempts: 2, error: { message: 'gave up after 2 tries: 503 again' } },
    ]);
    expect(await deadletters(redis, r.prefix, 'x')).toHaveLength(1);
  });

  it('no attempt cap by default: a key that is not done is tried again until it is, however many times', async () => {
    const r = await rig({ maxRetries: null, breaker: { volumeThreshold: 1000 } });
    const intent = post();
    for (let i = 0; i < 20; i += 1) r.adapter.performs.push(new RetryAfterError(`503 #${i}`, null));
    r.adapter.performs.push(done('909'));
    await r.processor.handle(await r.deliver(intent));
    for (let i = 0; i < 20; i += 1)
      await r.processor.handle(await r.redeliver(r.deferred.at(-1) as DeferArgs));
    expect((await state(r, intent.idempotencyKey)).receipts).toMatchObject([
      { status: 'succeeded', externalId: '909', attempts: 21 },
    ]);
  });

  it('retried for retryForMs from the first try, across retries that begin afresh; then failed', async () => {
    const r = await rig({ maxRetries: null, retryForMs: 60_000, backoff: { baseMs: 10, maxMs: 10 } });
    const intent = post();
    r.adapter.performs.push(new RetryAfterError('503', null), new RetryAfterError('503 still', null));
    await r.processor.handle(await r.deliver(intent));
    // The copy that comes back says the key was first tried two minutes ago.
    const back = r.deferred[0] as DeferArgs;
    const fields = fieldsToRecord(back.fields);
    const aged = {
      ...back,
      fields: ['intent', fields.intent ?? '', 'firstTriedAt', String(Date.now() - 120_000)],
    };
    await r.processor.handle(await r.redeliver(aged));
    const [receipt] = (await state(r, intent.idempotencyKey)).receipts;
    expect(receipt).toMatchObject({ status: 'failed', attempts: 2 });
    expect(receipt?.error?.message).toMatch(
      /^gave up after 2 tries over 2 min \(retryForMs 60000\): 503 still$/,
    );
  });

  it("an intent's own expiresAt ends the retries when the next try would come after it", async () => {
    const r = await rig({ maxRetries: null, backoff: { baseMs: 60_000, maxMs: 60_000 } });
    const intent = post({ expiresAt: new Date(Date.now() + 30_000).toISOString() });
    r.adapter.performs.push(new RetryAfterError('503', null));
    await r.processor.handle(await r.deliver(intent));
    const [receipt] = (await state(r, intent.idempotencyKey)).receipts;
    expect(receipt).toMatchObject({ status: 'failed', attempts: 1 });
    expect(receipt?.error?.message).toContain('the intent expires at');
  });

  it('rejected by policy with an attempt in doubt: taken over, reconciled, settled without a call', async () => {
    const r = await rig({ maxRetries: null });
    const expiresAt = Date.now() + 300;
    const [gone, happened] = [
      post({ expiresAt: new Date(expiresAt).toISOString() }),
      post({ expiresAt: new Date(expiresAt).toISOString() }),
    ];
    for (const intent of [gone, happened]) {
      r.adapter.performs.push(new OutcomeUnknownError('timeout'));
      r.adapter.reconciles.push(new Error('503 on the read'));
      await r.processor.handle(await r.deliver(intent));
      expect((await state(r, intent.idempotencyKey)).armed).not.toBeNull();
    }
    await waitFor(() => Date.now() > expiresAt, 'the intents to expire');
    r.adapter.reconciles.push({ outcome: 'not_done' }, { outcome: 'done', result: done('808') });
    expect(await r.processor.handle(await r.redeliver(r.deferred[0] as DeferArgs))).toBe('settled');
    expect(await r.processor.handle(await r.redeliver(r.deferred[1] as DeferArgs))).toBe('settled');
    const g = await state(r, gone.idempotencyKey);
    expect(g.receipts).toMatchObject([{ status: 'rejected', error: { code: 'expired' } }]);
    expect(g).toMatchObject({ armed: null, lease: null });
    expect((await state(r, happened.idempotencyKey)).receipts).toMatchObject([
      { status: 'succeeded', externalId: '808' },
    ]);
    expect(r.adapter.performed).toBe(2);
    expect(await pendingCount(redis, r.prefix, 'x')).toBe(0);
  });

  it('rejected by policy: a receipt and no call, no attempt', async () => {
    const r = await rig();
    const intent = post({ account: 'stranger' });
    expect(await r.processor.handle(await r.deliver(intent))).toBe('settled');
    const s = await state(r, intent.idempotencyKey);
    expect(s.receipts).toMatchObject([
      { status: 'rejected', attempts: 0, error: { code: 'unknown_account' } },
    ]);
    expect(s).toMatchObject({ attempts: 0, armed: null, lease: null });
    expect(r.adapter.performed).toBe(0);
  });

  it('scheduled: an intent for later is deferred to its notBefore and acknowledged, without a lease', async () => {
    const r = await rig();
    const intent = post({ notBefore: new Date(Date.now() + 3_600_000).toISOString() });
    expect(await r.processor.handle(await r.deliver(intent))).toBe('settled');
    expect(r.deferred[0]?.delayMs).toBeGreaterThan(3_500_000);
    expect(await state(r, intent.idempotencyKey)).toMatchObject({ lease: null, attempts: 0, pending: 0 });
  });

  it('held by the local gate: nothing begun, the entry left pending for when it opens', async () => {
    const r = await rig();
    writeFileSync(r.gateFile, '{"enabled": false}');
    r.localGate.read();
    const intent = post();
    expect(await r.processor.handle(await r.deliver(intent))).toBe('held');
    expect(await state(r, intent.idempotencyKey)).toMatchObject({ lease: null, attempts: 0, pending: 1 });
  });

  it('an invalid entry: deadlettered with the reason naming the field, acknowledged', async () => {
    const r = await rig();
    const msg = await r.deliver({
      v: 1,
      idempotencyKey: 'bad-1',
      action: 'x.post',
      account: 'acme',
      payload: {},
    });
    expect(await r.processor.handle(msg)).toBe('settled');
    const [dl] = await deadletters(redis, r.prefix, 'x');
    expect(dl?.reason).toMatch(/payload\.text/);
    expect(await pendingCount(redis, r.prefix, 'x')).toBe(0);
  });
});

describe('IntentProcessor: an account whose login was refused holds its work', () => {
  async function refusedRig(options: Partial<ExecutorOptionsInput> = {}) {
    const r = await rig({
      reauthCheckMs: 5000,
      breaker: { volumeThreshold: 1, errorThresholdPercentage: 1, resetTimeoutMs: 60_000 },
      ...options,
    });
    r.adapter.checkAccount = async () => {};
    return r;
  }
  const refusal = () => new NeedsReauthError("X refused the account's login (401) for s3cret-value");

  it('held, not failed: no receipt, no deadletter, the attempt taken back, the breaker closed, the account needs_reauth', async () => {
    const r = await refusedRig();
    const intent = post();
    r.adapter.performs.push(refusal());
    expect(await r.processor.handle(await r.deliver(intent))).toBe('settled');
    const s = await state(r, intent.idempotencyKey);
    expect(s).toMatchObject({ receipts: [], armed: null, lease: null, attempts: 0, pending: 0 });
    expect(await deadletters(redis, r.prefix, 'x')).toHaveLength(0);
    expect(await redis.hget(r.keys.breakers, 'acme')).toBeNull();
    const record = JSON.parse((await redis.hget(r.keys.accounts, 'acme')) ?? '{}');
    expect(record).toMatchObject({ status: 'needs_reauth', by: 'c1' });
    expect(record.reason).toMatch(/refused the account's login \(401\)/);
    expect(JSON.stringify(record)).not.toContain('s3cret-value');
    expect(JSON.parse((await redis.hget(r.keys.held, intent.idempotencyKey)) ?? '{}')).toMatchObject({
      account: 'acme',
    });
    expect(r.deferred[0]?.delayMs).toBe(5000);
    expect(fieldsToRecord(r.deferred[0]?.fields ?? []).held).toBe('1');
  });

  it("the account's other intents and the held copies wait without a call; once the login is ok, each goes on once", async () => {
    const r = await refusedRig();
    const [first, second] = [post(), post()];
    r.adapter.performs.push(refusal());
    await r.processor.handle(await r.deliver(first));
    await r.processor.handle(await r.deliver(second));
    await r.processor.handle(await r.redeliver(r.deferred[0] as DeferArgs));
    expect(r.adapter.performed).toBe(1);
    expect(await redis.hlen(r.keys.held)).toBe(2);
    // Held time is not retry time: each wait moves the first try on by as long.
    const firstTried = Number(fieldsToRecord(r.deferred[0]?.fields ?? []).firstTriedAt);
    expect(Number(fieldsToRecord(r.deferred[2]?.fields ?? []).firstTriedAt)).toBe(firstTried + 5000);

    await r.health.record('acme', 'ok', null);
    r.adapter.performs.push(done('201'), done('202'));
    expect(await r.processor.handle(await r.redeliver(r.deferred[2] as DeferArgs))).toBe('settled');
    expect(await r.processor.handle(await r.redeliver(r.deferred[1] as DeferArgs))).toBe('settled');
    expect(r.adapter.performed).toBe(3);
    for (const key of [first.idempotencyKey, second.idempotencyKey]) {
      const s = await state(r, key);
      expect(s.receipts).toMatchObject([{ status: 'succeeded', attempts: 1 }]);
    }
    expect(await redis.hlen(r.keys.held)).toBe(0);
  });

  it('a held intent waits no longer than its expiresAt, which policy then honours with a rejection', async () => {
    const r = await refusedRig({ reauthCheckMs: 600_000 });
    const expiresAt = Date.now() + 300;
    const intent = post({ expiresAt: new Date(expiresAt).toISOString() });
    r.adapter.performs.push(refusal());
    await r.processor.handle(await r.deliver(intent));
    expect(r.deferred[0]?.delayMs).toBeLessThanOrEqual(301);
    // Later would bring it back once the expiry has passed.
    await waitFor(() => Date.now() > expiresAt, 'the intent to expire');
    await r.processor.handle(await r.redeliver(r.deferred[0] as DeferArgs));
    expect((await state(r, intent.idempotencyKey)).receipts).toMatchObject([{ status: 'rejected' }]);
    expect(r.adapter.performed).toBe(1);
    expect(await redis.hlen(r.keys.held)).toBe(0);
  });

  it('refused while reconcile asks about an attempt in doubt: held, still armed, asked again once the login works', async () => {
    const r = await refusedRig();
    const intent = post();
    r.adapter.performs.push(new OutcomeUnknownError('timeout'));
    r.adapter.reconciles.push(refusal(), { outcome: 'done', result: done('401') });
    await r.processor.handle(await r.deliver(intent));
    let s = await state(r, intent.idempotencyKey);
    expect(s).toMatchObject({ receipts: [], lease: null, pending: 0 });
    expect(s.armed).not.toBeNull();
    expect(JSON.parse((await redis.hget(r.keys.accounts, 'acme')) ?? '{}').status).toBe('needs_reauth');
    await r.health.record('acme', 'ok', null);
    await r.processor.handle(await r.redeliver(r.deferred[0] as DeferArgs));
    s = await state(r, intent.idempotencyKey);
    expect(s.receipts).toMatchObject([{ status: 'succeeded', externalId: '401' }]);
    expect(r.adapter.performed).toBe(1);
  });

  it('progress kept through a breaker bounce and a hold: armed, the attempt taken back, held time not retry time', async () => {
    const r = await refusedRig({ maxRetries: 1, retryForMs: 3_600_000, breaker: { volumeThreshold: 1000 } });
    r.adapter.marksAreProgress = true;
    const intent = post();
    // Part 1 is out; then the call is refused by an open breaker: nothing else left.
    r.adapter.performs.push(async (ctx) => {
      await ctx.mark('part:1');
      throw new RetryAfterError('breaker open', 10, 'breaker_open');
    });
    await r.processor.handle(await r.deliver(intent));
    let s = await state(r, intent.idempotencyKey);
    expect(s.armed).not.toBeNull();
    expect(s.attempts).toBe(0);
    // The next try is refused the login: held, still armed, still not counted.
    r.adapter.reconciles.push({ outcome: 'not_done' }, { outcome: 'not_done' });
    r.adapter.performs.push(refusal());
    await r.processor.handle(await r.redeliver(r.deferred[0] as DeferArgs));
    s = await state(r, intent.idempotencyKey);
    expect(s).toMatchObject({ receipts: [], attempts: 0, lease: null });
    expect(s.armed).not.toBeNull();
    // The first armed attempt began long ago; the held copy's first try was moved on since.
    const armed = JSON.parse((await redis.hget(r.keys.armed, intent.idempotencyKey)) as string);
    await redis.hset(
      r.keys.armed,
      intent.idempotencyKey,
      JSON.stringify({ ...armed, startedAt: Date.now() - 7_200_000 }),
    );
    const held = r.deferred[1] as DeferArgs;
    const moved = {
      ...held,
      fields: [
        'intent',
        fieldsToRecord(held.fields).intent ?? '',
        'held',
        '1',
        'firstTriedAt',
        String(Date.now()),
      ],
    };
    await r.health.record('acme', 'ok', null);
    r.adapter.performs.push(new RetryAfterError('503', null));
    await r.processor.handle(await r.redeliver(moved));
    s = await state(r, intent.idempotencyKey);
    // Neither the window (2 h since the armed start) nor the cap (1 retry) is spent: this is the first counted try.
    expect(s.receipts).toEqual([]);
    expect(s.armed).not.toBeNull();
    expect(r.adapter.performed).toBe(3);
  });

  it('a thread held mid-way past its expiresAt: reconciled, parked unknown, the posted part receipted', async () => {
    const r = await refusedRig({ reauthCheckMs: 600_000 });
    r.adapter.marksAreProgress = true;
    const expiresAt = Date.now() + 300;
    const intent = post({ expiresAt: new Date(expiresAt).toISOString() });
    r.adapter.performs.push(async (ctx) => {
      await ctx.mark('part:111');
      throw refusal();
    });
    await r.processor.handle(await r.deliver(intent));
    expect((await state(r, intent.idempotencyKey)).armed).not.toBeNull();
    await waitFor(() => Date.now() > expiresAt, 'the intent to expire');
    r.adapter.reconciles.push({ outcome: 'not_done' });
    expect(await r.processor.handle(await r.redeliver(r.deferred[0] as DeferArgs))).toBe('settled');
    const all = await receipts(redis, r.prefix, 'x');
    expect(all.map((x) => [x.idempotencyKey, x.status, x.externalId])).toEqual([
      [`${intent.idempotencyKey}/part/1`, 'succeeded', '111'],
      [intent.idempotencyKey, 'unknown', null],
    ]);
    expect(all[1]?.error?.code).toBe('expired');
    expect(await state(r, intent.idempotencyKey)).toMatchObject({ armed: null, lease: null, pending: 0 });
    expect(await redis.hlen(r.keys.held)).toBe(0);
    expect(r.adapter.performed).toBe(1);
  });

  it('the held hash names no settled key: a cancel while held ends the hold, a hold left by a crash goes with the receipt', async () => {
    const r = await refusedRig();
    const [cancelled, crashed] = [post(), post()];
    r.adapter.performs.push(refusal());
    await r.processor.handle(await r.deliver(cancelled));
    // A person cancels it while it waits (the coordinator's decision, without a lease).
    const decided = await r.ledger.commit({
      key: cancelled.idempotencyKey,
      token: '',
      receiptJson: JSON.stringify({
        v: 1,
        idempotencyKey: cancelled.idempotencyKey,
        action: 'x.post',
        account: 'acme',
        status: 'rejected',
        externalId: null,
        url: null,
        attempts: 0,
        executor: 'coordinator',
        intentId: '0-1',
        startedAt: new Date().toISOString(),
        finishedAt: new Date().toISOString(),
        error: { code: 'cancelled', message: 'cancelled by a person', retryable: false },
      }),
      status: 'rejected',
      deadletter: null,
      ackIds: [],
    });
    expect(decided.code).toBe('committed');
    expect(await r.processor.handle(await r.redeliver(r.deferred[0] as DeferArgs))).toBe('settled');
    expect(r.deferred).toHaveLength(1);
    expect(await redis.hget(r.keys.held, cancelled.idempotencyKey)).toBeNull();
    // A replica held this one and died before its copy was scheduled; the original comes back.
    await r.health.hold(crashed.idempotencyKey, 'acme');
    await r.health.record('acme', 'ok', null);
    r.adapter.performs.push(done('909'));
    await r.processor.handle(await r.deliver(crashed));
    expect((await state(r, crashed.idempotencyKey)).receipts).toMatchObject([{ status: 'succeeded' }]);
    expect(await redis.hlen(r.keys.held)).toBe(0);
    expect(await pendingCount(redis, r.prefix, 'x')).toBe(0);
  });

  it('without a login check in the adapter, each intent calls, and a success marks the account ok', async () => {
    const r = await rig();
    await r.health.record('acme', 'needs_reauth', 'refused earlier');
    const intent = post();
    r.adapter.performs.push(done('301'));
    await r.processor.handle(await r.deliver(intent));
    expect((await state(r, intent.idempotencyKey)).receipts).toMatchObject([{ status: 'succeeded' }]);
    expect(JSON.parse((await redis.hget(r.keys.accounts, 'acme')) ?? '{}')).toMatchObject({ status: 'ok' });
  });
});

describe('IntentProcessor: an owner whose lease passed to another while its call ran', () => {
  /** Lets the lease lapse and has another owner begin, as a replica that reclaimed the entry would. */
  async function takeOver(r: Rig, key: string) {
    const lease = JSON.parse((await redis.hget(r.keys.leases, key)) as string);
    await redis.hset(r.keys.leases, key, JSON.stringify({ ...lease, expiresAt: 0 }));
    const begun = await r.ledger.begin({
      key,
      token: 'other-token',
      leaseTtlMs: 30_000,
      owner: 'c2',
      intentId: lease.intentId,
      mode: 'effect',
    });
    expect(begun.code).toBe('takeover');
  }

  function gate<T>() {
    let open: (v: T) => void = () => {};
    const promise = new Promise<T>((r) => {
      open = r;
    });
    return { promise, open };
  }

  /** An owner whose call is under way when the key passes to another owner ('c2'). */
  async function stalledOwner() {
    const r = await rig();
    const intent = post();
    const answer = gate<EffectResult>();
    r.adapter.performs.push(() => answer.promise);
    const handled = r.processor.handle(await r.deliver(intent));
    await expect.poll(() => r.adapter.performed).toBe(1);
    await takeOver(r, intent.idempotencyKey);
    /** The new owner settles the key with its own effect. */
    const settleByNewOwner = (externalId: string) =>
      r.ledger.commit({
        key: intent.idempotencyKey,
        token: 'other-token',
        receiptJson: JSON.stringify({
          idempotencyKey: intent.idempotencyKey,
          externalId,
          status: 'succeeded',
        }),
        status: 'succeeded',
        deadletter: null,
        ackIds: [],
      });
    return { r, intent, handled, answer: answer.open, settleByNewOwner };
  }

  it('stale: its outcome is not written and the entry is left to the new owner, still armed by it', async () => {
    const { r, intent, handled, answer } = await stalledOwner();
    answer(done('505'));
    expect(await handled).toBe('left');
    const s = await state(r, intent.idempotencyKey);
    expect(s).toMatchObject({ receipts: [], pending: 1, lease: { owner: 'c2' } });
    expect(s.armed?.token).toBe('other-token');
  });

  it('already settled by the new owner with the same effect: acknowledged quietly', async () => {
    const { r, handled, answer, settleByNewOwner } = await stalledOwner();
    await settleByNewOwner('606');
    answer(done('606'));
    expect(await handled).toBe('settled');
    expect(await deadletters(redis, r.prefix, 'x')).toHaveLength(0);
    expect(await pendingCount(redis, r.prefix, 'x')).toBe(0);
  });

  it('already settled with another effect: a second effect, noted for a person in the deadletter stream', async () => {
    const { r, handled, answer, settleByNewOwner } = await stalledOwner();
    await settleByNewOwner('707');
    answer(done('708'));
    expect(await handled).toBe('settled');
    const [note] = await deadletters(redis, r.prefix, 'x');
    expect(JSON.parse(note?.error ?? '{}')).toMatchObject({ code: 'second_effect' });
    expect(note?.reason).toContain('708');
    expect(note?.reason).toContain('707');
  });
});

describe('IntentProcessor: an approval holds through the waits the executor imposes', () => {
  const approved = (expiresAt: number): Intent => {
    const intent = post({ account: 'acme' });
    const fields = {
      by: 'ops',
      at: new Date(expiresAt - 3_600_000).toISOString(),
      expiresAt: new Date(expiresAt).toISOString(),
      keyId: 'k1',
    };
    return { ...intent, approval: signApproval(intent, fields, coordinatorKey.privateKey) } as Intent;
  };
  const requireApproval = { accounts: { acme: { requireApproval: true } } };

  it('a 429 holds an approved post past its approval: carried out on the next try all the same', async () => {
    const r = await rig(requireApproval);
    const expiresAt = Date.now() + 400;
    const intent = approved(expiresAt);
    // X's reset comes after the approval's end; the next try is after both.
    r.adapter.performs.push(new RetryAfterError('429', 600, 'rate_limited'), done('111'));
    await r.processor.handle(await r.deliver(intent));
    await expect.poll(() => Date.now() > expiresAt + 300, { timeout: 3000 }).toBe(true);
    await r.processor.handle(await r.redeliver(r.deferred[0] as DeferArgs));
    expect((await state(r, intent.idempotencyKey)).receipts).toMatchObject([
      { status: 'succeeded', externalId: '111' },
    ]);
  });

  it('an approved intent that first arrives after its approval expired is rejected', async () => {
    const r = await rig(requireApproval);
    const intent = approved(Date.now() - 1000);
    await r.processor.handle(await r.deliver(intent));
    expect((await state(r, intent.idempotencyKey)).receipts).toMatchObject([
      { status: 'rejected', error: { code: 'approval_expired' } },
    ]);
    expect(r.adapter.performed).toBe(0);
  });

  it('a rewritten first-try time cannot stretch an approval past the retry window', async () => {
    const r = await rig({ ...requireApproval, retryForMs: 60_000 });
    const intent = approved(Date.now() - 120_000);
    const forged = ['intent', JSON.stringify(intent), 'firstTriedAt', String(Date.now() - 600_000)];
    await r.processor.handle(
      await r.redeliver({ key: intent.idempotencyKey, fromId: '0-1', fields: forged, delayMs: 0 }),
    );
    const [receipt] = (await state(r, intent.idempotencyKey)).receipts;
    expect(receipt).toMatchObject({ status: 'rejected', error: { code: 'approval_expired' } });
    expect(receipt?.error?.message).toContain('longer than the retry window');
  });
});
