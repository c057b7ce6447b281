import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@agent-ops/contracts/errors';
import { type RedisCluster, startRedisCluster } from '@agent-ops/testkit/redis-cluster';
import { type RedisServer, startRedisServer } from '@agent-ops/testkit/redis-server';
import type { RedisOptions } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, connectRedisServer, type RedisClient } from '../src/redis-connection.ts';
import { isLoopbackHost, redisTransport } from '../src/redis-transport.ts';
import { writeTlsFiles } from '../src/tls-certificates.ts';

const clients: RedisClient[] = [];
const servers: Array<RedisServer | RedisCluster> = [];
let server: RedisServer;

function client(url: string, env: Record<string, string>, options: RedisOptions = {}): RedisClient {
  const c = connectRedis(url, { maxRetriesPerRequest: 1, ...options }, env);
  clients.push(c);
  return c;
}

/** The error a client meets when it tries to connect once (no retry): what a refused client sees. */
function refusal(url: string, env: Record<string, string>): Promise<Error> {
  return new Promise((resolve, reject) => {
    const c = client(url, env, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    c.once('error', (err: Error) => resolve(err));
    c.connect().then(
      () => reject(new Error('connected, but should have been refused')),
      () => {},
    );
  });
}

/** What a client without TLS gets from the TLS port: no Redis answer, just a closed connection. */
function plainPing(port: number): Promise<string> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect({ port, host: '127.0.0.1' });
    socket.setTimeout(5000, () => socket.destroy());
    socket.on('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.on('data', (d) => {
      answer += d.toString('latin1');
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(answer));
  });
}

beforeAll(async () => {
  server = await startRedisServer({ tls: {} });
  servers.push(server);
});
afterAll(async () => {
  for (const c of clients) c.disconnect();
  await Promise.all(servers.map((s) => s.stop()));
});

describe('Redis over TLS (a real redis-server, TLS only)', () => {
  it('a rediss:// client with the CA from REDIS_CA_FILE gets in, and its transport says TLS', async () => {
    const c = client(server.url, server.clientEnv);
    expect(await c.ping()).toBe('PONG');
    expect(redisTransport(c)).toMatchObject({
      tls: true,
      loopback: true,
      clientCertificate: false,
      protocol: expect.stringMatching(/^TLSv1\.[23]$/),
    });
  });

  it('refuses plain text: a raw PING gets no answer, and a redis:// client cannot connect', async () => {
    expect(await plainPing(server.port)).not.toMatch(/PONG|NOAUTH/);
    const err = await refusal(`redis://127.0.0.1:${server.port}`, {});
    // Redis reads the PING as a broken TLS handshake and drops the connection.
    expect(err.message).toMatch(/ECONNRESET|closed/);
  });

  it('refuses a client that trusts another CA, or only the system CAs', async () => {
    const other = writeTlsFiles(mkdtempSync(join(tmpdir(), 'other-ca-')), { hosts: ['127.0.0.1'] });
    const wrongCa = await refusal(server.url, { REDIS_CA_FILE: other.caFile });
    expect(wrongCa.message).toMatch(/unable to verify|self[- ]signed/i);
    const systemCas = await refusal(server.url, {});
    expect(systemCas.message).toMatch(/unable to verify|self[- ]signed/i);
  });

  it('refuses a server whose certificate names another host (the SANs from --host matter)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'elsewhere-'));
    const files = writeTlsFiles(dir, { hosts: ['192.0.2.10', 'redis-elsewhere.example'] });
    const elsewhere = await startRedisServer({ tls: { files } });
    servers.push(elsewhere);
    const err = await refusal(elsewhere.url, elsewhere.clientEnv);
    expect(err.message).toMatch(/IP: 127\.0\.0\.1 is not in the cert's list/);
  });

  it('with tls-auth-clients yes, a client certificate from REDIS_CERT_FILE/REDIS_KEY_FILE is required', async () => {
    const strict = await startRedisServer({ tls: { authClients: true } });
    servers.push(strict);
    expect(strict.clientEnv.REDIS_CERT_FILE).toBeDefined();
    const c = client(strict.url, strict.clientEnv);
    expect(await c.ping()).toBe('PONG');
    expect(redisTransport(c).clientCertificate).toBe(true);
    const noCert = await refusal(strict.url, { REDIS_CA_FILE: strict.clientEnv.REDIS_CA_FILE as string });
    // The handshake fails on the server's side; the client sees the connection reset.
    expect(noCert.message).toMatch(/certificate required|ECONNRESET|closed/i);
  });

  it('rediss+cluster:// reaches every master of a TLS-only cluster (bus included) with the same CA', async () => {
    const cluster = await startRedisCluster({ tls: true });
    servers.push(cluster);
    expect(cluster.url).toMatch(/^rediss\+cluster:\/\//);
    const c = client(cluster.url, cluster.clientEnv);
    // Three tags in three slots that fall on different masters.
    for (const tag of ['x', 'email', 'calendar']) await c.set(`{${tag}}:tls`, tag);
    expect(await c.get('{email}:tls')).toBe('email');
    const transport = redisTransport(c);
    expect(transport.tls).toBe(true);
    expect(transport.endpoints.length).toBe(3);
  });
});

describe('TLS settings are checked before anything is sent', () => {
  const plainUrl = 'redis://127.0.0.1:1';
  it('refuses REDIS_CA_FILE with a plain redis:// URL (a missing "s" would send passwords in clear)', () => {
    expect(() => connectRedis(plainUrl, { lazyConnect: true }, { REDIS_CA_FILE: '/x/ca.crt' })).toThrow(
      /REDIS_CA_FILE: set, but the Redis URL is redis:\/\//,
    );
    expect(() =>
      connectRedis('redis+cluster://127.0.0.1:1', { lazyConnect: true }, { REDIS_CA_FILE: '/x/ca.crt' }),
    ).toThrow(ConfigError);
  });

  it('names the variable and the path of a file it cannot read, and wants a certificate with its key', () => {
    const missing = () =>
      connectRedis('rediss://127.0.0.1:1', { lazyConnect: true }, { REDIS_CA_FILE: '/nope/ca.crt' });
    expect(missing).toThrow(ConfigError);
    expect(missing).toThrow('REDIS_CA_FILE: cannot read /nope/ca.crt (ENOENT)');
    expect(() =>
      connectRedis(
        'rediss://127.0.0.1:1',
        { lazyConnect: true },
        { REDIS_CERT_FILE: server.clientEnv.REDIS_CA_FILE },
      ),
    ).toThrow(/set both/);
  });

  it('connectRedisServer refuses a cluster URL instead of reading it as a host name', () => {
    expect(() => connectRedisServer('rediss+cluster://127.0.0.1:1', { lazyConnect: true }, {})).toThrow(
      ConfigError,
    );
  });

  it('knows loopback hosts from LAN ones', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'])
      expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['10.0.0.2', '192.168.1.20', 'redis-mini.local', '::ffff:10.0.0.2', 'fe80::1'])
      expect(isLoopbackHost(h), h).toBe(false);
    const plain = client(plainUrl, {}, { lazyConnect: true });
    expect(redisTransport(plain)).toMatchObject({ tls: false, loopback: true, endpoints: ['127.0.0.1:1'] });
  });
});
