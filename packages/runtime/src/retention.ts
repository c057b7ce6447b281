import { createWriteStream, openSync } from 'node:fs';
import { fieldsToRecord } from '@agent-ops/contracts/codec';
import type { Cluster, Redis } from 'ioredis';

function compareIds(a: string, b: string): number {
  const [am = 0, as = 0] = a.split('-').map(Number);
  const [bm = 0, bs = 0] = b.split('-').map(Number);
  return am - bm || as - bs;
}

const nextId = (id: string) => {
  const [ms = '0', seq = '0'] = id.split('-');
  return `${ms}-${Number(seq) + 1}`;
};

/**
 * The lowest entry id some consumer group still needs: its oldest pending entry, or the
 * first entry it has not been delivered. Everything below it has been acknowledged by
 * every group. Null when the stream has no group, so nothing may be trimmed for groups.
 */
export async function firstNeededId(redis: Redis | Cluster, stream: string): Promise<string | null> {
  let groups: unknown[][];
  try {
    groups = (await redis.xinfo('GROUPS', stream)) as unknown[][];
  } catch {
    return null;
  }
  if (groups.length === 0) return null;
  let needed: string | null = null;
  for (const row of groups) {
    const g = fieldsToRecord(row.map(String));
    const pending = (await redis.xpending(stream, g.name as string)) as [number, string | null];
    const candidate =
      Number(pending[0]) > 0 && pending[1] ? pending[1] : nextId(g['last-delivered-id'] ?? '0-0');
    if (needed === null || compareIds(candidate, needed) < 0) needed = candidate;
  }
  return needed;
}

/**
 * Trims a stream below `minId`, but never below what a consumer group still needs.
 * Exact trimming: an operator reading the numbers must see what they asked for.
 */
export async function trimBelow(
  redis: Redis | Cluster,
  stream: string,
  minId: string | null,
): Promise<number> {
  const needed = await firstNeededId(redis, stream);
  let cut = minId ?? needed;
  if (cut === null) return 0;
  if (needed !== null && compareIds(needed, cut) < 0) cut = needed;
  return Number(await redis.xtrim(stream, 'MINID', cut));
}

/** Intents streams: only what every group has acknowledged. */
export function trimAcknowledged(redis: Redis | Cluster, intents: string): Promise<number> {
  return trimBelow(redis, intents, null);
}

/** Receipts, audit, deadletter: older than `maxAgeMs`, and only once every group has read them. */
export function trimOlderThan(
  redis: Redis | Cluster,
  stream: string,
  maxAgeMs: number,
  now = Date.now(),
): Promise<number> {
  return trimBelow(redis, stream, `${Math.max(0, now - maxAgeMs)}-0`);
}

/** Writes a stream's entries (in id order, a page at a time) as JSONL: {"id", "fields"} per line. */
export async function exportStream(
  redis: Redis | Cluster,
  stream: string,
  path: string,
  from = '-',
  to = '+',
): Promise<number> {
  // Opened here, so an existing file is refused at once instead of as a later stream event.
  const out = createWriteStream('', { fd: openSync(path, 'wx', 0o600) });
  let written = 0;
  let cursor = from;
  try {
    for (;;) {
      const page = await redis.xrange(stream, cursor, to, 'COUNT', 1000);
      for (const [id, fields] of page) {
        if (!out.write(`${JSON.stringify({ id, fields: fieldsToRecord(fields) })}\n`))
          await new Promise<void>((r) => out.once('drain', () => r()));
        written += 1;
      }
      if (page.length < 1000) break;
      cursor = `(${page[page.length - 1]?.[0]}`;
    }
  } finally {
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
  }
  return written;
}
