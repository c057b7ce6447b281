// `pnpm start`: the system end to end on local defaults. A private Redis (or REDIS_URL), a
// fake X API, a real x-executor process, and a few demo intents whose receipts are printed
// as they arrive. Ctrl-C stops everything it started. With --exit-when-done it stops by
// itself once every demo intent has its receipt (what the tests run).
import { join } from 'node:path';
import { channelKeys } from '@agent-ops/contracts/keys';
import { FakeX } from '@agent-ops/testkit/fake-x';
import { type ServiceProcess, startService, writeSecretsFile } from '@agent-ops/testkit/processes';
import {
  NO_REDIS_HELP,
  type RedisServer,
  redisServerBinary,
  startRedisServer,
} from '@agent-ops/testkit/redis-server';
import { Redis } from 'ioredis';
import { demoIntents } from './demo-intents.ts';

const root = join(import.meta.dirname, '..');
const exitWhenDone = process.argv.includes('--exit-when-done');
const prefix = process.env.OPS_PREFIX ?? 'ops';
const stops: Array<() => Promise<unknown>> = [];
let stopping: Promise<never> | undefined;

/** Stops what was started, newest first, once; the first caller's exit code stands. */
function stopAll(code: number): Promise<never> {
  stopping ??= (async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    process.exit(code);
  })();
  return stopping;
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

async function redisUrl(): Promise<string> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  if (!redisServerBinary()) {
    console.error(`pnpm start needs Redis.\n${NO_REDIS_HELP}`);
    process.exit(1);
  }
  const server: RedisServer = await startRedisServer({ appendfsync: 'everysec' });
  stops.push(() => server.stop());
  console.log(`redis      private redis-server at ${server.url} (data in ${server.dir})`);
  return server.url;
}

try {
  const url = await redisUrl();
  const fake = await new FakeX({
    users: { 'demo-access-token': { id: '4242', username: 'antifund', name: 'Antifund (fake)' } },
    latencyMs: 150,
  }).start();
  stops.push(() => fake.stop());
  console.log(`fake X     ${fake.url} (no request leaves this machine)`);

  const secrets = writeSecretsFile({
    accounts: {
      antifund: {
        x: {
          appKey: 'demo-app-key',
          appSecret: 'demo-app-secret',
          accessToken: 'demo-access-token',
          accessSecret: 'demo-secret',
        },
      },
    },
  });
  const executor: ServiceProcess = startService(join(root, 'services/x-executor/src/main.ts'), {
    REDIS_URL: url,
    OPS_PREFIX: prefix,
    OPS_SECRETS_FILE: secrets,
    X_API_BASE_URL: fake.url,
    OPS_LOCAL_GATE_FILE: join(root, 'executor_gate.json'),
  });
  stops.push(() => executor.kill('SIGTERM'));
  await executor.waitForLog('executor running');
  console.log(
    `x-executor pid ${executor.child.pid}, consumer group "executors" on ${channelKeys(prefix, 'x').intents}`,
  );

  const redis = new Redis(url);
  stops.push(async () => redis.disconnect());
  const keys = channelKeys(prefix, 'x');
  const intents = demoIntents();
  console.log(`\nproducing ${intents.length} demo intents with plain XADD (one twice, one malformed):`);
  for (const { label, fields } of intents) {
    const id = await redis.xadd(keys.intents, '*', ...fields);
    console.log(`  XADD ${keys.intents} -> ${id}  ${label}`);
  }
  console.log('\nreceipts (Ctrl-C stops everything):');
  const expected = new Set(intents.flatMap((i) => (i.key ? [i.key] : [])));
  let last = '0-0';
  let deadletters = 0;
  for (;;) {
    const reply = (await redis.xread(
      'BLOCK',
      1000,
      'STREAMS',
      keys.receipts,
      keys.deadletter,
      last,
      '0-0',
    )) as Array<[string, Array<[string, string[]]>]> | null;
    for (const [stream, entries] of reply ?? []) {
      if (stream === keys.deadletter) {
        if (deadletters === 0)
          for (const [, f] of entries) console.log(`  deadletter  ${f[f.indexOf('reason') + 1]}`);
        deadletters = entries.length;
        continue;
      }
      for (const [id, f] of entries) {
        last = id;
        const r = JSON.parse(f[1] as string) as {
          idempotencyKey: string;
          status: string;
          url: string | null;
          error: { code: string } | null;
        };
        console.log(
          `  ${r.status.padEnd(10)} ${r.idempotencyKey.padEnd(28)} ${r.url ?? r.error?.code ?? ''}`,
        );
        expected.delete(r.idempotencyKey);
      }
    }
    if (expected.size === 0 && deadletters > 0 && exitWhenDone) {
      console.log(`\ndone: X saw ${fake.postCalls().length} post calls for ${intents.length} entries`);
      await stopAll(0);
    }
  }
} catch (err) {
  // Errors while stopping (the connection closing under the read loop) are expected.
  if (!stopping) console.error(err instanceof Error ? err.message : err);
  await stopAll(1);
}
