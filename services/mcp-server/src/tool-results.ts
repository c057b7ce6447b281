import type { FieldIssue } from '@agent-ops/contracts/field-issues';
import { CoordinatorApiError } from '@agent-ops/coordinator/client';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

/** A tool's answer: JSON text for models that read text, the same value as structured content. */
export function ok(value: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: value };
}

/**
 * A refusal the agent can act on: the code (e.g. `idempotency_key_reused`), the message and
 * one line per bad field. `isError` keeps it in the conversation instead of failing the call.
 */
export function refused(code: string, message: string, issues: readonly FieldIssue[] = []): CallToolResult {
  const error = { code, message, issues: [...issues] };
  const lines = [`${code}: ${message}`, ...issues.map((i) => `  ${i.field}: ${i.message}`)];
  return {
    content: [{ type: 'text', text: lines.join('\n') }],
    structuredContent: { error },
    isError: true,
  };
}

/** Runs a coordinator call; its refusals become tool errors, anything else is a bug and is rethrown. */
export async function viaCoordinator(call: () => Promise<Record<string, unknown>>): Promise<CallToolResult> {
  try {
    return ok(await call());
  } catch (err) {
    if (err instanceof CoordinatorApiError) {
      return refused(err.code, `${err.message} (HTTP ${err.status || 'unreachable'})`, err.issues);
    }
    throw err;
  }
}
