// `pnpm redis-acl <dir>`: writes users.acl (hashed passwords only) for redis-server's aclfile,
// and redis-urls.env (mode 0600) with one REDIS_URL per role for the services' environment.
// With --tls, also a private CA, the server's certificate and the redis.conf lines for TLS only.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { answerHelp } from '@agent-ops/runtime/cli-help';
import { type TlsFiles, writeTlsFiles } from '@agent-ops/runtime/tls-certificates';
import { aclFile, type RedisRole, ROLES } from './redis-acl-rules.ts';
import { certificateHosts, redisTlsConf, tlsClientEnvLines, urlAuthority } from './redis-tls-conf.ts';

const USAGE = `usage: pnpm redis-acl <dir>   (writes <dir>/users.acl and <dir>/redis-urls.env)
       pnpm redis-acl <dir> --tls --host <address or name> [--host ...] [--port 6379] [--client-cert]`;
answerHelp(`${USAGE}

One Redis ACL user per role (hashed passwords only in users.acl) and, mode 0600, one REDIS_URL
per role. Environment: REDIS_HOST (default 127.0.0.1:6379), OPS_PREFIX (default ops).

--tls: Redis over TLS only. Also writes <dir>/tls/ (a private CA ca.crt and ca.key, the server's
redis.crt and redis.key; keys mode 0600) and <dir>/redis-tls.conf (port 0, tls-port, bind,
the TLS files, tls-auth-clients no, aclfile) to include from redis.conf; the URLs are rediss://
and redis-urls.env names the CA as REDIS_CA_FILE. --host: the Redis host's LAN address and/or
DNS name, as clients will use it (the first is put in the URLs); each becomes a name in the
certificate, with 127.0.0.1 and localhost. --port: its TLS port. --client-cert: also a client
certificate, and tls-auth-clients yes.`);

function fail(message: string, code = 2): never {
  console.error(message);
  process.exit(code);
}

function parse() {
  try {
    return parseArgs({
      allowPositionals: true,
      options: {
        tls: { type: 'boolean' },
        host: { type: 'string', multiple: true },
        port: { type: 'string' },
        'client-cert': { type: 'boolean' },
      },
    });
  } catch (err) {
    return fail(`${(err as Error).message}\n${USAGE}`);
  }
}
const { values, positionals } = parse();
const dir = positionals[0];
if (!dir || positionals.length > 1) fail(USAGE);
const tls = values.tls ?? false;
const hosts = values.host ?? [];
const port = Number(values.port ?? 6379);
if (!tls && (hosts.length > 0 || values.port || values['client-cert']))
  fail(`--host, --port and --client-cert go with --tls\n${USAGE}`);
if (tls && hosts.length === 0)
  fail("--tls needs --host: the Redis host's LAN address or DNS name, as the other host reaches it");
if (tls && process.env.REDIS_HOST) fail('REDIS_HOST: not used with --tls; give --host and --port');
if (!Number.isInteger(port) || port < 1 || port > 65_535) fail('--port: expected a TCP port, 1 to 65535');

const host = tls ? urlAuthority(hosts[0] as string, port) : (process.env.REDIS_HOST ?? '127.0.0.1:6379');
const prefix = process.env.OPS_PREFIX ?? 'ops';
if (existsSync(join(dir, 'users.acl')))
  fail(`${join(dir, 'users.acl')} exists; refusing to replace existing users`, 1);
if (tls && existsSync(join(dir, 'tls')))
  fail(`${join(dir, 'tls')} exists; refusing to replace an existing CA or key`, 1);
mkdirSync(dir, { recursive: true });
const authClients = values['client-cert'] ?? false;
// The certificates first: should openssl fail, no users are written that would need them.
const files: TlsFiles | null = tls
  ? writeTlsFiles(join(dir, 'tls'), { hosts: certificateHosts(hosts), clientCertificate: authClients })
  : null;
const passwords = Object.fromEntries(ROLES.map((r) => [r, randomBytes(24).toString('base64url')])) as Record<
  RedisRole,
  string
>;
const hashes = Object.fromEntries(
  ROLES.map((r) => [r, createHash('sha256').update(passwords[r]).digest('hex')]),
) as Record<RedisRole, string>;
writeFileSync(join(dir, 'users.acl'), aclFile(prefix, hashes), { mode: 0o640 });
const scheme = tls ? 'rediss' : 'redis';
const env = [
  ...ROLES.map((r) => `REDIS_URL_${r.toUpperCase()}=${scheme}://${r}:${passwords[r]}@${host}`),
  ...(files ? tlsClientEnvLines(files, authClients) : []),
];
writeFileSync(join(dir, 'redis-urls.env'), `${env.join('\n')}\n`, { mode: 0o600 });
if (!files) {
  console.log(
    `wrote ${join(dir, 'users.acl')} and ${join(dir, 'redis-urls.env')} (mode 0600): start Redis with --aclfile ${join(dir, 'users.acl')}`,
  );
} else {
  const conf = join(dir, 'redis-tls.conf');
  writeFileSync(conf, redisTlsConf({ hosts, port, files, aclFile: resolve(dir, 'users.acl'), authClients }));
  console.log(
    [
      `wrote ${join(dir, 'users.acl')}, ${join(dir, 'redis-urls.env')} (mode 0600), ${conf} and ${join(dir, 'tls')}/ (keys mode 0600)`,
      `add to redis.conf: include ${resolve(conf)}`,
      `copy ${files.caFile} to each client host and point REDIS_CA_FILE at it; ca.key stays here`,
    ].join('\n'),
  );
}
