import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeX } from '@agent-ops/testkit/fake-x';
import { freePort } from '@agent-ops/testkit/free-port';
import { testPrefix } from '@agent-ops/testkit/isolation';
import { type ServiceProcess, startService, writeSecretsFile } from '@agent-ops/testkit/processes';
import { type RedisServer, startRedisServer } from '@agent-ops/testkit/redis-server';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoordinatorClient } from '../../services/coordinator/src/client.ts';

// Two Mac minis are upgraded one at a time, so for a while the brain and the hands run
// different versions of this repository against one Redis. This runs the previous release's
// executor with today's coordinator, and the previous coordinator with today's executor.
// Bump PREVIOUS_RELEASE at each release (README: "Upgrades, one mini at a time").
const PREVIOUS_RELEASE = '49c5eb98785b573f7a1114bda157337483f1304d';
const ROOT = join(import.meta.dirname, '..', '..');
const OPERATOR = 'operator-token-0123456789abcdef';
const PRODUCER = 'producer-token-0123456789abcdef';

let previous: string;
let server: RedisServer;
let fake: FakeX;
const procs: ServiceProcess[] = [];
const keys = generateKeyPairSync('ed25519');
const dir = mkdtempSync(join(tmpdir(), 'upgrade-'));

beforeAll(async () => {
  previous = join(dir, 'previous');
  try {
    execFileSync('git', ['-C', ROOT, 'worktree', 'add', '--detach', previous, PREVIOUS_RELEASE], {
      stdio: 'pipe',
    });
  } catch (err) {
    throw new Error(
      `the previous release ${PREVIOUS_RELEASE} is not in this clone's history (a shallow clone?): ${(err as { stderr?: Buffer }).stderr}`,
    );
  }
  // The same pnpm, from its store: seconds, not a download.
  execFileSync('pnpm', ['install', '--frozen-lockfile', '--prefer-offline', '--reporter=silent'], {
    cwd: previous,
    stdio: 'pipe',
    timeout: 240_000,
  });
  server = await startRedisServer();
  fake = await new FakeX({
    users: {
      'tok-antifund': { id: '1001', username: 'antifund', name: 'Antifund' },
      'tok-personal': { id: '1002', username: 'me', name: 'Me' },
    },
  }).start();
}, 300_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => p.kill('SIGKILL')));
  await fake?.stop();
  await server?.stop();
  if (previous && existsSync(previous))
    execFileSync('git', ['-C', ROOT, 'worktree', 'remove', '--force', previous]);
  rmSync(dir, { recursive: true, force: true });
});

/** An x-executor from a checkout, trusting the coordinator's key for `antifund`. */
async function executor(root: string, prefix: string): Promise<void> {
  const creds = (token: string) => ({
    appKey: 'k',
    appSecret: 'app-secret-xyz',
    accessToken: token,
    accessSecret: 'access-secret-xyz',
  });
  const configFile = join(dir, `${prefix}-executor.json`);
  writeFileSync(
    configFile,
    JSON.stringify({
      accounts: { antifund: { requireApproval: true } },
      approvalKeys: { 'coordinator-1': keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
      backoff: { baseMs: 50, maxMs: 200 },
    }),
  );
  const proc = startService(join(root, 'services', 'x-executor', 'main.mjs'), {
    REDIS_URL: server.url,
    OPS_PREFIX: prefix,
    OPS_SECRETS_FILE: writeSecretsFile({
      accounts: { antifund: { x: creds('tok-antifund') }, personal: { x: creds('tok-personal') } },
    }),
    OPS_CONFIG_FILE: configFile,
    X_API_BASE_URL: fake.url,
    OPS_LOCAL_GATE_FILE: join(dir, `${prefix}-gate.json`),
  });
  procs.push(proc);
  await proc.waitForLog('executor running');
}

/** A coordinator from a checkout, on a free port; returns its operator and producer clients. */
async function coordinator(root: string, prefix: string) {
  const keyFile = join(dir, `${prefix}-approval.pem`);
  writeFileSync(keyFile, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const port = await freePort();
  const configFile = join(dir, `${prefix}-coordinator.json`);
  writeFileSync(
    configFile,
    JSON.stringify({
      prefix,
      port,
      tokens: [
        { name: 'ops-person', role: 'operator', token: OPERATOR },
        { name: 'openclaw', role: 'producer', token: PRODUCER },
      ],
      approval: { accounts: { antifund: {} }, privateKeyFile: keyFile, keyId: 'coordinator-1' },
      auditFile: join(dir, `${prefix}-audit.jsonl`),
    }),
    { mode: 0o600 },
  );
  const proc = startService(join(root, 'services', 'coordinator', 'main.mjs'), {
    REDIS_URL: server.url,
    OPS_COORDINATOR_CONFIG: configFile,
  });
  procs.push(proc);
  await proc.waitForLog('coordinator running');
  const url = `http://127.0.0.1:${port}`;
  return {
    operator: new CoordinatorClient({ url, token: OPERATOR }),
    producer: new CoordinatorClient({ url, token: PRODUCER }),
  };
}

const post = (key: string, text: string, account: string) => ({
  v: 1,
  idempotencyKey: key,
  action: 'x.post',
  account,
  payload: { text },
});

/** One plain post and one that needs a person's approval, each carried out once. */
async function carriedOut(c: Awaited<ReturnType<typeof coordinator>>, tag: string) {
  await c.producer.submit(post(`${tag}-plain`, `plain post (${tag})`, 'personal'));
  const pending = await c.producer.submit(post(`${tag}-approved`, `approved post (${tag})`, 'antifund'));
  expect(pending.record.state).toBe('pending_approval');
  await c.operator.approve(`${tag}-approved`, 'looks right');
  for (const key of [`${tag}-plain`, `${tag}-approved`]) {
    const record = await waitFor(async () => {
      const r = (await c.producer.get(key)).record;
      return r.state === 'succeeded' ? r : undefined;
    }, `${key} to succeed`);
    expect(record.receipt?.externalId).toBeTruthy();
  }
  expect(fake.postsWithText(`plain post (${tag})`)).toHaveLength(1);
  expect(fake.postsWithText(`approved post (${tag})`)).toHaveLength(1);
}

describe('a rolling upgrade: brain and hands of different releases on one Redis', () => {
  it("the previous release's executor carries out today's coordinator's intents", async () => {
    const prefix = testPrefix('up');
    await executor(previous, prefix);
    await carriedOut(await coordinator(ROOT, prefix), 'old-hands');
  }, 90_000);

  it("today's executor carries out the previous release's coordinator's intents", async () => {
    const prefix = testPrefix('up');
    await executor(ROOT, prefix);
    await carriedOut(await coordinator(previous, prefix), 'old-brain');
  }, 90_000);
});
