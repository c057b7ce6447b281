import { readFileSync } from 'node:fs';
import type { Channel } from '@agent-ops/contracts/channels';
import { type EnvSource, envBoolean, envInt, fromEnv } from '@agent-ops/contracts/env';
import { ConfigError } from '@agent-ops/contracts/errors';
import { z } from 'zod';
import { type ExecutorOptionsInput, ExecutorOptionsSchema } from './options.ts';

const fields = ExecutorOptionsSchema.shape;

// Each variable is checked with its option's own schema, so the error names the variable
// (OPS_LEASE_TTL_MS, not leaseTtlMs) and the bounds cannot drift from the options'.
const ExecutorEnv = z.object({
  OPS_CONFIG_FILE: z.string().optional(),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
  OPS_PREFIX: fields.prefix.unwrap().optional(),
  OPS_CONSUMER: fields.consumer,
  OPS_LEASE_TTL_MS: envInt(fields.leaseTtlMs.unwrap()).optional(),
  OPS_CONCURRENCY: envInt(fields.concurrency.unwrap()).optional(),
  OPS_SHUTDOWN_TIMEOUT_MS: envInt(fields.shutdownTimeoutMs.unwrap()).optional(),
  OPS_LOCAL_GATE_FILE: z.string().optional(),
  OPS_REDIS_AUTO_PIPELINING: envBoolean().optional(),
  OPS_ACCOUNT_CHECK_MS: envInt(fields.accountCheckMs.unwrap()).optional(),
  OPS_REAUTH_CHECK_MS: envInt(fields.reauthCheckMs.unwrap()).optional(),
  OPS_METRICS_PORT: envInt(fields.metricsPort.unwrap().unwrap()).optional(),
});

/**
 * Executor options from the environment and the optional non-secret config file
 * (OPS_CONFIG_FILE: per-account limits, approval policy, the coordinator's public keys).
 * A variable that is set wins over the file's field.
 */
export function executorOptionsFromEnv(
  channel: Channel,
  env: EnvSource = process.env,
): ExecutorOptionsInput & { redisUrl: string } {
  const vars = fromEnv(ExecutorEnv, env);
  let file: Record<string, unknown> = {};
  const path = vars.OPS_CONFIG_FILE;
  if (path) {
    try {
      file = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    } catch (err) {
      throw new ConfigError(`OPS_CONFIG_FILE: cannot read ${path} as JSON (${(err as Error).message})`);
    }
  }
  const overrides: Record<string, unknown> = {
    prefix: vars.OPS_PREFIX,
    consumer: vars.OPS_CONSUMER,
    leaseTtlMs: vars.OPS_LEASE_TTL_MS,
    concurrency: vars.OPS_CONCURRENCY,
    shutdownTimeoutMs: vars.OPS_SHUTDOWN_TIMEOUT_MS,
    localGateFile: vars.OPS_LOCAL_GATE_FILE,
    autoPipelining: vars.OPS_REDIS_AUTO_PIPELINING,
    metricsPort: vars.OPS_METRICS_PORT,
    accountCheckMs: vars.OPS_ACCOUNT_CHECK_MS,
    reauthCheckMs: vars.OPS_REAUTH_CHECK_MS,
  };
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { ...(file as ExecutorOptionsInput), ...defined, channel, redisUrl: vars.REDIS_URL };
}
