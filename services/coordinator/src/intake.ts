import type { Channel } from '@agent-ops/contracts/channels';
import { channelOf } from '@agent-ops/contracts/channels';
import { parseIntentJson } from '@agent-ops/contracts/codec';
import { contentHash } from '@agent-ops/contracts/content-hash';
import type { Intent } from '@agent-ops/contracts/intent';
import type { IntentRecord, IntentState } from '@agent-ops/contracts/intent-record';
import { channelKeys } from '@agent-ops/contracts/keys';
import type { CoordinatorContext } from './context.ts';
import { CoordinatorError, notFound } from './coordinator-errors.ts';
import { xLengthIssue } from './x-length.ts';

export function needsApproval(ctx: CoordinatorContext, intent: Intent): boolean {
  const policy = ctx.config.approval.accounts[intent.account];
  if (!policy) return false;
  return !policy.actions || policy.actions.includes(intent.action);
}

/** Where an intent goes now: to a person, to the schedule, or to its stream. */
export function routeOf(
  ctx: CoordinatorContext,
  intent: Intent,
  approved: boolean,
  now: number,
): IntentState {
  if (!approved && needsApproval(ctx, intent)) return 'pending_approval';
  if (intent.notBefore && Date.parse(intent.notBefore) > now) return 'scheduled';
  return 'queued';
}

export type SubmitResult = { created: boolean; record: IntentRecord };

/**
 * Validates with the contracts and records the intent once per key. The same key again
 * answers the existing record; the same key with a different intent is refused.
 */
export async function submit(ctx: CoordinatorContext, input: unknown, by: string): Promise<SubmitResult> {
  const parsed = parseIntentJson(JSON.stringify(input ?? null));
  if (!parsed.ok) throw new CoordinatorError(400, 'invalid', parsed.reason, parsed.issues);
  const intent = parsed.intent;
  const tooLong = xLengthIssue(intent, ctx.config.xLength);
  if (tooLong) throw new CoordinatorError(400, 'invalid', `${tooLong.field}: ${tooLong.message}`, [tooLong]);
  if (intent.approval) {
    throw new CoordinatorError(
      400,
      'invalid',
      'approval: must be null or omitted; the coordinator adds it when a person approves',
      [
        {
          field: 'approval',
          message: 'must be null or omitted; the coordinator adds it when a person approves',
        },
      ],
    );
  }
  const now = Date.now();
  const state = routeOf(ctx, intent, false, now);
  const record: IntentRecord = {
    idempotencyKey: intent.idempotencyKey,
    channel: channelOf(intent.action),
    action: intent.action,
    account: intent.account,
    state,
    intent,
    contentHash: contentHash(intent),
    submittedAt: new Date(now).toISOString(),
    submittedBy: by,
    updatedAt: new Date(now).toISOString(),
    approvalDeadline:
      state === 'pending_approval'
        ? new Date(now + ctx.config.approval.windowHours * 3_600_000).toISOString()
        : null,
    decision: null,
    receipt: null,
  };
  const result = await ctx.store.intake(record, state === 'queued');
  if (result.code === 'conflict') {
    throw new CoordinatorError(
      409,
      'idempotency_key_reused',
      `idempotencyKey: ${intent.idempotencyKey} was already used for a different intent (action, account, payload or times differ); choose a new key for a new intent`,
      [{ field: 'idempotencyKey', message: 'already used for a different intent' }],
    );
  }
  if (result.code === 'same') return { created: false, record: await withLiveState(ctx, result.record) };
  if (state === 'scheduled')
    await ctx.scheduler.schedule(record.channel, record.idempotencyKey, new Date(intent.notBefore as string));
  await ctx.audit.append({
    actor: by,
    action: 'submitted',
    channel: record.channel,
    idempotencyKey: record.idempotencyKey,
    details: { state, action: intent.action, account: intent.account },
  });
  return { created: true, record };
}

/** `queued` is `in_flight` while an executor holds the key's lease. */
export async function withLiveState(ctx: CoordinatorContext, record: IntentRecord): Promise<IntentRecord> {
  if (record.state !== 'queued') return record;
  const leased = await ctx.redis.hexists(
    channelKeys(ctx.config.prefix, record.channel).leases,
    record.idempotencyKey,
  );
  return leased ? { ...record, state: 'in_flight' } : record;
}

export async function getRecord(
  ctx: CoordinatorContext,
  key: string,
  channel?: Channel,
): Promise<IntentRecord> {
  const record = await ctx.store.find(key, channel);
  if (!record) throw notFound(key);
  return withLiveState(ctx, record);
}
