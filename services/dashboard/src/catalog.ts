import { CHANNELS } from '@agent-ops/contracts/channels';
import { GateRecordSchema } from '@agent-ops/contracts/gate';
import { AuditEntrySchema, DecisionSchema } from '@agent-ops/contracts/intent-record';
import { LIMITS } from '@agent-ops/contracts/limits';
import { RECEIPT_STATUSES, ReceiptSchema } from '@agent-ops/contracts/receipt';
import type { z } from 'zod';
import type { Catalog } from './views.ts';

/** The most characters a contract field allows; a field without a maximum is a mistake here. */
function maxChars(field: z.ZodString): number {
  if (field.maxLength === null)
    throw new TypeError('a field the page lets a person type into needs a maximum');
  return field.maxLength;
}

/**
 * Taken from the contracts, once: the lists and limits the page and the action routes share.
 * Each limit is the field's own maximum where the coordinator stores it.
 */
export const CATALOG: Catalog = {
  channels: CHANNELS,
  statuses: RECEIPT_STATUSES,
  limits: {
    gateReason: maxChars(GateRecordSchema.shape.reason),
    comment: maxChars(DecisionSchema.shape.comment.unwrap()),
    /** Cancel, replay and resolve notes go to the audit entry's reason. */
    reason: maxChars(AuditEntrySchema.shape.reason.unwrap()),
    externalId: maxChars(ReceiptSchema.shape.externalId.unwrap()),
    account: LIMITS.accountChars,
  },
};
