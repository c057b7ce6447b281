import { readFileSync } from 'node:fs';
import type { Channel } from '@agent-ops/contracts/channels';
import { ConfigError } from '@agent-ops/contracts/errors';
import type { ExecutorOptionsInput } from './options.ts';

function booleanFromEnv(name: string): boolean | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new ConfigError(`${name}: must be 1 or 0 (got "${raw}")`);
}

function intFromEnv(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new ConfigError(`${name}: must be a positive integer (got "${raw}")`);
  return value;
}

/**
 * Executor options from the environment and the optional non-secret config file
 * (OPS_CONFIG_FILE: per-account limits, approval policy, the coordinator's public keys).
 */
export function executorOptionsFromEnv(channel: Channel): ExecutorOptionsInput & { redisUrl: string } {
  let file: Record<string, unknown> = {};
  const path = process.env.OPS_CONFIG_FILE;
  if (path) {
    try {
      file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`OPS_CONFIG_FILE: cannot read ${path} as JSON (${(err as Error).message})`);
    }
  }
  const env: Record<string, unknown> = {
    prefix: process.env.OPS_PREFIX || undefined,
    consumer: process.env.OPS_CONSUMER || undefined,
    leaseTtlMs: intFromEnv('OPS_LEASE_TTL_MS'),
    concurrency: intFromEnv('OPS_CONCURRENCY'),
    shutdownTimeoutMs: intFromEnv('OPS_SHUTDOWN_TIMEOUT_MS'),
    localGateFile: process.env.OPS_LOCAL_GATE_FILE || undefined,
    autoPipelining: booleanFromEnv('OPS_REDIS_AUTO_PIPELINING'),
    metricsPort:
      process.env.OPS_METRICS_PORT === undefined ? undefined : Number(process.env.OPS_METRICS_PORT),
  };
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined));
  return {
    ...(file as ExecutorOptionsInput),
    ...defined,
    channel,
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  };
}
