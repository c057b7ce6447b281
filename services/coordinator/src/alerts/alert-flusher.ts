import { createHash } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { BullConnections } from '../bull-connections.ts';
import type { AlertQueue, Batch } from './alert-queue.ts';

const QUEUE = 'alert-digest';

/** Flushes at most this many batches in one job, so a steady stream of events cannot keep one job going. */
const MAX_BATCHES_PER_JOB = 20;

/**
 * One BullMQ delayed job per digest: it fires `digestSeconds` after the digest's first event
 * and turns what has collected into one intent. Its id comes from that first event, so adding
 * it again (after a crash, or from the recovery at start) adds nothing.
 */
export class AlertFlusher {
  private readonly connections: BullConnections;
  private readonly prefix: string;
  private queue: Queue | undefined;
  private worker: Worker | undefined;
  private readonly alertQueue: AlertQueue;
  private readonly log: Logger;

  constructor(redisUrl: string, bullPrefix: string, alertQueue: AlertQueue, log: Logger) {
    this.connections = new BullConnections(redisUrl, log, 'alerts');
    this.prefix = bullPrefix;
    this.alertQueue = alertQueue;
    this.log = log;
  }

  private q(): Queue {
    this.queue ??= new Queue(QUEUE, { connection: this.connections.open(), prefix: this.prefix });
    return this.queue;
  }

  static jobId(destination: string, firstEventId: string): string {
    return `digest.${destination}.${createHash('sha256').update(firstEventId).digest('hex').slice(0, 24)}`;
  }

  async schedule(destination: string, firstEventId: string, delayMs: number): Promise<void> {
    await this.q().add(
      'flush',
      { destination },
      {
        jobId: AlertFlusher.jobId(destination, firstEventId),
        delay: Math.max(0, delayMs),
        attempts: 20,
        backoff: { type: 'exponential', delay: 1000 },
        removeOnComplete: true,
        removeOnFail: { age: 7 * 86_400 },
      },
    );
  }

  /** `deliver` turns one batch into its intent (idempotently, by the batch's key). */
  start(deliver: (destination: string, batch: Batch) => Promise<void>): void {
    this.worker = new Worker(
      QUEUE,
      async (job) => {
        const destination = (job.data as { destination: string }).destination;
        for (let i = 0; i < MAX_BATCHES_PER_JOB; i += 1) {
          const batch = await this.alertQueue.take(destination);
          if (!batch) return;
          await deliver(destination, batch);
          await this.alertQueue.finish(destination, batch);
        }
      },
      { connection: this.connections.open(), prefix: this.prefix },
    );
    this.worker.on('failed', (job, err) =>
      this.log.warn({ err, jobId: job?.id }, 'alert digest failed; retrying'),
    );
    this.worker.on('error', (err) => this.log.error({ err }, 'alert worker error'));
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue?.close();
    this.connections.closeAll();
  }
}
