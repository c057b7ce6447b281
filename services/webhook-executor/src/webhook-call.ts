import { createHmac } from 'node:crypto';
import { NonRetryableError, OutcomeUnknownError, RetryAfterError } from '@agent-ops/contracts/errors';
import type { Endpoint } from './webhook-secrets.ts';

export const SIGNATURE_HEADER = 'x-agent-ops-signature';
export const TIMESTAMP_HEADER = 'x-agent-ops-timestamp';

/** Network failures in which the request never left this host. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

function retryAfterMs(res: Response): number | null {
  const header = res.headers.get('retry-after');
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? null : Math.max(0, at - Date.now());
}

export type CallResult = { status: number; requestId: string | null };

/**
 * Calls a configured endpoint with the intent's Idempotency-Key, so a receiver that honours
 * it makes a repeated call harmless, and classifies the answer into the runtime's outcomes.
 */
export async function callEndpoint(
  endpoint: Endpoint,
  name: string,
  key: string,
  body: unknown,
): Promise<CallResult> {
  const json = JSON.stringify(body ?? {});
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers: Record<string, string> = {
    ...endpoint.headers,
    'content-type': 'application/json',
    'idempotency-key': key,
    [TIMESTAMP_HEADER]: timestamp,
  };
  if (endpoint.hmacSecret) headers[SIGNATURE_HEADER] = signature(endpoint.hmacSecret, timestamp, json);
  let res: Response;
  try {
    res = await fetch(endpoint.url, {
      method: endpoint.method,
      headers,
      body: json,
      signal: AbortSignal.timeout(endpoint.timeoutMs),
    });
    await res.arrayBuffer();
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string } };
    const code = e.cause?.code ?? '';
    if (NOT_SENT.has(code))
      throw new RetryAfterError(`endpoint ${name} unreachable (${code})`, null, 'unreachable');
    if (e.name === 'TimeoutError') {
      throw new OutcomeUnknownError(
        `endpoint ${name} did not answer within ${endpoint.timeoutMs} ms`,
        'timeout',
      );
    }
    throw new OutcomeUnknownError(
      `connection to endpoint ${name} failed after sending (${code || e.name})`,
      'connection_dropped',
    );
  }
  const result = { status: res.status, requestId: res.headers.get('x-request-id') };
  if (res.ok) return result;
  const conflict = res.status === 409 ? endpoint.on409 : res.status === 422 ? endpoint.on422 : null;
  if (conflict === 'done') return result;
  if (res.status === 429) {
    throw new RetryAfterError(`endpoint ${name} rate limited (429)`, retryAfterMs(res), 'rate_limited');
  }
  if (res.status >= 500)
    throw new RetryAfterError(
      `endpoint ${name} answered ${res.status}`,
      retryAfterMs(res),
      `http_${res.status}`,
    );
  throw new NonRetryableError(`endpoint ${name} refused the call (${res.status})`, `http_${res.status}`);
}
