import { z } from 'zod';
import { ApprovalSchema } from './approval.ts';
import { ACTIONS, type Action, type ActionOf, type Channel } from './channels.ts';
import { LIMITS } from './limits.ts';
import { PAYLOADS } from './payloads.ts';

export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9._:-]{1,200}$/;
export const ACCOUNT_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

export const IdempotencyKey = z
  .string({ error: 'must be a string' })
  .regex(IDEMPOTENCY_KEY_PATTERN, { error: 'must be 1 to 200 characters of A-Z a-z 0-9 . _ : -' });

export const AccountName = z
  .string({ error: 'must be a string' })
  .regex(ACCOUNT_PATTERN, { error: 'must be 1 to 64 characters of A-Z a-z 0-9 . _ -' });

const timestamp = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 date-time with a zone, or null',
});

const metaValue = z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]);

const envelopeFields = {
  v: z.literal(1, { error: 'must be 1 (the envelope version)' }),
  idempotencyKey: IdempotencyKey,
  account: AccountName,
  notBefore: timestamp.nullable().optional(),
  expiresAt: timestamp.nullable().optional(),
  approval: ApprovalSchema.nullable().optional(),
  meta: z
    .record(z.string().max(64), metaValue)
    .refine((m) => Object.keys(m).length <= LIMITS.metaEntries, {
      error: `must have at most ${LIMITS.metaEntries} entries`,
    })
    .nullable()
    .optional(),
};

/**
 * The fields every intent shares, checked on their own so that an entry with a bad
 * `action` still hears about its other bad fields.
 */
export const EnvelopeFieldsSchema = z.strictObject({
  ...envelopeFields,
  action: z.enum(ACTIONS, { error: `must be one of ${ACTIONS.join(', ')}` }),
  payload: z.record(z.string(), z.unknown(), { error: 'must be an object' }),
});

function variant<A extends Action>(action: A) {
  return z.strictObject({ ...envelopeFields, action: z.literal(action), payload: PAYLOADS[action] });
}

/**
 * The intent envelope, the value of an intents entry's `intent` field. Optional fields
 * may be omitted by producers; unknown fields are refused so that a misspelt
 * `expiresAt` never goes unnoticed.
 */
export const IntentSchema = z.discriminatedUnion(
  'action',
  [
    variant('x.post'),
    variant('x.reply'),
    variant('x.delete'),
    variant('x.thread'),
    variant('email.send'),
    variant('calendar.create'),
    variant('calendar.update'),
    variant('calendar.delete'),
    variant('webhook.call'),
    variant('caldav.create'),
    variant('caldav.update'),
    variant('caldav.delete'),
    variant('notify.send'),
  ],
  {
    error: (issue) => (issue.code === 'invalid_union' ? `must be one of ${ACTIONS.join(', ')}` : undefined),
  },
);

export type IntentInput = z.input<typeof IntentSchema>;
export type Intent = z.output<typeof IntentSchema>;
export type IntentOf<A extends Action> = Extract<Intent, { action: A }>;
/** The intents one channel's stream carries; `ChannelIntent<Channel>` is every intent. */
export type ChannelIntent<C extends Channel> = IntentOf<ActionOf<C>>;
