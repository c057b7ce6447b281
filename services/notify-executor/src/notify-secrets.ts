import { AccountName } from '@agent-ops/contracts/intent';
import { z } from 'zod';

const timeoutMs = z.int().min(100).max(120_000).default(10_000);
/**
 * What a takeover does when the request may have reached Telegram or Slack, which cannot be
 * asked what they received: `park` (an `unknown` receipt, never a second message) or `resend`
 * (a duplicate alert rather than a missed one).
 */
const onDoubt = z.enum(['park', 'resend']).default('park');

const Ntfy = z.strictObject({
  kind: z.literal('ntfy'),
  /** The ntfy server: https://ntfy.sh or your own. */
  server: z.url({ protocol: /^https?$/ }),
  topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, { error: 'must be an ntfy topic (A-Z a-z 0-9 _ -)' }),
  /** An access token (tk_...) for a protected topic. */
  token: z.string().min(1).optional(),
  timeoutMs,
});

const Telegram = z.strictObject({
  kind: z.literal('telegram'),
  botToken: z.string().regex(/^\d+:[A-Za-z0-9_-]{10,}$/, { error: 'must be a bot token like 123456:ABC...' }),
  chatId: z.union([z.string().min(1), z.int()]).transform(String),
  /** The Bot API server: Telegram's, or a local telegram-bot-api server. */
  apiBaseUrl: z.url({ protocol: /^https?$/ }).default('https://api.telegram.org'),
  onDoubt,
  timeoutMs,
});

const Slack = z.strictObject({
  kind: z.literal('slack'),
  /** The incoming webhook's URL; it is the credential, so it lives here only. */
  webhookUrl: z.url({ protocol: /^https?$/ }),
  onDoubt,
  timeoutMs,
});

export const DestinationSchema = z.discriminatedUnion('kind', [Ntfy, Telegram, Slack], {
  error: 'must have kind ntfy, telegram or slack',
});
export type Destination = z.output<typeof DestinationSchema>;
export type DestinationOf<K extends Destination['kind']> = Extract<Destination, { kind: K }>;

/** `OPS_SECRETS_FILE`: `{"accounts": {"<account>": {"notify": {"destinations": {"<name>": {...}}}}}}`. */
export const NotifySecretsSchema = z.object({
  accounts: z.record(
    AccountName,
    z.object({
      notify: z
        .object({ destinations: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/), DestinationSchema) })
        .optional(),
    }),
  ),
});

export function destinationsByAccount(
  secrets: z.output<typeof NotifySecretsSchema>,
): Map<string, Map<string, Destination>> {
  const out = new Map<string, Map<string, Destination>>();
  for (const [account, entry] of Object.entries(secrets.accounts)) {
    if (entry.notify) out.set(account, new Map(Object.entries(entry.notify.destinations)));
  }
  return out;
}
