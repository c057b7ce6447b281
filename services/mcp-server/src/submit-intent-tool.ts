import { ACTIONS } from '@agent-ops/contracts/channels';
import { toFieldIssues } from '@agent-ops/contracts/field-issues';
import { EnvelopeFieldsSchema, IntentSchema } from '@agent-ops/contracts/intent';
import { jsonSchemas } from '@agent-ops/contracts/json-schemas';
import { LIMITS } from '@agent-ops/contracts/limits';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ProducerApi } from './producer-api.ts';
import { advertisedInput, checkedInput } from './tool-input.ts';
import { refused, viaCoordinator } from './tool-results.ts';

/**
 * The envelope an agent sends. `approval` is left out: only the coordinator sets it when a
 * person approves, so an agent has no field in which to try. Unknown fields stay refused.
 */
export const SubmitIntentInput = EnvelopeFieldsSchema.omit({ approval: true });

const DESCRIPTIONS: Record<string, string> = {
  idempotencyKey:
    'The same for the same intended effect (derive_idempotency_key makes one). Re-submitting a key answers the existing record; never invent a new key to retry.',
  action: 'Which effect; the payload must match this action (the schema says so per action).',
  payload: "The action's payload, exactly as its schema (the `allOf` branch of the action) says.",
  meta: 'Flat values carried along, never part of the effect. sessionKey: the OpenClaw session to report the outcome to.',
};

/**
 * The input schema clients see: the contracts' intent schema (one object, an `if`/`then` per
 * action with that action's payload schema), without `approval`, with a word on the fields
 * a model gets wrong. A client can validate the payload before calling.
 */
export function submitIntentJsonSchema(): Record<string, unknown> {
  const intent = jsonSchemas().intent as Record<string, unknown>;
  const { approval: _approval, ...properties } = intent.properties as Record<string, Record<string, unknown>>;
  for (const [name, description] of Object.entries(DESCRIPTIONS))
    if (properties[name]) properties[name] = { ...properties[name], description };
  return { ...intent, properties };
}

export function describeSubmitIntent(): string {
  return [
    'Submit an intent to the agent-ops coordinator. It is carried out at most once by an executor,',
    'possibly after a person approves it (state pending_approval) or at notBefore (state scheduled).',
    'Returns {created, record}; created=false means this key was already submitted with this intent.',
    'A refusal comes back as an error {code, message, issues[{field, message}]} naming each bad field;',
    'idempotency_key_reused means the key was used for different content: do not change the key to',
    'get around it, ask a person.',
    'State unknown means nobody can tell whether the effect happened: never resubmit it, a person resolves it.',
    `Actions: ${ACTIONS.join(', ')}; the input schema has each one's payload.`,
  ].join('\n');
}

export function registerSubmitIntent(server: McpServer, api: ProducerApi): void {
  server.registerTool(
    'submit_intent',
    {
      title: 'Submit an intent',
      description: describeSubmitIntent(),
      inputSchema: advertisedInput(SubmitIntentInput, submitIntentJsonSchema()),
      annotations: { destructiveHint: false, idempotentHint: true, openWorldHint: true },
    },
    async (raw) =>
      checkedInput(
        SubmitIntentInput,
        raw,
        async (args) => {
          // The envelope is checked; now the payload per action, with the contracts, so the
          // answer names e.g. `payload.text`.
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
        'invalid_intent',
      ),
  );
}
