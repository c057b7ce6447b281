import { CHANNELS, type Channel } from '@agent-ops/contracts/channels';
import { channelKeys } from '@agent-ops/contracts/keys';
import type { Redis } from 'ioredis';
import { headline, receiptView } from '../to-views.ts';
import type { ReceiptFilter, ReceiptsView, ReceiptView } from '../views.ts';
import { receiptOf, recordOf } from '../wire.ts';
import { LIST_LIMIT, RECEIPT_PAGE, RECEIPT_SCAN_LIMIT } from './bounds.ts';

function matches(v: ReceiptView, filter: ReceiptFilter): boolean {
  return (!filter.account || v.account === filter.account) && (!filter.status || v.status === filter.status);
}

/** One channel's newest receipts that match, paging back at most RECEIPT_SCAN_LIMIT entries. */
async function channelReceipts(
  redis: Redis,
  prefix: string,
  channel: Channel,
  filter: ReceiptFilter,
  limit: number,
) {
  const k = channelKeys(prefix, channel);
  const filtering = Boolean(filter.account || filter.status);
  const count = filtering ? RECEIPT_PAGE : limit;
  const mine: ReceiptView[] = [];
  let end = '+';
  let seen = 0;
  let complete = true;
  while (mine.length < limit && seen < RECEIPT_SCAN_LIMIT) {
    const page = await redis.xrevrange(k.receipts, end, '-', 'COUNT', count);
    seen += page.length;
    for (const [id, fields] of page) {
      const r = receiptOf(fields);
      const v = r && receiptView(channel, id, r);
      if (v && matches(v, filter) && mine.length < limit) mine.push(v);
    }
    const last = page.at(-1)?.[0];
    if (page.length < count || !last) break;
    end = `(${last}`;
    if (!filtering) break;
    if (seen >= RECEIPT_SCAN_LIMIT) complete = false;
  }
  if (mine.length > 0) {
    const jsons = await redis.hmget(k.records, ...mine.map((m) => m.key));
    mine.forEach((m, i) => {
      m.text = headline(recordOf(jsons[i])?.intent?.payload);
    });
  }
  return { mine, seen, complete };
}

/**
 * Recent receipts, newest first, across channels or one. A filter reads pages of
 * XREVRANGE until it has `limit` matches or has looked at RECEIPT_SCAN_LIMIT entries per channel.
 */
export async function readReceipts(
  redis: Redis,
  prefix: string,
  filter: ReceiptFilter,
  limit = LIST_LIMIT,
): Promise<ReceiptsView> {
  const per = await Promise.all(
    (filter.channel ? [filter.channel] : CHANNELS).map((c) =>
      channelReceipts(redis, prefix, c, filter, limit),
    ),
  );
  const found = per.flatMap((p) => p.mine);
  found.sort((a, b) => b.at - a.at || (b.id > a.id ? 1 : -1));
  return {
    items: found.slice(0, limit),
    scanned: per.reduce((n, p) => n + p.seen, 0),
    complete: per.every((p) => p.complete),
    filter,
  };
}
