import { classifyHttp, classifyNoAnswer } from '@agent-ops/runtime/http-outcome';
import type { HeaderSource } from '@agent-ops/runtime/retry-after';

type GaxiosLike = Error & {
  status?: number;
  code?: string | number;
  response?: {
    status?: number;
    headers?: unknown;
    data?: { error?: { message?: string; errors?: Array<{ reason?: string }> } | string };
  };
};

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

function apiMessage(e: GaxiosLike): string {
  const data = e.response?.data;
  return (
    (typeof data === 'object' && data && typeof data.error === 'object' ? data.error.message : undefined) ??
    e.message
  );
}

/**
 * Classifies a googleapis (gaxios) error. `idempotent` says whether repeating the call is
 * harmless; a create is made idempotent by its deterministic id, so its unknowns reconcile.
 */
export function classifyGoogleError(err: unknown, idempotent: boolean): Error {
  const e = err as GaxiosLike;
  const status = googleStatus(err);
  if (status !== undefined) {
    const reason = googleReason(e) ?? '';
    const message = apiMessage(e);
    return classifyHttp({
      who: 'Google',
      status,
      detail: reason ? `${reason}: ${message}` : message,
      headers: e.response?.headers as HeaderSource | undefined,
      idempotent,
      login: true,
      // A revoked grant (an app in "Testing" loses its refresh tokens after 7 days) is renewed
      // by `ops login`: the account's intents wait for it instead of failing.
      holdOnRefusedLogin: true,
      // Calendar meters with 403 rateLimitExceeded or userRateLimitExceeded as often as with 429.
      rateLimited: status === 403 && /rateLimitExceeded/.test(reason),
      // A revoked or expired refresh token: the token endpoint answers 400 invalid_grant.
      loginRefused: message === 'invalid_grant',
    });
  }
  const code = String(e.code ?? '');
  return classifyNoAnswer({
    who: 'Google',
    code,
    detail: e.message,
    // gaxios sets this code when its own timeout aborts the request.
    timedOut: code === 'TimeoutError',
    idempotent,
  });
}
