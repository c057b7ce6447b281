import { spawnSync } from 'node:child_process';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { installCli, opsWrapper } from '../src/cli/install-cli.ts';

describe('ops install-cli', () => {
  it('replaces a symlink (not its target) with wrappers that run on their Node whatever PATH finds first', () => {
    const dir = mkdtempSync(join(tmpdir(), 'install-cli-'));
    const target = join(dir, 'elsewhere.mjs');
    writeFileSync(target, '// not to be touched\n');
    symlinkSync(target, join(dir, 'ops'));
    const printed: string[] = [];
    expect(installCli({ dir }, (l) => printed.push(l))).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe('// not to be touched\n');
    for (const name of ['ops', 'agent-ops-mcp']) {
      const file = join(dir, name);
      expect(lstatSync(file).isSymbolicLink()).toBe(false);
      expect(statSync(file).mode & 0o777).toBe(0o755);
      expect(readFileSync(file, 'utf8')).toContain(`exec '${process.execPath}' '`);
    }
    expect(printed.filter((l) => l.startsWith('installed '))).toHaveLength(2);
    // The system directories first, as OpenClaw's exec has them (this machine's node there is older).
    const run = spawnSync(join(dir, 'ops'), ['--version'], {
      encoding: 'utf8',
      env: { PATH: `/usr/local/bin:/usr/bin:/bin:${dir}` },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toBe(`ops 0.1.0 (node ${process.versions.node} at ${process.execPath})\n`);
  });

  it('quotes paths for the shell and refuses a directory where a wrapper goes', () => {
    expect(opsWrapper("/opt/it's node/bin/node", '/x y/ops.mjs')).toContain(
      `exec '/opt/it'\\''s node/bin/node' '/x y/ops.mjs' "$@"`,
    );
    const dir = mkdtempSync(join(tmpdir(), 'install-cli-'));
    mkdirSync(join(dir, 'ops'));
    expect(() => installCli({ dir }, () => {})).toThrow(/--dir: .*ops is a directory/);
    expect(() => installCli({ dir, node: join(dir, 'no-node') }, () => {})).toThrow(
      /--node: .* does not exist/,
    );
  });
});
