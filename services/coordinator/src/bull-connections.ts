import { connectRedis, type RedisClient } from '@agent-ops/runtime/redis-connection';
import type { Logger } from 'pino';

/**
 * Connections for BullMQ queues and workers (which need maxRetriesPerRequest null), each
 * with an error listener, all closed together: BullMQ does not close what it is given.
 */
export class BullConnections {
  private readonly all: RedisClient[] = [];
  private readonly redisUrl: string;
  private readonly log: Logger;
  private readonly what: string;

  constructor(redisUrl: string, log: Logger, what: string) {
    this.redisUrl = redisUrl;
    this.log = log;
    this.what = what;
  }

  open(): RedisClient {
    const c = connectRedis(this.redisUrl, { maxRetriesPerRequest: null });
    c.on('error', (err) => this.log.warn({ err }, `redis error (${this.what})`));
    this.all.push(c);
    return c;
  }

  closeAll(): void {
    for (const c of this.all.splice(0)) c.disconnect();
  }
}
