import { z } from 'zod';
import { ACTIONS } from './channels.ts';
import { AccountName, IdempotencyKey } from './intent.ts';

export const RECEIPT_STATUSES = ['succeeded', 'failed', 'rejected', 'unknown'] as const;
export type ReceiptStatus = (typeof RECEIPT_STATUSES)[number];

export const ReceiptErrorSchema = z.strictObject({
  code: z.string().min(1).max(100),
  message: z.string().max(2000),
  retryable: z.boolean(),
});
export type ReceiptError = z.output<typeof ReceiptErrorSchema>;

const timestamp = z.iso.datetime({ offset: true });

/**
 * The key of one part of an x.thread, which gets a receipt of its own: the thread's key and
 * `/part/<n>` (from 1). `/` is in no producer's key, so a derived key never meets one.
 */
export function threadPartKey(key: string, part: number): string {
  return `${key}/part/${part}`;
}

/** Whether a receipt's key is a thread part's (`<key>/part/<n>`), not a key a producer chose. */
export function isThreadPartKey(key: string): boolean {
  return /\/part\/\d+$/.test(key);
}

const ReceiptKey = z.union(
  [IdempotencyKey, z.string().regex(/^[A-Za-z0-9._:-]{1,200}\/part\/[1-9][0-9]?$/)],
  {
    error: 'must be 1 to 200 characters of A-Z a-z 0-9 . _ : -, or such a key and /part/<n>',
  },
);

/**
 * The value of a receipts entry's `receipt` field: what an executor did with one intent.
 * `error` is null exactly when the status is `succeeded`.
 */
export const ReceiptSchema = z
  .strictObject({
    v: z.literal(1),
    idempotencyKey: ReceiptKey,
    action: z.enum(ACTIONS),
    account: AccountName,
    status: z.enum(RECEIPT_STATUSES),
    externalId: z.string().max(1000).nullable(),
    url: z.url().nullable(),
    attempts: z.int().min(0),
    executor: z.string().min(1).max(200),
    intentId: z.string().regex(/^\d+-\d+$/, { error: 'must be a stream entry id' }),
    startedAt: timestamp,
    finishedAt: timestamp,
    error: ReceiptErrorSchema.nullable(),
  })
  .superRefine((r, ctx) => {
    if (r.status === 'succeeded' && r.error !== null) {
      ctx.addIssue({ code: 'custom', path: ['error'], message: 'must be null when status is succeeded' });
    }
    if (r.status !== 'succeeded' && r.error === null) {
      ctx.addIssue({ code: 'custom', path: ['error'], message: `is required when status is ${r.status}` });
    }
  });
export type Receipt = z.output<typeof ReceiptSchema>;
