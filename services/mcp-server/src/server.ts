import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ProducerApi } from './producer-api.ts';
import { registerProducerTools } from './read-tools.ts';
import { type RecentReceipts, registerRecentReceipts } from './recent-receipts.ts';
import { registerSubmitIntent } from './submit-intent-tool.ts';

const INSTRUCTIONS = `agent-ops carries out intents (posts, emails, calendar events, webhook calls) at most once.
You draft and submit; executors act; people approve, gate and resolve. There is deliberately no tool to
approve, reject, open or close the gate, replay or resolve. Use derive_idempotency_key for a stable key,
submit_intent to submit, get_intent_status to follow it. Never resubmit an intent whose state is
unknown: a person must check whether it happened.`;

/**
 * One MCP server over a producer API. It registers producer tools only; nothing here can
 * reach an operator action, whatever token the API was built with.
 */
export function createMcpServer(api: ProducerApi, recent: RecentReceipts): McpServer {
  const server = new McpServer(
    { name: 'agent-ops', version: '0.1.0' },
    { instructions: INSTRUCTIONS, capabilities: { tools: {}, resources: {} } },
  );
  registerSubmitIntent(server, api);
  registerProducerTools(server, api);
  registerRecentReceipts(server, recent);
  return server;
}
