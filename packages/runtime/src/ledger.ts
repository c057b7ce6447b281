import type { ChannelKeys } from '@agent-ops/contracts/keys';
import { EXECUTORS_GROUP } from '@agent-ops/contracts/keys';
import type { Cluster, Redis } from 'ioredis';
import { MicroBatcher } from './micro-batcher.ts';
import { type BeginResult, type CommitResult, parseBegin, parseCommit } from './script-results.ts';
import { defineScripts } from './scripts.ts';

export type BeginArgs = {
  key: string;
  token: string;
  leaseTtlMs: number;
  owner: string;
  intentId: string;
  mode: 'effect' | 'verdict';
};

export type CommitArgs = {
  key: string;
  token: string;
  receiptJson: string;
  status: string;
  deadletter: string[] | null;
  ackIds: readonly string[];
  /** Receipts of keys derived from this one (an x.thread's parts), written first under the same fence. */
  derived?: ReadonlyArray<{ key: string; status: string; receiptJson: string }>;
};

/**
 * Why a lease is given up without an outcome; each reason decides what becomes of the
 * armed attempt and the attempt count (see `lua/release.lua` and the package README).
 */
export type ReleaseReason =
  /** No request left this executor (its own rate limit, an open breaker): disarmed, not counted. */
  | 'not_sent'
  /** A request went out and had no effect (the API said so, or reconcile found nothing): disarmed, counted. */
  | 'not_done'
  /** Nothing was sent, but the attempt's marks record progress: stays armed, not counted. */
  | 'not_sent_keep'
  /** The effect may have happened and the API could not be asked: stays armed, counted. */
  | 'in_doubt';

export type ReleaseArgs = {
  key: string;
  token: string;
  reason: ReleaseReason;
  ackIds: readonly string[];
};

/** Items per script call: large enough to amortise the call, small enough to keep Redis responsive. */
const MAX_BATCH = 256;

/**
 * One channel's state in Redis, changed only through the atomic scripts. Every key
 * carries the channel's hash tag, so each call stays in one Cluster slot. begin and
 * commit calls made in the same turn of the event loop share one script call.
 */
export class Ledger {
  readonly redis: Redis | Cluster;
  readonly keys: ChannelKeys;
  readonly group: string;
  private readonly begins: MicroBatcher<BeginArgs, BeginResult>;
  private readonly commits: MicroBatcher<CommitArgs, CommitResult>;

  constructor(redis: Redis | Cluster, keys: ChannelKeys, group = EXECUTORS_GROUP) {
    this.redis = defineScripts(redis);
    this.keys = keys;
    this.group = group;
    this.begins = new MicroBatcher((items) => this.beginBatch(items), MAX_BATCH);
    this.commits = new MicroBatcher((items) => this.commitBatch(items), MAX_BATCH);
  }

  begin(a: BeginArgs): Promise<BeginResult> {
    return this.begins.add(a);
  }

  commit(a: CommitArgs): Promise<CommitResult> {
    return this.commits.add(a);
  }

  private async beginBatch(items: BeginArgs[]): Promise<BeginResult[]> {
    const first = items[0] as BeginArgs;
    // One script call carries one TTL and owner; a batch that mixes them (never the case
    // within one executor) is split, in order.
    const same = items.findIndex((a) => a.leaseTtlMs !== first.leaseTtlMs || a.owner !== first.owner);
    if (same > 0) {
      return [
        ...(await this.beginBatch(items.slice(0, same))),
        ...(await this.beginBatch(items.slice(same))),
      ];
    }
    const k = this.keys;
    const args: Array<string | number> = [first.leaseTtlMs, first.owner];
    for (const a of items) args.push(a.key, a.token, a.intentId, a.mode);
    const replies = await this.redis.opsBegin(k.gate, k.done, k.leases, k.armed, k.attempts, k.held, ...args);
    return replies.map((r) => parseBegin(r as unknown[]));
  }

  private async commitBatch(items: CommitArgs[]): Promise<CommitResult[]> {
    const k = this.keys;
    const args: string[] = [this.group];
    for (const a of items) {
      args.push(
        a.key,
        a.token,
        a.receiptJson,
        a.status,
        a.deadletter ? JSON.stringify(a.deadletter) : '',
        a.ackIds.join(','),
        a.derived?.length ? JSON.stringify(a.derived.map((d) => [d.key, d.status, d.receiptJson])) : '',
      );
    }
    const replies = await this.redis.opsCommit(
      k.done,
      k.leases,
      k.armed,
      k.receipts,
      k.intents,
      k.deadletter,
      k.held,
      ...args,
    );
    return replies.map((r) => parseCommit(r as unknown[]));
  }

  async release(a: ReleaseArgs): Promise<boolean> {
    const k = this.keys;
    const reply = await this.redis.opsRelease(
      k.leases,
      k.armed,
      k.attempts,
      k.intents,
      a.key,
      a.token,
      a.reason,
      this.group,
      ...a.ackIds,
    );
    return Number(reply[0]) === 1;
  }

  /** Records that the attempt reached a point of no return; false when the attempt is no longer ours. */
  async mark(key: string, token: string, mark: string): Promise<boolean> {
    const k = this.keys;
    const reply = await this.redis.opsMark(k.leases, k.armed, key, token, mark);
    return Number(reply[0]) === 1;
  }

  /** Returns the new expiry (Redis clock, ms), or null when the lease is no longer ours. */
  async extend(
    key: string,
    token: string,
    ttlMs: number,
    consumer: string,
    intentId: string,
  ): Promise<number | null> {
    const k = this.keys;
    const reply = await this.redis.opsExtend(
      k.leases,
      k.intents,
      key,
      token,
      ttlMs,
      this.group,
      consumer,
      intentId,
    );
    return Number(reply[0]) === 1 ? Number(reply[1]) : null;
  }

  async deadletter(intentId: string, fields: string[]): Promise<string> {
    const k = this.keys;
    const reply = await this.redis.opsDeadletter(
      k.deadletter,
      k.intents,
      this.group,
      intentId,
      JSON.stringify(fields),
    );
    return String(reply[1]);
  }

  /** The receipt stored under a receipt entry id, or null when it is gone (trimmed). */
  async receiptAt(id: string): Promise<{ externalId: string | null } | null> {
    const [entry] = await this.redis.xrange(this.keys.receipts, id, id);
    const json = entry?.[1][1];
    return json ? (JSON.parse(json) as { externalId: string | null }) : null;
  }

  /** Appends a note for a person to the deadletter stream, acknowledging nothing. */
  async note(fields: readonly string[]): Promise<void> {
    await this.redis.xadd(this.keys.deadletter, '*', ...fields);
  }

  /** Whether the key has a terminal receipt already. */
  async isDone(key: string): Promise<boolean> {
    return (await this.redis.hexists(this.keys.done, key)) === 1;
  }

  async ack(ids: readonly string[]): Promise<void> {
    if (ids.length > 0) await this.redis.xack(this.keys.intents, this.group, ...ids);
  }
}
