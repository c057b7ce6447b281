import { z } from 'zod';
import { ACTIONS, CHANNELS } from './channels.ts';
import { AccountName, IdempotencyKey, IntentSchema } from './intent.ts';
import { ReceiptSchema } from './receipt.ts';

/**
 * Where an intent stands, as the coordinator knows it. `queued` becomes `in_flight` when an
 * executor holds its lease; the four receipt statuses are terminal; `cancelled` is a
 * scheduled or pending intent an operator withdrew.
 */
export const INTENT_STATES = [
  'pending_approval',
  'scheduled',
  'queued',
  'in_flight',
  'succeeded',
  'failed',
  'rejected',
  'unknown',
  'cancelled',
] as const;
export type IntentState = (typeof INTENT_STATES)[number];

export const DecisionSchema = z.strictObject({
  by: z.string().min(1).max(200),
  at: z.iso.datetime({ offset: true }),
  comment: z.string().max(2000).nullable(),
});

/** The coordinator's canonical record of one idempotency key. */
export const IntentRecordSchema = z.strictObject({
  idempotencyKey: IdempotencyKey,
  channel: z.enum(CHANNELS),
  action: z.enum(ACTIONS),
  account: AccountName,
  state: z.enum(INTENT_STATES),
  /** The intent as parsed (defaults applied); null for keys the coordinator only saw a receipt of. */
  intent: IntentSchema.nullable(),
  /** SHA-256 of the canonical JSON of the effect-defining fields: what "the same intent" means. */
  contentHash: z.string().nullable(),
  submittedAt: z.iso.datetime({ offset: true }).nullable(),
  submittedBy: z.string().nullable(),
  updatedAt: z.iso.datetime({ offset: true }),
  /** Until when a person may approve (pending_approval only). */
  approvalDeadline: z.iso.datetime({ offset: true }).nullable(),
  decision: DecisionSchema.nullable(),
  receipt: ReceiptSchema.nullable(),
});
export type IntentRecord = z.output<typeof IntentRecordSchema>;

export const AUDIT_ACTIONS = [
  'submitted',
  'approved',
  'rejected',
  'released',
  'cancelled',
  'gate_changed',
  'replayed',
  'resolved',
] as const;

/** One decision in the audit log. */
export const AuditEntrySchema = z.strictObject({
  at: z.iso.datetime({ offset: true }),
  actor: z.string().min(1).max(200),
  action: z.enum(AUDIT_ACTIONS),
  channel: z.enum(CHANNELS).nullable(),
  idempotencyKey: IdempotencyKey.nullable(),
  reason: z.string().max(2000).nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.output<typeof AuditEntrySchema>;
