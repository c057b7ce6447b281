import { isIP } from 'node:net';
import { TLSSocket } from 'node:tls';
import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './redis-connection.ts';

/** How a client reaches Redis, for `ops doctor`: read from the live connection, not the config. */
export type RedisTransport = {
  tls: boolean;
  /** host:port of each server the client talks to (a path for a unix socket). */
  endpoints: string[];
  /** The protocol a live TLS connection negotiated (e.g. TLSv1.3); null if none is up. */
  protocol: string | null;
  /** Whether the server's certificate is checked against a CA of our own (REDIS_CA_FILE), not the system's. */
  ownCa: boolean;
  /** Whether the client presents a certificate of its own (tls-auth-clients yes). */
  clientCertificate: boolean;
  /** Every endpoint is on this host (loopback or a unix socket): nothing crosses a network. */
  loopback: boolean;
};

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1' || /^::ffff:127\./.test(h);
}

type Endpoint = {
  address: string;
  loopback: boolean;
  tls: boolean;
  ca: boolean;
  cert: boolean;
  protocol: string | null;
};

function endpoint(r: Redis): Endpoint {
  const o = r.options;
  const stream = r.stream as unknown;
  const protocol = stream instanceof TLSSocket ? stream.getProtocol() : null;
  const options = typeof o.tls === 'object' && o.tls !== null ? o.tls : {};
  const found = { tls: Boolean(o.tls), ca: Boolean(options.ca), cert: Boolean(options.cert), protocol };
  if (o.path) return { address: o.path, loopback: true, ...found };
  const host = o.host ?? '127.0.0.1';
  return { address: `${host}:${o.port ?? 6379}`, loopback: isLoopbackHost(host), ...found };
}

/** A cluster's node connections; before the first slot map, its seed nodes with the shared options. */
function clusterEndpoints(cluster: Cluster): Endpoint[] {
  const nodes = cluster.nodes('all');
  if (nodes.length > 0) return nodes.map(endpoint);
  // ioredis keeps the seeds in a field its types call private.
  const seeds = (cluster as unknown as { startupNodes: Array<{ host?: string; port?: number }> })
    .startupNodes;
  const shared = cluster.options.redisOptions ?? {};
  return seeds.map((seed) => endpoint({ options: { ...shared, ...seed }, stream: null } as unknown as Redis));
}

export function redisTransport(client: RedisClient): RedisTransport {
  const all = client instanceof Cluster ? clusterEndpoints(client) : [endpoint(client)];
  return {
    // A cluster counts as TLS only if every node's connection is.
    tls: all.length > 0 && all.every((e) => e.tls),
    endpoints: all.map((e) => e.address),
    protocol: all.find((e) => e.protocol)?.protocol ?? null,
    ownCa: all.length > 0 && all.every((e) => e.ca),
    clientCertificate: all.some((e) => e.cert),
    loopback: all.every((e) => e.loopback),
  };
}
