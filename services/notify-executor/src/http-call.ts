import { classifyNoAnswer } from '@agent-ops/runtime/http-outcome';

export type Answer = { status: number; headers: Headers; text: string };

/**
 * One HTTP request with a timeout, its body read whole. A request that got no answer is
 * classified here: a message may have been delivered, so it is never "not done" unless it
 * provably never left.
 */
export async function httpCall(
  who: string,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  timeoutMs: number,
): Promise<Answer> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    return { status: res.status, headers: res.headers, text: await res.text() };
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string } };
    throw classifyNoAnswer({
      who,
      code: e.cause?.code ?? '',
      detail: e.name ?? '',
      timedOut: e.name === 'TimeoutError',
      timeoutMs,
      idempotent: false,
    });
  }
}

/**
 * Whether a 5xx answer says the request was not acted on: 503 is a refusal to handle it at all
 * (an overloaded or paused server); 500, 502 and 504 may come after the message was stored or
 * passed on, so they stay in doubt.
 */
export function refusedUnprocessed(status: number): boolean {
  return status === 503;
}
