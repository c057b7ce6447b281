import { type RedisAclSetup, runRedisAcl } from '@agent-ops/testkit/redis-acl-setup';
import { type RedisServer, startRedisServer } from '@agent-ops/testkit/redis-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { coordinatorCases } from './coordinator-cases.ts';
import { World } from './world.ts';

// The two minis as deployed: Redis TLS only, started from the redis-tls.conf and users.acl that
// `pnpm redis-acl --tls` wrote; the coordinator and the executor each under its own ACL user,
// trusting the CA through REDIS_CA_FILE. The ACL users are bound to the prefix `ops`, so each
// case gets a fresh server instead of a prefix of its own.
let setup: RedisAclSetup;
const running: Array<{ world: World; server: RedisServer }> = [];
const caBefore = process.env.REDIS_CA_FILE;

beforeAll(() => {
  setup = runRedisAcl();
  // This file's process stands for the coordinator's host: its connections read the CA here.
  process.env.REDIS_CA_FILE = setup.clientEnv.REDIS_CA_FILE;
});
afterEach(async () => {
  for (const { world, server } of running.splice(0)) {
    await world.stop();
    await server.stop();
  }
});
afterAll(() => {
  if (caBefore === undefined) delete process.env.REDIS_CA_FILE;
  else process.env.REDIS_CA_FILE = caBefore;
});

async function tlsWorld(executorConfig: Record<string, unknown> = {}): Promise<World> {
  const server = await startRedisServer({ configFile: setup.conf, tls: { files: setup.files } });
  const world = new World({
    coordinatorUrl: setup.url('coordinator', server.port),
    executorUrl: setup.url('executor', server.port),
    clientEnv: setup.clientEnv,
    prefix: 'ops',
  });
  running.push({ world, server });
  return world.start(executorConfig);
}

coordinatorCases(tlsWorld, ' (Redis over TLS, ACL users from pnpm redis-acl --tls)');

describe('ops doctor over TLS', () => {
  it('reports the TLS connection, its protocol and the CA it trusts', async () => {
    const w = await tlsWorld();
    const { checks } = await w.operator.doctor();
    const transport = checks.find((c) => c.name === 'redis transport');
    expect(transport).toMatchObject({ ok: true });
    expect(transport?.warn).toBeUndefined();
    expect(transport?.detail).toMatch(
      /^TLS \(TLSv1\.[23]\) to 127\.0\.0\.1:\d+; server certificate checked against the CA in REDIS_CA_FILE$/,
    );
  });
});
