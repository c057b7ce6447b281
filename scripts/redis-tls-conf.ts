// What `pnpm redis-acl --tls` writes besides the certificates: the redis.conf lines and the
// clients' TLS variables. Pure functions, so the test can read them without running openssl.
import { isIP } from 'node:net';
import type { TlsFiles } from '@agent-ops/runtime/tls-certificates';

export type TlsSetup = {
  /** The Redis host's names as clients use them: LAN addresses and/or DNS names. */
  hosts: readonly string[];
  port: number;
  files: TlsFiles;
  aclFile: string;
  /** tls-auth-clients yes: clients need a certificate as well as their ACL password. */
  authClients: boolean;
};

/** Names a server certificate must carry: the given ones, and loopback for clients on the Redis host itself. */
export function certificateHosts(hosts: readonly string[]): string[] {
  return [...new Set([...hosts, '127.0.0.1', 'localhost'])];
}

/** host:port as a URL's authority (an IPv6 address in brackets). */
export function urlAuthority(host: string, port: number): string {
  return `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
}

function bindLine(hosts: readonly string[]): string {
  const addresses = hosts.filter((h) => isIP(h) !== 0);
  if (addresses.length === 0)
    return "# bind <this host's LAN address> 127.0.0.1   (--host gave names only: set the address here)";
  return `bind ${[...new Set([...addresses, '127.0.0.1'])].join(' ')}`;
}

/** Lines to `include` from redis.conf: TLS only, on the LAN address and loopback, ACL users from the file. */
export function redisTlsConf(s: TlsSetup): string {
  const lines = [
    '# Written by pnpm redis-acl --tls. Include it from redis.conf: include <this file>',
    '# No plain-text port at all: every client, local ones too, speaks TLS.',
    'port 0',
    `tls-port ${s.port}`,
    '# The LAN address for the other mini, loopback for this one; no other interface.',
    bindLine(s.hosts),
    `tls-cert-file ${s.files.certFile}`,
    `tls-key-file ${s.files.keyFile}`,
    `tls-ca-cert-file ${s.files.caFile}`,
    s.authClients
      ? '# Clients show a certificate signed by this CA, and then their ACL password.'
      : '# Clients prove who they are with their ACL password; the certificate proves the server to them.',
    `tls-auth-clients ${s.authClients ? 'yes' : 'no'}`,
    `aclfile ${s.aclFile}`,
  ];
  return `${lines.join('\n')}\n`;
}

/** The clients' TLS variables, for redis-urls.env (copy the files they name to each client host). */
export function tlsClientEnvLines(files: TlsFiles, authClients: boolean): string[] {
  const lines = [`REDIS_CA_FILE=${files.caFile}`];
  if (authClients && files.client)
    lines.push(`REDIS_CERT_FILE=${files.client.certFile}`, `REDIS_KEY_FILE=${files.client.keyFile}`);
  return lines;
}
