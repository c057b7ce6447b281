import { updateSecretsFile } from '@agent-ops/runtime/secrets-file-write';

/**
 * Puts one account's entry of one channel into the secrets file: 0600, written to a temporary
 * file beside it and renamed, under the file's lock, every other account and channel kept as
 * it was. `merge` gets the entry the file holds now (or undefined), so a login can keep
 * settings beside the credentials (an email account's allowedFrom).
 */
export function writeAccountEntry(
  path: string,
  account: string,
  channel: string,
  merge: (current: Record<string, unknown> | undefined) => Record<string, unknown>,
): Promise<void> {
  return updateSecretsFile(path, (doc) => {
    const entry = doc.accounts[account] ?? {};
    doc.accounts[account] = entry;
    const current = entry[channel];
    entry[channel] = merge(
      typeof current === 'object' && current !== null && !Array.isArray(current)
        ? (current as Record<string, unknown>)
        : undefined,
    );
  });
}
