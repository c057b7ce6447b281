import type { KeyObject } from 'node:crypto';
import { verifyApproval } from '@agent-ops/contracts/approval-signature';
import type { Channel } from '@agent-ops/contracts/channels';
import { channelIssue } from '@agent-ops/contracts/codec';
import type { Intent } from '@agent-ops/contracts/intent';
import type { ReceiptError } from '@agent-ops/contracts/receipt';
import type { ExecutorOptions } from './options.ts';

export type PolicyVerdict =
  | { kind: 'proceed' }
  | { kind: 'reject'; error: ReceiptError }
  | { kind: 'wait'; untilMs: number };

function reject(code: string, message: string): PolicyVerdict {
  return { kind: 'reject', error: { code, message, retryable: false } };
}

/**
 * The executor enforces, it never decides: the action belongs to the channel, the account
 * is one it has credentials for, the intent has not expired, and an account that requires
 * approval carries a valid coordinator signature.
 */
export function checkPolicy(
  intent: Intent,
  ctx: {
    channel: Channel;
    hasAccount: (account: string) => boolean;
    refuse?: (intent: Intent) => { code: string; message: string } | null;
    accounts: ExecutorOptions['accounts'];
    approvalKeys: ReadonlyMap<string, KeyObject>;
    now: Date;
    /**
     * When the intent first became due on this executor (ms): its first try, or when its
     * entry was appended. The approval must hold then; waits the executor imposes afterwards
     * (rate limits, backoff, a closed gate) do not lapse it, for up to `approvalGraceMs`.
     */
    dueAt?: number;
    approvalGraceMs?: number;
  },
): PolicyVerdict {
  const wrongChannel = channelIssue(intent, ctx.channel);
  if (wrongChannel) return reject('wrong_channel', `${wrongChannel.field}: ${wrongChannel.message}`);
  if (!ctx.hasAccount(intent.account)) {
    return reject(
      'unknown_account',
      `account: ${intent.account} has no ${ctx.channel} credentials on this executor`,
    );
  }
  const refusal = ctx.refuse?.(intent);
  if (refusal) return reject(refusal.code, refusal.message);
  if (intent.expiresAt && Date.parse(intent.expiresAt) <= ctx.now.getTime()) {
    return reject('expired', `expiresAt: the intent expired at ${intent.expiresAt}`);
  }
  if (ctx.accounts[intent.account]?.requireApproval) {
    const now = ctx.now.getTime();
    const check = verifyApproval(intent, ctx.approvalKeys, new Date(Math.min(now, ctx.dueAt ?? now)));
    if (!check.ok) return reject(check.code, check.message);
    const expiresAt = intent.approval ? Date.parse(intent.approval.expiresAt) : now;
    // The wait is bounded: a re-appended entry's first-try time is not signed, so an old
    // approval cannot be stretched beyond the retry window by rewriting it.
    if (now > expiresAt + (ctx.approvalGraceMs ?? 0)) {
      return reject(
        'approval_expired',
        `approval expired at ${intent.approval?.expiresAt}, and the intent has waited here longer than the retry window since`,
      );
    }
  }
  if (intent.notBefore && Date.parse(intent.notBefore) > ctx.now.getTime()) {
    return { kind: 'wait', untilMs: Date.parse(intent.notBefore) };
  }
  return { kind: 'proceed' };
}
