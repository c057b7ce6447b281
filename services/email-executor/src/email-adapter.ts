import { NonRetryableError } from '@agent-ops/contracts/errors';
import type { ChannelIntent } from '@agent-ops/contracts/intent';
import type { ChannelAdapter, EffectResult, ReconcileResult } from '@agent-ops/runtime/adapter';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { EmailAccount } from './email-secrets.ts';
import { messageIdFor } from './message-id.ts';
import { classifySmtpError } from './smtp-errors.ts';

type EmailIntent = ChannelIntent<'email'>;
type SendMail = EmailIntent['payload'];

function transportOptions(a: EmailAccount, logger: SMTPTransport.Options['logger']): SMTPTransport.Options {
  const common = {
    // One connection per message: a pool re-queues messages by itself, and the runtime decides retries.
    pool: false,
    connectionTimeout: a.timeouts.connectMs,
    greetingTimeout: a.timeouts.connectMs,
    socketTimeout: a.timeouts.socketMs,
    logger,
  };
  if (a.gmail) {
    return {
      ...common,
      service: 'gmail',
      auth: {
        type: 'OAuth2',
        user: a.gmail.user,
        clientId: a.gmail.clientId,
        clientSecret: a.gmail.clientSecret,
        refreshToken: a.gmail.refreshToken,
      },
    } as SMTPTransport.Options;
  }
  const smtp = a.smtp as NonNullable<EmailAccount['smtp']>;
  return {
    ...common,
    host: smtp.host,
    port: smtp.port,
    secure: smtp.tls === 'tls',
    requireTLS: smtp.tls === 'starttls',
    ignoreTLS: smtp.tls === 'none',
    auth: smtp.user ? { user: smtp.user, pass: smtp.password } : undefined,
  };
}

/**
 * A nodemailer logger that only notes when the whole message, final dot included, has
 * been written: what separates "not accepted" from "may have been accepted".
 */
function messageWrittenProbe() {
  const probe = { written: false };
  const noop = () => {};
  const logger = {
    level: noop,
    trace: noop,
    debug: noop,
    warn: noop,
    error: noop,
    fatal: noop,
    info: (meta: { tnx?: string }) => {
      if (meta?.tnx === 'message') probe.written = true;
    },
  };
  return { probe, logger: logger as unknown as SMTPTransport.Options['logger'] };
}

export class EmailAdapter implements ChannelAdapter<'email'> {
  readonly channel = 'email' as const;
  private readonly accounts: Map<string, EmailAccount>;

  constructor(accounts: Map<string, EmailAccount>) {
    this.accounts = accounts;
  }

  hasAccount(account: string): boolean {
    return this.accounts.has(account);
  }

  rateLimitGroup(): string {
    return 'send';
  }

  refuse(intent: EmailIntent): { code: string; message: string } | null {
    const allowed = this.accounts.get(intent.account)?.allowedFrom ?? [];
    const from = intent.payload.from.toLowerCase();
    if (allowed.some((a) => a.toLowerCase() === from)) return null;
    return {
      code: 'sender_not_allowed',
      message: `payload.from: ${intent.payload.from} is not an allowed sender of ${intent.account}`,
    };
  }

  secretValues(): readonly string[] {
    const out: string[] = [];
    for (const a of this.accounts.values()) {
      if (a.smtp?.password) out.push(a.smtp.password);
      if (a.gmail) out.push(a.gmail.clientSecret, a.gmail.refreshToken);
    }
    return out;
  }

  async perform(intent: EmailIntent): Promise<EffectResult> {
    const account = this.accounts.get(intent.account);
    if (!account)
      throw new NonRetryableError(`account ${intent.account} has no email settings`, 'unknown_account');
    const mail: SendMail = intent.payload;
    const domain = account.messageIdDomain ?? (mail.from.split('@')[1] as string);
    const messageId = messageIdFor(intent.idempotencyKey, domain);
    const { probe, logger } = messageWrittenProbe();
    // Loaded on the first send, not at start: it is a sixth of the executor's start-up.
    const { default: nodemailer } = await import('nodemailer');
    const transport = nodemailer.createTransport(transportOptions(account, logger));
    try {
      await transport.sendMail({
        messageId,
        from: mail.from,
        to: mail.to,
        cc: mail.cc,
        bcc: mail.bcc,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        replyTo: mail.replyTo,
        inReplyTo: mail.inReplyTo,
        references: mail.references,
        attachments: mail.attachments?.map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          content: Buffer.from(a.contentBase64, 'base64'),
        })),
      });
    } catch (err) {
      throw classifySmtpError(err, probe.written);
    } finally {
      transport.close();
    }
    return { externalId: messageId, url: null };
  }

  /** SMTP has no way to ask whether a message arrived: park it for a person, unless the account accepts a resend. */
  async reconcile(intent: EmailIntent): Promise<ReconcileResult> {
    if (this.accounts.get(intent.account)?.atLeastOnce) return { outcome: 'not_done' };
    return {
      outcome: 'unknown',
      reason:
        'SMTP cannot tell whether the message was accepted; check the recipient or the sent folder, then resolve',
    };
  }
}
