import { Cluster, Redis, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

/**
 * `redis://` or `rediss://` connects to one server; `redis+cluster://user:pass@h1:p1,h2:p2`
 * to a Redis Cluster through those seed nodes. Every key a script touches carries its
 * channel's hash tag, so each script runs in one slot on one node.
 */
export function connectRedis(url: string, options: RedisOptions = {}): RedisClient {
  if (!url.startsWith('redis+cluster://')) return new Redis(url, options);
  const rest = url.slice('redis+cluster://'.length);
  const at = rest.lastIndexOf('@');
  const auth = at >= 0 ? rest.slice(0, at) : '';
  const hosts = at >= 0 ? rest.slice(at + 1) : rest;
  const [username, password] = auth.includes(':') ? auth.split(':') : [undefined, auth || undefined];
  const nodes = hosts
    .replace(/\/.*$/, '')
    .split(',')
    .map((h) => {
      const [host, port] = h.split(':');
      return { host: host || '127.0.0.1', port: Number(port || 6379) };
    });
  const redisOptions: RedisOptions = { ...options };
  if (username) redisOptions.username = decodeURIComponent(username);
  if (password) redisOptions.password = decodeURIComponent(password);
  return new Cluster(nodes, {
    redisOptions,
    enableAutoPipelining: options.enableAutoPipelining ?? false,
    // A slot moving during a failover answers MOVED; the cluster client follows it.
    maxRedirections: 16,
  });
}
