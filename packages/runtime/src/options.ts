import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { CHANNELS } from '@agent-ops/contracts/channels';
import { ConfigError } from '@agent-ops/contracts/errors';
import { formatFieldIssues, toFieldIssues } from '@agent-ops/contracts/field-issues';
import { AccountName } from '@agent-ops/contracts/intent';
import { DEFAULT_PREFIX } from '@agent-ops/contracts/keys';
import { z } from 'zod';

const positiveMs = z.int().min(1);

const RateLimitSchema = z.strictObject({
  /** Calls allowed per window. */
  points: z.int().min(1),
  /** Window length in seconds. */
  durationSec: z.int().min(1),
});
export type RateLimit = z.output<typeof RateLimitSchema>;

const AccountPolicySchema = z.strictObject({
  /** Intents for this account must carry a coordinator-signed approval. */
  requireApproval: z.boolean().default(false),
  /** Limits by rate-limit group (the channel's name for a family of actions, e.g. `post`); `*` for all. */
  rateLimits: z.record(z.string(), RateLimitSchema).default({}),
});

/** What a user writes (constructor argument or the non-secret config file). */
export const ExecutorOptionsSchema = z.strictObject({
  channel: z.enum(CHANNELS),
  prefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default(DEFAULT_PREFIX),
  /** Unique per process; host + pid + a random suffix by default. */
  consumer: z.string().min(1).max(200).optional(),
  /** How long a lease lasts without renewal; a crashed executor's work is taken over after it. */
  leaseTtlMs: positiveMs.min(1000).default(30_000),
  /** Effects in flight at once in this process. */
  concurrency: z.int().min(1).max(10_000).default(64),
  /** Entries read per XREADGROUP. */
  batchSize: z.int().min(1).max(10_000).default(200),
  blockMs: positiveMs.default(1000),
  /** How often to look for entries abandoned by dead consumers; a third of the lease TTL by default. */
  reclaimIntervalMs: positiveMs.optional(),
  /** Consumers idle this long with nothing pending are removed from the group. */
  deadConsumerIdleMs: positiveMs.default(3_600_000),
  shutdownTimeoutMs: positiveMs.default(15_000),
  /**
   * A cap on attempts after the first, for whoever wants one; none by default. Only requests
   * that left count (a 5xx, a 429, a timeout whose effect reconcile ruled out): a call held
   * back by the own rate limit or an open breaker does not.
   */
  maxRetries: z.int().min(0).max(100_000).nullable().default(null),
  /**
   * How long a key that is not done yet is retried, from its first attempt: a day by default,
   * so an outage of minutes or hours is waited out; then `failed`. An intent's own `expiresAt`
   * ends it sooner.
   */
  retryForMs: positiveMs.default(86_400_000),
  backoff: z
    .strictObject({ baseMs: positiveMs.default(1000), maxMs: positiveMs.default(300_000) })
    // Capped at minutes: once an outage ends, waiting keys are tried again within five.
    .default({ baseMs: 1000, maxMs: 300_000 }),
  breaker: z
    .strictObject({
      errorThresholdPercentage: z.number().min(1).max(100).default(50),
      resetTimeoutMs: positiveMs.default(30_000),
      volumeThreshold: z.int().min(1).default(5),
      rollingCountTimeoutMs: positiveMs.default(10_000),
    })
    .default({
      errorThresholdPercentage: 50,
      resetTimeoutMs: 30_000,
      volumeThreshold: 5,
      rollingCountTimeoutMs: 10_000,
    }),
  /**
   * How often each account's login is checked (the adapter's `checkAccount`: a cheap call
   * with no effect), besides at start: five minutes by default.
   */
  accountCheckMs: positiveMs.min(1000).default(300_000),
  /**
   * How often an account that needs a login is checked again, and how long its held intents
   * wait before they look again: once a person has logged in, they go on within about this.
   */
  reauthCheckMs: positiveMs.min(100).default(20_000),
  /** Applied to an account with no limits of its own. */
  defaultRateLimit: RateLimitSchema.default({ points: 100, durationSec: 900 }),
  accounts: z.record(AccountName, AccountPolicySchema).default({}),
  /** Public keys (PEM, Ed25519) of the coordinator, by key id, for approval signatures. */
  approvalKeys: z.record(z.string(), z.string().includes('PUBLIC KEY')).default({}),
  /** A local kill switch: when this file says {"enabled": false}, no new effect starts. null turns it off. */
  localGateFile: z.string().nullable().default('executor_gate.json'),
  gatePollMs: positiveMs.default(500),
  /** Port of /metrics, /healthz and /readyz; none when null (0 picks a free port). */
  metricsPort: z.int().min(0).max(65_535).nullable().default(null),
  /** ioredis auto-pipelining on the command connection (batches a turn's commands); off for debugging. */
  autoPipelining: z.boolean().default(true),
});

export type ExecutorOptionsInput = z.input<typeof ExecutorOptionsSchema>;
export type ExecutorOptions = z.output<typeof ExecutorOptionsSchema> & {
  consumer: string;
  reclaimIntervalMs: number;
};

export function defaultConsumerName(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Defaults applied and derived values computed; errors name each field. */
export function compileOptions(input: ExecutorOptionsInput): ExecutorOptions {
  const parsed = ExecutorOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(`invalid executor options: ${formatFieldIssues(toFieldIssues(parsed.error))}`);
  }
  const o = parsed.data;
  return {
    ...o,
    consumer: o.consumer ?? defaultConsumerName(),
    reclaimIntervalMs: o.reclaimIntervalMs ?? Math.max(250, Math.floor(o.leaseTtlMs / 3)),
  };
}
