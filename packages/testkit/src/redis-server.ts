import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type TlsFiles, writeTlsFiles } from '@agent-ops/runtime/tls-certificates';
import { freePort } from './free-port.ts';
import { tlsPing } from './tls-ping.ts';

export type RedisServerOptions = {
  /** `appendonly yes` with this fsync policy; off (no persistence at all) when omitted. */
  appendfsync?: 'always' | 'everysec' | 'no';
  /** Extra `redis-server` arguments, e.g. `['--cluster-enabled', 'yes']`. */
  args?: string[];
  /** TLS only (`port 0`, `tls-port`): clients need `rediss://` and the server's `clientEnv`. */
  tls?: RedisServerTls;
  /**
   * A redis.conf read first (e.g. what `pnpm redis-acl --tls` wrote). Its port, bind and dir are
   * overridden to keep the server private; its TLS files and aclfile are used as written.
   */
  configFile?: string;
};

export type RedisServerTls = {
  /** The CA and certificates to use; a fresh CA and a certificate for 127.0.0.1 when omitted. */
  files?: TlsFiles;
  /** `tls-auth-clients yes`: a client must present a certificate signed by the CA. */
  authClients?: boolean;
};

/** A private `redis-server` process on a free port, which a test may kill and restart. */
export type RedisServer = {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** The TLS files in use, when started with `tls`. */
  readonly tls: TlsFiles | null;
  /** What a client's environment needs to reach it (REDIS_CA_FILE, ...); empty without TLS. */
  readonly clientEnv: Record<string, string>;
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
  const tls = options.tls ? (options.tls.files ?? freshTlsFiles(dir, options.tls)) : null;
  const clientEnv = tls ? tlsClientEnv(tls, options.tls?.authClients ?? false) : {};
  const args = [
    ...(options.configFile ? [options.configFile] : []),
    ...(tls ? tlsArgs(port, tls, options) : ['--port', String(port)]),
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
        return tls ? tlsPing(port, clientEnv) : ping(port);
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
    url: `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`,
    port,
    dir,
    tls,
    clientEnv,
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

function freshTlsFiles(dir: string, tls: RedisServerTls): TlsFiles {
  return writeTlsFiles(join(dir, 'tls'), {
    hosts: ['127.0.0.1', 'localhost'],
    clientCertificate: tls.authClients ?? false,
  });
}

/** No plain port at all, as in production; a configFile keeps its own TLS file lines. */
function tlsArgs(port: number, tls: TlsFiles, options: RedisServerOptions): string[] {
  const ports = ['--port', '0', '--tls-port', String(port)];
  if (options.configFile) return ports;
  return [
    ...ports,
    '--tls-cert-file',
    tls.certFile,
    '--tls-key-file',
    tls.keyFile,
    '--tls-ca-cert-file',
    tls.caFile,
    '--tls-auth-clients',
    options.tls?.authClients ? 'yes' : 'no',
  ];
}

function tlsClientEnv(tls: TlsFiles, authClients: boolean): Record<string, string> {
  const env: Record<string, string> = { REDIS_CA_FILE: tls.caFile };
  if (authClients && tls.client) {
    env.REDIS_CERT_FILE = tls.client.certFile;
    env.REDIS_KEY_FILE = tls.client.keyFile;
  }
  return env;
}

export const NO_REDIS_HELP = [
  'No Redis for the tests. Do one of:',
  '  - install redis-server (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis),',
  '  - set REDIS_URL to a Redis you may write test keys to (never flushed; every test uses its own key prefix),',
  '  - or run a Docker engine, and the tests start Redis with testcontainers.',
].join('\n');
