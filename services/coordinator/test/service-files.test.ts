import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runNode } from '@agent-ops/testkit/run-node';
import { describe, expect, it } from 'vitest';

const OPS = join(import.meta.dirname, '..', 'src', 'cli', 'ops.ts');

async function ops(args: string[]): Promise<{ code: number | null; out: string }> {
  const run = await runNode(OPS, args);
  return { code: run.code, out: run.output };
}

function workdir() {
  const dir = mkdtempSync(join(tmpdir(), 'svc-'));
  const envFile = join(dir, 'hands.env');
  writeFileSync(envFile, 'REDIS_URL=redis://127.0.0.1:6379\n');
  return {
    dir,
    envFile,
    flags: ['--dir', join(dir, 'agents'), '--env-file', envFile, '--log-dir', join(dir, 'logs')],
  };
}

describe('ops service install/uninstall', () => {
  it('writes one launchd plist per hands service, each a valid plist with KeepAlive and log paths', async () => {
    const w = workdir();
    const run = await ops(['service', 'install', '--role', 'hands', '--platform', 'launchd', ...w.flags]);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain('launchctl bootstrap gui/$(id -u)');
    const files = readdirSync(join(w.dir, 'agents')).sort();
    expect(files).toEqual(
      ['calendar-executor', 'email-executor', 'webhook-executor', 'x-executor'].map(
        (s) => `dev.agent-ops.${s}.plist`,
      ),
    );
    for (const file of files) {
      // Apple's format, read by Python's plistlib (an independent parser).
      const parsed = spawnSync(
        'python3',
        [
          '-c',
          'import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1],"rb"))))',
          join(w.dir, 'agents', file),
        ],
        { encoding: 'utf8' },
      );
      expect(parsed.status, parsed.stderr).toBe(0);
      const p = JSON.parse(parsed.stdout);
      expect(p).toMatchObject({
        Label: file.replace(/\.plist$/, ''),
        KeepAlive: true,
        RunAtLoad: true,
        ProgramArguments: ['/bin/sh', '-c', expect.any(String)],
      });
      const service = file.replace(/^dev\.agent-ops\.|\.plist$/g, '');
      expect(p.ProgramArguments[2]).toContain(w.envFile);
      const entry = /exec '[^']+' (?:--\S+ )*'([^']+)'$/.exec(p.ProgramArguments[2])?.[1] as string;
      expect(existsSync(entry), entry).toBe(true);
      expect(p.StandardErrorPath).toBe(join(w.dir, 'logs', `${service}.log`));
    }
    const removed = await ops([
      'service',
      'uninstall',
      '--role',
      'hands',
      '--platform',
      'launchd',
      ...w.flags,
    ]);
    expect(removed.code).toBe(0);
    expect(readdirSync(join(w.dir, 'agents'))).toEqual([]);
  });

  it('writes systemd units for the brain that systemd-analyze verifies', async () => {
    const w = workdir();
    const run = await ops(['service', 'install', '--role', 'brain', '--platform', 'systemd', ...w.flags]);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain('systemctl --user enable --now agent-ops-coordinator.service');
    const files = readdirSync(join(w.dir, 'agents')).sort();
    expect(files).toEqual(['agent-ops-coordinator.service', 'agent-ops-dashboard.service']);
    for (const file of files) {
      const text = readFileSync(join(w.dir, 'agents', file), 'utf8');
      expect(text).toMatch(/^Restart=always$/m);
      expect(text).toMatch(new RegExp(`^EnvironmentFile=${w.envFile}$`, 'm'));
      const verify = spawnSync('systemd-analyze', ['verify', '--man=no', join(w.dir, 'agents', file)], {
        encoding: 'utf8',
      });
      // Where systemd-analyze is missing (macOS), the field checks above still ran.
      if (!verify.error) expect(verify.status, verify.stderr).toBe(0);
    }
  });

  it('refuses a missing or unknown role with exit 2', async () => {
    expect((await ops(['service', 'install'])).code).toBe(2);
    expect((await ops(['service', 'install', '--role', 'legs'])).code).toBe(2);
    expect((await ops(['service', 'install', '--role', 'hands', '--platform', 'windows'])).code).toBe(2);
  });
});
