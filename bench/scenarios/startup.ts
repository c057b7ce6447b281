import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CHANNELS } from '../../packages/contracts/src/channels.ts';
import { SERVICE_NODE_FLAGS } from '../../packages/runtime/src/service-node-flags.ts';
import { startService, writeSecretsFile } from '../../packages/testkit/src/processes.ts';
import { median, msSince, nowNs, onCleanup, privateRedis } from '../lib.ts';
import { processMemoryMb } from '../process-memory.ts';

const root = join(import.meta.dirname, '..', '..');

/** What a start is measured to: its "running" log line; memory is read a while after it. */
const SETTLE_MS = 1000;

export type StartupSample = { ms: number; peakMb: number };
export type StartupResult = {
  name: string;
  /** The first start of the run: Node's compile cache may still be empty for it. */
  first: StartupSample;
  /** Medians of the measured starts (the first excluded). */
  ms: number;
  peakMb: number;
  samples: StartupSample[];
};

type Contender = { name: string; entry: string; env: Record<string, string>; nodeArgs: readonly string[] };

/** Spawn to the "executor running" line, then the peak resident memory a second later. */
async function startOnce(c: Contender, base: Record<string, string>): Promise<StartupSample> {
  const t0 = nowNs();
  const p = startService(c.entry, { ...base, ...c.env }, c.nodeArgs);
  const stop = onCleanup(`${c.name} (startup)`, () => p.kill('SIGKILL'));
  try {
    await p.waitForLog('executor running', 60_000);
    const ms = msSince(t0);
    await sleep(SETTLE_MS);
    const { peak } = processMemoryMb(p.child.pid as number);
    return { ms, peakMb: peak };
  } finally {
    await p.kill('SIGTERM');
    await stop();
  }
}

/**
 * Cold start of each executor process against a bare baseline (Node, ioredis, XGROUP
 * CREATE), interleaved round by round so that the machine's drift touches all alike.
 */
export async function startupTimes(rounds: number): Promise<StartupResult[]> {
  const { server, release } = await privateRedis();
  const secrets = writeSecretsFile({
    accounts: {
      acme: {
        x: { oauth2AccessToken: 'bench-token' },
        email: {
          smtp: { host: '127.0.0.1', port: 2525, tls: 'none', user: 'u', password: 'p' },
          allowedFrom: ['ops@acme.example'],
        },
        calendar: { clientId: 'c', clientSecret: 's', refreshToken: 'r' },
        webhook: {
          endpoints: {
            deploy: { url: 'http://127.0.0.1:9/hook', hmacSecret: 'bench-hmac-secret-0123456789' },
          },
        },
      },
    },
  });
  const base = {
    REDIS_URL: server.url,
    OPS_PREFIX: 'bench',
    OPS_SECRETS_FILE: secrets,
    OPS_LOCAL_GATE_FILE: join(server.dir, 'gate.json'),
  };
  const contenders: Contender[] = [
    // Every contender with the flags the service files give: the ratio is our code's cost alone.
    {
      name: 'baseline',
      entry: join(root, 'bench', 'startup-baseline.mjs'),
      env: {},
      nodeArgs: SERVICE_NODE_FLAGS,
    },
    ...CHANNELS.map((c) => ({
      name: `${c}-executor`,
      entry: join(root, 'services', `${c}-executor`, 'main.mjs'),
      env: {},
      nodeArgs: SERVICE_NODE_FLAGS,
    })),
  ];
  const samples = new Map<string, StartupSample[]>(contenders.map((c) => [c.name, []]));
  for (let round = 0; round <= rounds; round += 1) {
    for (const c of contenders) samples.get(c.name)?.push(await startOnce(c, base));
  }
  await release();
  return contenders.map((c) => {
    const [first, ...rest] = samples.get(c.name) as StartupSample[];
    return {
      name: c.name,
      first: first as StartupSample,
      ms: median(rest.map((s) => s.ms)),
      peakMb: median(rest.map((s) => s.peakMb)),
      samples: rest,
    };
  });
}

export type StackMemory = { services: Array<{ name: string; mb: number }>; totalMb: number };

/**
 * `pnpm start` as a person runs it: once the demo intents have their receipts, the resident
 * memory of each of its six service processes, and their sum.
 */
export async function stackMemory(): Promise<StackMemory> {
  const p = startService(join(root, 'scripts', 'start-local.ts'), { OPS_PREFIX: 'benchstack' });
  const stop = onCleanup('pnpm start (stack memory)', () => p.kill('SIGTERM'));
  try {
    await p.waitForLog('receipts (Ctrl-C', 120_000);
    await p.waitForLog('succeeded', 60_000);
    await sleep(3000);
    const services = [...p.output().matchAll(/^(\S+) +pid (\d+)$/gm)].map((m) => ({
      name: m[1] as string,
      mb: processMemoryMb(Number(m[2])).now,
    }));
    return { services, totalMb: services.reduce((n, s) => n + s.mb, 0) };
  } finally {
    await stop();
  }
}
