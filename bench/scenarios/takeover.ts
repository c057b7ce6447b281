import { fileURLToPath } from 'node:url';
import { startService, writeSecretsFile } from '../../packages/testkit/src/processes.ts';
import { startFakeX } from '../../services/x-executor/test/helpers.ts';
import {
  check,
  keys,
  msSince,
  nowNs,
  onCleanup,
  pendingCount,
  postIntent,
  privateRedis,
  withTimeout,
} from '../lib.ts';

const MAIN = fileURLToPath(new URL('../../services/x-executor/src/main.ts', import.meta.url));

export type TakeoverResult = {
  leaseTtlMs: number;
  /** SIGKILL of the first process to the receipt written by the second. */
  ms: number;
  /** Of which: the second process from spawn to "executor running". */
  secondStartupMs: number;
  targetMs: number;
  receiptStatus: string;
  posts: number;
};

/**
 * A real x-executor process acts (the fake posts) and hangs before answering; it is
 * SIGKILLed, a second process is started, and the time from the kill until the receipt
 * appears is measured.
 */
export async function takeover(leaseTtlMs: number): Promise<TakeoverResult> {
  const { server, client, release } = await privateRedis();
  const fake = await startFakeX();
  const stopFake = onCleanup('fake X (takeover)', () => fake.stop());
  const secrets = writeSecretsFile({
    accounts: {
      antifund: { x: { appKey: 'a', appSecret: 'b', accessToken: 'tok-antifund', accessSecret: 'c' } },
    },
  });
  const env = {
    REDIS_URL: server.url,
    OPS_PREFIX: 'bench',
    OPS_SECRETS_FILE: secrets,
    X_API_BASE_URL: fake.url,
    OPS_LEASE_TTL_MS: String(leaseTtlMs),
    OPS_LOCAL_GATE_FILE: '/nonexistent-dir/gate.json',
  };
  const redis = client();

  const first = startService(MAIN, env);
  onCleanup('x-executor #1', () => first.kill('SIGKILL'));
  await first.waitForLog('executor running');

  fake.inject({ kind: 'act_then_hang' });
  const acted = new Promise<void>((resolve) => {
    fake.onAct = () => resolve();
  });
  await redis.xadd(keys.intents, '*', 'intent', JSON.stringify(postIntent('takeover-1', 'takeover post')));
  await withTimeout(acted, 15_000, 'the fake to see the post');

  const killedAt = nowNs();
  await first.kill('SIGKILL');
  const second = startService(MAIN, env);
  onCleanup('x-executor #2', () => second.kill('SIGKILL'));
  const running = second.waitForLog('executor running', 20_000).then(() => msSince(killedAt));

  const reply = (await withTimeout(
    redis.xread('BLOCK', 30_000, 'STREAMS', keys.receipts, '0-0'),
    31_000,
    'the receipt after takeover',
  )) as Array<[string, Array<[string, string[]]>]> | null;
  const ms = msSince(killedAt);
  const startupMs = await running;
  const entries = reply?.[0]?.[1] ?? [];
  check(entries.length === 1, `takeover: one receipt (got ${entries.length})`);
  const receipt = JSON.parse(entries[0]?.[1][1] as string) as { status: string; externalId: string | null };
  check(receipt.status === 'succeeded', `takeover: receipt succeeded (got ${receipt.status})`);
  check(fake.postCalls().length === 1 && fake.tweets.length === 1, 'takeover: exactly one post at the fake');
  check(
    receipt.externalId === fake.tweets[0]?.id,
    'takeover: the receipt names the post the first process made',
  );
  check((await pendingCount(redis)) === 0, 'takeover: nothing pending');
  await second.kill('SIGTERM');
  await stopFake();
  await release();
  return {
    leaseTtlMs,
    ms,
    secondStartupMs: startupMs,
    targetMs: leaseTtlMs + 1000,
    receiptStatus: receipt.status,
    posts: fake.tweets.length,
  };
}
