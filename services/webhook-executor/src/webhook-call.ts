import { createHmac } from 'node:crypto';
import { classifyHttp, classifyNoAnswer } from '@agent-ops/runtime/http-outcome';
import type { Endpoint } from './webhook-secrets.ts';

export const SIGNATURE_HEADER = 'x-agent-ops-signature';
export const TIMESTAMP_HEADER = 'x-agent-ops-timestamp';

export function signature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
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
    // A lost connection stays in doubt; reconcile settles it by calling again under the same key.
    throw classifyNoAnswer({
      who: `endpoint ${name}`,
      code: e.cause?.code ?? '',
      detail: e.name ?? '',
      timedOut: e.name === 'TimeoutError',
      timeoutMs: endpoint.timeoutMs,
      idempotent: false,
    });
  }
  const result = { status: res.status, requestId: res.headers.get('x-request-id') };
  if (res.ok) return result;
  const conflict = res.status === 409 ? endpoint.on409 : res.status === 422 ? endpoint.on422 : null;
  if (conflict === 'done') return result;
  throw classifyHttp({
    who: `endpoint ${name}`,
    status: res.status,
    headers: res.headers,
    // A receiver that answers 5xx says it did not do the call; and it dedupes by Idempotency-Key.
    idempotent: true,
    // An endpoint's headers are configuration, not a login a person can renew: its 401 is a refusal.
    login: false,
  });
}
