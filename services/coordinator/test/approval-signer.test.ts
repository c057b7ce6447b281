import { generateKeyPairSync } from 'node:crypto';
import type { Intent } from '@agent-ops/contracts/intent';
import { checkPolicy } from '@agent-ops/runtime/policy';
import { describe, expect, it } from 'vitest';
import { ApprovalSigner } from '../src/approval-signer.ts';

// The coordinator signs, the executor checks: both halves, at the moments a person meets them.
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signer = new ApprovalSigner('k1', privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
const DAY = 86_400_000;

function policyAt(intent: Intent, at: number) {
  return checkPolicy(intent, {
    channel: 'x',
    hasAccount: () => true,
    accounts: { acme: { requireApproval: true, rateLimits: {} } },
    approvalKeys: new Map([['k1', publicKey]]),
    now: new Date(at),
    dueAt: at,
  });
}

describe('approvals last until release', () => {
  const monday = Date.parse('2026-11-30T09:00:00Z');
  const thursday = Date.parse('2026-12-03T09:00:00Z');
  const post = (notBefore?: string): Intent =>
    ({
      v: 1,
      idempotencyKey: 'thu-1',
      action: 'x.post',
      account: 'acme',
      payload: { text: 'see you on Thursday' },
      ...(notBefore ? { notBefore } : {}),
    }) as Intent;

  it('approved on Monday for Thursday: valid when Thursday comes, for the validity from then', () => {
    const signed = signer.sign(post(new Date(thursday).toISOString()), 'ops', new Date(monday), DAY);
    expect(signed.approval?.expiresAt).toBe(new Date(thursday + DAY).toISOString());
    expect(policyAt(signed, thursday + 60_000)).toEqual({ kind: 'proceed' });
    expect(policyAt(signed, thursday + DAY + 60_000)).toMatchObject({
      kind: 'reject',
      error: { code: 'approval_expired' },
    });
  });

  it('an intent without notBefore: valid for the validity from the approval', () => {
    const signed = signer.sign(post(), 'ops', new Date(monday), DAY);
    expect(signed.approval?.expiresAt).toBe(new Date(monday + DAY).toISOString());
    expect(policyAt(signed, monday + DAY - 1000)).toEqual({ kind: 'proceed' });
  });

  it('still binds the exact intent: a changed text is refused', () => {
    const signed = signer.sign(post(new Date(thursday).toISOString()), 'ops', new Date(monday), DAY);
    const altered = { ...signed, payload: { text: 'something else' } } as Intent;
    expect(policyAt(altered, thursday + 60_000)).toMatchObject({ error: { code: 'approval_bad_signature' } });
  });
});
