import type { Receipt, ReceiptStatus } from '@agent-ops/contracts/receipt';
import { describe, expect, it } from 'vitest';
import { effectMayExist, hookMessage } from '../src/agent-hook/hook-message.ts';

function receipt(status: ReceiptStatus, code: string | null, retryable = false): Receipt {
  return {
    v: 1,
    idempotencyKey: 'launch-1',
    action: 'x.post',
    account: 'antifund',
    status,
    externalId: null,
    url: null,
    attempts: 3,
    executor: 'host-1',
    intentId: '1-0',
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:01:00.000Z',
    error: code === null ? null : { code, message: 'what the executor saw', retryable },
  };
}
const NEW_KEY = /Submitting again needs a new idempotencyKey/;

describe('the message the agent reads', () => {
  it('unknown: may have happened, and no new key invited', () => {
    const m = hookMessage(receipt('unknown', 'duplicate_content'));
    expect(m).toMatch(
      /may or may not have happened; do not submit it again, under this or a new idempotencyKey/,
    );
    expect(m).not.toMatch(NEW_KEY);
  });

  it('failed after an attempt in doubt: says it may exist, and no new key invited', () => {
    for (const code of [
      'timeout',
      'connection_dropped',
      'duplicate_content',
      'reconcile_failed',
      'http_503',
    ]) {
      const r = receipt('failed', code);
      expect(effectMayExist(r), code).toBe(true);
      const m = hookMessage(r);
      expect(m, code).toMatch(
        /may have happened all the same.*Do not submit it again, under this or a new idempotencyKey/,
      );
      expect(m, code).not.toMatch(NEW_KEY);
    }
  });

  it('failed because the API refused, or said it had not acted: did not happen, a new key is fine', () => {
    for (const [code, retryable] of [
      ['http_400', false],
      ['unauthorized', false],
      ['http_403', false],
      ['payment_required', true],
      ['rate_limited', true],
      // The same code as above, but the API answered that it had not acted (a RetryAfterError).
      ['connection_dropped', true],
      ['http_503', true],
    ] as const) {
      const r = receipt('failed', code, retryable);
      expect(effectMayExist(r), code).toBe(false);
      expect(hookMessage(r), code).toMatch(NEW_KEY);
    }
  });

  it('rejected: did not happen; succeeded: no advice', () => {
    expect(hookMessage(receipt('rejected', 'rejected_by_person'))).toMatch(NEW_KEY);
    const ok = { ...receipt('succeeded', null), url: 'https://x.com/antifund/status/1' };
    expect(hookMessage(ok)).toBe(
      'agent-ops: x.post for antifund (idempotencyKey launch-1) succeeded: https://x.com/antifund/status/1.',
    );
  });
});
