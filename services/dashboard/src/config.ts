import { readFileSync } from 'node:fs';
import { ConfigError } from '@agent-ops/contracts/errors';
import { formatFieldIssues, toFieldIssues } from '@agent-ops/contracts/field-issues';
import { AccountName } from '@agent-ops/contracts/intent';
import { assertPrefix, DEFAULT_PREFIX } from '@agent-ops/contracts/keys';
import { z } from 'zod';

const RateLimit = z.object({ points: z.int().min(1), durationSec: z.int().min(1) });

/** DASHBOARD_CONFIG: optional JSON; the environment overrides each field it names. */
export const DashboardConfigSchema = z.strictObject({
  redisUrl: z.string().min(1).default('redis://127.0.0.1:6379'),
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default(DEFAULT_PREFIX),
  host: z.string().default('127.0.0.1'),
  port: z.int().min(0).max(65_535).default(7500),
  /** What a person types to log in. */
  token: z.string().min(16, { error: 'must be at least 16 characters' }),
  coordinatorUrl: z.url().default('http://127.0.0.1:7400'),
  /** The coordinator operator token every action is made with (validated and audited there). */
  operatorToken: z.string().min(24, { error: 'must be at least 24 characters' }),
  /** Set the Secure flag on the session cookie (behind https). Also set per request from X-Forwarded-Proto when trustProxy. */
  secureCookie: z.boolean().default(false),
  trustProxy: z.boolean().default(false),
  sessionHours: z
    .number()
    .positive()
    .max(24 * 30)
    .default(12),
  /** How often the live page is refreshed, ms. */
  refreshMs: z.int().min(200).max(60_000).default(1000),
  /** The executors' rate limits (same shape as their OPS_CONFIG_FILE), to show points left. */
  defaultRateLimit: RateLimit.default({ points: 100, durationSec: 900 }),
  accounts: z
    .record(AccountName, z.object({ rateLimits: z.record(z.string(), RateLimit).default({}) }).loose())
    .default({}),
});
export type DashboardConfigInput = z.input<typeof DashboardConfigSchema>;
export type DashboardConfig = z.output<typeof DashboardConfigSchema>;

function readJson(path: string, what: string): Record<string, unknown> {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(
      `${what}: cannot read ${path} as JSON (${(err as NodeJS.ErrnoException).code ?? 'invalid JSON'})`,
    );
  }
}

const ENV_NAMES: Record<string, string> = {
  redisUrl: 'REDIS_URL',
  prefix: 'OPS_PREFIX',
  port: 'DASHBOARD_PORT',
  token: 'DASHBOARD_TOKEN',
  coordinatorUrl: 'OPS_COORDINATOR_URL',
  operatorToken: 'OPS_OPERATOR_TOKEN',
};

export function parseDashboardConfig(raw: unknown, where = 'dashboard config'): DashboardConfig {
  const parsed = DashboardConfigSchema.safeParse(raw);
  if (!parsed.success) {
    // Paths and kinds only: a token's value never reaches a log.
    const issues = toFieldIssues(parsed.error).map((i) => ({
      field: ENV_NAMES[i.field] ? `${i.field} (${ENV_NAMES[i.field]})` : i.field,
      message: i.message.replace(/"[^"]*"/g, '…'),
    }));
    throw new ConfigError(`${where} is invalid: ${formatFieldIssues(issues)}`);
  }
  assertPrefix(parsed.data.prefix);
  return parsed.data;
}

/**
 * DASHBOARD_CONFIG (optional JSON file), then REDIS_URL, OPS_PREFIX, DASHBOARD_PORT,
 * DASHBOARD_HOST, DASHBOARD_TOKEN, OPS_COORDINATOR_URL, OPS_OPERATOR_TOKEN,
 * DASHBOARD_SECURE_COOKIE; OPS_CONFIG_FILE (the executors' config) supplies rate limits.
 */
export function loadDashboardConfig(env = process.env): DashboardConfig {
  const raw: Record<string, unknown> = env.DASHBOARD_CONFIG
    ? readJson(env.DASHBOARD_CONFIG, 'DASHBOARD_CONFIG')
    : {};
  if (env.OPS_CONFIG_FILE) {
    const executor = readJson(env.OPS_CONFIG_FILE, 'OPS_CONFIG_FILE');
    if (executor.defaultRateLimit && raw.defaultRateLimit === undefined)
      raw.defaultRateLimit = executor.defaultRateLimit;
    if (executor.accounts && raw.accounts === undefined) raw.accounts = executor.accounts;
  }
  const set = (field: string, value: unknown) => {
    if (value !== undefined && value !== '') raw[field] = value;
  };
  set('redisUrl', env.REDIS_URL);
  set('prefix', env.OPS_PREFIX);
  set('host', env.DASHBOARD_HOST);
  set('port', env.DASHBOARD_PORT === undefined ? undefined : Number(env.DASHBOARD_PORT));
  set('token', env.DASHBOARD_TOKEN);
  set('coordinatorUrl', env.OPS_COORDINATOR_URL);
  set('operatorToken', env.OPS_OPERATOR_TOKEN);
  if (env.DASHBOARD_SECURE_COOKIE) raw.secureCookie = env.DASHBOARD_SECURE_COOKIE === '1';
  return parseDashboardConfig(
    raw,
    env.DASHBOARD_CONFIG ? `DASHBOARD_CONFIG (${env.DASHBOARD_CONFIG})` : 'the environment',
  );
}
