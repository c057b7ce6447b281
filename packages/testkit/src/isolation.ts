import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** A key prefix of this test's own, so tests share one Redis without seeing each other's keys. */
export function testPrefix(label = 't'): string {
  return `${label}${randomBytes(5).toString('hex')}`;
}

/** An ioredis client that the returned `close` ends; tests never FLUSH a shared server. */
export function redisClient(url: string): Redis {
  return new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
}
