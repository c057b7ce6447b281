import { join } from 'node:path';
import type { Channel } from '@agent-ops/contracts/channels';
import { fieldsToRecord, parseIntentJson } from '@agent-ops/contracts/codec';
import { DEADLETTER_FIELDS } from '@agent-ops/contracts/deadletter';
import type { Intent } from '@agent-ops/contracts/intent';
import type { IntentRecord } from '@agent-ops/contracts/intent-record';
import { channelKeys } from '@agent-ops/contracts/keys';
import type { Receipt } from '@agent-ops/contracts/receipt';
import { type GateScope, setGate, waitForEffectsToSettle } from '@agent-ops/runtime/gate-control';
import { defineLuaScripts } from '@agent-ops/runtime/lua-loader';
import type { Result } from 'ioredis';
import type { CoordinatorContext } from './context.ts';
import { CoordinatorError, notFound } from './coordinator-errors.ts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    opsResolve(...args: string[]): Result<unknown[], Context>;
  }
}

/** Closes or opens the kill switch; closing waits until effects that had begun are receipted. */
export async function changeGate(
  ctx: CoordinatorContext,
  scope: GateScope,
  enabled: boolean,
  by: string,
  reason: string,
) {
  const record = await setGate(ctx.redis, ctx.config.prefix, scope, { enabled, by, reason });
  const settle = enabled
    ? { settled: true, inFlight: 0 }
    : await waitForEffectsToSettle(ctx.redis, ctx.config.prefix, scope, 15_000);
  await ctx.audit.append({
    actor: by,
    action: 'gate_changed',
    channel: scope === 'global' ? null : scope,
    reason,
    details: { scope, enabled, ...settle },
  });
  return { scope, ...record, ...settle };
}

export async function listDeadletter(ctx: CoordinatorContext, channel: Channel, count: number) {
  const entries = await ctx.redis.xrevrange(
    channelKeys(ctx.config.prefix, channel).deadletter,
    '+',
    '-',
    'COUNT',
    count,
  );
  return entries.map(([id, fields]) => ({ id, channel, fields: fieldsToRecord(fields) }));
}

/** The fields a producer wrote, without the ones the executor added to the deadletter entry. */
export function originalFields(fields: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    if ((DEADLETTER_FIELDS as readonly string[]).includes(name)) continue;
    out[name.startsWith('original.') ? name.slice('original.'.length) : name] = value;
  }
  return out;
}

async function intentOf(ctx: CoordinatorContext, record: IntentRecord): Promise<Intent> {
  if (record.intent) return record.intent;
  // Written straight to the stream: the entry the receipt names still holds the intent, unless trimmed.
  const entryId = record.receipt?.intentId;
  const entries = entryId
    ? await ctx.redis.xrange(channelKeys(ctx.config.prefix, record.channel).intents, entryId, entryId)
    : [];
  const json = entries[0] ? fieldsToRecord(entries[0][1]).intent : undefined;
  const parsed = json ? parseIntentJson(json) : null;
  if (!parsed?.ok) {
    throw new CoordinatorError(
      409,
      'intent_unavailable',
      `the intent of ${record.idempotencyKey} is no longer in its stream; submit it again with a new key`,
    );
  }
  return parsed.intent;
}

/**
 * Carries out a failed or parked intent again: its terminal outcome is cleared and the
 * intent appended to its stream in one step. An explicit, audited operator action.
 */
export async function replayKey(
  ctx: CoordinatorContext,
  key: string,
  by: string,
  reason: string | null,
  channel?: Channel,
) {
  const record = await ctx.store.find(key, channel);
  if (!record) throw notFound(key);
  if (record.state !== 'failed' && record.state !== 'unknown') {
    throw new CoordinatorError(
      409,
      'not_replayable',
      `${key} is ${record.state}; only failed or unknown intents can be replayed`,
    );
  }
  const intent = await intentOf(ctx, record);
  const next: IntentRecord = { ...record, intent, state: 'queued', updatedAt: new Date().toISOString() };
  const moved = await ctx.store.transition(next, ['failed', 'unknown'], { append: true, replay: true });
  if (moved.code === 'refused') throw new CoordinatorError(409, 'not_replayable', `${key} changed meanwhile`);
  await ctx.audit.append({
    actor: by,
    action: 'replayed',
    channel: next.channel,
    idempotencyKey: key,
    reason,
    details: { from: record.state },
  });
  return next;
}

export async function replayDeadletter(
  ctx: CoordinatorContext,
  channel: Channel,
  id: string,
  by: string,
  reason: string | null,
) {
  const entries = await ctx.redis.xrange(channelKeys(ctx.config.prefix, channel).deadletter, id, id);
  const entry = entries[0];
  if (!entry) throw new CoordinatorError(404, 'not_found', `no deadletter entry ${id} in channel ${channel}`);
  const original = originalFields(fieldsToRecord(entry[1]));
  const parsed = original.intent ? parseIntentJson(original.intent, { channel }) : null;
  if (!parsed?.ok) {
    throw new CoordinatorError(
      422,
      'still_invalid',
      `${parsed?.reason ?? 'the entry has no intent field'}; correct it and submit it as a new intent`,
    );
  }
  const record = await ctx.store.get(channel, parsed.intent.idempotencyKey);
  if (record && (record.state === 'failed' || record.state === 'unknown')) {
    return replayKey(ctx, parsed.intent.idempotencyKey, by, reason, channel);
  }
  throw new CoordinatorError(
    409,
    'not_replayable',
    `${parsed.intent.idempotencyKey} is ${record?.state ?? 'not yet failed'}; a deadletter entry is replayed once its key has failed`,
  );
}

/** A person vouches that a parked intent took effect: its `succeeded` receipt, with the id they found. */
export async function resolveDone(
  ctx: CoordinatorContext,
  key: string,
  by: string,
  found: { externalId: string; url: string | null; note: string | null },
  channel?: Channel,
) {
  const record = await ctx.store.find(key, channel);
  if (!record) throw notFound(key);
  if (record.state !== 'unknown' || !record.receipt) {
    throw new CoordinatorError(
      409,
      'not_unknown',
      `${key} is ${record.state}; only a parked unknown intent can be resolved`,
    );
  }
  const receipt: Receipt = {
    ...record.receipt,
    status: 'succeeded',
    externalId: found.externalId,
    url: found.url,
    executor: `operator:${by}`.slice(0, 200),
    finishedAt: new Date().toISOString(),
    error: null,
  };
  const k = channelKeys(ctx.config.prefix, record.channel);
  const redis = defineLuaScripts(ctx.redis, join(import.meta.dirname, 'lua'), {
    opsResolve: { file: 'resolve.lua', numberOfKeys: 2 },
  });
  const [code] = (await redis.opsResolve(k.done, k.receipts, key, JSON.stringify(receipt))) as [number];
  if (Number(code) !== 0)
    throw new CoordinatorError(409, 'not_unknown', `${key} is not parked as unknown in the executors' index`);
  const next: IntentRecord = { ...record, state: 'succeeded', receipt, updatedAt: receipt.finishedAt };
  await ctx.store.transition(next, ['unknown']);
  await ctx.audit.append({
    actor: by,
    action: 'resolved',
    channel: next.channel,
    idempotencyKey: key,
    reason: found.note,
    details: { outcome: 'done', externalId: found.externalId },
  });
  return next;
}
