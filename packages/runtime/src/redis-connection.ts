import type { EnvSource } from '@agent-ops/contracts/env';
import { ConfigError } from '@agent-ops/contracts/errors';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { assertNoTlsForPlainUrl, redisTlsOptions } from './redis-tls.ts';

export type RedisClient = Redis | Cluster;

const CLUSTER = /^(rediss?)\+cluster:\/\//;

/** Whether a URL asks for TLS: `rediss://` or `rediss+cluster://`. */
export function isTlsUrl(url: string): boolean {
  return url.startsWith('rediss://') || url.startsWith('rediss+cluster://');
}

/**
 * TLS options follow the URL's scheme, so every connection of every service (its own, BullMQ's,
 * the dashboard's) gets them the same way from the one URL it is given and the host's environment.
 */
function withTls(url: string, options: RedisOptions, env: EnvSource): RedisOptions {
  if (!isTlsUrl(url)) {
    assertNoTlsForPlainUrl(env);
    return options;
  }
  return { ...options, tls: options.tls ?? redisTlsOptions(env) };
}

/**
 * One Redis server, for a caller that needs the `Redis` type (the dashboard); a cluster URL is
 * refused rather than misread as a host name. `env` supplies REDIS_CA_FILE and friends.
 */
export function connectRedisServer(
  url: string,
  options: RedisOptions = {},
  env: EnvSource = process.env,
): Redis {
  if (CLUSTER.test(url))
    throw new ConfigError(
      'REDIS_URL: a Redis Cluster URL, where one server (redis:// or rediss://) is needed',
    );
  return new Redis(url, withTls(url, options, env));
}

/**
 * `redis://` or `rediss://` connects to one server; `redis+cluster://user:pass@h1:p1,h2:p2` (or
 * `rediss+cluster://` over TLS) to a Redis Cluster through those seed nodes. Every key a script
 * touches carries its channel's hash tag, so each script runs in one slot on one node. Over TLS
 * the CA comes from REDIS_CA_FILE in `env` (see redis-tls.ts).
 */
export function connectRedis(
  url: string,
  options: RedisOptions = {},
  env: EnvSource = process.env,
): RedisClient {
  const cluster = CLUSTER.exec(url);
  if (!cluster) return connectRedisServer(url, options, env);
  const rest = url.slice(cluster[0].length);
  const at = rest.lastIndexOf('@');
  const auth = at >= 0 ? rest.slice(0, at) : '';
  const hosts = at >= 0 ? rest.slice(at + 1) : rest;
  const [username, password] = auth.includes(':') ? auth.split(':') : [undefined, auth || undefined];
  const nodes = hosts
    .replace(/[/?].*$/, '')
    .split(',')
    .map((h) => {
      const [host, port] = h.split(':');
      return { host: host || '127.0.0.1', port: Number(port || 6379) };
    });
  const redisOptions: RedisOptions = { ...withTls(url, options, env) };
  if (username) redisOptions.username = decodeURIComponent(username);
  if (password) redisOptions.password = decodeURIComponent(password);
  return new Cluster(nodes, {
    redisOptions,
    enableAutoPipelining: options.enableAutoPipelining ?? false,
    // A slot moving during a failover answers MOVED; the cluster client follows it.
    maxRedirections: 16,
  });
}
