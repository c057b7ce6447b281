import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { channelKeys, globalKeys } from '@agent-ops/contracts/keys';
import { Executor } from '@agent-ops/runtime/executor';
import { createLogger } from '@agent-ops/runtime/logger';
import { FakeX } from '@agent-ops/testkit/fake-x';
import { type RedisServer, startRedisServer } from '@agent-ops/testkit/redis-server';
import { receipts, xaddIntent } from '@agent-ops/testkit/streams';
import { waitFor } from '@agent-ops/testkit/wait';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoordinatorClient } from '../../services/coordinator/src/client.ts';
import { CoordinatorConfigSchema } from '../../services/coordinator/src/config.ts';
import { Coordinator } from '../../services/coordinator/src/coordinator.ts';
import { XAdapter } from '../../services/x-executor/src/x-adapter.ts';
import { aclFile, type RedisRole, ROLES } from '../redis-acl-rules.ts';

const PREFIX = 'ops';
const password = (role: RedisRole) => `pw-${role}-0123456789`;
let server: RedisServer;
let fake: FakeX;
const clients: Redis[] = [];

function as(role: RedisRole): Redis {
  const r = new Redis(url(role), { maxRetriesPerRequest: 1 });
  clients.push(r);
  return r;
}
function url(role: RedisRole): string {
  return `redis://${role}:${password(role)}@127.0.0.1:${server.port}`;
}
const denied = (p: Promise<unknown>) => expect(p).rejects.toThrow(/NOPERM/);

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'acl-'));
  const hashes = Object.fromEntries(
    ROLES.map((r) => [r, createHash('sha256').update(password(r)).digest('hex')]),
  ) as Record<RedisRole, string>;
  writeFileSync(join(dir, 'users.acl'), aclFile(PREFIX, hashes));
  server = await startRedisServer({ args: ['--aclfile', join(dir, 'users.acl')] });
  fake = await new FakeX({ users: { 'tok-a': { id: '1', username: 'acme', name: 'Acme' } } }).start();
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await fake.stop();
  await server.stop();
});

const k = channelKeys(PREFIX, 'x');
const intent = (key: string) => ({
  v: 1,
  idempotencyKey: key,
  action: 'x.post',
  account: 'acme',
  payload: { text: `acl ${key}` },
});

describe('Redis ACL users, one per role, on a real Redis', () => {
  it('the default user is off: an unauthenticated client can do nothing', async () => {
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect({ port: server.port, host: '127.0.0.1' });
      socket.on('error', reject);
      socket.on('connect', () => socket.write('*2\r\n$3\r\nGET\r\n$1\r\nx\r\n'));
      socket.on('data', (data) => {
        socket.destroy();
        resolve(data.toString());
      });
    });
    expect(reply).toMatch(/^-NOAUTH/);
  });

  it('a producer may only XADD to intents streams', async () => {
    const producer = as('producer');
    expect(await producer.xadd(k.intents, '*', 'intent', JSON.stringify(intent('p-1')))).toMatch(/^\d+-\d+$/);
    await denied(producer.xrange(k.intents, '-', '+'));
    await denied(producer.xadd(k.receipts, '*', 'receipt', '{}'));
    await denied(producer.hset(k.gate, 'global', '1'));
    await denied(producer.xadd(k.done, '*', 'a', 'b'));
    await denied(producer.flushall());
  });

  it('the dashboard only reads', async () => {
    const dashboard = as('dashboard');
    expect(await dashboard.xrevrange(k.receipts, '+', '-', 'COUNT', 5)).toEqual([]);
    expect(await dashboard.hgetall(k.gate)).toEqual({});
    await denied(dashboard.xadd(k.intents, '*', 'intent', '{}'));
    await denied(dashboard.hset(k.gate, 'global', '0'));
    await denied(dashboard.del(k.receipts));
    await denied(dashboard.call('CONFIG', 'GET', 'dir'));
  });

  it('an executor carries intents out under its user (scripts, rate limits, BullMQ retries) and cannot touch records or audit', async () => {
    const adapter = new XAdapter({
      credentials: new Map([
        ['acme', { appKey: 'k', appSecret: 's', accessToken: 'tok-a', accessSecret: 't' }],
      ]),
      apiBaseUrl: fake.url,
    });
    const executor = new Executor(
      adapter,
      { channel: 'x', prefix: PREFIX, redisUrl: url('executor'), leaseTtlMs: 2000, localGateFile: null },
      createLogger('acl', process.env.TEST_LOG ?? 'silent'),
    );
    await executor.start();
    try {
      fake.inject({ kind: 'rate_limit', resetInSec: 1 });
      await xaddIntent(as('producer'), PREFIX, 'x', intent('e-1'));
      const admin = as('dashboard');
      await waitFor(
        async () =>
          (await receipts(admin, PREFIX, 'x')).some(
            (r) => r.idempotencyKey === 'e-1' && r.status === 'succeeded',
          ),
        'the receipt, after a 429 retried through BullMQ',
      );
      const e = as('executor');
      await denied(e.hset(k.records, 'e-1', '{}'));
      await denied(e.xadd(globalKeys(PREFIX).audit, '*', 'a', 'b'));
      await denied(e.call('CONFIG', 'SET', 'appendonly', 'no'));
      await denied(e.flushall());
    } finally {
      await executor.close();
    }
  });

  it('the coordinator runs under its user and is refused admin commands', async () => {
    const config = CoordinatorConfigSchema.parse({
      prefix: PREFIX,
      port: 0,
      auditFile: null,
      tokens: [{ name: 'op', role: 'operator', token: 'operator-token-0123456789abcdef' }],
    });
    const coordinator = new Coordinator(
      { ...config, redisUrl: url('coordinator') },
      createLogger('acl', 'silent'),
    );
    await coordinator.start();
    try {
      const client = new CoordinatorClient({
        url: coordinator.url,
        token: 'operator-token-0123456789abcdef',
      });
      expect((await client.submit(intent('c-1'))).record.state).toBe('queued');
      await client.setGate('x', false, 'acl test');
      await client.setGate('x', true, 'acl test');
      expect((await client.audit(10)).entries.map((a) => a.action)).toEqual([
        'gate_changed',
        'gate_changed',
        'submitted',
      ]);
      const c = as('coordinator');
      await denied(c.flushall());
      await denied(c.call('CONFIG', 'SET', 'appendonly', 'no'));
      await denied(c.call('KEYS', '*'));
      await denied(c.set('other:key', '1'));
    } finally {
      await coordinator.close();
    }
  });
});
