import { createHmac } from 'node:crypto';
import type { Channel } from '@agent-ops/contracts/channels';
import { isChannel } from '@agent-ops/contracts/channels';
import { IDEMPOTENCY_KEY_PATTERN } from '@agent-ops/contracts/intent';
import { safeEqual } from '@agent-ops/contracts/safe-equal';

/**
 * The reference an approval alert links to: which intent, until when, signed with the HMAC key
 * the coordinator and the dashboard share. It names the intent and nothing else; it is not a
 * login (the dashboard still asks who you are) and it expires.
 */
export type ApprovalRef = { channel: Channel; key: string; expiresAt: number };

const CONTEXT = 'agent-ops approval link v1';

function mac(secret: string, body: string): string {
  return createHmac('sha256', secret).update(`${CONTEXT}\n${body}`).digest('base64url');
}

export function signApprovalRef(secret: string, ref: ApprovalRef): string {
  const body = Buffer.from(
    JSON.stringify({ c: ref.channel, k: ref.key, e: Math.floor(ref.expiresAt / 1000) }),
  ).toString('base64url');
  return `${body}.${mac(secret, body)}`;
}

export type VerifiedRef = { ok: true; ref: ApprovalRef } | { ok: false; reason: 'invalid' | 'expired' };

export function verifyApprovalRef(secret: string, token: string, now = Date.now()): VerifiedRef {
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined || !safeEqual(signature, mac(secret, body)))
    return { ok: false, reason: 'invalid' };
  let parsed: { c?: unknown; k?: unknown; e?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'invalid' };
  }
  const { c, k, e } = parsed;
  if (typeof c !== 'string' || !isChannel(c) || typeof k !== 'string' || !IDEMPOTENCY_KEY_PATTERN.test(k))
    return { ok: false, reason: 'invalid' };
  if (typeof e !== 'number' || e * 1000 <= now) return { ok: false, reason: 'expired' };
  return { ok: true, ref: { channel: c, key: k, expiresAt: e * 1000 } };
}

/** The dashboard's page for one approval. */
export function approvalLink(dashboardUrl: string, secret: string, ref: ApprovalRef): string {
  return `${dashboardUrl.replace(/\/$/, '')}/approve/${signApprovalRef(secret, ref)}`;
}
