import type { Channel } from '@agent-ops/contracts/channels';
import type { IntentRecord, IntentState } from '@agent-ops/contracts/intent-record';
import type { Receipt } from '@agent-ops/contracts/receipt';
import type { CoordinatorContext } from './context.ts';
import { CoordinatorError, notFound } from './coordinator-errors.ts';
import { routeOf } from './intake.ts';

export const COORDINATOR_EXECUTOR = 'coordinator';

/**
 * A person's rejection or cancellation is terminal for the key: it gets a `rejected`
 * receipt through the same commit script as executors use, so an executor that later
 * finds the key on its stream acknowledges it without an effect.
 */
async function closeKey(
  ctx: CoordinatorContext,
  record: IntentRecord,
  code: string,
  message: string,
): Promise<Receipt> {
  const now = new Date().toISOString();
  const receipt: Receipt = {
    v: 1,
    idempotencyKey: record.idempotencyKey,
    action: record.action,
    account: record.account,
    status: 'rejected',
    externalId: null,
    url: null,
    attempts: 0,
    executor: COORDINATOR_EXECUTOR,
    intentId: '0-0',
    startedAt: now,
    finishedAt: now,
    error: { code, message, retryable: false },
  };
  // No token: a decision without a lease, which commit refuses while an executor is working
  // on the key (possible only when someone appended it to the stream directly).
  const closed = await ctx.ledger(record.channel).commit({
    key: record.idempotencyKey,
    token: '',
    receiptJson: JSON.stringify(receipt),
    status: 'rejected',
    deadletter: null,
    ackIds: [],
  });
  if (closed.code === 'stale') {
    throw new CoordinatorError(
      409,
      'in_flight',
      `${record.idempotencyKey} is being carried out by ${closed.lease?.owner ?? 'an executor'}; its receipt settles it`,
    );
  }
  return receipt;
}

function pending(record: IntentRecord | null, key: string): IntentRecord {
  if (!record) throw notFound(key);
  return record;
}

/**
 * Signs the exact intent and releases it (to its stream, or to the schedule). Approving
 * twice is harmless; approving after the window closed is refused.
 */
export async function approve(
  ctx: CoordinatorContext,
  key: string,
  by: string,
  comment: string | null,
  channel?: Channel,
) {
  const record = pending(await ctx.store.find(key, channel), key);
  if (record.state !== 'pending_approval') {
    if (record.decision && record.state !== 'rejected' && record.state !== 'cancelled') return record;
    throw new CoordinatorError(409, 'not_pending', `${key} is ${record.state}, not pending approval`);
  }
  const now = new Date();
  if (record.approvalDeadline && Date.parse(record.approvalDeadline) <= now.getTime()) {
    throw new CoordinatorError(
      410,
      'approval_expired',
      `the approval window of ${key} closed at ${record.approvalDeadline}`,
    );
  }
  if (!ctx.signer || !record.intent) {
    throw new CoordinatorError(
      503,
      'no_signing_key',
      'approval.privateKeyFile is not configured, so approvals cannot be signed',
    );
  }
  const signed = ctx.signer.sign(record.intent, by, now, ctx.config.approval.validityHours * 3_600_000);
  const state = routeOf(ctx, signed, true, now.getTime());
  const next: IntentRecord = {
    ...record,
    intent: signed,
    state,
    updatedAt: now.toISOString(),
    approvalDeadline: null,
    decision: { by, at: now.toISOString(), comment },
  };
  const moved = await ctx.store.transition(next, ['pending_approval'], { append: state === 'queued' });
  if (moved.code === 'refused') return moved.current ?? next;
  if (state === 'scheduled')
    await ctx.scheduler.schedule(next.channel, key, new Date(signed.notBefore as string));
  await ctx.audit.append({
    actor: by,
    action: 'approved',
    channel: next.channel,
    idempotencyKey: key,
    reason: comment,
    details: { state },
  });
  return next;
}

type Closing = {
  to: 'rejected' | 'cancelled';
  from: IntentState[];
  /** The error code when the record is not in `from` (now, or by the time it is written). */
  code: 'not_pending' | 'not_cancellable';
  notAllowed: (state: IntentState) => string;
  raced: string;
  receiptCode: string;
};

/**
 * A person's decision that ends a key: the record moves (only from the states it may),
 * anything else that must stop does, the key is closed with a receipt, and it is audited.
 */
async function decideAndClose(
  ctx: CoordinatorContext,
  key: string,
  by: string,
  comment: string | null,
  channel: Channel | undefined,
  c: Closing,
  afterMove: (record: IntentRecord) => Promise<unknown> = async () => {},
) {
  const record = pending(await ctx.store.find(key, channel), key);
  if (!c.from.includes(record.state))
    throw new CoordinatorError(409, c.code, `${key} is ${record.state}; ${c.notAllowed(record.state)}`);
  const now = new Date().toISOString();
  const next: IntentRecord = {
    ...record,
    state: c.to,
    updatedAt: now,
    approvalDeadline: null,
    decision: { by, at: now, comment },
  };
  const moved = await ctx.store.transition(next, c.from);
  if (moved.code === 'refused') throw new CoordinatorError(409, c.code, `${key} ${c.raced}`);
  await afterMove(record);
  const receipt = await closeKey(ctx, next, c.receiptCode, comment ?? `${c.to} by ${by}`);
  await ctx.store.transition({ ...next, receipt }, [c.to]);
  await ctx.audit.append({
    actor: by,
    action: c.to,
    channel: next.channel,
    idempotencyKey: key,
    reason: comment,
  });
  return { ...next, receipt };
}

export function reject(
  ctx: CoordinatorContext,
  key: string,
  by: string,
  comment: string | null,
  channel?: Channel,
) {
  return decideAndClose(ctx, key, by, comment, channel, {
    to: 'rejected',
    from: ['pending_approval'],
    code: 'not_pending',
    notAllowed: () => 'not pending approval',
    raced: 'was decided meanwhile',
    receiptCode: 'rejected_by_person',
  });
}

/** Withdraws a scheduled or pending intent before it reaches its stream. */
export function cancel(
  ctx: CoordinatorContext,
  key: string,
  by: string,
  reason: string | null,
  channel?: Channel,
) {
  return decideAndClose(
    ctx,
    key,
    by,
    reason,
    channel,
    {
      to: 'cancelled',
      from: ['scheduled', 'pending_approval'],
      code: 'not_cancellable',
      notAllowed: () => 'only scheduled or pending intents can be cancelled',
      raced: 'was released or decided meanwhile',
      receiptCode: 'cancelled',
    },
    (record) => ctx.scheduler.cancel(record.channel, key),
  );
}

/** The scheduler's job: a scheduled intent whose time has come goes to its stream. */
export async function releaseScheduled(
  ctx: CoordinatorContext,
  channel: Channel,
  key: string,
): Promise<void> {
  const record = await ctx.store.get(channel, key);
  if (!record || record.state !== 'scheduled') return;
  const next: IntentRecord = { ...record, state: 'queued', updatedAt: new Date().toISOString() };
  const moved = await ctx.store.transition(next, ['scheduled'], { append: true });
  if (moved.code === 'moved') {
    await ctx.audit.append({
      actor: 'scheduler',
      action: 'released',
      channel,
      idempotencyKey: key,
      details: { notBefore: record.intent?.notBefore ?? null },
    });
  }
}
