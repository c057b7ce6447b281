import { readFileSync } from 'node:fs';
import { envBoolean, envInt, envTrustProxy, fromEnv } from '@agent-ops/contracts/env';
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
  /** What a person types to log in (the single-operator setup; `operators` names several). */
  token: z.string().min(16, { error: 'must be at least 16 characters' }).optional(),
  coordinatorUrl: z.url().default('http://127.0.0.1:7400'),
  /** The coordinator operator token the single login's actions are made with (validated and audited there). */
  operatorToken: z.string().min(24, { error: 'must be at least 24 characters' }).optional(),
  /**
   * Several people, each with their own login token and their own operator token of the
   * coordinator, so its audit names who approved. `login` is how a trusted proxy's identity
   * header (identityHeader) names them.
   */
  operators: z
    .array(
      z.strictObject({
        name: z
          .string()
          .regex(/^[A-Za-z0-9._@-]{1,100}$/, { error: 'must be 1 to 100 of A-Z a-z 0-9 . _ @ -' }),
        loginToken: z.string().min(16, { error: 'must be at least 16 characters' }),
        operatorToken: z.string().min(24, { error: 'must be at least 24 characters' }),
        login: z.string().min(1).max(200).optional(),
      }),
    )
    .default([]),
  /** Opt-in: log in the person a trusted proxy names in this header (e.g. Tailscale-User-Login). */
  identityHeader: z
    .string()
    .regex(/^[A-Za-z0-9-]{1,64}$/, { error: 'must be a header name' })
    .optional(),
  /** Encrypts the session cookies; set it so that a restart keeps everyone logged in. */
  sessionKey: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
  /** Set the Secure flag on the session cookie (behind https). Also set per request from X-Forwarded-Proto when trustProxy. */
  secureCookie: z.boolean().default(false),
  /**
   * Believe X-Forwarded-Proto and -Host (for the origin check and the Secure cookie) from these
   * proxies only: `true` is a proxy on this machine (loopback), or a list of addresses or CIDRs.
   */
  trustProxy: z.union([z.boolean(), z.array(z.string().min(1))]).default(false),
  /** The HMAC key the coordinator signs approval links with (its alerts.linkKey); without it, links are off. */
  linkKey: z.string().min(32, { error: 'must be at least 32 characters' }).optional(),
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
/** Rules across fields, each naming the field to change. */
const CheckedConfigSchema = DashboardConfigSchema.superRefine((c, ctx) => {
  if (c.operators.length === 0) {
    if (!c.token)
      ctx.addIssue({ code: 'custom', path: ['token'], message: 'not set (or name people in operators)' });
    if (!c.operatorToken)
      ctx.addIssue({
        code: 'custom',
        path: ['operatorToken'],
        message: 'not set (or name people in operators)',
      });
  } else if (Boolean(c.token) !== Boolean(c.operatorToken)) {
    ctx.addIssue({
      code: 'custom',
      path: [c.token ? 'operatorToken' : 'token'],
      message: 'set both or neither',
    });
  }
  const names = new Set<string>();
  const tokens = new Set<string>(c.token ? [c.token] : []);
  for (const [i, o] of c.operators.entries()) {
    if (names.has(o.name))
      ctx.addIssue({ code: 'custom', path: ['operators', i, 'name'], message: 'used twice' });
    if (tokens.has(o.loginToken))
      ctx.addIssue({
        code: 'custom',
        path: ['operators', i, 'loginToken'],
        message: 'used twice: each person needs their own',
      });
    names.add(o.name);
    tokens.add(o.loginToken);
  }
  if (c.identityHeader && c.trustProxy === false)
    ctx.addIssue({
      code: 'custom',
      path: ['identityHeader'],
      message: 'needs trustProxy: only a trusted proxy may say who someone is',
    });
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

/** Each variable and the field it sets; a variable that is set wins over DASHBOARD_CONFIG's field. */
const ENV_FIELDS = {
  REDIS_URL: 'redisUrl',
  OPS_PREFIX: 'prefix',
  DASHBOARD_HOST: 'host',
  DASHBOARD_PORT: 'port',
  DASHBOARD_TOKEN: 'token',
  OPS_COORDINATOR_URL: 'coordinatorUrl',
  OPS_OPERATOR_TOKEN: 'operatorToken',
  DASHBOARD_SECURE_COOKIE: 'secureCookie',
  DASHBOARD_LINK_KEY: 'linkKey',
  DASHBOARD_TRUST_PROXY: 'trustProxy',
  DASHBOARD_SESSION_KEY: 'sessionKey',
  DASHBOARD_IDENTITY_HEADER: 'identityHeader',
} as const satisfies Record<string, keyof DashboardConfigInput>;
const ENV_NAMES: Record<string, string> = Object.fromEntries(
  Object.entries(ENV_FIELDS).map(([name, field]) => [field, name]),
);

// Types only: what each value means (a token's length, a URL) is checked once, on the merged config.
const DashboardEnv = z.object({
  DASHBOARD_CONFIG: z.string().optional(),
  OPS_CONFIG_FILE: z.string().optional(),
  REDIS_URL: z.string().optional(),
  OPS_PREFIX: z.string().optional(),
  DASHBOARD_HOST: z.string().optional(),
  DASHBOARD_PORT: envInt(DashboardConfigSchema.shape.port.unwrap()).optional(),
  DASHBOARD_TOKEN: z.string().optional(),
  OPS_COORDINATOR_URL: z.string().optional(),
  OPS_OPERATOR_TOKEN: z.string().optional(),
  DASHBOARD_SECURE_COOKIE: envBoolean().optional(),
  DASHBOARD_LINK_KEY: z.string().optional(),
  DASHBOARD_TRUST_PROXY: envTrustProxy().optional(),
  DASHBOARD_SESSION_KEY: z.string().optional(),
  DASHBOARD_IDENTITY_HEADER: z.string().optional(),
});

export function parseDashboardConfig(raw: unknown, where = 'dashboard config'): DashboardConfig {
  const parsed = CheckedConfigSchema.safeParse(raw);
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
 * DASHBOARD_SECURE_COOKIE, DASHBOARD_LINK_KEY, DASHBOARD_TRUST_PROXY, DASHBOARD_SESSION_KEY,
 * DASHBOARD_IDENTITY_HEADER; OPS_CONFIG_FILE (the executors' config) supplies rate limits.
 */
export function loadDashboardConfig(env = process.env): DashboardConfig {
  const vars = fromEnv(DashboardEnv, env);
  const raw: Record<string, unknown> = vars.DASHBOARD_CONFIG
    ? readJson(vars.DASHBOARD_CONFIG, 'DASHBOARD_CONFIG')
    : {};
  if (vars.OPS_CONFIG_FILE) {
    const executor = readJson(vars.OPS_CONFIG_FILE, 'OPS_CONFIG_FILE');
    if (executor.defaultRateLimit && raw.defaultRateLimit === undefined)
      raw.defaultRateLimit = executor.defaultRateLimit;
    if (executor.accounts && raw.accounts === undefined) raw.accounts = executor.accounts;
  }
  for (const [name, field] of Object.entries(ENV_FIELDS)) {
    const value = vars[name as keyof typeof ENV_FIELDS];
    if (value !== undefined) raw[field] = value;
  }
  return parseDashboardConfig(
    raw,
    vars.DASHBOARD_CONFIG ? `DASHBOARD_CONFIG (${vars.DASHBOARD_CONFIG})` : 'the environment',
  );
}
