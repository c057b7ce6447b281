import { readFileSync } from 'node:fs';
import { ACTIONS } from '@agent-ops/contracts/channels';
import { envInt, envTrustProxy, fromEnv } from '@agent-ops/contracts/env';
import { ConfigError } from '@agent-ops/contracts/errors';
import { formatFieldIssues, toFieldIssues } from '@agent-ops/contracts/field-issues';
import { AccountName } from '@agent-ops/contracts/intent';
import { DEFAULT_PREFIX } from '@agent-ops/contracts/keys';
import { z } from 'zod';
import { AlertsConfigSchema } from './alerts/alerts-config.ts';

export const ROLES = ['producer', 'operator'] as const;
export type Role = (typeof ROLES)[number];

// Shared by the file's fields and the variables that override them, so both check alike.
const Prefix = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1 to 64 characters of A-Z a-z 0-9 _ -' });
const Port = z.int().min(0).max(65_535);

/** OPS_COORDINATOR_CONFIG: the coordinator's JSON config (it holds tokens and the signing key's path: mode 0600). */
export const CoordinatorConfigSchema = z
  .strictObject({
    prefix: Prefix.default(DEFAULT_PREFIX),
    host: z.string().default('127.0.0.1'),
    port: Port.default(7400),
    /**
     * Behind a reverse proxy (the API exposed beyond loopback): whose X-Forwarded-* headers to
     * believe for the client's address and protocol; `true` is a proxy on this machine.
     */
    trustProxy: z.union([z.boolean(), z.array(z.string().min(1))]).default(false),
    /** Bearer tokens. Producers submit and read; operators also approve, gate, replay and resolve. */
    tokens: z
      .array(
        z.strictObject({ name: z.string().min(1).max(100), role: z.enum(ROLES), token: z.string().min(24) }),
      )
      .min(1),
    approval: z
      .strictObject({
        /** Accounts whose intents wait for a person; `actions` narrows it (all actions when omitted). */
        accounts: z
          .record(AccountName, z.strictObject({ actions: z.array(z.enum(ACTIONS)).optional() }))
          .default({}),
        /** How long a pending intent may wait for a person. */
        windowHours: z.number().positive().default(24),
        /** How long a signed approval stays valid once given (an executor refuses it after). */
        validityHours: z.number().positive().default(24),
        keyId: z
          .string()
          .regex(/^[A-Za-z0-9._-]{1,64}$/)
          .default('coordinator-1'),
        /** PEM of the Ed25519 private key; only the coordinator has it. */
        privateKeyFile: z.string().optional(),
      })
      .default({ accounts: {}, windowHours: 24, validityHours: 24, keyId: 'coordinator-1' }),
    auditFile: z.string().nullable().default('audit.jsonl'),
    /** X's length limit in weighted characters: 280 for a standard account; more for a long-post one. */
    xLength: z
      .strictObject({
        default: z.int().min(1).max(25_000).default(280),
        accounts: z.record(AccountName, z.int().min(1).max(25_000)).default({}),
      })
      .default({ default: 280, accounts: {} }),
    /**
     * A scheduled export of receipts, deadletter entries and the audit stream to JSONL, so a
     * copy exists that does not depend on Redis or on a person remembering: each run writes what
     * is new since the last one into a dated folder under `dir`; folders older than `keepDays` go.
     */
    backup: z
      .strictObject({
        dir: z.string().min(1),
        everyHours: z.number().positive().default(24),
        keepDays: z.number().positive().default(30),
      })
      .optional(),
    /** Optional: report receipts to an OpenClaw gateway's /hooks/agent. */
    agentHook: z
      .strictObject({
        url: z.url(),
        token: z.string().min(1),
        /** `problems`: failed, rejected and unknown receipts; `all`: every receipt. */
        receipts: z.enum(['problems', 'all']).default('problems'),
        /** The OpenClaw agent that gets the reports; list it in the gateway's hooks.allowedAgentIds. */
        agentId: z
          .string()
          .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'must be 1 to 64 characters of A-Z a-z 0-9 . _ -' })
          .optional(),
        /**
         * The session a report lands in when its intent named none (`meta.sessionKey`); the
         * gateway's hooks.defaultSessionKey applies when both are absent.
         */
        sessionKey: z.string().min(1).max(200).optional(),
        /** Per attempt; above the 15 s OpenClaw may take to admit a hook, so an admission is never cut short. */
        timeoutSeconds: z.number().min(16).max(300).default(30),
        /** How long a report is retried while the gateway is away or failing; then it is recorded as undelivered. */
        maxAgeHours: z.number().positive().max(720).default(24),
        /** The wait between attempts: doubling from baseMs, capped at maxMs, with jitter. */
        backoff: z
          .strictObject({
            baseMs: z.int().min(1).default(1000),
            maxMs: z.int().min(1).default(300_000),
          })
          .default({ baseMs: 1000, maxMs: 300_000 }),
      })
      .optional(),
    /** Optional: tell people (ntfy, Telegram, Slack, email) of approvals, failures and outages. */
    alerts: AlertsConfigSchema.optional(),
  })
  .superRefine((c, ctx) => {
    // An alert that waited for an approval would never reach the person asked to approve.
    const email = c.alerts?.email?.account;
    for (const [field, account] of [
      ['account', c.alerts?.account],
      ['email.account', email],
    ] as const) {
      if (account && c.approval.accounts[account])
        ctx.addIssue({
          code: 'custom',
          path: ['alerts', ...field.split('.')],
          message: `${account} is in approval.accounts; alerts must not wait for an approval`,
        });
    }
  });
export type CoordinatorConfig = z.output<typeof CoordinatorConfigSchema>;

const CoordinatorEnv = z.object({
  OPS_COORDINATOR_CONFIG: z.string({ error: 'not set; point it at the coordinator JSON config' }),
  OPS_PREFIX: Prefix.optional(),
  COORDINATOR_PORT: envInt(Port).optional(),
  COORDINATOR_TRUST_PROXY: envTrustProxy().optional(),
  REDIS_URL: z.string().default('redis://127.0.0.1:6379'),
});

/** Reads OPS_COORDINATOR_CONFIG, applies REDIS_URL, OPS_PREFIX, COORDINATOR_PORT and COORDINATOR_TRUST_PROXY, names each bad field. */
export function loadCoordinatorConfig(env = process.env): CoordinatorConfig & { redisUrl: string } {
  const vars = fromEnv(CoordinatorEnv, env);
  const path = vars.OPS_COORDINATOR_CONFIG;
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(
      `OPS_COORDINATOR_CONFIG: cannot read ${path} as JSON (${(err as NodeJS.ErrnoException).code ?? 'invalid JSON'})`,
    );
  }
  if (vars.OPS_PREFIX !== undefined) raw.prefix = vars.OPS_PREFIX;
  if (vars.COORDINATOR_PORT !== undefined) raw.port = vars.COORDINATOR_PORT;
  if (vars.COORDINATOR_TRUST_PROXY !== undefined) raw.trustProxy = vars.COORDINATOR_TRUST_PROXY;
  const parsed = CoordinatorConfigSchema.safeParse(raw);
  if (!parsed.success) {
    // Paths and kinds only: a token's value must never reach a log.
    const issues = toFieldIssues(parsed.error).map((i) => ({
      ...i,
      message: i.message.replace(/"[^"]*"/g, '…'),
    }));
    throw new ConfigError(`OPS_COORDINATOR_CONFIG: ${path} is invalid: ${formatFieldIssues(issues)}`);
  }
  return { ...parsed.data, redisUrl: vars.REDIS_URL };
}
