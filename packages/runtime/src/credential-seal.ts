import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { ConfigError } from '@agent-ops/contracts/errors';

/** What Redis holds: the generation in clear (to compare without the key), the rest AES-256-GCM. */
export type Sealed = { v: 1; generation: number; iv: string; tag: string; data: string };

/**
 * Seals credentials for the trip through Redis between executor hosts (AES-256-GCM,
 * node:crypto). The key lives in a file on the executor hosts only, so what Redis, its
 * backups, the coordinator and the dashboard can read is ciphertext. The additional data
 * binds each value to its key name and generation: a sealed value copied under another
 * account, or an older one written back, does not open as the newer one.
 */
export class CredentialSeal {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32)
      throw new ConfigError('OPS_CREDENTIALS_KEY_FILE: expected 32 bytes (64 hex characters)');
    this.key = key;
  }

  /** The key file: 64 hex characters (`openssl rand -hex 32`), mode 0600 like the secrets file. */
  static fromFile(path: string): CredentialSeal {
    let text: string;
    try {
      if ((statSync(path).mode & 0o077) !== 0)
        throw new ConfigError(
          `OPS_CREDENTIALS_KEY_FILE: ${path} must be readable by its owner only (chmod 600 ${path})`,
        );
      text = readFileSync(path, 'utf8').trim();
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(
        `OPS_CREDENTIALS_KEY_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`,
      );
    }
    if (!/^[0-9a-fA-F]{64}$/.test(text))
      throw new ConfigError('OPS_CREDENTIALS_KEY_FILE: expected 64 hex characters (openssl rand -hex 32)');
    return new CredentialSeal(Buffer.from(text, 'hex'));
  }

  seal(name: string, generation: number, value: unknown): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(`${name}#${generation}`));
    const data = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    const sealed: Sealed = {
      v: 1,
      generation,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    return JSON.stringify(sealed);
  }

  /** The generation of a sealed value, readable without the key; null when it is not one. */
  static generationOf(text: string | null): number | null {
    if (!text) return null;
    try {
      const g = (JSON.parse(text) as Partial<Sealed>).generation;
      return typeof g === 'number' && Number.isInteger(g) ? g : null;
    } catch {
      return null;
    }
  }

  /** Opens a sealed value; throws (naming no value) when it was altered or sealed with another key. */
  open(name: string, text: string): { generation: number; value: unknown } {
    const s = JSON.parse(text) as Sealed;
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(s.iv, 'base64'));
    decipher.setAAD(Buffer.from(`${name}#${s.generation}`));
    decipher.setAuthTag(Buffer.from(s.tag, 'base64'));
    try {
      const plain = Buffer.concat([decipher.update(Buffer.from(s.data, 'base64')), decipher.final()]);
      return { generation: s.generation, value: JSON.parse(plain.toString('utf8')) };
    } catch {
      throw new Error(`sealed credentials of ${name} do not open with this host's key`);
    }
  }
}
