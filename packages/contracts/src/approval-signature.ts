import { type KeyObject, sign, verify } from 'node:crypto';
import type { Approval } from './approval.ts';
import { canonicalJson } from './canonical-json.ts';
import type { Intent } from './intent.ts';

const CONTEXT = 'agent-ops/approval/v1';

type Signed = Pick<Intent, 'idempotencyKey' | 'action' | 'account' | 'payload' | 'notBefore' | 'expiresAt'>;
export type ApprovalFields = Omit<Approval, 'signature'>;

/**
 * The bytes an approval signs: the effect-defining fields of the parsed intent (defaults
 * applied) and the approval's own fields. `meta` is not signed: it never changes the effect.
 */
export function approvalMessage(intent: Signed, approval: ApprovalFields): Buffer {
  return Buffer.from(
    canonicalJson({
      context: CONTEXT,
      intent: {
        idempotencyKey: intent.idempotencyKey,
        action: intent.action,
        account: intent.account,
        payload: intent.payload,
        notBefore: intent.notBefore ?? null,
        expiresAt: intent.expiresAt ?? null,
      },
      approval: { by: approval.by, at: approval.at, expiresAt: approval.expiresAt, keyId: approval.keyId },
    }),
  );
}

export function signApproval(intent: Signed, fields: ApprovalFields, privateKey: KeyObject): Approval {
  const signature = sign(null, approvalMessage(intent, fields), privateKey).toString('base64url');
  return { ...fields, signature };
}

export type ApprovalCheck =
  | { ok: true }
  | {
      ok: false;
      code: 'approval_missing' | 'approval_unknown_key' | 'approval_bad_signature' | 'approval_expired';
      message: string;
    };

/** Checks an intent's approval against the coordinator's public keys, by key id. */
export function verifyApproval(
  intent: Signed & Pick<Intent, 'approval'>,
  publicKeys: ReadonlyMap<string, KeyObject>,
  now: Date,
): ApprovalCheck {
  const approval = intent.approval;
  if (!approval) {
    return {
      ok: false,
      code: 'approval_missing',
      message: `account ${intent.account} requires a signed approval`,
    };
  }
  const key = publicKeys.get(approval.keyId);
  if (!key) {
    return {
      ok: false,
      code: 'approval_unknown_key',
      message: `approval.keyId ${approval.keyId} is not a trusted key`,
    };
  }
  const { signature, ...fields } = approval;
  const valid = verify(null, approvalMessage(intent, fields), key, Buffer.from(signature, 'base64url'));
  if (!valid) {
    return {
      ok: false,
      code: 'approval_bad_signature',
      message:
        'approval.signature does not match this intent (altered after approval, or signed by another key)',
    };
  }
  if (Date.parse(approval.expiresAt) <= now.getTime()) {
    return { ok: false, code: 'approval_expired', message: `approval expired at ${approval.expiresAt}` };
  }
  return { ok: true };
}
