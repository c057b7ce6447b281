import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '@agent-ops/contracts/errors';
import { withFileLock } from './file-lock.ts';

export type SecretsDocument = { accounts: Record<string, Record<string, unknown>> } & Record<string, unknown>;

function readDocument(path: string): SecretsDocument {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { accounts: {} };
    throw new ConfigError(`OPS_SECRETS_FILE: cannot read ${path} (${(err as NodeJS.ErrnoException).code})`);
  }
  if (text.trim() === '') return { accounts: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ConfigError(`OPS_SECRETS_FILE: ${path} is not valid JSON; fix it before writing to it`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new ConfigError(`OPS_SECRETS_FILE: ${path}: expected an object`);
  const doc = value as SecretsDocument;
  if (doc.accounts === undefined) doc.accounts = {};
  if (typeof doc.accounts !== 'object' || doc.accounts === null || Array.isArray(doc.accounts))
    throw new ConfigError(`OPS_SECRETS_FILE: ${path}: accounts: expected an object`);
  return doc;
}

/**
 * Writes `text` to `path` so that a reader (or a crash) sees the old file or the new one,
 * never a part: a temporary file in the same directory (a rename is atomic only within one
 * file system), created 0600 so the secret is never readable by others even for a moment,
 * fsynced, renamed over the old one, and the directory fsynced so the rename itself survives
 * a power cut.
 */
export function writeFileAtomic0600(path: string, text: string): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(tmp);
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(tmp, path);
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

/**
 * Changes the secrets file with `change`, keeping every other account and field as it was.
 * Writers on this host take the file's lock first, so two changes (a login and a token
 * refresh of another account) never lose one another's write.
 */
export async function updateSecretsFile<T>(path: string, change: (doc: SecretsDocument) => T): Promise<T> {
  return withFileLock(`${path}.lock`, () => {
    const doc = readDocument(path);
    const result = change(doc);
    writeFileAtomic0600(path, `${JSON.stringify(doc, null, 2)}\n`);
    return result;
  });
}

/** One account's entry of one channel, as the file holds it now (no validation: callers parse it). */
export function readSecretsEntry(path: string, account: string, channel: string): unknown {
  return readDocument(path).accounts[account]?.[channel];
}
