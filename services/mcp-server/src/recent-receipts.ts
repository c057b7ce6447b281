import { CHANNELS, type Channel, isChannel } from '@agent-ops/contracts/channels';
import type { Receipt } from '@agent-ops/contracts/receipt';
import { type McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { ProducerApi } from './producer-api.ts';

type Entry = { id: string; receipt: Receipt };

const PAGE = 500;
/** Pages read per call at most, so a first read of a long stream cannot stall a tool call. */
const MAX_PAGES = 20;

/**
 * The last N receipts of each channel. The coordinator's receipts API reads forward from a
 * cursor, so this keeps, per channel, the cursor and the last N seen: the first read walks
 * the stream once, later reads fetch only what is new. Reads of one channel run one at a time.
 */
export class RecentReceipts {
  private readonly api: ProducerApi;
  private readonly size: number;
  private readonly tails = new Map<Channel, { after: string; recent: Entry[] }>();
  private readonly running = new Map<Channel, Promise<Entry[]>>();

  constructor(api: ProducerApi, size: number) {
    this.api = api;
    this.size = size;
  }

  read(channel: Channel): Promise<Entry[]> {
    const previous = this.running.get(channel) ?? Promise.resolve([]);
    const next = previous.catch(() => []).then(() => this.advance(channel));
    this.running.set(channel, next);
    return next;
  }

  private async advance(channel: Channel): Promise<Entry[]> {
    const tail = this.tails.get(channel) ?? { after: '0-0', recent: [] };
    for (let page = 0; page < MAX_PAGES; page++) {
      const { receipts } = await this.api.receipts(channel, tail.after, PAGE);
      const last = receipts.at(-1);
      if (last) tail.after = last.id;
      tail.recent = [...tail.recent, ...receipts].slice(-this.size);
      if (receipts.length < PAGE) break;
    }
    this.tails.set(channel, tail);
    return [...tail.recent].reverse();
  }
}

/** `receipts://{channel}/recent`: newest first, as JSON. */
export function registerRecentReceipts(server: McpServer, recent: RecentReceipts): void {
  server.registerResource(
    'recent-receipts',
    new ResourceTemplate('receipts://{channel}/recent', {
      list: async () => ({
        resources: CHANNELS.map((c) => ({
          uri: `receipts://${c}/recent`,
          name: `recent ${c} receipts`,
          mimeType: 'application/json',
        })),
      }),
      complete: { channel: (value) => CHANNELS.filter((c) => c.startsWith(value)) },
    }),
    {
      title: 'Recent receipts of a channel',
      description: 'The newest receipts of a channel (succeeded, failed, rejected, unknown), newest first.',
      mimeType: 'application/json',
    },
    async (uri, { channel }) => {
      const c = String(channel);
      if (!isChannel(c)) throw new Error(`channel: must be one of ${CHANNELS.join(', ')}`);
      const receipts = await recent.read(c);
      return {
        contents: [
          { uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ receipts }, null, 2) },
        ],
      };
    },
  );
}
