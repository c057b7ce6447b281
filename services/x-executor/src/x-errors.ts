import { OutcomeUnknownError } from '@agent-ops/contracts/errors';
import { classifyHttp, classifyNoAnswer } from '@agent-ops/runtime/http-outcome';
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

/** When X's rate window reopens (epoch ms), from x-rate-limit-reset (epoch seconds) as twitter-api-v2 parsed it. */
function resetAt(err: ApiResponseError): number | null {
  const reset = err.rateLimit?.reset;
  return typeof reset === 'number' && reset > 0 ? reset * 1000 : null;
}

function classifyResponse(err: ApiResponseError, idempotent: boolean, now: number): Error {
  return classifyHttp({
    who: 'X',
    status: err.code,
    detail: detailOf(err),
    headers: err.headers,
    idempotent,
    login: true,
    // A refused token (401: an OAuth 2.0 token past its 2 hours, a revoked grant) is renewed by
    // `ops login`: the account's intents wait for it instead of failing.
    holdOnRefusedLogin: true,
    // Pay-per-use credits used up (koala73/worldmonitor#7156): X refused before acting.
    paymentRequired: err.code === 402,
    resetAt: resetAt(err),
    now,
  });
}

function classifyNetwork(err: ApiRequestError, idempotent: boolean): Error {
  // twitter-api-v2 keeps the network error on _options.error (its requestError getter reads another field).
  const cause = (err as unknown as { _options?: { error?: NodeJS.ErrnoException } })._options?.error;
  return classifyNoAnswer({
    who: 'X',
    code: cause?.code ?? '',
    detail: cause?.message ?? '',
    // On its timeout twitter-api-v2 destroys the request with Error('Request timeout.'), which has no code.
    timedOut: /timeout/i.test(cause?.message ?? ''),
    idempotent,
  });
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
