import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * A private CA and the certificates it signs, for Redis over TLS between the hosts. node:crypto
 * makes the keys but cannot sign X.509, so signing is left to the `openssl` command (OpenSSL or
 * macOS's LibreSSL: only flags both know are used). Keys are written mode 0600 and never pass
 * through a command line or a log.
 */
export type TlsFiles = {
  /** ca.crt: public; every client host needs a copy (REDIS_CA_FILE). */
  caFile: string;
  /** ca.key: signs certificates; keep it on the Redis host only. */
  caKeyFile: string;
  /** The server's certificate (redis.crt) and key (redis.key). */
  certFile: string;
  keyFile: string;
  /** A client certificate and key, for a Redis with tls-auth-clients yes. */
  client?: { certFile: string; keyFile: string };
};

export type TlsFilesOptions = {
  /** The server's names: IP addresses and/or DNS names clients use to reach it (its SANs). */
  hosts: readonly string[];
  /** Also issue a client certificate (client.crt, client.key). */
  clientCertificate?: boolean;
  /** Validity of the server and client certificates. */
  days?: number;
};

const CA_DAYS = 3650;
const CERT_DAYS = 825;
// openssl req insists on a distinguished_name section even when -subj gives the subject.
const REQ_CONFIG = '[req]\ndistinguished_name = dn\n[dn]\n';

function openssl(args: string[]): void {
  try {
    execFileSync(process.env.OPENSSL_BIN ?? 'openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer };
    if (e.code === 'ENOENT')
      throw new Error('the openssl command is needed to sign certificates; install it');
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString().trim() ?? String(err)}`);
  }
}

function writeKey(path: string): void {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  // 'wx': never replace a key that exists; 0600: only its owner (the Redis process) reads it.
  writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
}

/** A positive 127-bit serial: unique enough that no two certificates of one CA share one. */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return `0x${bytes.toString('hex')}`;
}

function subjectAltName(hosts: readonly string[]): string {
  return hosts
    .map((h) => {
      const bare = h.replace(/^\[|\]$/g, '');
      return isIP(bare) ? `IP:${bare}` : `DNS:${h}`;
    })
    .join(',');
}

function writeCa(dir: string, scratch: string): Pick<TlsFiles, 'caFile' | 'caKeyFile'> {
  const caFile = join(dir, 'ca.crt');
  const caKeyFile = join(dir, 'ca.key');
  writeKey(caKeyFile);
  const config = join(scratch, 'ca.cnf');
  writeFileSync(
    config,
    `${REQ_CONFIG}[v3_ca]\nbasicConstraints = critical,CA:TRUE,pathlen:0\nkeyUsage = critical,keyCertSign,cRLSign\nsubjectKeyIdentifier = hash\n`,
  );
  openssl([
    'req',
    '-new',
    '-x509',
    '-sha256',
    '-days',
    String(CA_DAYS),
    '-key',
    caKeyFile,
    '-subj',
    '/O=agent-ops/CN=agent-ops Redis CA',
    '-config',
    config,
    '-extensions',
    'v3_ca',
    '-out',
    caFile,
  ]);
  return { caFile, caKeyFile };
}

/** Signs a new key's certificate with the CA: a server's (with SANs) or a client's. */
function issue(
  ca: Pick<TlsFiles, 'caFile' | 'caKeyFile'>,
  out: { certFile: string; keyFile: string },
  scratch: string,
  what: { name: string; usage: 'server' | 'client'; hosts: readonly string[]; days: number },
): void {
  writeKey(out.keyFile);
  const csr = join(scratch, `${what.usage}.csr`);
  const reqConfig = join(scratch, 'req.cnf');
  writeFileSync(reqConfig, REQ_CONFIG);
  openssl([
    'req',
    '-new',
    '-sha256',
    '-key',
    out.keyFile,
    '-subj',
    `/O=agent-ops/CN=${what.name}`,
    '-config',
    reqConfig,
    '-out',
    csr,
  ]);
  const ext = join(scratch, `${what.usage}.cnf`);
  const lines = [
    '[v3]',
    'basicConstraints = critical,CA:FALSE',
    'keyUsage = critical,digitalSignature',
    // A Redis node also connects out with its own certificate (cluster bus, replication), and
    // the cluster bus always asks for one, so a server's certificate is good for both ends.
    `extendedKeyUsage = ${what.usage === 'server' ? 'serverAuth,clientAuth' : 'clientAuth'}`,
    'subjectKeyIdentifier = hash',
    'authorityKeyIdentifier = keyid',
    ...(what.hosts.length > 0 ? [`subjectAltName = ${subjectAltName(what.hosts)}`] : []),
  ];
  writeFileSync(ext, `${lines.join('\n')}\n`);
  openssl([
    'x509',
    '-req',
    '-sha256',
    '-days',
    String(what.days),
    '-in',
    csr,
    '-CA',
    ca.caFile,
    '-CAkey',
    ca.caKeyFile,
    '-set_serial',
    serial(),
    '-extfile',
    ext,
    '-extensions',
    'v3',
    '-out',
    out.certFile,
  ]);
}

/**
 * Writes into `dir` a new CA (ca.crt, ca.key), a server certificate for `hosts` (redis.crt,
 * redis.key) and, if asked, a client certificate (client.crt, client.key). Refuses to replace
 * any key that exists.
 */
export function writeTlsFiles(dir: string, options: TlsFilesOptions): TlsFiles {
  if (options.hosts.length === 0)
    throw new Error('a server certificate needs at least one host name or address');
  const abs = resolve(dir);
  mkdirSync(abs, { recursive: true, mode: 0o700 });
  const scratch = mkdtempSync(join(tmpdir(), 'agent-ops-tls-'));
  const days = options.days ?? CERT_DAYS;
  try {
    const ca = writeCa(abs, scratch);
    const server = { certFile: join(abs, 'redis.crt'), keyFile: join(abs, 'redis.key') };
    issue(ca, server, scratch, { name: 'agent-ops Redis', usage: 'server', hosts: options.hosts, days });
    const files: TlsFiles = { ...ca, ...server };
    if (options.clientCertificate) {
      files.client = { certFile: join(abs, 'client.crt'), keyFile: join(abs, 'client.key') };
      issue(ca, files.client, scratch, { name: 'agent-ops client', usage: 'client', hosts: [], days });
    }
    return files;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
