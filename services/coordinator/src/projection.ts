import { CHANNELS, type Channel, channelOf } from '@agent-ops/contracts/channels';
import { decodeReceiptEntry } from '@agent-ops/contracts/codec';
import type { IntentRecord } from '@agent-ops/contracts/intent-record';
import { COORDINATOR_GROUP, channelKeys } from '@agent-ops/contracts/keys';
import { isThreadPartKey, type Receipt } from '@agent-ops/contracts/receipt';
import { connectRedis, type RedisClient } from '@agent-ops/runtime/redis-connection';
import type { CoordinatorContext } from './context.ts';
import { COORDINATOR_EXECUTOR } from './decisions.ts';

type Entries = Array<[string, Array<[string, string[]]>]> | null;

/** A receipt's effect on a record: the new record, or null when the receipt is stale or already applied. */
export function applyReceipt(
  record: IntentRecord | null,
  receipt: Receipt,
  channel: Channel,
): IntentRecord | null {
  if (
    record?.receipt &&
    record.receipt.intentId === receipt.intentId &&
    record.receipt.finishedAt === receipt.finishedAt
  ) {
    return null;
  }
  // A receipt older than the record's last change (e.g. a replay made it queued again) is history.
  if (
    record &&
    record.state === 'queued' &&
    record.receipt &&
    Date.parse(receipt.finishedAt) < Date.parse(record.updatedAt)
  ) {
    return null;
  }
  const base: IntentRecord = record ?? {
    idempotencyKey: receipt.idempotencyKey,
    channel,
    action: receipt.action,
    account: receipt.account,
    state: 'queued',
    intent: null,
    contentHash: null,
    submittedAt: null,
    submittedBy: null,
    updatedAt: receipt.finishedAt,
    approvalDeadline: null,
    decision: null,
    receipt: null,
  };
  return { ...base, state: receipt.status, receipt, updatedAt: new Date().toISOString() };
}

/**
 * Keeps every key's state from the receipts: one consumer group ("coordinator") per
 * channel's receipts stream, acknowledged after the record is written. Keys written
 * straight to a stream (no intake) get a record from their first receipt.
 */
export class Projection {
  private running = false;
  private readonly readers: RedisClient[] = [];
  private readonly loops: Promise<void>[] = [];
  private readonly ctx: CoordinatorContext;
  private readonly consumer: string;
  private readonly onProjected: (channel: Channel, receipt: Receipt) => Promise<void>;
  /**
   * Every receipt read, projected now or before (a replay after a crash before XACK): for
   * consumers that are idempotent themselves, such as alerts, which must not miss one.
   */
  private readonly onRead: (channel: Channel, receipt: Receipt) => Promise<void>;

  constructor(
    ctx: CoordinatorContext,
    consumer: string,
    onProjected: (channel: Channel, receipt: Receipt) => Promise<void>,
    onRead: (channel: Channel, receipt: Receipt) => Promise<void> = async () => {},
  ) {
    this.ctx = ctx;
    this.consumer = consumer;
    this.onProjected = onProjected;
    this.onRead = onRead;
  }

  async start(redisUrl: string): Promise<void> {
    this.running = true;
    for (const channel of CHANNELS) {
      const k = channelKeys(this.ctx.config.prefix, channel);
      try {
        await this.ctx.redis.xgroup('CREATE', k.receipts, COORDINATOR_GROUP, '0', 'MKSTREAM');
      } catch (err) {
        if (!String((err as Error).message).startsWith('BUSYGROUP')) throw err;
      }
      // One blocking reader per channel: the streams live in different Cluster slots.
      const reader = connectRedis(redisUrl, { maxRetriesPerRequest: null });
      reader.on('error', (err) => this.ctx.log.warn({ err }, 'redis error (projection)'));
      this.readers.push(reader);
      this.loops.push(this.loop(channel, reader));
    }
  }

  private async loop(channel: Channel, reader: RedisClient): Promise<void> {
    const k = channelKeys(this.ctx.config.prefix, channel);
    let cursor = '0'; // first our own pending entries (a crash before XACK), then new ones
    while (this.running) {
      let reply: Entries;
      try {
        reply = (await reader.xreadgroup(
          'GROUP',
          COORDINATOR_GROUP,
          this.consumer,
          'COUNT',
          100,
          'BLOCK',
          1000,
          'STREAMS',
          k.receipts,
          cursor,
        )) as Entries;
      } catch (err) {
        if (!this.running) return;
        this.ctx.log.warn({ err, channel }, 'projection read failed; retrying');
        await new Promise((r) => setTimeout(r, 500));
        continue;
      }
      const entries = reply?.[0]?.[1] ?? [];
      if (cursor === '0' && entries.length === 0) cursor = '>';
      for (const [id, fields] of entries) {
        try {
          await this.apply(channel, fields);
          await this.ctx.redis.xack(k.receipts, COORDINATOR_GROUP, id);
        } catch (err) {
          this.ctx.log.error(
            { err, channel, receiptId: id },
            'could not project a receipt; it stays pending',
          );
        }
      }
    }
  }

  private async apply(channel: Channel, fields: string[]): Promise<void> {
    const receipt = decodeReceiptEntry(fields);
    if (channelOf(receipt.action) !== channel) return;
    // A thread part's receipt is the executor's record of one post of a thread; the decision,
    // the record and what alerts and the agent hear of, is the thread's own receipt.
    if (isThreadPartKey(receipt.idempotencyKey)) return;
    await this.project(channel, receipt);
    await this.onRead(channel, receipt);
  }

  private async project(channel: Channel, receipt: Receipt): Promise<void> {
    // The coordinator's own receipts (rejections, cancellations) were applied when written; only report them.
    if (receipt.executor === COORDINATOR_EXECUTOR) return this.onProjected(channel, receipt);
    for (let tries = 0; tries < 5; tries += 1) {
      const record = await this.ctx.store.get(channel, receipt.idempotencyKey);
      const next = applyReceipt(record, receipt, channel);
      if (!next) return;
      const moved = await this.ctx.store.transition(next, record ? [record.state] : []);
      if (moved.code === 'moved') return this.onProjected(channel, receipt);
    }
    throw new Error(`record of ${receipt.idempotencyKey} kept changing under the projection`);
  }

  async close(): Promise<void> {
    this.running = false;
    for (const r of this.readers) r.disconnect();
    await Promise.allSettled(this.loops);
  }
}
