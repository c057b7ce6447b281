import { z } from 'zod';

/**
 * A person's approval of one exact intent, signed by the coordinator with Ed25519.
 * The executor holds only public keys (by `keyId`) and checks the signature over the
 * intent's effect-defining fields, so an approval cannot be forged or moved to another intent.
 */
export const ApprovalSchema = z.strictObject({
  by: z.string().min(1).max(200),
  at: z.iso.datetime({ offset: true }),
  expiresAt: z.iso.datetime({ offset: true }),
  keyId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'must be a key id (A-Z, a-z, 0-9, . _ -)' }),
  signature: z.base64url({ error: 'must be a base64url Ed25519 signature' }).length(86, {
    error: 'must be a 64-byte Ed25519 signature in base64url (86 characters)',
  }),
});
export type Approval = z.output<typeof ApprovalSchema>;
