import { CHANNELS, type Channel } from '@agent-ops/contracts/channels';
import { channelKeys } from '@agent-ops/contracts/keys';
import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { BullConnections } from './bull-connections.ts';

const QUEUE = 'scheduled';

export type Release = (channel: Channel, key: string) => Promise<void>;

/**
 * Intents held until their notBefore: one BullMQ delayed job per key (job id from the key,
 * so scheduling twice adds nothing), under each channel's hash tag. The jobs live in Redis,
 * so they survive a coordinator restart.
 */
export class Scheduler {
  private readonly queues = new Map<Channel, Queue>();
  private readonly workers: Worker[] = [];
  private readonly connections: BullConnections;
  private readonly prefix: string;
  private readonly log: Logger;

  constructor(redisUrl: string, prefix: string, log: Logger) {
    this.connections = new BullConnections(redisUrl, log, 'scheduler');
    this.prefix = prefix;
    this.log = log;
  }

  private queue(channel: Channel): Queue {
    let q = this.queues.get(channel);
    if (!q) {
      q = new Queue(QUEUE, {
        connection: this.connections.open(),
        prefix: channelKeys(this.prefix, channel).bullPrefix,
      });
      this.queues.set(channel, q);
    }
    return q;
  }

  static jobId(key: string): string {
    return `at-${encodeURIComponent(key)}`;
  }

  async schedule(channel: Channel, key: string, at: Date): Promise<void> {
    await this.queue(channel).add(
      'release',
      { key },
      {
        jobId: Scheduler.jobId(key),
        delay: Math.max(0, at.getTime() - Date.now()),
        removeOnComplete: true,
        removeOnFail: { age: 7 * 86_400 },
        attempts: 10,
        backoff: { type: 'exponential', delay: 1000 },
      },
    );
  }

  async cancel(channel: Channel, key: string): Promise<boolean> {
    const job = await this.queue(channel).getJob(Scheduler.jobId(key));
    if (!job) return false;
    await job.remove();
    return true;
  }

  start(release: Release): void {
    for (const channel of CHANNELS) {
      const worker = new Worker(QUEUE, async (job) => release(channel, (job.data as { key: string }).key), {
        connection: this.connections.open(),
        prefix: channelKeys(this.prefix, channel).bullPrefix,
      });
      worker.on('failed', (job, err) => this.log.error({ err, jobId: job?.id }, 'scheduled release failed'));
      worker.on('error', (err) => this.log.error({ err }, 'scheduler worker error'));
      this.workers.push(worker);
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    this.connections.closeAll();
  }
}
