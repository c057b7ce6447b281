import { AccountName } from '@agent-ops/contracts/intent';
import { z } from 'zod';

const SmtpSchema = z.strictObject({
  host: z.string().min(1),
  port: z.int().min(1).max(65_535),
  /** `tls`: TLS from the first byte (465); `starttls`: upgrade required (587); `none`: plain (tests only). */
  tls: z.enum(['tls', 'starttls', 'none']).default('starttls'),
  user: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
});

const GmailSchema = z.strictObject({
  user: z.email(),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  refreshToken: z.string().min(1),
});

export const EmailAccountSchema = z
  .strictObject({
    smtp: SmtpSchema.optional(),
    gmail: GmailSchema.optional(),
    /** The From addresses this account may send as; anything else is rejected before a connection. */
    allowedFrom: z.array(z.email()).min(1),
    /** Domain of the deterministic Message-ID; the From address's domain when omitted. */
    messageIdDomain: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$/)
      .optional(),
    /**
     * After a connection dropped once the message was sent, SMTP cannot tell whether it was
     * accepted. false (default): park as `unknown` for a person. true: send again (the
     * recipient may get it twice; the Message-ID is the same, so many clients fold them).
     */
    atLeastOnce: z.boolean().default(false),
    timeouts: z
      .strictObject({
        connectMs: z.int().min(100).default(10_000),
        socketMs: z.int().min(100).default(30_000),
      })
      .default({ connectMs: 10_000, socketMs: 30_000 }),
  })
  .refine((a) => (a.smtp ? 1 : 0) + (a.gmail ? 1 : 0) === 1, {
    message: 'exactly one of smtp or gmail is required',
  });
export type EmailAccount = z.output<typeof EmailAccountSchema>;

/** `OPS_SECRETS_FILE`: `{"accounts": {"<account>": {"email": {...}}}}`. */
export const EmailSecretsSchema = z.object({
  accounts: z.record(AccountName, z.object({ email: EmailAccountSchema.optional() })),
});

export function emailAccounts(secrets: z.output<typeof EmailSecretsSchema>): Map<string, EmailAccount> {
  const out = new Map<string, EmailAccount>();
  for (const [account, entry] of Object.entries(secrets.accounts))
    if (entry.email) out.set(account, entry.email);
  return out;
}
