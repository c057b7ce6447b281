import type { Channel } from '@agent-ops/contracts/channels';
import { channelKeys } from '@agent-ops/contracts/keys';
import type { Redis } from 'ioredis';
import { CHART_WINDOW_MS, type ChartState } from '../chart-state.ts';
import { entryTime, receiptOf } from '../wire.ts';
import { CHART_BACKFILL, CHART_TAIL, CHART_TAIL_PAGES } from './bounds.ts';

type Cursor = { receipts: string; entriesAdded: number | null };

/**
 * Feeds the chart with bounded reads: a capped backfill of the window the first time a
 * channel is seen, then only the receipts appended since (XRANGE from a cursor, COUNT-capped)
 * and the intents stream's `entries-added` counter. A burst beyond the caps marks it partial.
 */
export class ActivityReader {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly chart: ChartState;
  private readonly cursors = new Map<Channel, Cursor>();

  constructor(redis: Redis, prefix: string, chart: ChartState) {
    this.redis = redis;
    this.prefix = prefix;
    this.chart = chart;
  }

  async update(channel: Channel, entriesAdded: number | null, now: number): Promise<void> {
    const cursor = this.cursors.get(channel);
    if (cursor) await this.tail(channel, cursor, entriesAdded, now);
    else this.cursors.set(channel, await this.backfill(channel, entriesAdded, now));
    this.chart.forgetBefore(channel, now - CHART_WINDOW_MS);
  }

  private countReceipts(channel: Channel, entries: Array<[string, string[]]>): void {
    for (const [id, fields] of entries) {
      const r = receiptOf(fields);
      if (r) this.chart.countReceipt(channel, entryTime(id), r.status);
    }
  }

  private async newestReceiptId(channel: Channel): Promise<string | undefined> {
    const k = channelKeys(this.prefix, channel);
    return (await this.redis.xrevrange(k.receipts, '+', '-', 'COUNT', 1))[0]?.[0];
  }

  private async backfill(channel: Channel, entriesAdded: number | null, now: number): Promise<Cursor> {
    const k = channelKeys(this.prefix, channel);
    const since = String(now - CHART_WINDOW_MS);
    const [receipts, intents] = await Promise.all([
      this.redis.xrevrange(k.receipts, '+', since, 'COUNT', CHART_BACKFILL),
      this.redis.xrevrange(k.intents, '+', since, 'COUNT', CHART_BACKFILL),
    ]);
    this.countReceipts(channel, receipts);
    for (const [id] of intents) this.chart.countIntents(channel, entryTime(id));
    if (receipts.length === CHART_BACKFILL || intents.length === CHART_BACKFILL) this.chart.markPartial(now);
    const newest = receipts[0]?.[0] ?? ((await this.newestReceiptId(channel)) || '0-0');
    return { receipts: newest, entriesAdded };
  }

  private async tail(channel: Channel, cursor: Cursor, entriesAdded: number | null, now: number) {
    const k = channelKeys(this.prefix, channel);
    for (let page = 0; page < CHART_TAIL_PAGES; page += 1) {
      const fresh = await this.redis.xrange(k.receipts, `(${cursor.receipts}`, '+', 'COUNT', CHART_TAIL);
      this.countReceipts(channel, fresh);
      const last = fresh.at(-1)?.[0];
      if (last) cursor.receipts = last;
      if (fresh.length < CHART_TAIL) break;
      if (page === CHART_TAIL_PAGES - 1) {
        // Far behind: skip to the newest entry rather than fall further behind.
        this.chart.markPartial(now);
        cursor.receipts = (await this.newestReceiptId(channel)) ?? cursor.receipts;
      }
    }
    // The counter comes with the channel's XINFO STREAM: new intents cost no read of their entries.
    if (entriesAdded !== null && cursor.entriesAdded !== null && entriesAdded > cursor.entriesAdded)
      this.chart.countIntents(channel, now, entriesAdded - cursor.entriesAdded);
    if (entriesAdded !== null) cursor.entriesAdded = entriesAdded;
  }
}
