import type { Channel } from '@agent-ops/contracts/channels';
import { RECEIPT_STATUSES, type ReceiptStatus } from '@agent-ops/contracts/receipt';
import type { ChartBucket } from './views.ts';

export const CHART_WINDOW_MS = 15 * 60_000;
export const BUCKET_MS = 30_000;

function emptyBucket(t: number): ChartBucket {
  const bucket = { t, intents: 0 } as ChartBucket;
  for (const status of RECEIPT_STATUSES) bucket[status] = 0;
  return bucket;
}

/**
 * Intents appended and receipts by status over the last 15 minutes, per channel, in memory.
 * It only counts; the bounded reads that feed it are readers/activity.ts.
 */
export class ChartState {
  private readonly buckets = new Map<Channel, Map<number, ChartBucket>>();
  /** Until when the chart may be missing entries (a backfill or a tail that hit its cap). */
  private partialUntil = 0;

  private bucket(channel: Channel, at: number): ChartBucket {
    let perChannel = this.buckets.get(channel);
    if (!perChannel) {
      perChannel = new Map();
      this.buckets.set(channel, perChannel);
    }
    const start = at - (at % BUCKET_MS);
    let b = perChannel.get(start);
    if (!b) {
      b = emptyBucket(start);
      perChannel.set(start, b);
    }
    return b;
  }

  countReceipt(channel: Channel, at: number, status: ReceiptStatus): void {
    this.bucket(channel, at)[status] += 1;
  }

  countIntents(channel: Channel, at: number, n = 1): void {
    this.bucket(channel, at).intents += n;
  }

  /** Some entries of the window were skipped: say so until they are out of the window. */
  markPartial(now: number): void {
    this.partialUntil = now + CHART_WINDOW_MS;
  }

  partial(now: number): boolean {
    return now < this.partialUntil;
  }

  forgetBefore(channel: Channel, since: number): void {
    const perChannel = this.buckets.get(channel);
    if (!perChannel) return;
    for (const t of perChannel.keys()) if (t < since - BUCKET_MS) perChannel.delete(t);
  }

  /** Every bucket of the window, oldest first, summed over the channels. */
  series(now: number): ChartBucket[] {
    const end = now - (now % BUCKET_MS);
    const out: ChartBucket[] = [];
    for (let t = end - CHART_WINDOW_MS + BUCKET_MS; t <= end; t += BUCKET_MS) {
      const b = emptyBucket(t);
      for (const perChannel of this.buckets.values()) {
        const x = perChannel.get(t);
        if (!x) continue;
        b.intents += x.intents;
        for (const s of RECEIPT_STATUSES) b[s] += x[s];
      }
      out.push(b);
    }
    return out;
  }
}
