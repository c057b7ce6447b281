import { CHANNELS, type Channel } from '@agent-ops/contracts/channels';
import { channelKeys } from '@agent-ops/contracts/keys';
import type { Receipt } from '@agent-ops/contracts/receipt';
import { Queue, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { BullConnections } from './bull-connections.ts';
import type { CoordinatorConfig } from './config.ts';
import { hookMessage } from './hook-message.ts';

const QUEUE = 'agent-hook';

/**
 * Reports receipts back to an OpenClaw gateway's /hooks/agent: failed, rejected and unknown
 * ones (or every one). Each report is a BullMQ job, retried with backoff, whose id comes
 * from the receipt, so reporting the same receipt twice sends it once.
 */
export class AgentHook {
  private readonly config: NonNullable<CoordinatorConfig['agentHook']>;
  private readonly queues = new Map<Channel, Queue>();
  private readonly workers: Worker[] = [];
  private readonly connections: BullConnections;
  private readonly prefix: string;
  private readonly log: Logger;

  constructor(
    config: NonNullable<CoordinatorConfig['agentHook']>,
    redisUrl: string,
    prefix: string,
    log: Logger,
  ) {
    this.config = config;
    this.connections = new BullConnections(redisUrl, log, 'agent hook');
    this.prefix = prefix;
    this.log = log;
  }

  wants(receipt: Receipt): boolean {
    return this.config.receipts === 'all' || receipt.status !== 'succeeded';
  }

  async report(channel: Channel, receipt: Receipt): Promise<void> {
    if (!this.wants(receipt)) return;
    let queue = this.queues.get(channel);
    if (!queue) {
      queue = new Queue(QUEUE, {
        connection: this.connections.open(),
        prefix: channelKeys(this.prefix, channel).bullPrefix,
      });
      this.queues.set(channel, queue);
    }
    await queue.add('report', receipt, {
      jobId: `${encodeURIComponent(receipt.idempotencyKey)}@${receipt.intentId}@${receipt.status}`,
      attempts: 8,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 86_400 },
      removeOnFail: { age: 7 * 86_400 },
    });
  }

  start(): void {
    for (const channel of CHANNELS) {
      const worker = new Worker(QUEUE, async (job) => this.send(job.data as Receipt), {
        connection: this.connections.open(),
        prefix: channelKeys(this.prefix, channel).bullPrefix,
      });
      worker.on('failed', (job, err) =>
        this.log.warn({ err: err.message, jobId: job?.id }, 'agent hook report failed; retrying'),
      );
      this.workers.push(worker);
    }
  }

  private async send(receipt: Receipt): Promise<void> {
    const res = await fetch(this.config.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.config.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: hookMessage(receipt), name: 'agent-ops', wakeMode: 'now' }),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`the gateway answered ${res.status}`);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    this.connections.closeAll();
  }
}
