import { NonRetryableError, OutcomeUnknownError, RetryAfterError } from '@agent-ops/contracts/errors';

type GaxiosLike = Error & {
  status?: number;
  code?: string | number;
  response?: {
    status?: number;
    headers?: unknown;
    data?: { error?: { message?: string; errors?: Array<{ reason?: string }> } | string };
  };
};

const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export function googleStatus(err: unknown): number | undefined {
  const e = err as GaxiosLike;
  return e?.response?.status ?? (typeof e?.status === 'number' ? e.status : undefined);
}

export function googleReason(err: unknown): string | undefined {
  const data = (err as GaxiosLike)?.response?.data;
  return typeof data === 'object' && data
    ? data.error && typeof data.error === 'object'
      ? data.error.errors?.[0]?.reason
      : undefined
    : undefined;
}

function retryAfterMs(err: GaxiosLike): number | null {
  const headers = err.response?.headers as
    | { get?: (n: string) => string | null }
    | Record<string, string>
    | undefined;
  const raw =
    typeof headers?.get === 'function'
      ? headers.get('retry-after')
      : (headers as Record<string, string> | undefined)?.['retry-after'];
  const seconds = Number(raw);
  return raw && Number.isFinite(seconds) ? seconds * 1000 : null;
}

function apiMessage(e: GaxiosLike): string {
  const data = e.response?.data;
  return (
    (typeof data === 'object' && data && typeof data.error === 'object' ? data.error.message : undefined) ??
    e.message
  );
}

function classifyStatus(e: GaxiosLike, status: number, idempotent: boolean): Error {
  const reason = googleReason(e) ?? '';
  const message = apiMessage(e);
  if (status === 429 || (status === 403 && /rateLimitExceeded/.test(reason))) {
    return new RetryAfterError(`Google rate limit (${status} ${reason})`, retryAfterMs(e), 'rate_limited');
  }
  if (status >= 500) {
    return idempotent
      ? new RetryAfterError(`Google answered ${status}: ${message}`, retryAfterMs(e), `http_${status}`)
      : new OutcomeUnknownError(
          `Google answered ${status} to a write that may have taken effect`,
          `http_${status}`,
        );
  }
  if (status === 401 || message === 'invalid_grant') {
    return new NonRetryableError(`Google refused the credentials (${status}): ${message}`, 'unauthorized');
  }
  return new NonRetryableError(
    `Google refused the request (${status} ${reason}): ${message}`,
    `http_${status}`,
  );
}

/**
 * Classifies a googleapis (gaxios) error. `idempotent` says whether repeating the call is
 * harmless; a create is made idempotent by its deterministic id, so its unknowns reconcile.
 */
export function classifyGoogleError(err: unknown, idempotent: boolean): Error {
  const e = err as GaxiosLike;
  const status = googleStatus(err);
  if (status !== undefined) return classifyStatus(e, status, idempotent);
  const code = String(e.code ?? '');
  if (NOT_SENT.has(code)) return new RetryAfterError(`Google unreachable (${code})`, null, 'unreachable');
  if (code === 'TimeoutError')
    return new OutcomeUnknownError('no answer from Google within the timeout', 'timeout');
  return idempotent
    ? new RetryAfterError(`connection to Google failed (${code || e.message})`, null, 'connection_dropped')
    : new OutcomeUnknownError(
        `connection to Google dropped after sending (${code || e.message})`,
        'connection_dropped',
      );
}
