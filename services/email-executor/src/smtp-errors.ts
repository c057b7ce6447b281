import {
  NeedsReauthError,
  NonRetryableError,
  OutcomeUnknownError,
  RetryAfterError,
} from '@agent-ops/contracts/errors';
import { isNotSent } from '@agent-ops/runtime/not-sent';

type NodemailerError = Error & {
  code?: string;
  responseCode?: number;
  originalCode?: string;
  timeoutType?: string;
  response?: string;
};

/**
 * The token endpoint's answers that only a person can change (RFC 6749 §5.2): a revoked or
 * expired grant (Google revokes an app's refresh tokens after 7 days while it is in "Testing"),
 * or a client id or secret that is no longer valid.
 */
const GRANT_REFUSED = /^(invalid_grant|invalid_client|unauthorized_client)\b/;

/**
 * A refused login, which holds the account (`needs_reauth`) rather than failing the message:
 * a 5xx to AUTH (535 "credentials invalid", Gmail's 534 "application-specific password
 * required"), or the OAuth token endpoint refusing the grant before AUTH was sent, which
 * nodemailer reports as EAUTH with no reply code and its own EOAUTH2 as `originalCode`. A 4xx
 * to AUTH (454: a temporary failure) is tried again later; a token endpoint that failed in
 * another way (a 5xx, a body that is not JSON) is not the account's fault either.
 */
function classifyAuthError(e: NodemailerError, reply: string): Error | null {
  if (e.code !== 'EAUTH') return null;
  if (typeof e.responseCode === 'number') {
    if (e.responseCode >= 500)
      return new NeedsReauthError(`SMTP refused the account's login (${e.responseCode}): ${reply}`);
    return new RetryAfterError(`SMTP deferred the login: ${reply}`, null, `smtp_${e.responseCode}`);
  }
  if (e.originalCode !== 'EOAUTH2') return null;
  const message = String(e.message).slice(0, 300);
  if (GRANT_REFUSED.test(message))
    return new NeedsReauthError(`the OAuth token endpoint refused the account's grant: ${message}`);
  return new RetryAfterError(`the OAuth token endpoint failed: ${message}`, null, 'token_endpoint');
}

/**
 * Classifies a nodemailer error. Any SMTP reply means the server refused this message
 * (4xx: try later, 5xx: never). Without a reply, what matters is whether the whole message,
 * final dot included, had been written: before that nothing was accepted; after it the
 * server may have accepted it, and nobody can tell.
 */
export function classifySmtpError(err: unknown, messageWritten: boolean): Error {
  const e = err as NodemailerError;
  const reply = (e.response ?? '').slice(0, 300);
  const auth = classifyAuthError(e, reply);
  if (auth) return auth;
  if (typeof e.responseCode === 'number') {
    const code = `smtp_${e.responseCode}`;
    if (e.responseCode >= 500) return new NonRetryableError(`SMTP refused the message: ${reply}`, code);
    return new RetryAfterError(`SMTP deferred the message: ${reply}`, null, code);
  }
  // nodemailer puts its own code (ESOCKET, EDNS) on a system error and keeps the system's as originalCode.
  if (isNotSent(e.originalCode ?? e.code)) {
    return new RetryAfterError(`SMTP server unreachable (${e.originalCode ?? e.code})`, null, 'unreachable');
  }
  if (
    e.code === 'ETIMEDOUT' &&
    (e.timeoutType === 'CONNECT_TIMEOUT' || e.timeoutType === 'GREETING_TIMEOUT')
  ) {
    return new RetryAfterError(`SMTP server did not greet in time`, null, 'timeout');
  }
  if (!messageWritten) {
    return new RetryAfterError(
      `SMTP connection failed before the message was sent (${e.code})`,
      null,
      'connection_dropped',
    );
  }
  return new OutcomeUnknownError(
    `SMTP connection lost after the message was sent (${e.originalCode ?? e.code}); it may have been accepted`,
    e.code === 'ETIMEDOUT' ? 'timeout' : 'connection_dropped',
  );
}
