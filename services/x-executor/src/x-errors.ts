import { NonRetryableError, OutcomeUnknownError, RetryAfterError } from '@agent-ops/contracts/errors';
import type { ApiPartialResponseError, ApiRequestError, ApiResponseError } from 'twitter-api-v2';

/**
 * twitter-api-v2 marks each of its errors with `error: true` and a `type` (its documented
 * ETwitterApiError: 'request', 'response', 'partial-response'). Reading those instead of
 * instanceof keeps the library out of the executor's start-up: it loads on the first call.
 */
function isTwitterError(err: unknown, type: 'request' | 'response' | 'partial-response'): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    (err as { error?: unknown }).error === true &&
    (err as { type?: unknown }).type === type
  );
}
const isResponseError = (err: unknown): err is ApiResponseError => isTwitterError(err, 'response');
const isPartialResponseError = (err: unknown): err is ApiPartialResponseError =>
  isTwitterError(err, 'partial-response');
const isRequestError = (err: unknown): err is ApiRequestError => isTwitterError(err, 'request');

/** Network failures in which the request never reached X. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_INVALID_PROTOCOL',
]);

export function isDuplicateContent(err: unknown): boolean {
  if (!isResponseError(err) || err.code !== 403) return false;
  const detail = (err.data as { detail?: unknown } | undefined)?.detail;
  return typeof detail === 'string' && /duplicate content/i.test(detail);
}

function detailOf(err: ApiResponseError): string {
  const data = err.data as
    | { detail?: unknown; title?: unknown; errors?: Array<{ message?: string }> }
    | string;
  if (typeof data === 'string') return data.slice(0, 300);
  const detail =
    typeof data?.detail === 'string' ? data.detail : typeof data?.title === 'string' ? data.title : '';
  const errors = (data?.errors ?? [])
    .map((e) => e.message)
    .filter(Boolean)
    .join('; ');
  return [detail, errors].filter(Boolean).join(': ') || err.message;
}

/** Milliseconds until X's rate window resets, from x-rate-limit-reset (epoch seconds) or Retry-After. */
function retryAfterMs(err: ApiResponseError, now: number): number | null {
  const reset = err.rateLimit?.reset;
  if (typeof reset === 'number' && reset > 0) return Math.max(0, reset * 1000 - now);
  const header = err.headers?.['retry-after'];
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : null;
}

function classifyResponse(err: ApiResponseError, idempotent: boolean, now: number): Error {
  const status = err.code;
  const detail = detailOf(err);
  if (status === 429)
    return new RetryAfterError(`X rate limit: ${detail}`, retryAfterMs(err, now), 'rate_limited');
  if (status >= 500) {
    return idempotent
      ? new RetryAfterError(`X answered ${status}: ${detail}`, null, `http_${status}`)
      : new OutcomeUnknownError(
          `X answered ${status} to a call that may have taken effect: ${detail}`,
          `http_${status}`,
        );
  }
  if (status === 401)
    return new NonRetryableError(`X refused the credentials (401): ${detail}`, 'unauthorized');
  return new NonRetryableError(`X refused the request (${status}): ${detail}`, `http_${status}`);
}

function classifyNetwork(err: ApiRequestError, idempotent: boolean): Error {
  // twitter-api-v2 keeps the network error on _options.error (its requestError getter reads another field).
  const cause = (err as unknown as { _options?: { error?: NodeJS.ErrnoException } })._options?.error;
  const code = cause?.code ?? '';
  if (NOT_SENT.has(code)) return new RetryAfterError(`X unreachable (${code})`, null, 'unreachable');
  if (/timeout/i.test(cause?.message ?? ''))
    return new OutcomeUnknownError('no answer from X within the timeout', 'timeout');
  const what = code || cause?.message || 'unknown';
  return idempotent
    ? new RetryAfterError(`connection to X failed (${what})`, null, 'connection_dropped')
    : new OutcomeUnknownError(`connection to X dropped after sending (${what})`, 'connection_dropped');
}

/**
 * Classifies what twitter-api-v2 threw into the runtime's three outcomes. `idempotent`
 * says whether repeating the call is harmless (a delete), which decides what a 5xx means.
 */
export function classifyXError(err: unknown, idempotent: boolean, now = Date.now()): Error {
  if (isResponseError(err)) return classifyResponse(err, idempotent, now);
  if (isPartialResponseError(err)) {
    return new OutcomeUnknownError('X closed the connection while answering', 'connection_dropped');
  }
  if (isRequestError(err)) return classifyNetwork(err, idempotent);
  return err instanceof Error ? err : new Error(String(err));
}
