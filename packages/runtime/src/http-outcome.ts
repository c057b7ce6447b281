import {
  NeedsReauthError,
  NonRetryableError,
  OutcomeUnknownError,
  RetryAfterError,
} from '@agent-ops/contracts/errors';
import { isNotSent } from './not-sent.ts';
import { type HeaderSource, headerValue, parseRetryAfter } from './retry-after.ts';

/** The three outcomes an adapter's `perform` throws (see adapter.ts). */
export type OutcomeError = NonRetryableError | RetryAfterError | OutcomeUnknownError | NeedsReauthError;

export type HttpAnswer = {
  /** Who answered, as messages name it: `X`, `Google`, `endpoint deploy`. */
  who: string;
  status: number;
  /** What the answer's body said, for the message only. */
  detail?: string;
  /** For Retry-After, honoured on a rate limit and on a 5xx. */
  headers?: HeaderSource | null;
  /**
   * Repeating the call is harmless (a delete, a create under our own id, a call the receiver
   * dedupes by key), or it is known not to have taken effect. Decides what a 5xx means:
   * not done (try later) when true, maybe done when false.
   */
  idempotent: boolean;
  /**
   * The request carried the account's login, the credentials `ops login` obtains. A 401 then
   * says that login was refused (`unauthorized`: a person has to sign in again); without one
   * (a webhook's configured headers) a 401 is a refusal like any other 4xx.
   */
  login: boolean;
  /**
   * The login is the account's own and a person renews it with `ops login` (X's tokens, a
   * Google grant): its refusal then holds the account's work (`needs_reauth`) instead of
   * failing it. Without this a refused login is final (`unauthorized`), as for a bot token
   * of one notification destination, which no login renews.
   */
  holdOnRefusedLogin?: boolean;
  /** The channel read a rate limit in an answer other than 429 (Google's 403 rateLimitExceeded). */
  rateLimited?: boolean;
  /** The channel read a refused login in an answer other than 401 (Google's 400 invalid_grant). */
  loginRefused?: boolean;
  /**
   * The channel read that the account's paid allowance is used up (X's pay-per-use 402
   * credits-depleted): refused before acting, and refused until a person tops it up.
   */
  paymentRequired?: boolean;
  /** Epoch ms when the rate window reopens by the channel's own header (X's x-rate-limit-reset); wins over Retry-After. */
  resetAt?: number | null;
  now?: number;
};

/**
 * How long a key waits after a payment refusal when the answer named no time: long, since
 * only a person's top-up ends it, and not final, so the work resumes once one has happened.
 */
export const PAYMENT_RETRY_MS = 15 * 60_000;

/**
 * The one ladder from an HTTP error answer to an outcome: a rate limit (429) is not done
 * and waits as long as the API said; a payment refusal is not done and waits long; a 5xx is
 * not done if repeating is harmless, otherwise maybe done; a refused login holds the
 * account where a person renews that login, and is otherwise final and names itself; any
 * other answer (403 included: what a channel's 403 means beyond "refused" it tells apart
 * before calling this) is final.
 */
export function classifyHttp(a: HttpAnswer): OutcomeError {
  const { who, status } = a;
  const detail = a.detail ? `: ${a.detail}` : '';
  const now = a.now ?? Date.now();
  const retryAfterMs = () => parseRetryAfter(headerValue(a.headers, 'retry-after'), now);
  if (status === 429 || a.rateLimited) {
    const wait = typeof a.resetAt === 'number' ? Math.max(0, a.resetAt - now) : retryAfterMs();
    return new RetryAfterError(`${who} rate limited (${status})${detail}`, wait, 'rate_limited');
  }
  if (a.paymentRequired) {
    const wait = retryAfterMs() ?? PAYMENT_RETRY_MS;
    return new RetryAfterError(`${who} refused for payment (${status})${detail}`, wait, 'payment_required');
  }
  if (status >= 500) {
    return a.idempotent
      ? new RetryAfterError(`${who} answered ${status}${detail}`, retryAfterMs(), `http_${status}`)
      : new OutcomeUnknownError(
          `${who} answered ${status} to a call that may have taken effect${detail}`,
          `http_${status}`,
        );
  }
  if (a.login && (status === 401 || a.loginRefused)) {
    if (a.holdOnRefusedLogin)
      return new NeedsReauthError(`${who} refused the account's login (${status})${detail}`);
    return new NonRetryableError(`${who} refused the credentials (${status})${detail}`, 'unauthorized');
  }
  return new NonRetryableError(`${who} refused the request (${status})${detail}`, `http_${status}`);
}

export type NoAnswer = {
  who: string;
  /** The network error's code (errno, getaddrinfo, Node's), or '' when it had none. */
  code: string;
  /** What to name the failure by when it has no code: the error's message or name. */
  detail: string;
  /** The client gave up waiting for the answer: the request had been sent. */
  timedOut: boolean;
  /** How long it waited, where the channel knows it, for the message. */
  timeoutMs?: number;
  /** As for classifyHttp: decides what a connection lost mid-call means. */
  idempotent: boolean;
};

/**
 * A call that got no answer: not done when it provably never left (see not-sent.ts); maybe
 * done after a timeout, whatever the call, since the server may still be acting on it; a
 * connection lost otherwise is not done only if repeating the call is harmless.
 */
export function classifyNoAnswer(n: NoAnswer): OutcomeError {
  const { who, code } = n;
  if (isNotSent(code)) return new RetryAfterError(`${who} unreachable (${code})`, null, 'unreachable');
  if (n.timedOut) {
    const within = n.timeoutMs === undefined ? 'the timeout' : `${n.timeoutMs} ms`;
    return new OutcomeUnknownError(`no answer from ${who} within ${within}`, 'timeout');
  }
  const what = code || n.detail || 'unknown';
  return n.idempotent
    ? new RetryAfterError(`connection to ${who} failed (${what})`, null, 'connection_dropped')
    : new OutcomeUnknownError(`connection to ${who} dropped after sending (${what})`, 'connection_dropped');
}
