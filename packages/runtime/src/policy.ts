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
    const check = verifyApproval(intent, ctx.approvalKeys, ctx.now);
    if (!check.ok) return reject(check.code, check.message);
  }
  if (intent.notBefore && Date.parse(intent.notBefore) > ctx.now.getTime()) {
    return { kind: 'wait', untilMs: Date.parse(intent.notBefore) };
  }
  return { kind: 'proceed' };
}
