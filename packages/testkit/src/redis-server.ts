import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.ts';

export type RedisServerOptions = {
  /** `appendonly yes` with this fsync policy; off (no persistence at all) when omitted. */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** Extra `redis-server` arguments, e.g. `['--cluster-enabled', 'yes']`. */
  args?: string[];
};

/** A private `redis-server` process on a free port, which a test may kill and restart. */
export type RedisServer = {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  pid(): number | undefined;
  /** SIGKILL, as a crash would; data not yet fsynced is lost. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory (the AOF, if any, is loaded). */
  restart(): Promise<void>;
  stop(): Promise<void>;
};

export function redisServerBinary(): string | null {
  const bin = process.env.REDIS_SERVER_BIN ?? 'redis-server';
  const probe = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  return probe.status === 0 ? bin : null;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    // Any answer means it is up: with ACLs the default user may be off, and PING answers -NOAUTH.
    socket.on('data', (data) => done(/^[+-]/.test(data.toString())));
  });
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const bin = redisServerBinary();
  if (!bin) throw new Error(NO_REDIS_HELP);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'agent-ops-redis-'));
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--daemonize',
    'no',
    '--loglevel',
    'warning',
    ...(options.appendfsync
      ? ['--appendonly', 'yes', '--appendfsync', options.appendfsync]
      : ['--appendonly', 'no']),
    ...(options.args ?? []),
  ];
  let child: ChildProcess | undefined;
  let stderr = '';

  const launch = async () => {
    stderr = '';
    const proc = spawn(bin, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    proc.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    child = proc;
    try {
      await waitUntil(async () => {
        if (proc.exitCode !== null) throw new Error(`redis-server exited with ${proc.exitCode}: ${stderr}`);
        return ping(port);
      }, `redis-server on port ${port}`);
    } catch (err) {
      proc.kill('SIGKILL');
      throw err;
    }
  };

  const kill = async () => {
    if (!child) return;
    const proc = child;
    child = undefined;
    proc.kill('SIGKILL');
    await exited(proc);
  };

  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    pid: () => child?.pid,
    kill,
    restart: async () => {
      await kill();
      await launch();
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const NO_REDIS_HELP = [
  'No Redis for the tests. Do one of:',
  '  - install redis-server (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis),',
  '  - set REDIS_URL to a Redis you may write test keys to (never flushed; every test uses its own key prefix),',
  '  - or run a Docker engine, and the tests start Redis with testcontainers.',
].join('\n');
