import { isNeedsReauth, isNonRetryable, isOutcomeUnknown, isRetryAfter } from '@agent-ops/contracts/errors';
import { describe, expect, it } from 'vitest';
import { classifyHttp, classifyNoAnswer, type HttpAnswer, PAYMENT_RETRY_MS } from '../src/http-outcome.ts';
import { isNotSent } from '../src/not-sent.ts';

const NOW = Date.UTC(2026, 0, 1);
const answer = (status: number, more: Partial<HttpAnswer> = {}) =>
  classifyHttp({ who: 'API', status, idempotent: false, login: true, now: NOW, ...more });
const outcome = (err: unknown) => ({
  kind: isRetryAfter(err) ? 'retry' : isOutcomeUnknown(err) ? 'unknown' : isNonRetryable(err) ? 'final' : '?',
  code: (err as { code: string }).code,
  retryAfterMs: isRetryAfter(err) ? err.retryAfterMs : undefined,
});

describe('classifyHttp', () => {
  it('429: not done, rate_limited, waiting as Retry-After says in either form', () => {
    expect(outcome(answer(429))).toEqual({ kind: 'retry', code: 'rate_limited', retryAfterMs: null });
    expect(outcome(answer(429, { headers: { 'retry-after': '30' } })).retryAfterMs).toBe(30_000);
    const date = new Date(NOW + 90_000).toUTCString();
    expect(outcome(answer(429, { headers: new Headers({ 'Retry-After': date }) })).retryAfterMs).toBe(90_000);
    expect(outcome(answer(429, { headers: { 'retry-after': '-3' } })).retryAfterMs).toBeNull();
  });

  it("429: the channel's own reset wins over Retry-After, and one already past means now", () => {
    const headers = { 'retry-after': '30' };
    expect(outcome(answer(429, { headers, resetAt: NOW + 12_000 })).retryAfterMs).toBe(12_000);
    expect(outcome(answer(429, { headers, resetAt: NOW - 5000 })).retryAfterMs).toBe(0);
    expect(outcome(answer(429, { headers, resetAt: null })).retryAfterMs).toBe(30_000);
  });

  it('a rate limit the channel read in another status is a 429 too', () => {
    const err = answer(403, { rateLimited: true, headers: { 'retry-after': '2' } });
    expect(outcome(err)).toEqual({ kind: 'retry', code: 'rate_limited', retryAfterMs: 2000 });
    expect(err.message).toBe('API rate limited (403)');
  });

  it('5xx: not done when repeating is harmless (honouring Retry-After), maybe done otherwise', () => {
    for (const status of [500, 502, 503, 504]) {
      expect(outcome(answer(status, { idempotent: true, headers: { 'retry-after': '7' } }))).toEqual({
        kind: 'retry',
        code: `http_${status}`,
        retryAfterMs: 7000,
      });
      expect(outcome(answer(status, { idempotent: false }))).toEqual({
        kind: 'unknown',
        code: `http_${status}`,
        retryAfterMs: undefined,
      });
    }
  });

  it('401: the login was refused, final; a 401 to a call without a login is a plain refusal', () => {
    expect(outcome(answer(401))).toMatchObject({ kind: 'final', code: 'unauthorized' });
    expect(outcome(answer(401, { login: false }))).toMatchObject({ kind: 'final', code: 'http_401' });
    expect(outcome(answer(400, { loginRefused: true }))).toMatchObject({
      kind: 'final',
      code: 'unauthorized',
    });
    expect(outcome(answer(400, { loginRefused: true, login: false }))).toMatchObject({ code: 'http_400' });
  });

  it('a refused login a person renews (holdOnRefusedLogin): needs_reauth, for a 401 and a read refusal alike', () => {
    for (const err of [
      answer(401, { holdOnRefusedLogin: true, detail: 'Unauthorized' }),
      answer(400, { holdOnRefusedLogin: true, loginRefused: true, detail: 'invalid_grant' }),
    ]) {
      expect(isNeedsReauth(err)).toBe(true);
      expect(isNonRetryable(err)).toBe(false);
      expect(err.code).toBe('needs_reauth');
    }
    // Not a login: a plain refusal still, whatever the channel would do with a login's.
    expect(outcome(answer(401, { holdOnRefusedLogin: true, login: false }))).toMatchObject({
      code: 'http_401',
    });
  });

  it('a payment refusal the channel read (402): not done, waiting long, or as Retry-After says', () => {
    expect(outcome(answer(402, { paymentRequired: true }))).toEqual({
      kind: 'retry',
      code: 'payment_required',
      retryAfterMs: PAYMENT_RETRY_MS,
    });
    const headers = { 'retry-after': '60' };
    expect(outcome(answer(402, { paymentRequired: true, headers })).retryAfterMs).toBe(60_000);
    expect(answer(402, { who: 'X', paymentRequired: true, detail: 'credits depleted' }).message).toBe(
      'X refused for payment (402): credits depleted',
    );
  });

  it('403 and every other 4xx: final, named by status', () => {
    for (const status of [400, 402, 403, 404, 409, 410, 412, 422]) {
      expect(outcome(answer(status, { idempotent: true }))).toMatchObject({
        kind: 'final',
        code: `http_${status}`,
      });
    }
  });

  it('the order of the rungs: a rate limit or a 5xx outranks what the body said about the login', () => {
    expect(outcome(answer(429, { loginRefused: true })).code).toBe('rate_limited');
    expect(outcome(answer(503, { loginRefused: true })).code).toBe('http_503');
  });

  it('names who answered and what the body said', () => {
    expect(answer(401, { who: 'X', detail: 'Unauthorized' }).message).toBe(
      'X refused the credentials (401): Unauthorized',
    );
    expect(answer(503, { who: 'X' }).message).toBe('X answered 503 to a call that may have taken effect');
    expect(answer(404, { who: 'endpoint deploy' }).message).toBe('endpoint deploy refused the request (404)');
  });
});

describe('classifyNoAnswer', () => {
  const none = (code: string, more: { timedOut?: boolean; idempotent?: boolean } = {}) =>
    outcome(
      classifyNoAnswer({
        who: 'API',
        code,
        detail: 'socket hang up',
        timedOut: false,
        idempotent: false,
        ...more,
      }),
    );

  it('not done when the request never left, whatever the call', () => {
    for (const code of [
      'ECONNREFUSED',
      'ENOTFOUND',
      'EAI_AGAIN',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'ERR_INVALID_PROTOCOL',
    ]) {
      expect(none(code)).toEqual({ kind: 'retry', code: 'unreachable', retryAfterMs: null });
    }
  });

  it('maybe done after a timeout, even for an idempotent call', () => {
    expect(none('', { timedOut: true, idempotent: true })).toMatchObject({
      kind: 'unknown',
      code: 'timeout',
    });
    const err = classifyNoAnswer({
      who: 'API',
      code: '',
      detail: '',
      timedOut: true,
      timeoutMs: 500,
      idempotent: false,
    });
    expect(err.message).toBe('no answer from API within 500 ms');
  });

  it('a connection lost mid-call: not done if repeating is harmless, maybe done otherwise', () => {
    expect(none('ECONNRESET', { idempotent: true })).toMatchObject({
      kind: 'retry',
      code: 'connection_dropped',
    });
    expect(none('ECONNRESET')).toMatchObject({ kind: 'unknown', code: 'connection_dropped' });
    const err = classifyNoAnswer({
      who: 'API',
      code: '',
      detail: 'socket hang up',
      timedOut: false,
      idempotent: false,
    });
    expect(err.message).toBe('connection to API dropped after sending (socket hang up)');
  });
});

describe('isNotSent', () => {
  it('knows only the codes that prove no request left', () => {
    expect(isNotSent('ECONNREFUSED')).toBe(true);
    for (const code of ['ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'TimeoutError', '', null, undefined]) {
      expect(isNotSent(code)).toBe(false);
    }
  });
});
