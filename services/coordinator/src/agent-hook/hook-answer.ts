import { parseRetryAfter } from '@agent-ops/runtime/retry-after';
import { UnrecoverableError } from 'bullmq';

/**
 * Answers that sending the same report again cannot change: a malformed or refused body
 * (400: an agentId or sessionKey the gateway's hooks policy does not allow), a wrong token
 * (401), a forbidden route (403), hooks not enabled or a wrong path (404). A person must fix
 * the configuration; retrying for a day would only hide it.
 */
const PERMANENT = new Set([400, 401, 403, 404]);
const REASON_CHARS = 300;

/** A refusal that sending the same request again cannot change; `status` is the gateway's answer. */
export type HookRefusal = UnrecoverableError & { status: number };

/** A failed attempt that may succeed later (gateway down, slow, 5xx, 429). */
export class HookRetryError extends Error {
  override readonly name = 'HookRetryError';
  readonly retryAfterMs: number;
  constructor(message: string, retryAfterMs = 0) {
    super(message);
    this.retryAfterMs = retryAfterMs;
  }
}

/** The gateway's own words on a refusal, short, with the hook token removed should it echo it. */
async function reasonOf(res: Response, token: string): Promise<string> {
  const text = (await res.text().catch(() => '')).trim();
  let said = text;
  try {
    const body = JSON.parse(text) as { error?: unknown; message?: unknown };
    const e = body.error ?? body.message;
    if (typeof e === 'string') said = e;
    else if (e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string')
      said = (e as { message: string }).message;
  } catch {
    // Not JSON: the text as it came.
  }
  said = said.split(token).join('[redacted]').slice(0, REASON_CHARS);
  return `the gateway answered ${res.status}${said ? `: ${said}` : ''}`;
}

/**
 * Turns the gateway's answer into the decision: return (delivered), throw HookRetryError
 * (try again later) or UnrecoverableError (never again; its message is the reason).
 */
export async function judgeHookAnswer(res: Response, token: string, now = Date.now()): Promise<void> {
  if (res.ok) {
    await res.arrayBuffer();
    return;
  }
  const reason = await reasonOf(res, token);
  if (PERMANENT.has(res.status)) throw Object.assign(new UnrecoverableError(reason), { status: res.status });
  const retryAfter = res.status === 429 || res.status === 503 ? res.headers.get('retry-after') : null;
  const retryAfterMs = retryAfter ? (parseRetryAfter(retryAfter, now) ?? 0) : 0;
  throw new HookRetryError(reason, retryAfterMs);
}
