import { CHANNELS } from '@agent-ops/contracts/channels';
import type { Redis } from 'ioredis';
import { CATALOG } from './catalog.ts';
import { BUCKET_MS, ChartState } from './chart-state.ts';
import type { DashboardConfig } from './config.ts';
import { AccountsReader } from './readers/accounts.ts';
import { ActivityReader } from './readers/activity.ts';
import { readChannel } from './readers/channel.ts';
import { readDeadletter } from './readers/deadletter.ts';
import { readGlobalGate } from './readers/global-gate.ts';
import { readHookUndelivered } from './readers/hook-undelivered.ts';
import { readReceipts } from './readers/receipts.ts';
import { readRecords } from './readers/records.ts';
import type { GateView, ReceiptFilter, ReceiptsView, Snapshot } from './views.ts';

/**
 * Everything the page shows, put together from the readers (readers/*.ts, bounded reads
 * only). Nothing here writes: the connection may (and should) be a read-only Redis user.
 */
export class SnapshotReader {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly chart = new ChartState();
  private readonly activity: ActivityReader;
  private readonly accounts: AccountsReader;

  constructor(redis: Redis, config: Pick<DashboardConfig, 'prefix' | 'accounts' | 'defaultRateLimit'>) {
    this.redis = redis;
    this.prefix = config.prefix;
    this.activity = new ActivityReader(redis, config.prefix, this.chart);
    this.accounts = new AccountsReader(redis, config.prefix, config);
  }

  async snapshot(): Promise<Snapshot> {
    const now = Date.now();
    const globalGate = await readGlobalGate(this.redis, this.prefix);
    const channels = await Promise.all(
      CHANNELS.map(async (channel) => {
        const { view, hasActivity } = await readChannel(this.redis, this.prefix, channel, now);
        if (hasActivity) await this.activity.update(channel, view.entriesAdded, now);
        return view;
      }),
    );
    const gateChannels: Record<string, GateView> = {};
    for (const c of channels) gateChannels[c.channel] = c.gate;
    const [approvals, unknown, scheduled, deadletter, hookUndelivered] = await Promise.all([
      readRecords(this.redis, this.prefix, 'pending_approval'),
      readRecords(this.redis, this.prefix, 'unknown'),
      readRecords(this.redis, this.prefix, 'scheduled'),
      readDeadletter(this.redis, this.prefix, channels),
      readHookUndelivered(this.redis, this.prefix),
    ]);
    return {
      at: now,
      prefix: this.prefix,
      catalog: CATALOG,
      redis: { ok: true, error: null },
      gate: { global: globalGate, channels: gateChannels },
      channels,
      accounts: await this.accounts.read(channels),
      approvals,
      unknown,
      scheduled,
      deadletter,
      hookUndelivered,
      chart: { bucketMs: BUCKET_MS, buckets: this.chart.series(now), partial: this.chart.partial(now) },
    };
  }

  receipts(filter: ReceiptFilter): Promise<ReceiptsView> {
    return readReceipts(this.redis, this.prefix, filter);
  }
}
