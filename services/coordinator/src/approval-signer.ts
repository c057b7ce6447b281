import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { signApproval } from '@agent-ops/contracts/approval-signature';
import { ConfigError } from '@agent-ops/contracts/errors';
import type { Intent } from '@agent-ops/contracts/intent';

/** Signs approved intents with the coordinator's Ed25519 key; executors hold only the public half. */
export class ApprovalSigner {
  readonly keyId: string;
  private readonly key: KeyObject;

  constructor(keyId: string, privateKeyPem: string) {
    this.keyId = keyId;
    try {
      this.key = createPrivateKey(privateKeyPem);
    } catch {
      throw new ConfigError('approval.privateKeyFile: not a PEM private key');
    }
    if (this.key.asymmetricKeyType !== 'ed25519')
      throw new ConfigError('approval.privateKeyFile: must be an Ed25519 key');
  }

  static fromFile(keyId: string, path: string): ApprovalSigner {
    let pem: string;
    try {
      pem = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(
        `approval.privateKeyFile: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`,
      );
    }
    return new ApprovalSigner(keyId, pem);
  }

  /** The public key in PEM, for the executors' `approvalKeys`. */
  publicKeyPem(): string {
    return createPublicKey(this.key).export({ type: 'spki', format: 'pem' }).toString();
  }

  /**
   * The validity runs from the later of the approval and the intent's `notBefore`: a post
   * approved on Monday for Thursday is valid on Thursday, for `validityMs` from then.
   */
  sign(intent: Intent, by: string, at: Date, validityMs: number): Intent {
    const from = Math.max(at.getTime(), intent.notBefore ? Date.parse(intent.notBefore) : 0);
    const approval = signApproval(
      intent,
      {
        by,
        at: at.toISOString(),
        expiresAt: new Date(from + validityMs).toISOString(),
        keyId: this.keyId,
      },
      this.key,
    );
    return { ...intent, approval } as Intent;
  }
}
