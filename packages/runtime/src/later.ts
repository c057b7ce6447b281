import type { ChannelKeys } from '@agent-ops/contracts/keys';
import { Queue, Worker } from 'bullmq';
import type { Logger } from './logger.ts';
import { connectRedis, type RedisClient } from './redis-connection.ts';

export type DeferArgs = {
  key: string;
  /** The entry being deferred; with the key it makes the job id, so a retried defer adds nothing. */
  fromId: string;
  /** Fields of the entry to append when the delay is over. */
  fields: string[];
  delayMs: number;
};

const QUEUE = 'later';

/** A BullMQ job id for a deferral: stable for the same entry, and free of ':' (BullMQ refuses it). */
export function deferJobId(key: string, fromId: string): string {
  return `${encodeURIComponent(key)}@${fromId}`;
}

/**
 * "Come back later" that survives restarts: a delayed BullMQ job whose processor appends
 * the intent to its stream again. The caller acknowledges the original only after
 * `defer` resolves, so a crash in between only re-adds the same job id.
 */
export class Later {
  private readonly queue: Queue;
  private worker: Worker | undefined;
  private readonly connection: RedisClient;
  private readonly redisUrl: string;
  /** BullMQ does not close a connection it is given, so the worker's own is closed here. */
  private workerConnection: RedisClient | undefined;
  private readonly keys: ChannelKeys;
  private readonly log: Logger;

  constructor(redisUrl: string, keys: ChannelKeys, log: Logger) {
    this.redisUrl = redisUrl;
    this.connection = connectRedis(redisUrl, { maxRetriesPerRequest: null });
    this.connection.on('error', (err) => log.warn({ err }, 'redis error (delayed re-appends)'));
    this.keys = keys;
    this.log = log;
    this.queue = new Queue(QUEUE, { connection: this.connection, prefix: keys.bullPrefix });
  }

  async defer(a: DeferArgs): Promise<void> {
    await this.queue.add(
      'reappend',
      { fields: a.fields },
      {
        jobId: deferJobId(a.key, a.fromId),
        delay: Math.max(0, Math.round(a.delayMs)),
        removeOnComplete: { age: 3600 },
        removeOnFail: { age: 7 * 86_400 },
        attempts: 20,
        backoff: { type: 'exponential', delay: 1000 },
      },
    );
  }

  /** Runs the re-appends that come due. Any replica may run them; a duplicate append is harmless. */
  startWorker(): void {
    const workerConnection = connectRedis(this.redisUrl, { maxRetriesPerRequest: null });
    this.workerConnection = workerConnection;
    workerConnection.on('error', (err) => this.log.warn({ err }, 'redis error (delayed re-appends)'));
    this.worker = new Worker(
      QUEUE,
      async (job) => {
        const fields = (job.data as { fields: string[] }).fields;
        return this.connection.xadd(this.keys.intents, '*', ...fields);
      },
      { connection: workerConnection, prefix: this.keys.bullPrefix, concurrency: 16 },
    );
    this.worker.on('failed', (job, err) =>
      this.log.error({ err, jobId: job?.id }, 'delayed re-append failed'),
    );
    this.worker.on('error', (err) => this.log.error({ err }, 'delayed re-append worker error'));
  }

  async pendingCount(): Promise<number> {
    return this.queue.getDelayedCount();
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
    this.workerConnection?.disconnect();
    this.connection.disconnect();
  }
}
