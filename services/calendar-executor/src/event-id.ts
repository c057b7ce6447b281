import { createHash } from 'node:crypto';

const BASE32HEX = '0123456789abcdefghijklmnopqrstuv';

/**
 * The event id of a `calendar.create` intent: base32hex (Google's alphabet for client-chosen
 * ids) of a SHA-256 of the idempotency key, so a retry of the same intent answers 409
 * instead of creating a second event.
 */
export function eventIdFor(idempotencyKey: string): string {
  const bytes = createHash('sha256').update(`agent-ops/calendar/${idempotencyKey}`).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32HEX[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32HEX[(value << (5 - bits)) & 31];
  return out;
}
