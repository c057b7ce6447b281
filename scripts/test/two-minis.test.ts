import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@agent-ops/testkit/free-port';
import { waitFor } from '@agent-ops/testkit/wait';
import { afterAll, describe, expect, it } from 'vitest';

// Follows the README's "Two Mac minis, step by step" on this Linux machine: its shell blocks
// run as written, in order, each in the folder of the mini it names. What only a Mac has is
// stood in for by small shims: `brew services restart redis` starts redis-server from the
// redis.conf the README appended to, `launchctl` starts the plist's own command as launchd
// would, `pmset` and `sudo` are recorded and passed through, `scp host:path` copies. The
// installer's target folders are the minis' own temp folders instead of /Library.
const ROOT = join(import.meta.dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const tmp = mkdtempSync(join(tmpdir(), 'two-minis-'));
const started: ChildProcess[] = [];

function blocks(): Array<{ mini: 'mini1' | 'mini2'; script: string }> {
  const section = README.slice(README.indexOf('### Two Mac minis, step by step'));
  const end = section.indexOf('\n### ', 5);
  const body = end > 0 ? section.slice(0, end) : section;
  return [...body.matchAll(/```sh (mini[12])\n([\s\S]*?)```/g)].map((m) => ({
    mini: m[1] as 'mini1' | 'mini2',
    script: m[2] as string,
  }));
}

function shims(bin: string, redisPort: number): void {
  mkdirSync(bin, { recursive: true });
  const write = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!/usr/bin/env bash\nset -e\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  };
  write('sudo', 'echo "sudo $*" >> "$MINI/recorded"; exec "$@"');
  write('pmset', 'echo "pmset $*" >> "$MINI/recorded"');
  // Both minis keep their files under the same path; here each has its own folder, so what
  // mini #2 copies from mini #1 has mini #1's folder renamed to its own.
  write('scp', 'sed "s#$TMP/mini1/#$TMP/mini2/#g" "${1#*:}" > "$2"');
  write(
    'brew',
    `if [ "$1" = --prefix ]; then echo "$TMP/brew"; exit 0; fi
[ "$*" = "services restart redis" ] || { echo "brew shim: $*" >&2; exit 1; }
exec redis-server "$TMP/brew/etc/redis.conf" --daemonize yes --pidfile "$TMP/redis.pid" --dir "$TMP/brew" --logfile "$TMP/redis.log"`,
  );
  // launchd runs a plist's ProgramArguments; so does this, in the background.
  write(
    'launchctl',
    `[ "$1" = bootstrap ] && [ "$2" = system ] || { echo "launchctl shim: $*" >&2; exit 1; }
for plist in \${3/\\/Library\\/LaunchDaemons/$MINI\\/LaunchDaemons}; do
  echo "launchctl bootstrap system $plist" >> "$MINI/recorded"
  cmd=$(python3 -c 'import plistlib,sys; print(plistlib.load(open(sys.argv[1],"rb"))["ProgramArguments"][2])' "$plist")
  nohup /bin/sh -c "$cmd" > "$plist.out" 2>&1 &
  echo $! >> "$TMP/pids"
done`,
  );
  // The installer writes into the mini's folders, never this machine's /Library or /etc.
  write(
    'pnpm',
    `if [ "$1 $2 $3" = "ops service install" ]; then
  exec "$REAL_PNPM" "$@" --platform launchd --dir "$MINI/LaunchDaemons" --rotate-dir "$MINI/newsyslog.d"
fi
exec "$REAL_PNPM" "$@"`,
  );
  writeFileSync(join(tmp, 'redis-port'), String(redisPort));
}

afterAll(() => {
  const pids = existsSync(join(tmp, 'pids')) ? readFileSync(join(tmp, 'pids'), 'utf8').split('\n') : [];
  for (const pid of pids.filter(Boolean)) spawnSync('kill', ['-9', pid]);
  if (existsSync(join(tmp, 'redis.pid')))
    spawnSync('kill', ['-9', readFileSync(join(tmp, 'redis.pid'), 'utf8').trim()]);
  for (const p of started) p.kill('SIGKILL');
});

describe("the README's two Mac minis, step by step", () => {
  it('sets up Redis over TLS, the brain and the hands at boot, and ops doctor sees them', async () => {
    const port = await freePort();
    const bin = join(tmp, 'bin');
    shims(bin, port);
    mkdirSync(join(tmp, 'brew', 'etc'), { recursive: true });
    writeFileSync(join(tmp, 'brew', 'etc', 'redis.conf'), '# stock\nport 6399\nappendonly yes\n');
    const realPnpm = spawnSync('bash', ['-c', 'command -v pnpm'], { encoding: 'utf8' }).stdout.trim();
    const found = blocks();
    expect(found.map((b) => b.mini)).toEqual(['mini1', 'mini1', 'mini2', 'mini1']);
    // One shell per mini, kept across its blocks, as a person's terminal would be.
    const state: Record<string, string> = { mini1: '', mini2: '' };
    let doctor = '';
    for (const [i, b] of found.entries()) {
      const mini = join(tmp, b.mini);
      mkdirSync(mini, { recursive: true });
      let script = b.script
        .replaceAll('/usr/local/etc/agent-ops', join(mini, 'etc'))
        .replace('LAN=192.168.1.20', 'LAN=127.0.0.1')
        .replace('--tls --host "$LAN"', `--tls --host "$LAN" --port ${port}`);
      // mini #2 copies from mini #1's folder.
      if (b.mini === 'mini2')
        script = script.replaceAll(
          `mini1.local:${join(mini, 'etc')}`,
          `mini1.local:${join(tmp, 'mini1', 'etc')}`,
        );
      if (b.mini === 'mini2') {
        // The person's secrets file, filled in before the executors start: one webhook endpoint.
        mkdirSync(join(mini, 'etc'), { recursive: true });
        writeFileSync(
          join(mini, 'etc', 'secrets.json'),
          JSON.stringify({
            accounts: { ops: { webhook: { endpoints: { deploy: { url: 'http://127.0.0.1:9/hook' } } } } },
          }),
          { mode: 0o600 },
        );
      }
      if (i === found.length - 1) {
        // ops doctor once the services launchd started are up.
        const log = (m: string, s: string) => join(tmp, m, 'etc', 'logs', `${s}.log`);
        for (const [m, s, line] of [
          ['mini1', 'coordinator', 'coordinator running'],
          ['mini2', 'webhook-executor', 'executor running'],
        ] as const) {
          await waitFor(
            () => existsSync(log(m, s)) && readFileSync(log(m, s), 'utf8').includes(line),
            `${s} started from its LaunchDaemon`,
            60_000,
          );
        }
      }
      const runBlock = () =>
        spawnSync(
          'bash',
          [
            '-euo',
            'pipefail',
            '-c',
            `${state[b.mini]}\n${script}\ndeclare -p | grep -v '^declare -[a-zA-Z]*r' > "$MINI/env.sh"`,
          ],
          {
            cwd: ROOT,
            encoding: 'utf8',
            timeout: 120_000,
            env: {
              ...process.env,
              PATH: `${bin}:${process.env.PATH}`,
              MINI: mini,
              TMP: tmp,
              REAL_PNPM: realPnpm,
              USER: 'daemon',
            },
          },
        );
      if (i === found.length - 1) {
        // A consumer shows once its first read has reached Redis: ask again until it does.
        doctor = await waitFor(
          () => {
            const out = runBlock();
            const text = out.stdout + out.stderr;
            return /ok\s+webhook executors/.test(text) ? text : undefined;
          },
          'ops doctor to see the webhook executor on mini #2',
          30_000,
        );
      } else {
        const run = runBlock();
        expect(run.status, `block ${i + 1} (${b.mini}):\n${run.stdout}\n${run.stderr}`).toBe(0);
      }
      state[b.mini] = `. ${join(mini, 'env.sh')} 2>/dev/null || true`;
      if (i === 0)
        await waitFor(() => existsSync(join(tmp, 'redis.pid')), 'Redis started from the README conf');
    }
    // TLS only: the README's conf replaced the stock plain port.
    expect(readFileSync(join(tmp, 'redis.log'), 'utf8')).not.toContain('Ready to accept connections tcp');
    const recorded1 = readFileSync(join(tmp, 'mini1', 'recorded'), 'utf8');
    expect(recorded1).toContain('pmset -a sleep 0 disksleep 0 autorestart 1');
    expect(recorded1).toMatch(/launchctl bootstrap system .*dev\.agent-ops\.coordinator\.plist/);
    const recorded2 = readFileSync(join(tmp, 'mini2', 'recorded'), 'utf8');
    expect(recorded2).toMatch(/launchctl bootstrap system .*dev\.agent-ops\.webhook-executor\.plist/);
    expect(doctor).toContain('redis transport');
    expect(doctor).toMatch(/ok\s+redis transport\s+TLS/);
    expect(doctor).toMatch(/ok\s+webhook executors\s+1 live/);
  }, 240_000);
});
