import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TlsFiles } from '@agent-ops/runtime/tls-certificates';

const SCRIPT = join(import.meta.dirname, '..', '..', '..', 'scripts', 'redis-acl.ts');

/** What `pnpm redis-acl --tls` wrote, read back as a test needs it. */
export type RedisAclSetup = {
  dir: string;
  /** redis-tls.conf, for startRedisServer's configFile. */
  conf: string;
  files: TlsFiles;
  /** The variables redis-urls.env holds, REDIS_URL_<ROLE> and REDIS_CA_FILE among them. */
  env: Record<string, string>;
  /** The role's URL from redis-urls.env, pointed at `port` (a test's server has its own). */
  url(role: 'coordinator' | 'executor' | 'dashboard' | 'producer', port: number): string;
  /** The clients' TLS variables (REDIS_CA_FILE), for a service's environment. */
  clientEnv: Record<string, string>;
};

/** Runs `pnpm redis-acl <tmp> --tls --host 127.0.0.1` as an operator would, in a temp dir. */
export function runRedisAcl(options: { args?: string[]; prefix?: string } = {}): RedisAclSetup {
  const dir = mkdtempSync(join(tmpdir(), 'agent-ops-redis-acl-'));
  const run = spawnSync(
    process.execPath,
    [SCRIPT, dir, '--tls', '--host', '127.0.0.1', ...(options.args ?? [])],
    {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '', ...(options.prefix ? { OPS_PREFIX: options.prefix } : {}) },
    },
  );
  if (run.status !== 0) throw new Error(`pnpm redis-acl failed (${run.status}): ${run.stderr}`);
  const env = Object.fromEntries(
    readFileSync(join(dir, 'redis-urls.env'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  ) as Record<string, string>;
  const tls = join(dir, 'tls');
  const client = env.REDIS_CERT_FILE
    ? { client: { certFile: env.REDIS_CERT_FILE, keyFile: env.REDIS_KEY_FILE as string } }
    : {};
  const clientEnv = Object.fromEntries(
    ['REDIS_CA_FILE', 'REDIS_CERT_FILE', 'REDIS_KEY_FILE'].flatMap((v) => (env[v] ? [[v, env[v]]] : [])),
  ) as Record<string, string>;
  return {
    dir,
    conf: join(dir, 'redis-tls.conf'),
    files: {
      caFile: join(tls, 'ca.crt'),
      caKeyFile: join(tls, 'ca.key'),
      certFile: join(tls, 'redis.crt'),
      keyFile: join(tls, 'redis.key'),
      ...client,
    },
    env,
    clientEnv,
    url: (role, port) => {
      const u = new URL(env[`REDIS_URL_${role.toUpperCase()}`] as string);
      u.port = String(port);
      return u.toString().replace(/\/$/, '');
    },
  };
}
