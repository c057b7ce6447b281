import { OutcomeUnknownError } from '@agent-ops/contracts/errors';
import type { ChannelIntent } from '@agent-ops/contracts/intent';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import type { EmailAccount } from './email-secrets.ts';
import { finalDotMark, holdFinalDot } from './final-dot.ts';
import { classifySmtpError } from './smtp-errors.ts';

type SendMail = ChannelIntent<'email'>['payload'];

/** Where Gmail is reached; tests point these at fakes, production leaves them unset. */
export type GmailEndpoints = {
  /** GMAIL_SMTP_URL: `smtp://host:port` (plain) or `smtps://host:port`, instead of smtp.gmail.com:465. */
  smtpUrl?: string;
  /** GOOGLE_OAUTH_TOKEN_URL: where refresh tokens are exchanged. */
  tokenUrl?: string;
  /** GOOGLE_API_ROOT_URL: the Gmail API's root. */
  rootUrl?: string;
};

function gmailServer(url: string | undefined): Partial<SMTPTransport.Options> {
  if (!url) return { service: 'gmail' };
  const u = new URL(url);
  const secure = u.protocol === 'smtps:';
  return { host: u.hostname, port: Number(u.port) || (secure ? 465 : 25), secure, ignoreTLS: !secure };
}

function transportOptions(
  a: EmailAccount,
  gmail: GmailEndpoints,
  logger: SMTPTransport.Options['logger'],
): SMTPTransport.Options {
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
      ...gmailServer(gmail.smtpUrl),
      auth: {
        type: 'OAuth2',
        user: a.gmail.user,
        clientId: a.gmail.clientId,
        clientSecret: a.gmail.clientSecret,
        refreshToken: a.gmail.refreshToken,
        ...(gmail.tokenUrl ? { accessUrl: gmail.tokenUrl } : {}),
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
 * A nodemailer logger that only notes when the whole message, final dot included, has been
 * handed to the socket (DataStream's end): what separates "not accepted" from "may have been
 * accepted". It writes nothing, so no credential can reach a log through it.
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

/**
 * Connects and logs in without sending anything (nodemailer's `verify`: EHLO, STARTTLS, AUTH,
 * QUIT; for Gmail a token from the refresh token first): the account check. Throws the
 * contracts' errors, NeedsReauthError when the login was refused.
 */
export async function verifyLogin(account: EmailAccount, gmail: GmailEndpoints): Promise<void> {
  const { logger } = messageWrittenProbe();
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport(transportOptions(account, gmail, logger));
  try {
    await transport.verify();
  } catch (err) {
    throw classifySmtpError(err, false);
  } finally {
    transport.close();
  }
}

/** Thrown when the message may have been accepted; says when this attempt wrote its final dot. */
export class SentUnknownError extends OutcomeUnknownError {
  readonly finalDotAt: number;
  constructor(cause: OutcomeUnknownError, finalDotAt: number) {
    super(cause.message, cause.code);
    this.finalDotAt = finalDotAt;
  }
}

export type SendOptions = {
  account: EmailAccount;
  gmail: GmailEndpoints;
  messageId: string;
  mail: SendMail;
  /** `ctx.mark`: durable, fenced by the lease; throws when the attempt is no longer ours. */
  mark(name: string): Promise<void>;
};

/**
 * Sends one message on its own connection, marking the attempt durably right before the final
 * dot. Throws the contracts' errors: a refusal (NonRetryable / RetryAfter), a lost lease at the
 * mark (RetryAfter, nothing submitted), or SentUnknownError once the dot may have been accepted.
 */
export async function sendWithFinalDotMark(o: SendOptions): Promise<void> {
  const { probe, logger } = messageWrittenProbe();
  let markError: unknown = null;
  let finalDotAt: number | null = null;
  // Loaded on the first send, not at start: it is a sixth of the executor's start-up.
  const { default: nodemailer } = await import('nodemailer');
  const transport = nodemailer.createTransport(transportOptions(o.account, o.gmail, logger));
  transport.use('stream', (mail, done) => {
    mail.message.processFunc((input) =>
      holdFinalDot(input, async () => {
        const at = Date.now();
        try {
          await o.mark(finalDotMark(at));
        } catch (err) {
          markError = err;
          throw err;
        }
        finalDotAt = at;
      }),
    );
    done();
  });
  const { mail } = o;
  try {
    await transport.sendMail({
      messageId: o.messageId,
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
    // The lease went to another owner before the dot: nothing was submitted, the new owner decides.
    if (markError) throw markError;
    const classified = classifySmtpError(err, probe.written);
    if (classified instanceof OutcomeUnknownError && finalDotAt !== null)
      throw new SentUnknownError(classified, finalDotAt);
    throw classified;
  } finally {
    transport.close();
  }
}
