// `pnpm start` (or `pnpm demo`): the whole system on local defaults. A private Redis (or
// REDIS_URL), fake X, SMTP, Calendar and webhook servers, the coordinator, every executor and
// the dashboard; then example intents (one waits for approval, one is scheduled a minute
// ahead, one meets a 429), with receipts printed as they arrive. Ctrl-C stops everything it
// started. With --exit-when-done it stops once the immediate intents have their receipts.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHANNELS } from '@agent-ops/contracts/channels';
import { channelKeys } from '@agent-ops/contracts/keys';
import { answerHelp } from '@agent-ops/runtime/cli-help';
import { connectRedis } from '@agent-ops/runtime/redis-connection';
import { REDIS_TLS_VARIABLES } from '@agent-ops/runtime/redis-tls';
import { SERVICE_NODE_FLAGS } from '@agent-ops/runtime/service-node-flags';
import { freePort } from '@agent-ops/testkit/free-port';
import { type ServiceProcess, startService, writeSecretsFile } from '@agent-ops/testkit/processes';
import { NO_REDIS_HELP, redisServerBinary, startRedisServer } from '@agent-ops/testkit/redis-server';
import { CoordinatorClient } from '../services/coordinator/src/client.ts';
import { startDemoFakes } from './demo/fakes.ts';
import { demoIntents } from './demo/intents.ts';

answerHelp(`usage: pnpm start [--exit-when-done]

The whole system on local defaults: a private Redis (or REDIS_URL), fake X, SMTP, Calendar and
webhook servers, the coordinator, every executor and the dashboard, then example intents.
Ctrl-C stops everything. --exit-when-done stops once the immediate intents have receipts.`);
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

const token = () => randomBytes(18).toString('base64url');

async function redisUrl(): Promise<string> {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  if (!redisServerBinary()) {
    console.error(`pnpm start needs Redis.\n${NO_REDIS_HELP}`);
    process.exit(1);
  }
  const server = await startRedisServer({ appendfsync: 'everysec' });
  stops.push(() => server.stop());
  console.log(`redis        private redis-server at ${server.url} (data in ${server.dir})`);
  return server.url;
}

async function service(
  name: string,
  entry: string,
  env: Record<string, string>,
  ready: string,
): Promise<ServiceProcess> {
  const p = startService(join(root, entry), env, SERVICE_NODE_FLAGS);
  stops.push(() => p.kill('SIGTERM'));
  // Generous: a cold start of every service at once on a small machine takes seconds.
  await p.waitForLog(ready, 60_000).catch((err: Error) => {
    throw new Error(`${name} did not come up: ${err.message}`);
  });
  console.log(`${name.padEnd(12)} pid ${p.child.pid}`);
  return p;
}

try {
  const url = await redisUrl();
  const dir = mkdtempSync(join(tmpdir(), 'agent-ops-demo-'));
  const fakes = await startDemoFakes();
  stops.push(() => fakes.stop());
  console.log(
    `fakes        X ${fakes.x.url}, SMTP :${fakes.smtp.port}, Calendar ${fakes.calendar.rootUrl}, webhook ${fakes.webhook.url}`,
  );

  const keys = generateKeyPairSync('ed25519');
  writeFileSync(join(dir, 'approval.pem'), keys.privateKey.export({ type: 'pkcs8', format: 'pem' }), {
    mode: 0o600,
  });
  const operatorToken = token() + token();
  const producerToken = token() + token();
  const dashboardToken = token();
  const coordinatorPort = await freePort();
  writeFileSync(
    join(dir, 'coordinator.json'),
    JSON.stringify({
      prefix,
      port: coordinatorPort,
      tokens: [
        { name: 'you', role: 'operator', token: operatorToken },
        { name: 'demo-agent', role: 'producer', token: producerToken },
      ],
      approval: { accounts: { antifund: {} }, privateKeyFile: join(dir, 'approval.pem') },
      auditFile: join(dir, 'audit.jsonl'),
    }),
    { mode: 0o600 },
  );
  writeFileSync(
    join(dir, 'executors.json'),
    JSON.stringify({
      accounts: { antifund: { requireApproval: true } },
      approvalKeys: { 'coordinator-1': keys.publicKey.export({ type: 'spki', format: 'pem' }).toString() },
    }),
  );
  // A rediss:// REDIS_URL needs the CA (and any client certificate) in every service's environment.
  const tlsEnv = Object.fromEntries(
    REDIS_TLS_VARIABLES.flatMap((v) => (process.env[v] ? [[v, process.env[v]]] : [])),
  );
  const common = { REDIS_URL: url, OPS_PREFIX: prefix, ...tlsEnv };
  await service(
    'coordinator',
    'services/coordinator/main.mjs',
    { ...common, OPS_COORDINATOR_CONFIG: join(dir, 'coordinator.json') },
    'coordinator running',
  );
  const coordinatorUrl = `http://127.0.0.1:${coordinatorPort}`;
  const secrets = writeSecretsFile(fakes.secrets);
  // The executors start side by side: each waits only for Redis, not for the others.
  await Promise.all(
    CHANNELS.map((channel) =>
      service(
        `${channel}-exec`,
        `services/${channel}-executor/main.mjs`,
        {
          ...common,
          ...fakes.env,
          OPS_SECRETS_FILE: secrets,
          OPS_CONFIG_FILE: join(dir, 'executors.json'),
          OPS_LOCAL_GATE_FILE: join(root, 'executor_gate.json'),
        },
        'executor running',
      ),
    ),
  );
  const dashboardPort = await freePort();
  await service(
    'dashboard',
    'services/dashboard/main.mjs',
    {
      ...common,
      DASHBOARD_PORT: String(dashboardPort),
      DASHBOARD_TOKEN: dashboardToken,
      OPS_COORDINATOR_URL: coordinatorUrl,
      OPS_OPERATOR_TOKEN: operatorToken,
    },
    'dashboard running',
  );

  const producer = new CoordinatorClient({ url: coordinatorUrl, token: producerToken });
  const day = new Date().toISOString().slice(0, 10);
  const intents = demoIntents(day, new Date(Date.now() + 60_000).toISOString());
  console.log('\nsubmitting the demo intents to the coordinator:');
  for (const { label, intent, rateLimited } of intents) {
    if (rateLimited) fakes.x.inject({ kind: 'rate_limit', resetInSec: 3 });
    const { record } = await producer.submit(intent);
    console.log(`  ${record.state.padEnd(16)} ${intent.idempotencyKey.padEnd(22)} ${label}`);
  }
  const redis = connectRedis(url);
  stops.push(async () => redis.disconnect());
  await redis.xadd(channelKeys(prefix, 'x').intents, '*', 'intent', '{"v":1,"idempotencyKey":"has spaces"}');
  console.log('  (and one malformed entry written straight to the stream: it goes to the deadletter)');

  console.log(`
dashboard    http://127.0.0.1:${dashboardPort}   login token: ${dashboardToken}
ops CLI      OPS_COORDINATOR_URL=${coordinatorUrl} OPS_TOKEN=${operatorToken} pnpm ops list
             (pnpm ops approve launch-${day} approves the waiting post)

receipts (Ctrl-C stops everything):`);
  const waitingFor = new Set(
    intents
      .filter((i) => !i.intent.notBefore && i.intent.account !== 'antifund')
      .map((i) => i.intent.idempotencyKey),
  );
  const cursors = new Map(CHANNELS.map((c) => [c, '0-0']));
  let deadlettered = false;
  for (;;) {
    for (const c of CHANNELS) {
      const { receipts } = await producer.receipts(c, cursors.get(c));
      for (const { id, receipt } of receipts) {
        cursors.set(c, id);
        console.log(
          `  ${receipt.status.padEnd(10)} ${receipt.idempotencyKey.padEnd(22)} ${receipt.url ?? receipt.externalId ?? receipt.error?.code ?? ''}`,
        );
        waitingFor.delete(receipt.idempotencyKey);
      }
    }
    if (!deadlettered && (await redis.xlen(channelKeys(prefix, 'x').deadletter)) > 0) {
      deadlettered = true;
      const [[, fields] = ['', []]] = await redis.xrange(
        channelKeys(prefix, 'x').deadletter,
        '-',
        '+',
        'COUNT',
        1,
      );
      console.log(`  deadletter ${fields[fields.indexOf('reason') + 1] ?? ''}`);
    }
    if (exitWhenDone && waitingFor.size === 0 && deadlettered) {
      const pending = (await producer.approvals()).records.map((r) => r.idempotencyKey);
      console.log(
        `\ndone: X saw ${fakes.x.postCalls().length} post calls; waiting for approval: ${pending.join(', ')}`,
      );
      await stopAll(0);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
} catch (err) {
  // Errors while stopping (the connection closing under the read loop) are expected.
  if (!stopping) console.error(err instanceof Error ? err.message : err);
  await stopAll(1);
}
