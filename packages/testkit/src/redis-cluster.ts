import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { type RedisServer, startRedisServer } from './redis-server.ts';

export type RedisCluster = { url: string; nodes: RedisServer[]; stop(): Promise<void> };

export type RedisClusterOptions = { appendfsync?: 'always' | 'everysec' | 'no' };

/** A local Redis Cluster of three masters (no replicas) on free ports, made with redis-cli --cluster create. */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const nodes = await Promise.all(
    [0, 1, 2].map(() =>
      startRedisServer({
        ...(options.appendfsync ? { appendfsync: options.appendfsync } : {}),
        args: [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          'nodes.conf',
          '--cluster-node-timeout',
          '5000',
        ],
      }),
    ),
  );
  const stop = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
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
    ],
    { encoding: 'utf8', timeout: 30_000 },
  );
  if (create.status !== 0) {
    await stop();
    throw new Error(`redis-cli --cluster create failed: ${create.stderr || create.stdout}`);
  }
  // Every node must agree the cluster is up before a client may rely on its slot map.
  for (const n of nodes) {
    const r = new Redis(n.url);
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
  return { url: `redis+cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`, nodes, stop };
}
