import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHANNELS } from '@agent-ops/contracts/channels';
import { runNode } from '@agent-ops/testkit/run-node';
import { waitFor } from '@agent-ops/testkit/wait';
import { describe, expect, it } from 'vitest';

const OPS = join(import.meta.dirname, '..', 'src', 'cli', 'ops.ts');

async function ops(args: string[]): Promise<{ code: number | null; out: string }> {
  const run = await runNode(OPS, args);
  return { code: run.code, out: run.output };
}

/** Apple's format, read by Python's plistlib (an independent parser). */
function readPlist(path: string) {
  const parsed = spawnSync(
    'python3',
    ['-c', 'import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1],"rb"))))', path],
    { encoding: 'utf8' },
  );
  expect(parsed.status, parsed.stderr).toBe(0);
  return JSON.parse(parsed.stdout);
}

function workdir() {
  const dir = mkdtempSync(join(tmpdir(), 'svc-'));
  const envFile = join(dir, 'hands.env');
  writeFileSync(envFile, 'REDIS_URL=redis://127.0.0.1:6379\n');
  return {
    dir,
    envFile,
    flags: [
      '--dir',
      join(dir, 'agents'),
      '--env-file',
      envFile,
      '--log-dir',
      join(dir, 'logs'),
      '--rotate-dir',
      join(dir, 'rotate'),
    ],
  };
}

describe('ops service install/uninstall', () => {
  it('writes one launchd plist per hands service, each a valid plist with KeepAlive and log paths', async () => {
    const w = workdir();
    const run = await ops(['service', 'install', '--role', 'hands', '--platform', 'launchd', ...w.flags]);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain('launchctl bootstrap gui/$(id -u)');
    const files = readdirSync(join(w.dir, 'agents')).sort();
    // One per channel of the contracts: a channel added there gets its service without a list here.
    expect(files).toEqual(CHANNELS.map((c) => `dev.agent-ops.${c}-executor.plist`).sort());
    for (const file of files) {
      const p = readPlist(join(w.dir, 'agents', file));
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
      // The service writes its log itself (OPS_LOG_FILE); launchd keeps only what comes before.
      expect(p.ProgramArguments[2]).toContain(`OPS_LOG_FILE='${join(w.dir, 'logs', `${service}.log`)}'`);
      expect(p.StandardErrorPath).toBe(join(w.dir, 'logs', `${service}.stdout.log`));
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

  it('--boot writes LaunchDaemons that run as the named user, and newsyslog lines for every log', async () => {
    const w = workdir();
    const args = [
      'service',
      'install',
      '--role',
      'brain',
      '--platform',
      'launchd',
      '--boot',
      '--user',
      'ana',
    ];
    const run = await ops([...args, ...w.flags]);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain('sudo launchctl bootstrap system');
    expect(run.out).toContain('sudo chown root:wheel');
    for (const file of readdirSync(join(w.dir, 'agents'))) {
      const p = readPlist(join(w.dir, 'agents', file));
      expect(p).toMatchObject({ UserName: 'ana', KeepAlive: true, RunAtLoad: true });
      // The service writes its own log (so it can follow rotation); launchd keeps only stdout.
      const service = file.replace(/^dev\.agent-ops\.|\.plist$/g, '');
      expect(p.ProgramArguments[2]).toContain(`OPS_LOG_FILE='${join(w.dir, 'logs', `${service}.log`)}'`);
      expect(p.StandardOutPath).toBe(join(w.dir, 'logs', `${service}.stdout.log`));
    }
    // newsyslog.conf(5): logfilename owner:group mode count size when flags.
    const conf = readFileSync(join(w.dir, 'rotate', 'agent-ops.conf'), 'utf8');
    const lines = conf.split('\n').filter((l) => l && !l.startsWith('#'));
    expect(lines.map((l) => l.split('\t')[0])).toEqual([
      join(w.dir, 'logs', 'coordinator.log'),
      join(w.dir, 'logs', 'dashboard.log'),
      join(import.meta.dirname, '..', '..', '..', 'audit.jsonl'),
    ]);
    for (const line of lines) {
      const [, owner, mode, count, size, when, flags] = line.split('\t');
      expect(owner).toBe('ana:staff');
      expect(mode).toMatch(/^[0-7]{3}$/);
      expect(Number(count)).toBeGreaterThan(0);
      expect(Number(size)).toBeGreaterThan(0);
      expect(when).toMatch(/^(\*|\$D\d+|@T\d+)$/);
      expect(flags).toMatch(/^[BCDGJNUXZ]+$/);
    }
    expect(
      (await ops([...args, '--boot', ...w.flags].map((a) => (a === 'install' ? 'uninstall' : a)))).out,
    ).toContain('sudo launchctl bootout system/dev.agent-ops.coordinator');
    expect(existsSync(join(w.dir, 'rotate', 'agent-ops.conf'))).toBe(false);
  });

  it('--boot writes systemd system units with User=, for multi-user.target, that systemd-analyze verifies', async () => {
    const w = workdir();
    const run = await ops([
      'service',
      'install',
      '--role',
      'hands',
      '--platform',
      'systemd',
      '--boot',
      '--user',
      'daemon',
      ...w.flags,
    ]);
    expect(run.code, run.out).toBe(0);
    expect(run.out).toContain('sudo systemctl enable --now agent-ops-x-executor.service');
    for (const file of readdirSync(join(w.dir, 'agents'))) {
      const text = readFileSync(join(w.dir, 'agents', file), 'utf8');
      expect(text).toMatch(/^User=daemon$/m);
      expect(text).toMatch(/^WantedBy=multi-user\.target$/m);
      const verify = spawnSync('systemd-analyze', ['verify', '--man=no', join(w.dir, 'agents', file)], {
        encoding: 'utf8',
      });
      if (!verify.error) expect(verify.status, verify.stderr).toBe(0);
    }
  });

  it('the services never run as root: --boot without a user, under root, is refused', async () => {
    const w = workdir();
    const run = await runNode(
      OPS,
      ['service', 'install', '--role', 'hands', '--platform', 'systemd', '--boot', ...w.flags],
      {
        env: { SUDO_USER: 'root' },
      },
    );
    expect(run.code).toBe(2);
    expect(run.output).toContain('--user: the services must not run as root');
  });

  it('logrotate rotates a running service log, and the service goes on writing to the new file', async () => {
    const w = workdir();
    const run = await ops([
      'service',
      'install',
      '--role',
      'hands',
      '--platform',
      'systemd',
      '--user',
      'daemon',
      '--group',
      'daemon',
      ...w.flags,
    ]);
    expect(run.code, run.out).toBe(0);
    const logDir = join(w.dir, 'logs');
    // logrotate works as the services' user (`su daemon daemon`), who owns the log directory.
    chownSync(logDir, 1, 1);
    chmodSync(w.dir, 0o755);
    const logFile = join(logDir, 'x-executor.log');
    const writer = spawn(process.execPath, [join(import.meta.dirname, 'fixtures', 'log-writer.ts')], {
      env: { PATH: process.env.PATH ?? '', OPS_LOG_FILE: logFile, OPS_LOG_CHECK_MS: '50' },
      stdio: 'ignore',
    });
    try {
      const lines = (path: string) =>
        existsSync(path) ? readFileSync(path, 'utf8').split('\n').filter(Boolean) : [];
      await waitFor(() => lines(logFile).length >= 5, 'the service to log');
      const conf = join(w.dir, 'rotate', 'agent-ops');
      const rotate = spawnSync('logrotate', ['-f', '-s', join(w.dir, 'logrotate.state'), conf], {
        encoding: 'utf8',
      });
      if (rotate.error) return; // no logrotate (macOS): the config's fields were checked above
      expect(rotate.status, rotate.stderr).toBe(0);
      const rotated = lines(`${logFile}.1`);
      expect(rotated.length).toBeGreaterThanOrEqual(5);
      const lastRotated = JSON.parse(rotated.at(-1) as string).n as number;
      // New lines go to the new file, continuing the count: nothing lost, nothing in the old file.
      await waitFor(() => lines(logFile).length >= 5, 'the service to write to the new file');
      expect(JSON.parse(lines(logFile)[0] as string).n).toBeGreaterThan(lastRotated);
      const before = lines(`${logFile}.1`).length;
      await waitFor(() => lines(logFile).length >= 10, 'more lines in the new file');
      expect(lines(`${logFile}.1`).length).toBe(before);
    } finally {
      writer.kill('SIGKILL');
    }
  });

  it('refuses a missing or unknown role with exit 2', async () => {
    expect((await ops(['service', 'install'])).code).toBe(2);
    expect((await ops(['service', 'install', '--role', 'legs'])).code).toBe(2);
    expect((await ops(['service', 'install', '--role', 'hands', '--platform', 'windows'])).code).toBe(2);
  });
});
