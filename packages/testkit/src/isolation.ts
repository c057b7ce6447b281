import { randomBytes } from 'node:crypto';
import { connectRedisServer } from '@agent-ops/runtime/redis-connection';
import type { Redis } from 'ioredis';

/** A key prefix of this test's own, so tests share one Redis without seeing each other's keys. */
export function testPrefix(label = 't'): string {
  return `${label}${randomBytes(5).toString('hex')}`;
}

/**
 * An ioredis client for a test (tests never FLUSH a shared server). Over `rediss://` it trusts
 * the CA in `env` (REDIS_CA_FILE), as the services do.
 */
export function redisClient(url: string, env: Record<string, string | undefined> = process.env): Redis {
  return connectRedisServer(url, { lazyConnect: false, maxRetriesPerRequest: 3 }, env);
}
