import { Writable } from 'node:stream';
import { channelKeys } from '@agent-ops/contracts/keys';
import type { Receipt } from '@agent-ops/contracts/receipt';
import { FakeOpenClawHooks } from '@agent-ops/testkit/fake-openclaw-hooks';
import { redisClient, testPrefix } from '@agent-ops/testkit/isolation';
import { waitFor } from '@agent-ops/testkit/wait';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { AgentHook, type SessionKeyLookup, type UndeliveredReport } from '../src/agent-hook/agent-hook.ts';
import { CoordinatorConfigSchema } from '../src/config.ts';

const TOKEN = 'hooks-token-0123456789';
const redis = redisClient(inject('redisUrl'));
const gateway = new FakeOpenClawHooks({
  token: TOKEN,
  allowedAgentIds: ['ops'],
  allowRequestSessionKey: true,
  allowedSessionKeyPrefixes: ['hook:', 'agent:ops:'],
  defaultSessionKey: 'hook:ingress',
});

type Line = { level: number; msg: string; idempotencyKey?: string; reason?: string };
const lines: Line[] = [];
const log = pino(
  { level: 'info' },
  new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  }),
);

const hooks: AgentHook[] = [];
let prefix = '';
const ASKED_IN_CHAT: SessionKeyLookup = async (_c, key) =>
  key.startsWith('asked-') ? 'agent:ops:telegram:dm:42' : null;

function startHook(overrides: Record<string, unknown> = {}, sessionOf = ASKED_IN_CHAT): AgentHook {
  prefix = testPrefix('hook');
  const { agentHook } = CoordinatorConfigSchema.parse({
    tokens: [{ name: 'p', role: 'producer', token: 'producer-token-0123456789abcdef' }],
    agentHook: {
      url: gateway.hookUrl,
      token: TOKEN,
      agentId: 'ops',
      backoff: { baseMs: 20, maxMs: 100 },
      ...overrides,
    },
  });
  if (!agentHook) throw new Error('no agentHook config');
  const hook = new AgentHook(agentHook, inject('redisUrl'), prefix, log, sessionOf);
  hook.start();
  hooks.push(hook);
  return hook;
}

function receipt(key: string, status: Receipt['status'] = 'failed'): Receipt {
  return {
    v: 1,
    idempotencyKey: key,
    action: 'x.post',
    account: 'personal',
    status,
    externalId: null,
    url: null,
    attempts: 1,
    executor: 'x-executor@test',
    intentId: '1700000000000-0',
    startedAt: '2026-12-01T10:00:00.000Z',
    finishedAt: '2026-12-01T10:00:01.000Z',
    error: status === 'succeeded' ? null : { code: 'http_400', message: 'refused', retryable: false },
  };
}

async function undelivered(): Promise<UndeliveredReport[]> {
  const entries = await redis.xrange(channelKeys(prefix, 'x').hookUndelivered, '-', '+');
  return entries.map(([, fields]) => JSON.parse(fields[1] ?? 'null') as UndeliveredReport);
}

beforeAll(async () => {
  await gateway.start();
});
afterEach(async () => {
  await Promise.all(hooks.splice(0).map((h) => h.close()));
});
afterAll(async () => {
  await gateway.stop();
  redis.disconnect();
});

describe("reports to OpenClaw's /hooks/agent", () => {
  it('sends one Idempotency-Key per report, the same on every retry, so a lost answer starts no second run', async () => {
    const hook = startHook();
    gateway.inject({ kind: 'status', status: 503 }, { kind: 'admit_then_drop' });
    await hook.report('x', receipt('retried-once'));
    await waitFor(() => gateway.requests.some((r) => r.replayed), 'the replayed attempt');
    const keys = gateway.requests.filter((r) => r.idempotencyKey).map((r) => r.idempotencyKey);
    expect(keys).toHaveLength(3);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^agent-ops-[A-Za-z0-9_-]{43}$/);
    expect(gateway.runsFor('retried-once')).toHaveLength(1);
    const run = gateway.runsFor('retried-once')[0];
    expect(run?.agentId).toBe('ops');
    expect(run?.body).toMatchObject({ name: 'agent-ops', wakeMode: 'now' });
    // No sessionKey named by the intent or the config: the gateway's default session.
    expect(run?.sessionKey).toBe('hook:ingress');
    expect(gateway.requests.every((r) => r.auth === `Bearer ${TOKEN}`)).toBe(true);
  });

  it("routes a report to the session that submitted the intent, else to the config's", async () => {
    const hook = startHook({ sessionKey: 'hook:agent-ops' });
    await hook.report('x', receipt('asked-in-chat'));
    await hook.report('x', receipt('from-a-cron'));
    await waitFor(
      () => gateway.runsFor('from-a-cron')[0] && gateway.runsFor('asked-in-chat')[0],
      'both runs',
    );
    expect(gateway.runsFor('asked-in-chat')[0]?.sessionKey).toBe('agent:ops:telegram:dm:42');
    expect(gateway.runsFor('from-a-cron')[0]?.sessionKey).toBe('hook:agent-ops');
  });

  it('reports to the default session when the gateway refuses the one the intent named', async () => {
    // A session no allowedSessionKeyPrefixes entry allows: the gateway answers 400.
    const hook = startHook({}, async (_c, key) => (key === 'asked-elsewhere' ? 'other:chat:9' : null));
    await hook.report('x', receipt('asked-elsewhere'));
    const [run] = await waitFor(() => {
      const runs = gateway.runsFor('asked-elsewhere');
      return runs.length > 0 ? runs : undefined;
    }, 'the report in the default session');
    expect(run?.sessionKey).toBe('hook:ingress');
    expect(gateway.runsFor('asked-elsewhere')).toHaveLength(1);
    const tried = gateway.requests.slice(-2);
    expect(tried.map((r) => r.status)).toEqual([400, 200]);
    // Another request, so another key: a gateway that kept the 400 under the first would replay it.
    expect(tried[0]?.idempotencyKey).not.toBe(tried[1]?.idempotencyKey);
    expect(await undelivered()).toEqual([]);
    expect(lines.some((l) => l.idempotencyKey === 'asked-elsewhere' && /default one/.test(l.msg))).toBe(true);
  });

  it('delivers every report once after an outage that outlasts the old 8-attempt budget', async () => {
    const hook = startHook();
    await gateway.stop();
    const keys = ['outage-a', 'outage-b', 'outage-c'];
    for (const k of keys) await hook.report('x', receipt(k));
    await hook.report('x', receipt('outage-a')); // the same receipt again: still one report
    // Connection refused all along; wait until each report has failed far beyond 8 attempts.
    await waitFor(
      () =>
        keys.every((k) => lines.filter((l) => l.idempotencyKey === k && /retrying/.test(l.msg)).length >= 12),
      'a dozen failed attempts of each report',
      30_000,
    );
    await gateway.start();
    await waitFor(() => keys.every((k) => gateway.runsFor(`(idempotencyKey ${k})`).length === 1), 'runs');
    await waitFor(
      () => keys.every((k) => lines.some((l) => l.idempotencyKey === k && /delivered after/.test(l.msg))),
      'each delivery logged',
    );
    for (const k of keys) expect(gateway.runsFor(`(idempotencyKey ${k})`)).toHaveLength(1);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(await undelivered()).toEqual([]);
  });

  it('never retries a 400, 401, 403 or 404: one attempt, one error with the reason, shown as undelivered', async () => {
    const before = gateway.requests.length;
    const hook = startHook({ agentId: 'main' }); // not in hooks.allowedAgentIds: the gateway answers 400
    await hook.report('x', receipt('refused-agent'));
    const [entry] = await waitFor(async () => {
      const u = await undelivered();
      return u.length > 0 ? u : undefined;
    }, 'the undelivered record');
    expect(entry).toMatchObject({ idempotencyKey: 'refused-agent', status: 'failed', attempts: 1 });
    expect(entry?.reason).toMatch(/answered 400: agentId "main" is not allowed/);
    expect(gateway.requests.slice(before).map((r) => r.status)).toEqual([400]);
    const about = lines.filter((l) => l.idempotencyKey === 'refused-agent');
    expect(about.map((l) => [l.level, l.msg])).toEqual([
      [50, 'agent hook report undeliverable; not retrying'],
    ]);
    expect(JSON.stringify(about)).not.toContain(TOKEN);

    gateway.inject({ kind: 'status', status: 401 });
    const other = startHook();
    await other.report('x', receipt('wrong-token'));
    await waitFor(async () => (await undelivered()).length === 1, 'the 401 recorded');
    expect((await undelivered())[0]?.reason).toMatch(/answered 401/);
  });

  it('gives up a report only at maxAgeHours, with one error naming the age', async () => {
    await gateway.stop();
    try {
      const hook = startHook({ maxAgeHours: 1 / 3600 }); // one second
      await hook.report('x', receipt('too-old'));
      const [entry] = await waitFor(async () => {
        const u = await undelivered();
        return u.length > 0 ? u : undefined;
      }, 'the undelivered record');
      expect(entry?.reason).toMatch(
        /no answer from the gateway.*still undelivered after \d+ s \(maxAgeHours/,
      );
      expect(entry?.attempts).toBeGreaterThan(2);
      expect(Date.parse(entry?.at ?? '') - Date.parse(entry?.queuedAt ?? '')).toBeGreaterThanOrEqual(1000);
      const errors = lines.filter((l) => l.idempotencyKey === 'too-old' && l.level >= 50);
      expect(errors).toHaveLength(1);
    } finally {
      await gateway.start();
    }
  });

  it('waits out a slow admission (12 s, within the 15 s OpenClaw documents): one request, one run', async () => {
    const before = gateway.requests.length;
    gateway.admissionMs = 12_000;
    try {
      const hook = startHook(); // the default timeoutSeconds, 30
      await hook.report('x', receipt('slow-admission'));
      await waitFor(() => gateway.runsFor('slow-admission').length === 1, 'the slow admission', 30_000);
      // The job completes only once the coordinator has the answer (BullMQ's completed set).
      const completed = `${channelKeys(prefix, 'x').bullPrefix}:agent-hook:completed`;
      await waitFor(async () => (await redis.zcard(completed)) === 1, 'the report job completed', 30_000);
      expect(gateway.requests.slice(before).map((r) => r.status)).toEqual([200]);
      expect(lines.filter((l) => l.idempotencyKey === 'slow-admission')).toEqual([]);
    } finally {
      gateway.admissionMs = 0;
    }
  }, 45_000);

  it('waits 30 s for an answer by default: above the 15 s OpenClaw may take to admit a hook', () => {
    const parsed = CoordinatorConfigSchema.parse({
      tokens: [{ name: 'p', role: 'producer', token: 'producer-token-0123456789abcdef' }],
      agentHook: { url: 'http://127.0.0.1:1/hooks/agent', token: 't' },
    });
    expect(parsed.agentHook).toMatchObject({ timeoutSeconds: 30, maxAgeHours: 24 });
    const tooShort = CoordinatorConfigSchema.safeParse({
      tokens: [{ name: 'p', role: 'producer', token: 'producer-token-0123456789abcdef' }],
      agentHook: { url: 'http://127.0.0.1:1/hooks/agent', token: 't', timeoutSeconds: 10 },
    });
    expect(tooShort.error?.issues[0]?.path).toEqual(['agentHook', 'timeoutSeconds']);
  });
});
