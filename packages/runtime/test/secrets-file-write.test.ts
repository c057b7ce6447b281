import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CredentialSeal } from '../src/credential-seal.ts';
import { withFileLock } from '../src/file-lock.ts';
import { updateSecretsFile } from '../src/secrets-file-write.ts';

function tempFile(content?: string, mode = 0o600): string {
  const path = join(mkdtempSync(join(tmpdir(), 'secrets-write-')), 'secrets.json');
  if (content !== undefined) writeFileSync(path, content, { mode });
  return path;
}

describe('updateSecretsFile', () => {
  it('changes one account, keeps every other field as it was, and leaves the file 0600 with no temporary beside it', async () => {
    const path = tempFile(
      JSON.stringify({ accounts: { a: { x: { t: 1 } }, b: { email: { p: 'q' } } }, note: 'kept' }),
      0o644,
    );
    await updateSecretsFile(path, (doc) => {
      doc.accounts.c = { x: { t: 2 } };
    });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({
      accounts: { a: { x: { t: 1 } }, b: { email: { p: 'q' } }, c: { x: { t: 2 } } },
      note: 'kept',
    });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(path, '..'))).toEqual(['secrets.json']);
  });

  it('creates a missing file', async () => {
    const path = tempFile();
    await updateSecretsFile(path, (doc) => {
      doc.accounts.a = { x: {} };
    });
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ accounts: { a: { x: {} } } });
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('refuses a file that is not JSON, naming the file, and leaves it untouched', async () => {
    const path = tempFile('{"accounts": {"a": "tok');
    await expect(updateSecretsFile(path, () => {})).rejects.toThrow(/secrets\.json is not valid JSON/);
    expect(readFileSync(path, 'utf8')).toBe('{"accounts": {"a": "tok');
  });

  it("two writers at once each keep the other one's change", async () => {
    const path = tempFile(JSON.stringify({ accounts: {} }));
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        updateSecretsFile(path, async (doc) => {
          doc.accounts[`a${i}`] = { x: { i } };
        }),
      ),
    );
    expect(Object.keys(JSON.parse(readFileSync(path, 'utf8')).accounts)).toHaveLength(20);
  });
});

describe('withFileLock', () => {
  it('takes over a lock whose holder was SIGKILLed', async () => {
    const lock = `${tempFile()}.lock`;
    // A process that takes the lock file and is killed while holding it.
    const child = spawn(process.execPath, [
      '-e',
      `require('fs').writeFileSync(${JSON.stringify(lock)}, String(process.pid), {flag: 'wx'}); console.log('held'); setInterval(() => {}, 1000)`,
    ]);
    await new Promise<void>((r) => child.stdout.once('data', () => r()));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(await withFileLock(lock, () => 'mine')).toBe('mine');
  });

  it('counts a fresh empty lock file as held (its writer may be mid-write) and gives up waiting, naming the file', async () => {
    const lock = `${tempFile()}.lock`;
    writeFileSync(lock, '');
    await expect(withFileLock(lock, () => 'never', { timeoutMs: 300 })).rejects.toThrow(lock);
    expect(readFileSync(lock, 'utf8')).toBe('');
  });

  it('takes over a file naming its own pid (left by an earlier process with that pid), and lets callers of one process in one at a time', async () => {
    const lock = `${tempFile()}.lock`;
    writeFileSync(lock, `${process.pid}:left-by-an-earlier-process`);
    let inside = 0;
    let most = 0;
    const enter = () =>
      withFileLock(lock, async () => {
        inside += 1;
        most = Math.max(most, inside);
        await new Promise((r) => setTimeout(r, 20));
        inside -= 1;
      });
    await Promise.all([enter(), enter(), enter()]);
    expect(most).toBe(1);
    expect(readdirSync(join(lock, '..')).filter((f) => f.includes('.lock'))).toEqual([]);
  });
});

describe('CredentialSeal', () => {
  const seal = new CredentialSeal(Buffer.alloc(32, 7));

  it('opens what it sealed, and shows the generation without the key', () => {
    const text = seal.seal('ops:{x}:cred:a', 5, { refreshToken: 'r-SECRET' });
    expect(text).not.toContain('r-SECRET');
    expect(CredentialSeal.generationOf(text)).toBe(5);
    expect(seal.open('ops:{x}:cred:a', text)).toEqual({ generation: 5, value: { refreshToken: 'r-SECRET' } });
  });

  it('refuses another key, another account, a changed generation', () => {
    const text = seal.seal('ops:{x}:cred:a', 5, { refreshToken: 'r' });
    expect(() => new CredentialSeal(Buffer.alloc(32, 8)).open('ops:{x}:cred:a', text)).toThrow(/do not open/);
    expect(() => seal.open('ops:{x}:cred:b', text)).toThrow(/do not open/);
    const bumped = JSON.stringify({ ...JSON.parse(text), generation: 6 });
    expect(() => seal.open('ops:{x}:cred:a', bumped)).toThrow(/do not open/);
  });

  it('refuses a key file others can read, and one that is not 32 bytes of hex', () => {
    const open = tempFile('ab'.repeat(32), 0o644);
    expect(() => CredentialSeal.fromFile(open)).toThrow(/readable by its owner only/);
    const short = tempFile('abcd');
    expect(() => CredentialSeal.fromFile(short)).toThrow(/64 hex characters/);
  });
});
