import { AccountName } from '@agent-ops/contracts/intent';
import { z } from 'zod';

/** `tls`: TLS from the first byte (465, 993); `starttls`: upgrade required (587, 143); `none`: plain (tests only). */
const Tls = z.enum(['tls', 'starttls', 'none']);

const SmtpSchema = z.strictObject({
  host: z.string().min(1),
  port: z.int().min(1).max(65_535),
  tls: Tls.default('starttls'),
  user: z.string().min(1).optional(),
  password: z.string().min(1).optional(),
});

const GmailSchema = z.strictObject({
  user: z.email(),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  /** Granted with the scope https://mail.google.com/: SMTP (XOAUTH2) and the Gmail API's search both need it. */
  refreshToken: z.string().min(1),
});

/**
 * Opt-in, for providers that file what is submitted over SMTP into a Sent mailbox (Fastmail,
 * most hosted IMAP; not iCloud): reconcile searches it for the message's Message-ID.
 */
const ImapSchema = z.strictObject({
  host: z.string().min(1),
  port: z.int().min(1).max(65_535),
  tls: Tls.default('tls'),
  user: z.string().min(1),
  password: z.string().min(1),
  /** The mailbox the provider files submissions into; the one marked `\Sent` (RFC 6154) when omitted. */
  mailbox: z.string().min(1).optional(),
});

export const EmailAccountSchema = z
  .strictObject({
    smtp: SmtpSchema.optional(),
    gmail: GmailSchema.optional(),
    imap: ImapSchema.optional(),
    /** The From addresses this account may send as; anything else is rejected before a connection. */
    allowedFrom: z.array(z.email()).min(1),
    /** Domain of the deterministic Message-ID; the From address's domain when omitted. */
    messageIdDomain: z
      .string()
      .regex(/^[A-Za-z0-9.-]+$/)
      .optional(),
    /**
     * After an attempt reached the final dot and nobody can say whether the server accepted
     * it (no Sent mailbox to ask), false (default): park as `unknown` for a person. true: send
     * again (the recipient may get it twice; the Message-ID is the same, so many clients fold them).
     */
    atLeastOnce: z.boolean().default(false),
    /**
     * How long after an attempt's final dot its absence from Sent is not yet proof that it was
     * not accepted: Gmail's search shows a sent message some seconds later, and a sender
     * stalled between its mark and its dot could still write the dot until the server's idle
     * timeout (RFC 5321 §4.5.3.2.7: at least 5 minutes). Until then reconcile asks again later.
     */
    sentSettleMs: z.int().min(0).default(600_000),
    timeouts: z
      .strictObject({
        connectMs: z.int().min(100).default(10_000),
        socketMs: z.int().min(100).default(30_000),
      })
      .default({ connectMs: 10_000, socketMs: 30_000 }),
  })
  .refine((a) => (a.smtp ? 1 : 0) + (a.gmail ? 1 : 0) === 1, {
    message: 'exactly one of smtp or gmail is required',
  })
  .refine((a) => !(a.gmail && a.imap), {
    message: 'a gmail account is looked up through the Gmail API; imap is for other providers',
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
