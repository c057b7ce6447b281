import { CHANNELS, type Channel } from '@agent-ops/contracts/channels';
import { channelKeys } from '@agent-ops/contracts/keys';
import type { Receipt } from '@agent-ops/contracts/receipt';
import type { RedisClient } from '@agent-ops/runtime/redis-connection';
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Logger } from 'pino';
import { BullConnections } from '../bull-connections.ts';
import type { CoordinatorConfig } from '../config.ts';
import { type HookRefusal, HookRetryError, judgeHookAnswer } from './hook-answer.ts';
import { type HookReport, hookBody, hookIdempotencyKey } from './hook-request.ts';
import { type HookRetryPolicy, nextHookDelay } from './retry-schedule.ts';

const QUEUE = 'agent-hook';
// Attempts are bounded by the report's age (maxAgeHours), not by a count.
const UNBOUNDED_ATTEMPTS = 1_000_000;
const UNDELIVERED_KEPT = 1000;

export type AgentHookConfig = NonNullable<CoordinatorConfig['agentHook']>;

/** Looks up the session that submitted an intent (its `meta.sessionKey`), null when none was named. */
export type SessionKeyLookup = (channel: Channel, idempotencyKey: string) => Promise<string | null>;

/** A report that will never be delivered, as the dashboard shows it. */
export type UndeliveredReport = {
  idempotencyKey: string;
  action: string;
  account: string;
  status: Receipt['status'];
  intentId: string;
  reason: string;
  attempts: number;
  queuedAt: string;
  at: string;
};

/**
 * Reports receipts back to an OpenClaw gateway's /hooks/agent: failed, rejected and unknown
 * ones (or every one). Each report is a BullMQ job whose id comes from the receipt, so
 * reporting the same receipt twice queues it once, and whose `Idempotency-Key` comes from
 * that id, so the gateway admits it once however often it is sent. A report is retried with
 * capped backoff until delivered or `maxAgeHours` old (a gateway away for hours loses
 * nothing); an answer that cannot change (400, 401, 403, 404) ends it at once. Either end is
 * logged once as an error and kept in the channel's `hookUndelivered` stream.
 */
export class AgentHook {
  private readonly config: AgentHookConfig;
  private readonly policy: HookRetryPolicy;
  private readonly queues = new Map<Channel, Queue>();
  private readonly workers: Worker[] = [];
  private readonly connections: BullConnections;
  private readonly redis: RedisClient;
  private readonly prefix: string;
  private readonly log: Logger;
  private readonly sessionKeyOf: SessionKeyLookup;

  constructor(
    config: AgentHookConfig,
    redisUrl: string,
    prefix: string,
    log: Logger,
    sessionKeyOf: SessionKeyLookup = async () => null,
  ) {
    this.config = config;
    this.policy = { ...config.backoff, maxAgeMs: config.maxAgeHours * 3_600_000 };
    this.connections = new BullConnections(redisUrl, log, 'agent hook');
    this.redis = this.connections.open();
    this.prefix = prefix;
    this.log = log;
    this.sessionKeyOf = sessionKeyOf;
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
    const report: HookReport = {
      receipt,
      sessionKey: await this.sessionKeyOf(channel, receipt.idempotencyKey),
    };
    await queue.add('report', report, {
      jobId: `${encodeURIComponent(receipt.idempotencyKey)}@${receipt.intentId}@${receipt.status}`,
      attempts: UNBOUNDED_ATTEMPTS,
      backoff: { type: 'hook' },
      removeOnComplete: { age: 86_400 },
      removeOnFail: { age: 7 * 86_400 },
    });
  }

  start(): void {
    for (const channel of CHANNELS) {
      const worker = new Worker(QUEUE, (job: Job<HookReport>) => this.attempt(channel, job), {
        connection: this.connections.open(),
        prefix: channelKeys(this.prefix, channel).bullPrefix,
        settings: {
          backoffStrategy: (failures, _type, err, job) =>
            nextHookDelay(
              failures,
              Date.now() - (job?.timestamp ?? Date.now()),
              this.policy,
              err instanceof HookRetryError ? err.retryAfterMs : 0,
            ),
        },
      });
      // Failures are logged by attempt(); this only hears of what it could not handle.
      worker.on('error', (err) => this.log.warn({ err: err.message }, 'agent hook worker error'));
      this.workers.push(worker);
    }
  }

  private async attempt(channel: Channel, job: Job<HookReport>): Promise<void> {
    const { receipt } = job.data;
    const attempt = job.attemptsMade + 1;
    const ctx = { idempotencyKey: receipt.idempotencyKey, status: receipt.status, channel, attempt };
    try {
      await this.send(channel, job);
    } catch (err) {
      const reason = describe(err);
      const age = Date.now() - job.timestamp;
      if (err instanceof UnrecoverableError) {
        if ((err as HookRefusal).status === 400 && job.data.sessionKey && !job.data.fallback) {
          // The gateway's hooks policy may refuse the session the intent named (a prefix it
          // does not allow): the report is not lost for that, it goes to the configured session.
          this.log.warn(
            { ...ctx, reason },
            'agent hook refused the submitting session; reporting to the default one',
          );
          await job.updateData({ ...job.data, fallback: true });
          throw new HookRetryError(reason);
        }
        await this.giveUp(channel, job, reason, attempt);
        throw err;
      }
      if (age >= this.policy.maxAgeMs) {
        const why = `${reason}; still undelivered after ${hours(age)} (maxAgeHours ${this.config.maxAgeHours})`;
        await this.giveUp(channel, job, why, attempt);
        throw new UnrecoverableError(why);
      }
      this.log.warn({ ...ctx, reason }, 'agent hook report not delivered; retrying');
      throw err;
    }
    if (attempt > 1) this.log.info(ctx, 'agent hook report delivered after retries');
  }

  private async send(channel: Channel, job: Job<HookReport>): Promise<void> {
    let res: Response;
    try {
      res = await fetch(this.config.url, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${this.config.token}`,
          'content-type': 'application/json',
          'idempotency-key': hookIdempotencyKey(this.prefix, channel, String(job.id), job.data.fallback),
        },
        body: JSON.stringify(hookBody(job.data, this.config)),
        signal: AbortSignal.timeout(this.config.timeoutSeconds * 1000),
      });
    } catch (err) {
      // Refused, reset or timed out: the same key makes a resend safe even if it was admitted.
      throw new HookRetryError(`no answer from the gateway (${describe(err)})`);
    }
    await judgeHookAnswer(res, this.config.token);
  }

  private async giveUp(channel: Channel, job: Job<HookReport>, reason: string, attempts: number) {
    const r = job.data.receipt;
    const entry: UndeliveredReport = {
      idempotencyKey: r.idempotencyKey,
      action: r.action,
      account: r.account,
      status: r.status,
      intentId: r.intentId,
      reason,
      attempts,
      queuedAt: new Date(job.timestamp).toISOString(),
      at: new Date().toISOString(),
    };
    this.log.error(
      { idempotencyKey: r.idempotencyKey, status: r.status, channel, attempts, reason },
      'agent hook report undeliverable; not retrying',
    );
    await this.redis
      .xadd(
        channelKeys(this.prefix, channel).hookUndelivered,
        'MAXLEN',
        '~',
        UNDELIVERED_KEPT,
        '*',
        'report',
        JSON.stringify(entry),
      )
      .catch((err: Error) => this.log.warn({ err: err.message }, 'cannot record an undelivered report'));
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.workers.map((w) => w.close()));
    await Promise.allSettled([...this.queues.values()].map((q) => q.close()));
    this.connections.closeAll();
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as Error & { cause?: { code?: string } }).cause?.code;
  if (err.name === 'TimeoutError') return 'timed out';
  return cause ? `${err.message}: ${cause}` : err.message;
}

function hours(ms: number): string {
  return ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(1)} h` : `${Math.round(ms / 1000)} s`;
}
