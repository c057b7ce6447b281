import type { ChannelKeys } from '@agent-ops/contracts/keys';
import type { Queue, Worker } from 'bullmq';
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
/** The BullMQ lists and sets that hold a job until it has run. */
const WAITING_STATES = ['delayed', 'wait', 'active', 'prioritized', 'paused'] as const;

/**
 * The sorted set of re-appends waiting for their time (BullMQ's delayed jobs of the queue):
 * how many intents of a channel wait to be tried again, read by the dashboard without BullMQ.
 */
export function delayedReappendsKey(keys: ChannelKeys): string {
  return `${keys.bullPrefix}:${QUEUE}:delayed`;
}

/** A BullMQ job id for a deferral: stable for the same entry, and free of ':' (BullMQ refuses it). */
export function deferJobId(key: string, fromId: string): string {
  return `${encodeURIComponent(key)}@${fromId}`;
}

/**
 * "Come back later" that survives restarts: a delayed BullMQ job whose processor appends
 * the intent to its stream again. The caller acknowledges the original only after
 * `defer` resolves, so a crash in between only re-adds the same job id.
 *
 * BullMQ is loaded on first need, not at start: most starts have nothing deferred, and
 * loading it (with its scripts and two more connections) was a fifth of an executor's
 * start-up. The worker starts on this process's first defer, or as soon as a look at the
 * queue's keys finds a job some other replica left (`watch`).
 */
export class Later {
  private queuePromise: Promise<Queue> | undefined;
  private workerPromise: Promise<Worker> | undefined;
  private readonly connection: RedisClient;
  private readonly redisUrl: string;
  /** BullMQ does not close a connection it is given, so the worker's own is closed here. */
  private workerConnection: RedisClient | undefined;
  private readonly keys: ChannelKeys;
  private readonly log: Logger;
  private watcher: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(redisUrl: string, keys: ChannelKeys, log: Logger) {
    this.redisUrl = redisUrl;
    this.connection = connectRedis(redisUrl, { maxRetriesPerRequest: null });
    this.connection.on('error', (err) => log.warn({ err }, 'redis error (delayed re-appends)'));
    this.keys = keys;
    this.log = log;
  }

  private queue(): Promise<Queue> {
    this.queuePromise ??= import('bullmq').then(
      ({ Queue }) => new Queue(QUEUE, { connection: this.connection, prefix: this.keys.bullPrefix }),
    );
    return this.queuePromise;
  }

  async defer(a: DeferArgs): Promise<void> {
    const queue = await this.queue();
    await queue.add(
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
    void this.startWorker();
  }

  /**
   * Starts the worker once any job is waiting in the queue, looking every `everyMs`. Any
   * replica may run the re-appends; a duplicate append is harmless.
   */
  watch(everyMs: number, redis: RedisClient): void {
    const keys = WAITING_STATES.map((s) => `${this.keys.bullPrefix}:${QUEUE}:${s}`);
    const look = async () => {
      if (this.workerPromise || this.closed) return;
      // One key at a time: on a cluster, keys of one command must share a slot.
      for (const key of keys) {
        if ((await redis.exists(key)) > 0) {
          await this.startWorker();
          return;
        }
      }
    };
    const tick = () =>
      void look().catch((err: unknown) => this.log.warn({ err }, 'could not look for delayed re-appends'));
    tick();
    this.watcher = setInterval(tick, everyMs);
    this.watcher.unref();
  }

  /** Runs the re-appends that come due. */
  startWorker(): Promise<Worker> {
    this.workerPromise ??= import('bullmq').then(({ Worker }) => {
      if (this.watcher) clearInterval(this.watcher);
      const workerConnection = connectRedis(this.redisUrl, { maxRetriesPerRequest: null });
      this.workerConnection = workerConnection;
      workerConnection.on('error', (err) => this.log.warn({ err }, 'redis error (delayed re-appends)'));
      const worker = new Worker(
        QUEUE,
        async (job) => {
          const fields = (job.data as { fields: string[] }).fields;
          return this.connection.xadd(this.keys.intents, '*', ...fields);
        },
        { connection: workerConnection, prefix: this.keys.bullPrefix, concurrency: 16 },
      );
      worker.on('failed', (job, err) => this.log.error({ err, jobId: job?.id }, 'delayed re-append failed'));
      worker.on('error', (err) => this.log.error({ err }, 'delayed re-append worker error'));
      this.log.debug('delayed re-append worker started');
      return worker;
    });
    return this.workerPromise;
  }

  async pendingCount(): Promise<number> {
    return (await this.queue()).getDelayedCount();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.watcher) clearInterval(this.watcher);
    if (this.workerPromise) await (await this.workerPromise).close();
    if (this.queuePromise) await (await this.queuePromise).close();
    this.workerConnection?.disconnect();
    this.connection.disconnect();
  }
}
