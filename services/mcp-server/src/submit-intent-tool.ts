import { ACTIONS } from '@agent-ops/contracts/channels';
import { toFieldIssues } from '@agent-ops/contracts/field-issues';
import { EnvelopeFieldsSchema, IntentSchema } from '@agent-ops/contracts/intent';
import { jsonSchemas } from '@agent-ops/contracts/json-schemas';
import { LIMITS } from '@agent-ops/contracts/limits';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ProducerApi } from './producer-api.ts';
import { refused, viaCoordinator } from './tool-results.ts';

/**
 * The envelope an agent sends. `approval` is left out: only the coordinator sets it when a
 * person approves, so an agent has no field in which to try. Unknown fields stay refused.
 */
export const SubmitIntentInput = EnvelopeFieldsSchema.omit({ approval: true }).extend({
  idempotencyKey: EnvelopeFieldsSchema.shape.idempotencyKey.describe(
    'The same for the same intended effect (derive_idempotency_key makes one). Re-submitting a key answers the existing record; never invent a new key to retry.',
  ),
  action: EnvelopeFieldsSchema.shape.action.describe(
    'Which effect; its payload schema is in the tool description.',
  ),
  payload: EnvelopeFieldsSchema.shape.payload.describe(
    "The action's payload, exactly as its JSON Schema says.",
  ),
});

/** Each action's payload JSON Schema, compact, for the tool description a model reads. */
function payloadSchemas(): string {
  const all = jsonSchemas();
  return ACTIONS.map((action) => {
    const { $id: _id, $schema: _schema, ...schema } = all[`payload.${action}`] as Record<string, unknown>;
    return `- ${action}: ${JSON.stringify(schema)}`;
  }).join('\n');
}

export function describeSubmitIntent(): string {
  return [
    'Submit an intent to the agent-ops coordinator. It is carried out at most once by an executor,',
    'possibly after a person approves it (state pending_approval) or at notBefore (state scheduled).',
    'Returns {created, record}; created=false means this key was already submitted with this intent.',
    'A refusal comes back as an error naming each bad field; idempotency_key_reused means the key was',
    'used for different content: do not change the key to get around it, ask a person.',
    'State unknown means nobody can tell whether the effect happened: never resubmit it, a person resolves it.',
    '',
    'payload per action (JSON Schema):',
    payloadSchemas(),
  ].join('\n');
}

export function registerSubmitIntent(server: McpServer, api: ProducerApi): void {
  server.registerTool(
    'submit_intent',
    {
      title: 'Submit an intent',
      description: describeSubmitIntent(),
      inputSchema: SubmitIntentInput,
      annotations: { destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async (args) => {
      // The envelope was checked by the SDK against the schema above; the payload is checked
      // here per action, with the contracts, so the answer names e.g. `payload.text`.
      const parsed = IntentSchema.safeParse(args);
      if (!parsed.success) {
        return refused(
          'invalid_intent',
          'the intent does not match the contract',
          toFieldIssues(parsed.error),
        );
      }
      // Tag where it came from, unless the agent set a source or the meta is full (32 entries).
      const given = args.meta ?? {};
      const meta =
        'source' in given || Object.keys(given).length >= LIMITS.metaEntries
          ? given
          : { ...given, source: 'mcp' };
      return viaCoordinator(() => api.submit({ ...args, meta }));
    },
  );
}
