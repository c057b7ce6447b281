import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadSecretsFile } from '../src/secrets-file.ts';
import { derived, watchSecretsFile } from '../src/secrets-reload.ts';

const Schema = z.object({ accounts: z.record(z.string(), z.object({ token: z.string().min(1) })) });
const log = pino({ level: 'silent' });

/** As `ops login` writes it: a whole new file put in place by rename, mode 0600. */
function writeAtomically(path: string, value: unknown): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(value), { mode: 0o600 });
  renameSync(tmp, path);
}

describe('watchSecretsFile', () => {
  it('gives the file as it is now after a rewrite, and keeps the last good one when it turns invalid', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'secrets-')), 'secrets.json');
    writeAtomically(path, { accounts: { a: { token: 'old-token-1' } } });
    // Looked at on every call here, instead of at most once a second.
    const latest = watchSecretsFile(path, Schema, loadSecretsFile(path, Schema), log, 0);
    const tokens = derived(latest, (s) => s.accounts.a?.token);
    expect(tokens()).toBe('old-token-1');
    expect(derived(latest, (s) => s)()).toBe(latest());

    writeAtomically(path, { accounts: { a: { token: 'new-token-2' } } });
    expect(tokens()).toBe('new-token-2');

    const before = latest();
    writeAtomically(path, { accounts: { a: { token: '' } } });
    expect(latest()).toBe(before);
    expect(tokens()).toBe('new-token-2');
  });
});
