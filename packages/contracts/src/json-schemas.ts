import { z } from 'zod';
import { AccountHealthSchema } from './account-health.ts';
import { ApprovalSchema } from './approval.ts';
import { ACTIONS } from './channels.ts';
import { GateRecordSchema } from './gate.ts';
import { IntentSchema } from './intent.ts';
import { AuditEntrySchema, IntentRecordSchema } from './intent-record.ts';
import { PAYLOADS } from './payloads.ts';
import { ReceiptSchema } from './receipt.ts';

/** The records other languages read, by the file name of their JSON Schema. */
function sources(): Record<string, z.ZodType> {
  const out: Record<string, z.ZodType> = {
    intent: IntentSchema,
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

/** JSON Schema (draft 2020-12) of each record, as producers write it (`io: input`: defaults may be omitted). */
export function jsonSchemas(): Record<string, object> {
  const out: Record<string, object> = {};
  for (const [name, schema] of Object.entries(sources())) {
    out[name] = {
      $id: `${BASE_ID}${name}.json`,
      ...z.toJSONSchema(schema, { io: 'input', target: 'draft-2020-12', unrepresentable: 'any' }),
    };
  }
  return out;
}

export function renderSchema(schema: object): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}
