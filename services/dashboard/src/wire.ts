import { decodeReceiptEntry, fieldsToRecord, type StreamFields } from '@agent-ops/contracts/codec';
import { DeadletterSchema } from '@agent-ops/contracts/deadletter';
import { type GateRecord, GateRecordSchema } from '@agent-ops/contracts/gate';
import { type IntentRecord, IntentRecordSchema } from '@agent-ops/contracts/intent-record';
import type { Receipt, ReceiptError } from '@agent-ops/contracts/receipt';

/**
 * Stored values decoded with the contracts' own codecs. The page shows what it can: a value
 * that does not decode is left out (null), never a reason for the whole snapshot to fail.
 */

export function parseJson(text: string | null | undefined): unknown {
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** XINFO's flat `[name, value, name, value]` replies as an object. */
export function flatToObject(flat: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(flat)) return out;
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

/** When a stream entry was added: the milliseconds part of its id. */
export function entryTime(id: string): number {
  return Number(id.slice(0, id.indexOf('-')));
}

export function receiptOf(fields: StreamFields): Receipt | null {
  try {
    return decodeReceiptEntry(fields);
  } catch {
    return null;
  }
}

export function recordOf(json: string | null | undefined): IntentRecord | null {
  const parsed = IntentRecordSchema.safeParse(parseJson(json));
  return parsed.success ? parsed.data : null;
}

export function gateRecordOf(json: string | null | undefined): GateRecord | null {
  const parsed = GateRecordSchema.safeParse(parseJson(json));
  return parsed.success ? parsed.data : null;
}

export type DeadletterEntry = {
  reason: string;
  error: ReceiptError | null;
  /** The intent's JSON as the producer wrote it: a deadlettered intent need not parse. */
  intentJson: string | null;
};

export function deadletterOf(fields: StreamFields): DeadletterEntry {
  const f = fieldsToRecord(fields);
  const error = DeadletterSchema.shape.error.safeParse(f.error);
  return {
    reason: f.reason ?? '',
    error: error.success ? error.data : null,
    intentJson: f['original.intent'] ?? f.intent ?? null,
  };
}
