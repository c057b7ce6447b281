import { CHANNELS, type Channel } from '@agent-ops/contracts/channels';
import type { Receipt } from '@agent-ops/contracts/receipt';
import type { CoordinatorContext } from '../context.ts';
import { CoordinatorError } from '../coordinator-errors.ts';
import { submit } from '../intake.ts';
import type { AlertEvent } from './alert-events.ts';
import { AlertFlusher } from './alert-flusher.ts';
import { alertIntent } from './alert-intent.ts';
import { type AlertKeys, alertKeys } from './alert-keys.ts';
import { alertMessage } from './alert-message.ts';
import { AlertQueue, type Batch } from './alert-queue.ts';
import type { AlertsConfig } from './alerts-config.ts';
import { receiptEvent } from './receipt-events.ts';
import { scanApprovals, scanBreakers, scanConsumers, scanDeadletter, scanLogins } from './scans.ts';

/** Who submits the alerts, as the audit log and the records name it. */
export const ALERTS_ACTOR = 'alerts';

/**
 * People in the loop: the coordinator notices events (receipts as they are projected; pending
 * approvals, deadletter entries, breakers and consumers on a timer), queues each once per
 * destination that wants it, and turns each destination's digest into one intent. It sends
 * nothing itself: the notify and email executors deliver, with receipts and rate limits.
 */
export class Alerts {
  private readonly ctx: CoordinatorContext;
  private readonly config: AlertsConfig;
  private readonly keys: AlertKeys;
  private readonly queue: AlertQueue;
  private readonly flusher: AlertFlusher;
  /** event kind -> destinations that want it, from the people's choices. */
  private readonly routes = new Map<string, string[]>();
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;

  constructor(ctx: CoordinatorContext, config: AlertsConfig, redisUrl: string) {
    this.ctx = ctx;
    this.config = config;
    this.keys = alertKeys(ctx.config.prefix);
    this.queue = new AlertQueue(ctx.redis, this.keys);
    this.flusher = new AlertFlusher(redisUrl, this.keys.bullPrefix, this.queue, ctx.log);
    for (const person of Object.values(config.people)) {
      for (const kind of person.events) {
        const list = this.routes.get(kind) ?? [];
        for (const d of person.destinations) if (!list.includes(d)) list.push(d);
        this.routes.set(kind, list);
      }
    }
  }

  async start(): Promise<void> {
    this.flusher.start((destination, batch) => this.deliver(destination, batch));
    await this.recover();
    this.timer = setInterval(() => void this.scan(), this.config.scanSeconds * 1000);
    this.timer.unref();
  }

  /** Digests a crash left without their flush job get it back (same job id: no second one). */
  private async recover(): Promise<void> {
    for (const destination of Object.keys(this.config.destinations)) {
      const first = await this.queue.firstWaiting(destination);
      if (first) await this.flusher.schedule(destination, first, this.config.digestSeconds * 1000);
    }
  }

  /** Called for every receipt the projection reads, before it is acknowledged: a replay is harmless. */
  async onReceipt(channel: Channel, receipt: Receipt): Promise<void> {
    const event = receiptEvent(channel, receipt);
    if (event) await this.notice([event]);
  }

  async notice(events: AlertEvent[]): Promise<void> {
    const now = Date.now();
    for (const event of events) {
      for (const destination of this.routes.get(event.kind) ?? []) {
        if (await this.queue.enqueue(destination, event, now))
          await this.flusher.schedule(destination, event.id, this.config.digestSeconds * 1000);
      }
    }
  }

  /** One look at everything that is noticed by looking; never two at once. */
  scan(): Promise<void> {
    this.scanning ??= this.scanOnce()
      .catch((err: unknown) => this.ctx.log.warn({ err }, 'alert scan failed; the next one tries again'))
      .finally(() => {
        this.scanning = undefined;
      });
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    const now = Date.now();
    await this.notice(await scanApprovals(this.ctx, this.config, now));
    for (const channel of CHANNELS) {
      const { events, advance } = await scanDeadletter(this.ctx, this.keys, channel);
      await this.notice(events);
      await advance();
    }
    await this.notice(await scanBreakers(this.ctx, this.config, this.keys, now));
    await this.notice(await scanConsumers(this.ctx, this.config, this.keys, now));
    await this.notice(await scanLogins(this.ctx));
    await this.queue.forget(now);
  }

  private async deliver(destination: string, batch: Batch): Promise<void> {
    const message = alertMessage(batch.events, this.config.digestLines, this.config.dashboardUrl ?? null);
    const intent = alertIntent(this.config, destination, batch.events, message);
    if (!intent) {
      this.ctx.log.error({ destination }, 'alert destination is not configured; its events are dropped');
      return;
    }
    try {
      await submit(this.ctx, intent, ALERTS_ACTOR);
    } catch (err) {
      // The key is this batch's: a conflict means its alert exists already (the config changed since).
      if (err instanceof CoordinatorError && err.code === 'idempotency_key_reused') return;
      throw err;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.scanning;
    await this.flusher.close();
  }
}
