import { z } from 'zod';
import { ReceiptErrorSchema } from './receipt.ts';

/** Deadletter fields the executor adds; an original field of the same name is kept as `original.<name>`. */
export const DEADLETTER_FIELDS = ['reason', 'error', 'receivedAt', 'intentId', 'consumer'] as const;

/**
 * A deadletter entry: the original stream fields exactly as they came, plus why the
 * entry could not be carried out. Nothing a producer wrote is dropped silently.
 */
export const DeadletterSchema = z.object({
  reason: z.string().min(1).max(4000),
  /** JSON of a ReceiptError. */
  error: z.string().transform((s, ctx) => {
    try {
      return ReceiptErrorSchema.parse(JSON.parse(s));
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be the JSON of {code, message, retryable}' });
      return z.NEVER;
    }
  }),
  receivedAt: z.iso.datetime({ offset: true }),
  intentId: z.string().regex(/^\d+-\d+$/),
  consumer: z.string().min(1),
});
export type Deadletter = z.output<typeof DeadletterSchema>;
