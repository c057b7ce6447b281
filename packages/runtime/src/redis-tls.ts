import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { EnvSource } from '@agent-ops/contracts/env';
import { ConfigError } from '@agent-ops/contracts/errors';

/**
 * The variables that say how a `rediss://` connection checks the server and, optionally, proves
 * who the client is. They live in each host's environment rather than in the URL: the URL of a
 * role is the same on every host, while the CA file's path is wherever that host keeps it.
 */
export const REDIS_TLS_VARIABLES = ['REDIS_CA_FILE', 'REDIS_CERT_FILE', 'REDIS_KEY_FILE'] as const;

function readPem(variable: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    // The path and the reason only: a key file's content never goes into an error.
    throw new ConfigError(
      `${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
}

/**
 * Node's TLS options for a `rediss://` connection. REDIS_CA_FILE: the PEM of the CA that signed
 * the server's certificate (public; without it the system's CAs are trusted, as for a managed
 * Redis). REDIS_CERT_FILE and REDIS_KEY_FILE: a client certificate, only for a Redis with
 * `tls-auth-clients yes`. The server's name is always checked against its certificate.
 */
export function redisTlsOptions(env: EnvSource): ConnectionOptions {
  const tls: ConnectionOptions = {};
  const ca = env.REDIS_CA_FILE || undefined;
  const cert = env.REDIS_CERT_FILE || undefined;
  const key = env.REDIS_KEY_FILE || undefined;
  if (ca) tls.ca = readPem('REDIS_CA_FILE', ca);
  if (Boolean(cert) !== Boolean(key))
    throw new ConfigError(
      'REDIS_CERT_FILE, REDIS_KEY_FILE: set both (a client certificate and its key) or neither',
    );
  if (cert && key) {
    tls.cert = readPem('REDIS_CERT_FILE', cert);
    tls.key = readPem('REDIS_KEY_FILE', key);
  }
  return tls;
}

/**
 * A plain URL while TLS files are set is a mistake (a `redis://` where `rediss://` was meant),
 * and going ahead would send passwords in clear: refuse it.
 */
export function assertNoTlsForPlainUrl(env: EnvSource): void {
  const set = REDIS_TLS_VARIABLES.filter((v) => env[v]);
  if (set.length > 0)
    throw new ConfigError(
      `${set.join(', ')}: set, but the Redis URL is redis:// (plain TCP); use rediss:// (or rediss+cluster://), or unset ${set.length > 1 ? 'them' : 'it'}`,
    );
}
