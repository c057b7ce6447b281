import { FakeOpenClawHooks } from '@agent-ops/testkit/fake-openclaw-hooks';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { post, World } from './world.ts';

const gateway = new FakeOpenClawHooks({
  token: 'hooks-token-abc',
  allowedAgentIds: ['ops'],
  allowRequestSessionKey: true,
  allowedSessionKeyPrefixes: ['hook:', 'agent:ops:'],
});

let w: World;
beforeAll(async () => {
  await gateway.start();
  w = await new World(inject('redisUrl')).start(
    {},
    {
      agentHook: {
        url: gateway.hookUrl,
        token: 'hooks-token-abc',
        receipts: 'problems',
        agentId: 'ops',
        sessionKey: 'hook:agent-ops',
        backoff: { baseMs: 50, maxMs: 200 },
      },
    },
  );
});
afterAll(async () => {
  await w.stop();
  await gateway.stop();
});

describe("receipts reported to OpenClaw's /hooks/agent", () => {
  it('reports failed, rejected and unknown receipts (not successes) to the session that asked, retrying when the gateway fails', async () => {
    gateway.inject({ kind: 'status', status: 503 });
    w.fake.inject({ kind: 'status', status: 400 });
    await w.producer.submit(
      post('hook-fail', 'refused by X', 'personal', { meta: { sessionKey: 'agent:ops:telegram:dm:7' } }),
    );
    await w.producer.submit(post('hook-ok', 'fine', 'personal'));
    await w.producer.submit(post('hook-nope', 'rejected by a person'));
    await w.operator.reject('hook-nope', 'not today');
    await waitFor(() => gateway.runs.length >= 2, 'two reports', 20_000);
    const run = (key: string) => gateway.runsFor(`(idempotencyKey ${key})`);
    expect(run('hook-fail')).toHaveLength(1);
    expect(run('hook-nope')).toHaveLength(1);
    expect(String(run('hook-fail')[0]?.body.message)).toMatch(/failed: http_400.*needs a new idempotencyKey/);
    expect(String(run('hook-nope')[0]?.body.message)).toMatch(/rejected: rejected_by_person: not today/);
    // The intent's meta.sessionKey wins; without one, the config's.
    expect(run('hook-fail')[0]).toMatchObject({ agentId: 'ops', sessionKey: 'agent:ops:telegram:dm:7' });
    expect(run('hook-nope')[0]).toMatchObject({ agentId: 'ops', sessionKey: 'hook:agent-ops' });
    expect(gateway.requests.filter((r) => r.status === 503)).toHaveLength(1);
    // A success is projected, then passed over: no report.
    await waitFor(async () => (await w.producer.get('hook-ok')).record.state === 'succeeded', 'hook-ok done');
    expect(gateway.runs.some((r) => String(r.body.message).includes('hook-ok'))).toBe(false);
  });
});
