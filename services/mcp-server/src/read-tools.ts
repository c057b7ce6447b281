import { CHANNELS } from '@agent-ops/contracts/channels';
import { deriveIdempotencyKey } from '@agent-ops/contracts/idempotency-key';
import { IdempotencyKey } from '@agent-ops/contracts/intent';
import { INTENT_STATES } from '@agent-ops/contracts/intent-record';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { ProducerApi } from './producer-api.ts';
import { advertisedInput, checkedInput } from './tool-input.ts';
import { ok, viaCoordinator } from './tool-results.ts';

const channel = z.enum(CHANNELS).describe('Only needed when the key is unknown to the coordinator.');

const StatusInput = z.strictObject({ key: IdempotencyKey, channel: channel.optional() });
const ListInput = z.strictObject({
  channel: z.enum(CHANNELS).optional(),
  state: z.enum(INTENT_STATES).optional(),
  account: z.string().max(64).optional(),
  limit: z.int().min(1).max(500).optional(),
});
const CancelInput = z.strictObject({ key: IdempotencyKey, reason: z.string().min(1).max(2000) });
/** Any JSON value, typed for clients that check (a JSON Schema without a type accepts anything, silently). */
const JsonContent = z.union([
  z.string(),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.unknown()),
  z.record(z.string(), z.unknown()),
]);
const DeriveInput = z.strictObject({
  account: z.string().min(1).max(64),
  action: z.string().min(1).max(32),
  slug: z
    .string()
    .min(1)
    .max(500)
    .describe('A name for the decision, e.g. "launch announcement 2026-11-24".'),
  content: JsonContent.describe('What makes this decision this one, usually the payload (any JSON value).'),
});

/** Status, lists, cancel and key derivation: the rest of what a producer may do. */
export function registerProducerTools(server: McpServer, api: ProducerApi): void {
  server.registerTool(
    'get_intent_status',
    {
      title: 'Status of an intent',
      description:
        'The record of one idempotency key: state (pending_approval, scheduled, queued, in_flight, succeeded, failed, rejected, unknown, cancelled) and its receipt (external id, url, error).',
      inputSchema: advertisedInput(StatusInput),
      annotations: { readOnlyHint: true },
    },
    async (raw) =>
      checkedInput(StatusInput, raw, async ({ key, channel: c }) => viaCoordinator(() => api.get(key, c))),
  );

  server.registerTool(
    'list_intents',
    {
      title: 'List intents',
      description: 'Intents by channel, state and account, most recent first.',
      inputSchema: advertisedInput(ListInput),
      annotations: { readOnlyHint: true },
    },
    async (raw) => checkedInput(ListInput, raw, async (q) => viaCoordinator(() => api.list(q))),
  );

  server.registerTool(
    'list_pending_approvals',
    {
      title: 'Intents waiting for a person',
      description:
        'Intents in pending_approval with their approvalDeadline. Only a person approves or rejects; there is no tool for it.',
      annotations: { readOnlyHint: true },
    },
    async () => viaCoordinator(() => api.approvals()),
  );

  server.registerTool(
    'cancel_intent',
    {
      title: 'Cancel an intent',
      description:
        'Withdraw an intent that is still pending_approval or scheduled. Terminal for the key: it is never carried out, even if submitted again.',
      inputSchema: advertisedInput(CancelInput),
      annotations: { destructiveHint: true, idempotentHint: true },
    },
    async (raw) =>
      checkedInput(CancelInput, raw, async ({ key, reason }) =>
        viaCoordinator(() => api.cancel(key, reason)),
      ),
  );

  server.registerTool(
    'derive_idempotency_key',
    {
      title: 'Derive a stable idempotency key',
      description:
        "A key for one decision: the same account, action, slug and content always give the same key (so a restarted agent re-submitting maps onto the first submission), different content another key. Use it as submit_intent's idempotencyKey.",
      inputSchema: advertisedInput(DeriveInput),
      annotations: { readOnlyHint: true },
    },
    async (raw) =>
      checkedInput(DeriveInput, raw, async (input) => ok({ idempotencyKey: deriveIdempotencyKey(input) })),
  );
}
