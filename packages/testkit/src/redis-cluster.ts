import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connectRedisServer } from '@agent-ops/runtime/redis-connection';
import { writeTlsFiles } from '@agent-ops/runtime/tls-certificates';
import { type RedisServer, startRedisServer } from './redis-server.ts';

export type RedisCluster = {
  url: string;
  nodes: RedisServer[];
  /** What a client's environment needs to reach it (REDIS_CA_FILE); empty without TLS. */
  clientEnv: Record<string, string>;
  stop(): Promise<void>;
};

export type RedisClusterOptions = {
  appendfsync?: 'always' | 'everysec' | 'no';
  /** Every node TLS only, the cluster bus too (tls-cluster yes): `rediss+cluster://`. */
  tls?: boolean;
};

/** A local Redis Cluster of three masters (no replicas) on free ports, made with redis-cli --cluster create. */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  // One CA and one certificate for 127.0.0.1 serve every node, as one operator's setup would.
  const tlsDir = options.tls ? mkdtempSync(join(tmpdir(), 'agent-ops-cluster-tls-')) : null;
  const files = tlsDir ? writeTlsFiles(tlsDir, { hosts: ['127.0.0.1', 'localhost'] }) : null;
  const nodes = await Promise.all(
    [0, 1, 2].map(() =>
      startRedisServer({
        ...(options.appendfsync ? { appendfsync: options.appendfsync } : {}),
        ...(files ? { tls: { files } } : {}),
        args: [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          '5000',
          ...(files ? ['--tls-cluster', 'yes', '--tls-replication', 'yes'] : []),
        ],
      }),
    ),
  );
  const clientEnv: Record<string, string> = files ? { REDIS_CA_FILE: files.caFile } : {};
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
  };
  const create = spawnSync(
    process.env.REDIS_CLI_BIN ?? 'redis-cli',
    [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
      ...(files ? ['--tls', '--cacert', files.caFile] : []),
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (create.status !== 0) {
    await stop();
    throw new Error(`redis-cli --cluster create failed: ${create.stderr || create.stdout}`);
  }
  // Every node must agree the cluster is up before a client may rely on its slot map.
  for (const n of nodes) {
    const r = connectRedisServer(n.url, {}, clientEnv);
    try {
      for (let i = 0; ; i += 1) {
        if (/cluster_state:ok/.test(String(await r.call('CLUSTER', 'INFO')))) break;
        if (i > 200) throw new Error(`cluster node ${n.port} did not reach cluster_state:ok`);
        await sleep(50);
      }
    } finally {
      r.disconnect();
    }
  }
  const scheme = files ? 'rediss+cluster' : 'redis+cluster';
  return { url: `${scheme}://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`, nodes, clientEnv, stop };
}
