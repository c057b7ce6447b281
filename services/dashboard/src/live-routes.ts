import { CHANNELS } from '@agent-ops/contracts/channels';
import { RECEIPT_STATUSES } from '@agent-ops/contracts/receipt';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CATALOG } from './catalog.ts';
import type { SessionGuard } from './session-guard.ts';
import type { SnapshotReader } from './snapshot.ts';
import type { SseClient, SseHub } from './sse-hub.ts';
import type { LiveMessage, ReceiptFilter } from './views.ts';

const KEEP_ALIVE_MS = 15_000;

/** A value the contracts do not know is ignored, not refused: the page then lists unfiltered. */
const FilterSchema = z.object({
  channel: z.enum(CHANNELS).optional().catch(undefined),
  account: z.string().max(CATALOG.limits.account).optional().catch(undefined),
  status: z.enum(RECEIPT_STATUSES).optional().catch(undefined),
});

function filterOf(query: unknown): ReceiptFilter {
  return FilterSchema.parse(query ?? {});
}

/** What the page reads: one snapshot on request, and the live stream of them. */
export function registerLiveRoutes(
  app: FastifyInstance,
  deps: { guard: SessionGuard; reader: SnapshotReader; hub: SseHub },
): void {
  const { guard, reader, hub } = deps;

  app.get('/api/snapshot', async (req): Promise<LiveMessage> => {
    guard.requireSession(req);
    const filter = filterOf(req.query);
    const [snapshot, receipts] = await Promise.all([reader.snapshot(), reader.receipts(filter)]);
    return { snapshot, receipts };
  });

  app.get('/events', async (req, reply) => {
    const session = guard.requireSession(req);
    const filter = filterOf(req.query);
    reply.hijack();
    const raw = reply.raw;
    // Hijacked: Fastify adds nothing now, so the stream's own headers are written here (helmet's are already set).
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    raw.write('retry: 2000\n\n');
    const client: SseClient = { filter, raw, expiresAt: session.expiresAt };
    const keepAlive = setInterval(() => raw.write(': keep-alive\n\n'), KEEP_ALIVE_MS);
    req.raw.on('close', () => {
      clearInterval(keepAlive);
      hub.remove(client);
    });
    hub.add(client);
  });
}
