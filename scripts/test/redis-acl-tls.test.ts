import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { channelKeys } from '@agent-ops/contracts/keys';
import { connectRedis, type RedisClient } from '@agent-ops/runtime/redis-connection';
import { type RedisAclSetup, runRedisAcl } from '@agent-ops/testkit/redis-acl-setup';
import { type RedisServer, startRedisServer } from '@agent-ops/testkit/redis-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { certificateHosts, redisTlsConf, urlAuthority } from '../redis-tls-conf.ts';

const SCRIPT = join(import.meta.dirname, '..', 'redis-acl.ts');
const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);
const clients: RedisClient[] = [];
const servers: RedisServer[] = [];
let setup: RedisAclSetup;
let server: RedisServer;

function as(url: string, env: Record<string, string>): RedisClient {
  const c = connectRedis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null }, env);
  c.on('error', () => {});
  clients.push(c);
  return c;
}

beforeAll(async () => {
  setup = runRedisAcl();
  // The server reads redis-tls.conf as written: its TLS files, tls-auth-clients and aclfile.
  server = await startRedisServer({ configFile: setup.conf, tls: { files: setup.files } });
  servers.push(server);
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all(servers.map((s) => s.stop()));
});

describe('pnpm redis-acl --tls', () => {
  it('writes a CA, a server certificate for --host, keys mode 0600, rediss:// URLs and the CA variable', () => {
    expect(mode(setup.files.caKeyFile)).toBe('600');
    expect(mode(setup.files.keyFile)).toBe('600');
    expect(mode(join(setup.dir, 'redis-urls.env'))).toBe('600');
    for (const role of ['COORDINATOR', 'EXECUTOR', 'DASHBOARD', 'PRODUCER'])
      expect(setup.env[`REDIS_URL_${role}`]).toMatch(
        new RegExp(`^rediss://${role.toLowerCase()}:[\\w-]{32}@127\\.0\\.0\\.1:6379$`),
      );
    expect(setup.env.REDIS_CA_FILE).toBe(setup.files.caFile);
    const text = spawnSync('openssl', ['x509', '-in', setup.files.certFile, '-noout', '-text'], {
      encoding: 'utf8',
    });
    expect(text.stdout).toMatch(/IP Address:127\.0\.0\.1, DNS:localhost/);
    const conf = readFileSync(setup.conf, 'utf8');
    for (const line of [
      'port 0',
      'tls-port 6379',
      'bind 127.0.0.1',
      `tls-cert-file ${setup.files.certFile}`,
      `tls-key-file ${setup.files.keyFile}`,
      `tls-ca-cert-file ${setup.files.caFile}`,
      'tls-auth-clients no',
      `aclfile ${join(setup.dir, 'users.acl')}`,
    ])
      expect(conf.split('\n')).toContain(line);
    // The passwords are in redis-urls.env only: no key or password anywhere else it wrote.
    const password = new URL(setup.env.REDIS_URL_EXECUTOR as string).password;
    expect(readFileSync(join(setup.dir, 'users.acl'), 'utf8')).not.toContain(password);
    expect(conf).not.toContain(password);
  });

  it('the roles reach a Redis started from redis-tls.conf with their users over TLS; plain text is refused', async () => {
    const coordinator = as(setup.url('coordinator', server.port), setup.clientEnv);
    const k = channelKeys('ops', 'x');
    expect(await coordinator.xadd(k.intents, '*', 'intent', '{}')).toMatch(/^\d+-\d+$/);
    const dashboard = as(setup.url('dashboard', server.port), setup.clientEnv);
    expect(await dashboard.xlen(k.intents)).toBe(1);
    await expect(dashboard.del(k.intents)).rejects.toThrow(/NOPERM/);
    const plain = as(setup.url('coordinator', server.port).replace(/^rediss:/, 'redis:'), {});
    await expect(plain.ping()).rejects.toThrow();
    const wrongPassword = as(
      setup.url('coordinator', server.port).replace(/:[\w-]+@/, ':not-the-password@'),
      setup.clientEnv,
    );
    await expect(wrongPassword.ping()).rejects.toThrow(/WRONGPASS|NOAUTH/);
  });

  it('--client-cert: tls-auth-clients yes, and a client certificate in REDIS_CERT_FILE/REDIS_KEY_FILE', async () => {
    const strict = runRedisAcl({ args: ['--client-cert'] });
    expect(readFileSync(strict.conf, 'utf8')).toMatch(/^tls-auth-clients yes$/m);
    expect(mode(strict.env.REDIS_KEY_FILE as string)).toBe('600');
    const s = await startRedisServer({
      configFile: strict.conf,
      tls: { files: strict.files, authClients: true },
    });
    servers.push(s);
    expect(await as(strict.url('executor', s.port), strict.clientEnv).ping()).toBe('PONG');
    const noCert = as(strict.url('executor', s.port), {
      REDIS_CA_FILE: strict.clientEnv.REDIS_CA_FILE as string,
    });
    await expect(noCert.ping()).rejects.toThrow();
  });

  it('binds the LAN address given by --host and loopback, nothing else; names only leave bind to the operator', () => {
    const files = { caFile: '/c/ca.crt', caKeyFile: '/c/ca.key', certFile: '/c/r.crt', keyFile: '/c/r.key' };
    const conf = (hosts: string[]) =>
      redisTlsConf({ hosts, port: 6380, files, aclFile: '/c/users.acl', authClients: false }).split('\n');
    expect(conf(['10.0.0.2', 'redis-mini.local'])).toContain('bind 10.0.0.2 127.0.0.1');
    expect(conf(['redis-mini.local']).find((l) => l.includes('bind'))).toMatch(/^# bind /);
    expect(conf(['10.0.0.2'])).toContain('tls-port 6380');
    expect(certificateHosts(['10.0.0.2', 'localhost'])).toEqual(['10.0.0.2', 'localhost', '127.0.0.1']);
    expect(urlAuthority('fd00::2', 6379)).toBe('[fd00::2]:6379');
  });

  it('without --tls it writes what it always did; --tls without --host is refused', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'acl-plain-')), 'out');
    const run = spawnSync(process.execPath, [SCRIPT, dir], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH },
    });
    expect(run.status).toBe(0);
    const env = readFileSync(join(dir, 'redis-urls.env'), 'utf8');
    expect(env).toMatch(/^REDIS_URL_COORDINATOR=redis:\/\/coordinator:[\w-]+@127\.0\.0\.1:6379$/m);
    expect(env).not.toMatch(/rediss|REDIS_CA_FILE/);
    expect(existsSync(join(dir, 'tls')) || existsSync(join(dir, 'redis-tls.conf'))).toBe(false);
    const noHost = spawnSync(process.execPath, [SCRIPT, `${dir}-2`, '--tls'], { encoding: 'utf8' });
    expect(noHost.status).toBe(2);
    expect(noHost.stderr).toMatch(/--tls needs --host/);
    expect(existsSync(`${dir}-2`)).toBe(false);
  });
});
