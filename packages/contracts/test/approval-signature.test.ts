import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signApproval, verifyApproval } from '../src/approval-signature.ts';
import { parseIntentJson } from '../src/codec.ts';
import type { Intent } from '../src/intent.ts';
import { validIntent } from './fixtures.ts';

const coordinator = generateKeyPairSync('ed25519');
const stranger = generateKeyPairSync('ed25519');
const trusted = new Map([['k1', coordinator.publicKey]]);
const now = new Date('2026-11-24T12:00:00Z');
const fields = {
  by: 'ops@antifund',
  at: '2026-11-24T11:00:00Z',
  expiresAt: '2026-11-25T11:00:00Z',
  keyId: 'k1',
};

function intent(overrides: Record<string, unknown> = {}): Intent {
  const result = parseIntentJson(JSON.stringify(validIntent(overrides)));
  if (!result.ok) throw new Error(result.reason);
  return result.intent;
}

describe('approval signatures', () => {
  it('verify the exact intent they were made for, also after a JSON round trip', () => {
    const signed = { ...intent(), approval: signApproval(intent(), fields, coordinator.privateKey) };
    const again = parseIntentJson(JSON.stringify(signed));
    expect(again.ok).toBe(true);
    if (again.ok) expect(verifyApproval(again.intent, trusted, now)).toEqual({ ok: true });
  });

  it('refuse an intent altered after signing', () => {
    const approval = signApproval(intent(), fields, coordinator.privateKey);
    const altered = { ...intent({ payload: { text: 'hello!' } }), approval };
    expect(verifyApproval(altered, trusted, now)).toMatchObject({
      ok: false,
      code: 'approval_bad_signature',
    });
  });

  it('refuse a signature by another key under a trusted key id', () => {
    const approval = signApproval(intent(), fields, stranger.privateKey);
    expect(verifyApproval({ ...intent(), approval }, trusted, now)).toMatchObject({
      code: 'approval_bad_signature',
    });
  });

  it('refuse an unknown key id, a missing approval and an expired one', () => {
    const unknownKey = signApproval(intent(), { ...fields, keyId: 'k9' }, coordinator.privateKey);
    expect(verifyApproval({ ...intent(), approval: unknownKey }, trusted, now)).toMatchObject({
      code: 'approval_unknown_key',
    });
    expect(verifyApproval(intent(), trusted, now)).toMatchObject({ code: 'approval_missing' });
    const approval = signApproval(intent(), fields, coordinator.privateKey);
    expect(
      verifyApproval({ ...intent(), approval }, trusted, new Date('2026-11-26T00:00:00Z')),
    ).toMatchObject({
      code: 'approval_expired',
    });
  });

  it('cover the approval fields themselves (an extended expiry breaks the signature)', () => {
    const approval = signApproval(intent(), fields, coordinator.privateKey);
    const extended = { ...approval, expiresAt: '2027-01-01T00:00:00Z' };
    expect(verifyApproval({ ...intent(), approval: extended }, trusted, now)).toMatchObject({
      code: 'approval_bad_signature',
    });
  });
});
