import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@agent-ops/runtime/logger';
import { FakeX } from '@agent-ops/testkit/fake-x';
import { ExecutorHarness } from '@agent-ops/testkit/in-process';
import { type RedisCluster, startRedisCluster } from '@agent-ops/testkit/redis-cluster';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { XAdapter } from '../../x-executor/src/x-adapter.ts';
import { CoordinatorClient } from '../src/client.ts';
import { CoordinatorConfigSchema } from '../src/config.ts';
import { Coordinator } from '../src/coordinator.ts';

const OPERATOR = 'operator-token-0123456789abcdef';
let cluster: RedisCluster;
let fake: FakeX;
let coordinator: Coordinator;
let harness: ExecutorHarness;

beforeAll(async () => {
  cluster = await startRedisCluster();
  fake = await new FakeX({ users: { 'tok-a': { id: '1', username: 'acme', name: 'Acme' } } }).start();
  const dir = mkdtempSync(join(tmpdir(), 'cluster-'));
  const keys = generateKeyPairSync('ed25519');
  writeFileSync(join(dir, 'key.pem'), keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  const config = CoordinatorConfigSchema.parse({
    port: 0,
    auditFile: null,
    tokens: [{ name: 'op', role: 'operator', token: OPERATOR }],
    approval: { accounts: { gated: {} }, privateKeyFile: join(dir, 'key.pem') },
  });
  coordinator = new Coordinator({ ...config, redisUrl: cluster.url }, createLogger('cluster', 'silent'));
  await coordinator.start();
  harness = new ExecutorHarness(cluster.url);
  const creds = { appKey: 'k', appSecret: 's', accessToken: 'tok-a', accessSecret: 't' };
  await harness.start(
    new XAdapter({
      credentials: new Map([
        ['acme', creds],
        ['gated', creds],
      ]),
      apiBaseUrl: fake.url,
    }),
    {
      prefix: 'ops',
      accounts: { gated: { requireApproval: true } },
      approvalKeys: { 'coordinator-1': keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    },
  );
});
afterAll(async () => {
  await harness.closeAll();
  await coordinator.close();
  await fake.stop();
  await cluster.stop();
});

describe('the coordinator and an executor on a 3-master Redis Cluster', () => {
  it('intake, a signed approval, a schedule, the state projection and a gate change all work across slots', async () => {
    const client = new CoordinatorClient({ url: coordinator.url, token: OPERATOR });
    const state = (key: string, want: string) =>
      waitFor(
        async () => ((await client.get(key)).record.state === want ? true : undefined),
        `${key} ${want}`,
      );
    await client.submit({
      v: 1,
      idempotencyKey: 'c-1',
      action: 'x.post',
      account: 'acme',
      payload: { text: 'on a cluster' },
    });
    await client.submit({
      v: 1,
      idempotencyKey: 'c-2',
      action: 'x.post',
      account: 'gated',
      payload: { text: 'approved on a cluster' },
    });
    await client.submit({
      v: 1,
      idempotencyKey: 'c-3',
      action: 'x.post',
      account: 'acme',
      payload: { text: 'scheduled on a cluster' },
      notBefore: new Date(Date.now() + 1500).toISOString(),
    });
    await state('c-1', 'succeeded');
    expect((await client.get('c-2')).record.state).toBe('pending_approval');
    await client.approve('c-2');
    await state('c-2', 'succeeded');
    await state('c-3', 'succeeded');
    // A global gate change writes every channel's gate, each in its own slot.
    await client.setGate('global', false, 'cluster test');
    expect((await client.gates()).gates.every((g) => !g.global)).toBe(true);
    await client.setGate('global', true, 'cluster test');
    for (const text of ['on a cluster', 'approved on a cluster', 'scheduled on a cluster'])
      expect(fake.postsWithText(text)).toHaveLength(1);
  });
});
