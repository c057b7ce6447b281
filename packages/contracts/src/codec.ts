import { type Channel, channelOf } from './channels.ts';
import { DEADLETTER_FIELDS } from './deadletter.ts';
import { ValidationError } from './errors.ts';
import { type FieldIssue, toFieldIssues } from './field-issues.ts';
import {
  type ChannelIntent,
  EnvelopeFieldsSchema,
  type Intent,
  type IntentInput,
  IntentSchema,
} from './intent.ts';
import { LIMITS } from './limits.ts';
import { type Receipt, type ReceiptError, ReceiptSchema } from './receipt.ts';

/** Stream fields as ioredis returns them (`[k, v, k, v]`) or as a record. */
export type StreamFields = readonly string[] | Readonly<Record<string, string>>;

export const INTENT_FIELD = 'intent';
export const RECEIPT_FIELD = 'receipt';

export function fieldsToRecord(fields: StreamFields): Record<string, string> {
  if (!Array.isArray(fields)) return { ...(fields as Record<string, string>) };
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const key = fields[i] as string;
    // The first occurrence wins, as with XADD field lists read back by most clients.
    if (!(key in out)) out[key] = fields[i + 1] as string;
  }
  return out;
}

export type DecodeResult<I extends Intent = Intent> =
  | { ok: true; intent: I }
  | { ok: false; issues: FieldIssue[]; reason: string };

function failure(issues: FieldIssue[]): DecodeResult {
  return { ok: false, issues, reason: new ValidationError(issues, 'intent').message };
}

/** The field issue when `action` does not belong to the stream's channel, else null. */
export function channelIssue(intent: Pick<Intent, 'action'>, channel: Channel): FieldIssue | null {
  const own = channelOf(intent.action);
  if (own === channel) return null;
  return {
    field: 'action',
    message: `${intent.action} belongs to channel ${own}, not ${channel}; write it to the {${own}} intents stream`,
  };
}

/**
 * The wire rule for upgrades (README, "Upgrades, one mini at a time"): within envelope
 * version 1, information an older reader may ignore goes in `meta`, which every reader keeps
 * and ignores; any other new field, action or version is one the reader must understand, and
 * is refused with this hint rather than guessed at. So the readers (executors, then the
 * coordinator) are upgraded before whoever writes the new field.
 */
const UPGRADE_HINT = 'if a newer release wrote it, upgrade this reader first (README: Upgrades)';

function isVersionSkew(issue: FieldIssue): boolean {
  return issue.message.startsWith('unknown field') || issue.field === 'v' || issue.field === 'action';
}

function withUpgradeHint(issues: FieldIssue[]): FieldIssue[] {
  return issues.map((i) => (isVersionSkew(i) ? { ...i, message: `${i.message}; ${UPGRADE_HINT}` } : i));
}

function dedupe(issues: FieldIssue[]): FieldIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const id = `${i.field}\u0000${i.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Parses the JSON envelope of an intent; with `channel`, also checks the action belongs to it. */
/** Parsed for a channel, an intent of another channel is an issue, so the result is that channel's intent. */
export function parseIntentJson<C extends Channel>(
  json: string,
  options: { channel: C },
): DecodeResult<ChannelIntent<C>>;
export function parseIntentJson(json: string, options?: { channel?: Channel }): DecodeResult;
export function parseIntentJson(json: string, options: { channel?: Channel } = {}): DecodeResult {
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > LIMITS.intentBytes) {
    return failure([
      { field: INTENT_FIELD, message: `is ${bytes} bytes; at most ${LIMITS.intentBytes} are allowed` },
    ]);
  }
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    return failure([{ field: INTENT_FIELD, message: `is not valid JSON (${(err as Error).message})` }]);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return failure([{ field: INTENT_FIELD, message: 'must be a JSON object' }]);
  }
  const parsed = IntentSchema.safeParse(value);
  if (!parsed.success) {
    const issues = toFieldIssues(parsed.error);
    const envelope = EnvelopeFieldsSchema.safeParse(value);
    if (!envelope.success) issues.push(...toFieldIssues(envelope.error));
    return failure(withUpgradeHint(dedupe(issues)));
  }
  const intent = parsed.data;
  const issues: FieldIssue[] = [];
  if (options.channel) {
    const issue = channelIssue(intent, options.channel);
    if (issue) issues.push(issue);
  }
  if (intent.notBefore && intent.expiresAt && Date.parse(intent.expiresAt) <= Date.parse(intent.notBefore)) {
    issues.push({ field: 'expiresAt', message: 'must be later than notBefore' });
  }
  return issues.length > 0 ? failure(issues) : { ok: true, intent };
}

/** Decodes an intents stream entry: one field, `intent`, holding the JSON envelope. */
export function decodeIntentEntry<C extends Channel>(
  fields: StreamFields,
  options: { channel: C },
): DecodeResult<ChannelIntent<C>>;
export function decodeIntentEntry(fields: StreamFields, options?: { channel?: Channel }): DecodeResult;
export function decodeIntentEntry(fields: StreamFields, options: { channel?: Channel } = {}): DecodeResult {
  const record = fieldsToRecord(fields);
  const json = record[INTENT_FIELD];
  if (json === undefined) {
    const seen = Object.keys(record);
    return failure([
      {
        field: INTENT_FIELD,
        message: `is missing; an intents entry has one field, intent, holding the JSON envelope${
          seen.length > 0 ? ` (fields seen: ${seen.slice(0, 10).join(', ')})` : ''
        }`,
      },
    ]);
  }
  return parseIntentJson(json, options);
}

/** Validates an intent and returns the stream fields for XADD. Throws ValidationError naming each bad field. */
export function encodeIntent(input: IntentInput): [typeof INTENT_FIELD, string] {
  const parsed = IntentSchema.safeParse(input);
  if (!parsed.success) throw new ValidationError(toFieldIssues(parsed.error), 'intent');
  return [INTENT_FIELD, JSON.stringify(parsed.data)];
}

export function encodeReceipt(receipt: Receipt): [typeof RECEIPT_FIELD, string] {
  const parsed = ReceiptSchema.safeParse(receipt);
  if (!parsed.success) throw new ValidationError(toFieldIssues(parsed.error), 'receipt');
  return [RECEIPT_FIELD, JSON.stringify(parsed.data)];
}

export function decodeReceiptEntry(fields: StreamFields): Receipt {
  const json = fieldsToRecord(fields)[RECEIPT_FIELD];
  if (json === undefined)
    throw new ValidationError([{ field: RECEIPT_FIELD, message: 'is missing' }], 'receipt');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new ValidationError([{ field: RECEIPT_FIELD, message: 'is not valid JSON' }], 'receipt');
  }
  const parsed = ReceiptSchema.safeParse(value);
  if (!parsed.success) throw new ValidationError(toFieldIssues(parsed.error), 'receipt');
  return parsed.data;
}

export type DeadletterInfo = {
  reason: string;
  error: ReceiptError;
  receivedAt: string;
  intentId: string;
  consumer: string;
};

/**
 * The fields of a deadletter entry: the original fields as they came (a name that
 * clashes with one of ours is kept as `original.<name>`), then ours.
 */
export function deadletterFields(original: StreamFields, info: DeadletterInfo): string[] {
  const out: string[] = [];
  const pairs = Array.isArray(original) ? original : Object.entries(original).flat();
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const key = pairs[i] as string;
    const clashes = (DEADLETTER_FIELDS as readonly string[]).includes(key) || key.startsWith('original.');
    out.push(clashes ? `original.${key}` : key, pairs[i + 1] as string);
  }
  out.push(
    'reason',
    info.reason,
    'error',
    JSON.stringify(info.error),
    'receivedAt',
    info.receivedAt,
    'intentId',
    info.intentId,
    'consumer',
    info.consumer,
  );
  return out;
}
