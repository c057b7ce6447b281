import { join } from 'node:path';
import { CHANNELS, type Channel } from '@agent-ops/contracts/channels';
import {
  INTENT_STATES,
  type IntentRecord,
  IntentRecordSchema,
  type IntentState,
} from '@agent-ops/contracts/intent-record';
import { channelKeys } from '@agent-ops/contracts/keys';
import { defineLuaScripts } from '@agent-ops/runtime/lua-loader';
import type { Cluster, Redis, Result } from 'ioredis';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    opsIntake(...args: Array<string | number>): Result<unknown[], Context>;
    opsTransition(...args: Array<string | number>): Result<unknown[], Context>;
  }
}

const SCRIPTS = {
  opsIntake: { file: 'intake.lua', numberOfKeys: 2 + INTENT_STATES.length },
  opsTransition: { file: 'transition.lua', numberOfKeys: 4 + INTENT_STATES.length },
};

export type IntakeResult =
  | { code: 'created' }
  | { code: 'same'; record: IntentRecord }
  | { code: 'conflict'; record: IntentRecord };
export type TransitionResult =
  | { code: 'moved'; previous: IntentState | null }
  | { code: 'refused'; current: IntentRecord | null };

function stateIndex(state: IntentState): number {
  return INTENT_STATES.indexOf(state) + 1;
}

function parseRecord(json: string): IntentRecord {
  return IntentRecordSchema.parse(JSON.parse(json));
}

/**
 * The coordinator's records, one hash per channel with a sorted set per state, changed
 * only by the intake and transition scripts so that a state and its index never disagree.
 */
export class RecordStore {
  private readonly redis: Redis | Cluster;
  private readonly prefix: string;

  constructor(redis: Redis | Cluster, prefix: string) {
    this.redis = defineLuaScripts(redis, join(import.meta.dirname, 'lua'), SCRIPTS);
    this.prefix = prefix;
  }

  private keys(channel: Channel): string[] {
    const k = channelKeys(this.prefix, channel);
    return [k.records, k.intents, ...INTENT_STATES.map((s) => k.byState(s))];
  }

  async intake(record: IntentRecord, release: boolean): Promise<IntakeResult> {
    const reply = await this.redis.opsIntake(
      ...this.keys(record.channel),
      record.idempotencyKey,
      record.contentHash ?? '',
      JSON.stringify(record),
      stateIndex(record.state),
      Date.now(),
      release && record.intent ? JSON.stringify(record.intent) : '',
    );
    const [code, json] = reply as [number, string?];
    if (Number(code) === 0) return { code: 'created' };
    return { code: Number(code) === 1 ? 'same' : 'conflict', record: parseRecord(json as string) };
  }

  /**
   * Moves a record to `next` if its state is one of `from` ('*' any, [] none yet). With
   * `append`, its intent goes to the stream in the same step; with `replay`, the key's
   * terminal outcome is cleared first so an executor carries it out again.
   */
  async transition(
    next: IntentRecord,
    from: readonly IntentState[] | '*',
    options: { append?: boolean; replay?: boolean } = {},
  ): Promise<TransitionResult> {
    const k = channelKeys(this.prefix, next.channel);
    const reply = await this.redis.opsTransition(
      ...this.keys(next.channel),
      k.done,
      k.attempts,
      next.idempotencyKey,
      from === '*' ? '*' : from.join(','),
      JSON.stringify(next),
      stateIndex(next.state),
      Date.now(),
      options.append && next.intent ? JSON.stringify(next.intent) : '',
      options.replay ? '1' : '0',
    );
    const [code, value] = reply as [number, string];
    if (Number(code) === 0) return { code: 'moved', previous: value === '' ? null : (value as IntentState) };
    return { code: 'refused', current: value ? parseRecord(value) : null };
  }

  async get(channel: Channel, key: string): Promise<IntentRecord | null> {
    const json = await this.redis.hget(channelKeys(this.prefix, channel).records, key);
    return json ? parseRecord(json) : null;
  }

  /** Finds a key in whichever channel has it. */
  async find(key: string, channel?: Channel): Promise<IntentRecord | null> {
    for (const c of channel ? [channel] : CHANNELS) {
      const record = await this.get(c, key);
      if (record) return record;
    }
    return null;
  }

  /** Newest first, from the state sets (read in ranges, never whole). */
  async list(q: {
    channel?: Channel;
    state?: IntentState;
    account?: string;
    limit: number;
  }): Promise<IntentRecord[]> {
    const out: IntentRecord[] = [];
    for (const channel of q.channel ? [q.channel] : CHANNELS) {
      const k = channelKeys(this.prefix, channel);
      const states = q.state ? [q.state] : INTENT_STATES;
      // An account filter reads further, so a page of one account is not starved by others.
      const window = q.account ? q.limit * 20 : q.limit;
      const scored: Array<[string, number]> = [];
      for (const state of states) {
        const flat = await this.redis.zrevrange(k.byState(state), 0, window - 1, 'WITHSCORES');
        for (let i = 0; i + 1 < flat.length; i += 2) scored.push([flat[i] as string, Number(flat[i + 1])]);
      }
      scored.sort((a, b) => b[1] - a[1]);
      const keys = scored.slice(0, window).map(([key]) => key);
      if (keys.length === 0) continue;
      const jsons = await this.redis.hmget(k.records, ...keys);
      for (const json of jsons) {
        if (!json) continue;
        const record = parseRecord(json);
        if (!q.account || record.account === q.account) out.push(record);
      }
    }
    return out.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt)).slice(0, q.limit);
  }
}
