import { AccountName } from '@agent-ops/contracts/intent';
import { z } from 'zod';

const EndpointSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/ }),
  method: z.enum(['POST', 'PUT', 'PATCH']).default('POST'),
  /** Signs `<timestamp>.<body>` with HMAC-SHA256 into X-Agent-Ops-Signature. */
  hmacSecret: z.string().min(16).optional(),
  headers: z.record(z.string(), z.string()).default({}),
  /** What a 409 means: the receiver already has this Idempotency-Key (done), or a refusal (failed). */
  on409: z.enum(['done', 'failed']).default('done'),
  /** What a 422 means. */
  on422: z.enum(['done', 'failed']).default('failed'),
  timeoutMs: z.int().min(100).max(120_000).default(10_000),
});
export type Endpoint = z.output<typeof EndpointSchema>;

/** `OPS_SECRETS_FILE`: `{"accounts": {"<account>": {"webhook": {"endpoints": {"<name>": {...}}}}}}`. */
export const WebhookSecretsSchema = z.object({
  accounts: z.record(
    AccountName,
    z.object({
      webhook: z
        .object({ endpoints: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/), EndpointSchema) })
        .optional(),
    }),
  ),
});

export function endpointsByAccount(
  secrets: z.output<typeof WebhookSecretsSchema>,
): Map<string, Map<string, Endpoint>> {
  const out = new Map<string, Map<string, Endpoint>>();
  for (const [account, entry] of Object.entries(secrets.accounts)) {
    if (entry.webhook) out.set(account, new Map(Object.entries(entry.webhook.endpoints)));
  }
  return out;
}
