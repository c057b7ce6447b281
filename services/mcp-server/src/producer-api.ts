import type { Channel } from '@agent-ops/contracts/channels';
import type { IntentRecord, IntentState } from '@agent-ops/contracts/intent-record';
import type { Receipt } from '@agent-ops/contracts/receipt';
import { CoordinatorClient } from '@agent-ops/coordinator/client';

/**
 * The only calls the MCP server can make: what a producer token allows, minus nothing.
 * The server is handed this object, never the CoordinatorClient, so even when it is given an
 * operator token by mistake no code path exists that approves, rejects, gates, replays or
 * resolves: those stay with people.
 */
export type ProducerApi = {
  submit(intent: Record<string, unknown>): Promise<{ created: boolean; record: IntentRecord }>;
  get(key: string, channel?: Channel): Promise<{ record: IntentRecord }>;
  list(q: {
    channel?: Channel;
    state?: IntentState;
    account?: string;
    limit?: number;
  }): Promise<{ records: IntentRecord[] }>;
  approvals(): Promise<{ records: IntentRecord[] }>;
  cancel(key: string, reason?: string): Promise<{ record: IntentRecord }>;
  receipts(
    channel: Channel,
    after: string,
    count: number,
  ): Promise<{ receipts: Array<{ id: string; receipt: Receipt }> }>;
};

export function producerApi(options: { url: string; token: string }): ProducerApi {
  const client = new CoordinatorClient(options);
  return Object.freeze({
    submit: (intent) => client.submit(intent),
    get: (key, channel) => client.get(key, channel),
    list: (q) => client.list(q),
    approvals: () => client.approvals(),
    cancel: (key, reason) => client.cancel(key, reason),
    receipts: (channel, after, count) => client.receipts(channel, after, count),
  });
}
