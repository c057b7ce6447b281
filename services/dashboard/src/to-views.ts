import type { Channel } from '@agent-ops/contracts/channels';
import type { GateRecord } from '@agent-ops/contracts/gate';
import type { IntentRecord } from '@agent-ops/contracts/intent-record';
import type { Receipt, ReceiptError } from '@agent-ops/contracts/receipt';
import type { GateView, ReceiptView, RecordView } from './views.ts';
import { entryTime } from './wire.ts';

export function asString(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function errorText(e: ReceiptError | null): string | null {
  if (!e) return null;
  return [e.code, e.message].filter(Boolean).join(': ') || null;
}

/** Keeps http(s) links only: a `javascript:` url in a receipt must never become a link. */
export function safeUrl(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

/** A gate hash's flag (`0` is closed; absent is open) with the record of who set it. */
export function gateView(flag: string | null | undefined, record: GateRecord | null): GateView {
  return {
    open: flag !== '0',
    by: record?.by ?? null,
    at: record?.at ?? null,
    reason: record?.reason ?? null,
  };
}

/** The text a person recognises an intent by: a post's text, a mail's subject, an event's summary. */
export function headline(payload: unknown): string | null {
  if (!payload || typeof payload !== 'object') return null;
  const p = payload as Record<string, unknown>;
  return (
    asString(p.text) ??
    threadHeadline(p.parts) ??
    asString(p.subject) ??
    asString(p.summary) ??
    asString(p.endpoint) ??
    null
  );
}

/** A thread is recognised by its first post, and says how long it is. */
function threadHeadline(parts: unknown): string | null {
  if (!Array.isArray(parts)) return null;
  const first = asString((parts[0] as { text?: unknown } | undefined)?.text);
  return first === null ? null : `${first} (thread of ${parts.length})`;
}

export function receiptView(channel: Channel, id: string, r: Receipt): ReceiptView {
  return {
    channel,
    id,
    at: entryTime(id),
    key: r.idempotencyKey,
    action: r.action,
    account: r.account,
    status: r.status,
    url: safeUrl(r.url),
    externalId: r.externalId,
    error: errorText(r.error),
    attempts: r.attempts,
    executor: r.executor,
    text: null,
  };
}

export function recordView(r: IntentRecord): RecordView {
  return {
    channel: r.channel,
    key: r.idempotencyKey,
    action: r.action,
    account: r.account,
    state: r.state,
    submittedAt: r.submittedAt,
    submittedBy: r.submittedBy,
    updatedAt: r.updatedAt,
    approvalDeadline: r.approvalDeadline,
    notBefore: r.intent?.notBefore ?? null,
    decision: r.decision,
    payload: r.intent?.payload ?? null,
    meta: r.intent?.meta ?? null,
    receipt: r.receipt
      ? {
          status: r.receipt.status,
          error: errorText(r.receipt.error),
          url: safeUrl(r.receipt.url),
          executor: r.receipt.executor,
        }
      : null,
  };
}
