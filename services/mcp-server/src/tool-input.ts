import { toFieldIssues } from '@agent-ops/contracts/field-issues';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { refused } from './tool-results.ts';

type JsonSchema = Record<string, unknown>;

/**
 * A tool's input as the SDK sees it: any object at run time, advertised to clients with the
 * strict JSON Schema given (or the zod schema's own). The real check is `checkedInput`'s, in
 * the handler, so every refusal, an SDK-level one included, has the one shape of `refused()`
 * (code, message, one issue per field) instead of the SDK's "Input validation error" text.
 */
export function advertisedInput(strict: z.ZodType, jsonSchema?: JsonSchema) {
  const {
    $schema: _schema,
    $id: _id,
    ...advertised
  } = jsonSchema ?? (z.toJSONSchema(strict, { io: 'input', target: 'draft-7' }) as JsonSchema);
  return z.looseObject({}).meta(advertised);
}

/** Parses a tool's arguments with the strict schema: a refusal naming each field, or the handler's answer. */
export async function checkedInput<T>(
  strict: z.ZodType<T>,
  args: unknown,
  handle: (input: T) => Promise<CallToolResult>,
  code = 'invalid_input',
): Promise<CallToolResult> {
  const parsed = strict.safeParse(args ?? {});
  if (!parsed.success)
    return refused(code, "the arguments do not match the tool's input schema", toFieldIssues(parsed.error));
  return handle(parsed.data);
}
