import { z } from 'zod';
import { AccountHealthSchema } from './account-health.ts';
import { ApprovalSchema } from './approval.ts';
import { ACTIONS } from './channels.ts';
import { GateRecordSchema } from './gate.ts';
import { EnvelopeFieldsSchema } from './intent.ts';
import { AuditEntrySchema, IntentRecordSchema } from './intent-record.ts';
import { PAYLOADS } from './payloads.ts';
import { ReceiptSchema } from './receipt.ts';

/** The records other languages read, by the file name of their JSON Schema. */
function sources(): Record<string, z.ZodType> {
  const out: Record<string, z.ZodType> = {
    receipt: ReceiptSchema,
    approval: ApprovalSchema,
    gate: GateRecordSchema,
    'account-health': AccountHealthSchema,
    'intent-record': IntentRecordSchema,
    audit: AuditEntrySchema,
  };
  for (const action of ACTIONS) out[`payload.${action}`] = PAYLOADS[action];
  return out;
}

const BASE_ID = 'https://agent-ops.dev/schemas/';

type Json = Record<string, unknown>;

function toJson(schema: z.ZodType): Json {
  return z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }) as Json;
}

/** A copy of `node` with every local `#/$defs/NAME` reference renamed by `rename`. */
function renameRefs(node: unknown, rename: (name: string) => string): unknown {
  if (Array.isArray(node)) return node.map((n) => renameRefs(n, rename));
  if (node === null || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] =
      k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')
        ? `#/$defs/${rename(v.slice('#/$defs/'.length))}`
        : renameRefs(v, rename);
  }
  return out;
}

/**
 * The intent envelope as one object with an `if`/`then` per action on `action` (rather than
 * a `oneOf` of the actions): a validator then reports the failing field itself
 * (`/payload/text`, `/idempotencyKey`) instead of "not valid under any of the given schemas"
 * at the root. Each action's payload schema is inlined, its `$defs` renamed per action, so
 * that one self-contained file validates an intent.
 */
function intentJsonSchema(): Json {
  const envelope = toJson(EnvelopeFieldsSchema);
  const defs: Json = { ...((envelope.$defs as Json | undefined) ?? {}) };
  const branches = ACTIONS.map((action) => {
    const { $schema: _s, $defs: payloadDefs, ...payload } = toJson(PAYLOADS[action]);
    const rename = (name: string) => `payload.${action}.${name}`;
    for (const [name, def] of Object.entries((payloadDefs as Json | undefined) ?? {}))
      defs[rename(name)] = renameRefs(def, rename);
    return {
      if: { properties: { action: { const: action } }, required: ['action'] },
      // biome-ignore lint/suspicious/noThenProperty: JSON Schema's `then`, never awaited.
      then: { properties: { payload: renameRefs(payload, rename) } },
    };
  });
  const { $defs: _d, ...rest } = envelope;
  const properties = { ...(rest.properties as Json), payload: { type: 'object' } };
  return { ...rest, properties, allOf: branches, ...(Object.keys(defs).length ? { $defs: defs } : {}) };
}

/** JSON Schema (draft 2020-12) of each record, as producers write it (`io: input`: defaults may be omitted). */
export function jsonSchemas(): Record<string, object> {
  const out: Record<string, object> = { intent: { $id: `${BASE_ID}intent.json`, ...intentJsonSchema() } };
  for (const [name, schema] of Object.entries(sources())) {
    out[name] = {
      $id: `${BASE_ID}${name}.json`,
      ...toJson(schema),
    };
  }
  return out;
}

export function renderSchema(schema: object): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
