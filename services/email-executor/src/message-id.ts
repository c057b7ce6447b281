import { createHash } from 'node:crypto';

/**
 * The Message-ID of an intent's email: the same for every attempt, so a resend is
 * recognisable as the same message (and many mail clients show it once).
 */
export function messageIdFor(idempotencyKey: string, domain: string): string {
  const digest = createHash('sha256').update(`agent-ops/email/${idempotencyKey}`).digest('base64url');
  return `<${digest.slice(0, 32)}@${domain}>`;
}
