import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// A fresh key per process: the digests are never stored or sent, so nobody can precompute them.
const KEY = randomBytes(32);

/**
 * Constant-time string comparison for secrets (bearer tokens, CSRF tokens, signatures).
 * Both sides are HMAC'd first and the fixed-size digests compared, so neither the time taken
 * nor an early return on a length mismatch tells a caller how long the secret is.
 */
export function safeEqual(a: string, b: string): boolean {
  const x = createHmac('sha256', KEY).update(a, 'utf8').digest();
  const y = createHmac('sha256', KEY).update(b, 'utf8').digest();
  return timingSafeEqual(x, y);
}
