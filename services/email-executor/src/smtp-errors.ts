import { NonRetryableError, OutcomeUnknownError, RetryAfterError } from '@agent-ops/contracts/errors';
import { isNotSent } from '@agent-ops/runtime/not-sent';

type NodemailerError = Error & {
  code?: string;
  responseCode?: number;
  originalCode?: string;
  timeoutType?: string;
  response?: string;
};

/**
 * Classifies a nodemailer error. Any SMTP reply means the server refused this message
 * (4xx: try later, 5xx: never). Without a reply, what matters is whether the whole message,
 * final dot included, had been written: before that nothing was accepted; after it the
 * server may have accepted it, and nobody can tell.
 */
export function classifySmtpError(err: unknown, messageWritten: boolean): Error {
  const e = err as NodemailerError;
  const reply = (e.response ?? '').slice(0, 300);
  if (typeof e.responseCode === 'number') {
    const code = `smtp_${e.responseCode}`;
    if (e.code === 'EAUTH')
      return new NonRetryableError(`SMTP refused the credentials: ${reply}`, 'smtp_auth');
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
