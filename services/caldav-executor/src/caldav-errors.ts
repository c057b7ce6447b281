import { RetryAfterError } from '@agent-ops/contracts/errors';
import { classifyHttp, classifyNoAnswer } from '@agent-ops/runtime/http-outcome';

export const WHO = 'CalDAV server';

/**
 * A CalDAV answer that is not what the call hoped for. Every call this channel makes is safe to
 * repeat (a create is a PUT with If-None-Match at a URL of its own, an update a PUT with
 * If-Match, a delete is a delete), so a 5xx or a lost connection is "not done, try later", and a
 * timeout alone is in doubt (reconcile reads the object back).
 */
export function httpError(res: Response, detail?: string): Error {
  return classifyHttp({
    who: WHO,
    status: res.status,
    detail: detail ?? res.statusText,
    headers: res.headers,
    idempotent: true,
    // Basic auth with the account's (app-specific) password: a 401 means a person must renew it.
    login: true,
  });
}

export function noAnswer(err: unknown, timeoutMs: number): Error {
  const e = err as { name?: string; cause?: { code?: string } };
  return classifyNoAnswer({
    who: WHO,
    code: e.cause?.code ?? '',
    detail: e.name ?? '',
    timedOut: e.name === 'TimeoutError',
    timeoutMs,
    idempotent: true,
  });
}

/** A read (GET, discovery) that got no answer: it changed nothing, so it is simply tried later. */
export function readFailed(err: unknown, what: string): Error {
  const e = err as { name?: string; cause?: { code?: string } };
  return new RetryAfterError(
    `${what}: no answer from the ${WHO} (${e.cause?.code || e.name || 'error'})`,
    null,
    'unreachable',
  );
}
