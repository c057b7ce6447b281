import { spawnSync } from 'node:child_process';
import { NO_REDIS_HELP, redisServerBinary, startRedisServer } from './redis-server.ts';

export type TestRedis = {
  url: string;
  /** How it was found, for the run's log line. */
  source: 'REDIS_URL' | 'redis-server' | 'testcontainers';
  stop(): Promise<void>;
};

function dockerAvailable(): boolean {
  return spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 }).status === 0;
}

/**
 * The Redis of a test run: `REDIS_URL` if set; else a private `redis-server` on a free
 * port; else a testcontainers Redis where Docker runs; else an error saying how to get one.
 * The machine's shared Redis is never used unless REDIS_URL names it.
 */
export async function redisForTests(): Promise<TestRedis> {
  const url = process.env.REDIS_URL;
  if (url) return { url, source: 'REDIS_URL', stop: async () => {} };
  if (redisServerBinary()) {
    const server = await startRedisServer();
    return { url: server.url, source: 'redis-server', stop: server.stop };
  }
  if (dockerAvailable()) {
    const { GenericContainer } = await import('testcontainers');
    const container = await new GenericContainer('redis:7.0').withExposedPorts(6379).start();
    return {
      url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`,
      source: 'testcontainers',
      stop: async () => {
        await container.stop();
      },
    };
  }
  throw new Error(NO_REDIS_HELP);
}
